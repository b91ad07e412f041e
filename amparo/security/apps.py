from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "amparo.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from amparo.security import (  # noqa: F401 - register checks
            antivirus,
            checks,
            ratelimit,
            transport,
        )

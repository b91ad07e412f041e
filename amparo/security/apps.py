from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "amparo.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from amparo.security import checks  # noqa: F401 - registers the system checks

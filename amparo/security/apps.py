from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "amparo.security"
    label = "security"
    verbose_name = "Security"

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "amparo.portal"
    label = "portal"
    verbose_name = "Public portal"

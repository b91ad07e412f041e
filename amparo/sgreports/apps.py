from django.apps import AppConfig


class SgreportsConfig(AppConfig):
    name = "amparo.sgreports"
    label = "sgreports"
    verbose_name = "Reprisals Reports"

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "amparo.analytics"
    label = "analytics"
    verbose_name = "Analytics"

from django.apps import AppConfig


class SufficiencyConfig(AppConfig):
    name = "sufficiency"
    verbose_name = "Indicators"

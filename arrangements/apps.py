from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArrangementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "arrangements"
    verbose_name = _("Arrangements")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditorConfig(AppConfig):
    name = "creditor"
    verbose_name = _("Creditor portal (Ropo One)")

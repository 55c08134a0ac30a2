from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArrangementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "arrangements"
    verbose_name = _("Arrangements")

    def ready(self) -> None:
        from arrangements.selectors import active_plan_invoice_ids
        from collection import hooks

        hooks.register_active_plans(active_plan_invoice_ids)

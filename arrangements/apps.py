from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArrangementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "arrangements"
    verbose_name = _("Arrangements")

    def ready(self) -> None:
        # Collection and payments sit below arrangements and never import it: plans plug
        # into their hooks.
        from arrangements.selectors import active_plan_invoice_ids, invoice_plan_context
        from arrangements.services import InstallmentPayee, plans_check_after_allocation
        from collection import hooks
        from invoices.hooks import register_invoice_detail_context
        from payments.hooks import register_allocation_listener, register_reference_payee

        hooks.register_active_plans(active_plan_invoice_ids)
        register_reference_payee(InstallmentPayee())
        register_allocation_listener(plans_check_after_allocation)
        register_invoice_detail_context(invoice_plan_context)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # collection and invoices sit below payments and never import it: they ask hooks.
        from collection import hooks
        from invoices.hooks import register_invoice_viewer_context, register_paid_total
        from payments.selectors import (
            collected_by_month,
            invoice_page_context,
            paid_by_component,
            paid_total,
            payment_days_by_invoice,
            principal_paid_by_invoice,
        )

        hooks.register_principal_paid(principal_paid_by_invoice)
        register_invoice_viewer_context(invoice_page_context)
        register_paid_total(paid_total)
        hooks.register_payment_days(payment_days_by_invoice)
        hooks.register_paid_by_component(paid_by_component)
        hooks.register_collected_by_month(collected_by_month)

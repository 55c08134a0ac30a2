from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from collection import hooks
        from payments.selectors import last_paid_on, principal_paid_by_invoice

        hooks.register_principal_paid(principal_paid_by_invoice)
        hooks.register_last_paid_on(last_paid_on)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = _("Invoices")

    def ready(self) -> None:
        # accounts sits below invoices and never imports it: the company page claims an
        # invoice through this hook.
        from accounts.hooks import register_organisation_claim
        from invoices.services import InvoiceError, organisation_invoice_claim

        register_organisation_claim(organisation_invoice_claim, refused=InvoiceError)

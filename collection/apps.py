from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "collection"
    verbose_name = _("Collection")

    def ready(self) -> None:
        from collection.detail import invoice_detail_context
        from collection.letters import codes_due_date, explain_charge
        from collection.payoff import payoffs_for
        from invoices.hooks import (
            register_charge_explainer,
            register_codes_due_date,
            register_invoice_detail_context,
            register_payoffs,
        )

        register_invoice_detail_context(invoice_detail_context)
        register_payoffs(payoffs_for)
        register_charge_explainer(explain_charge)
        register_codes_due_date(codes_due_date)

        from django.db.models.signals import post_delete, post_save

        from collection.models import ReferenceRate
        from collection.selectors import REFERENCE_RATES_MEMO
        from myropo.request_memo import forget

        def forget_reference_rates(**kwargs) -> None:
            forget(REFERENCE_RATES_MEMO)

        post_save.connect(forget_reference_rates, sender=ReferenceRate, weak=False)
        post_delete.connect(forget_reference_rates, sender=ReferenceRate, weak=False)

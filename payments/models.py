"""Money received, and how it was allocated to invoices. Rows are appended, never changed.

The payments work extends this (providers, bank files, overpayments, refunds, plans); the
invoice balance already reads `Allocation`.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from invoices.models import Invoice, money_field


class PaymentSource(models.TextChoices):
    ONLINE = "online", _("Online payment")
    BANK = "bank", _("Bank transfer")
    MANUAL = "manual", _("Booked by customer service")


class Payment(models.Model):
    source = models.CharField(_("source"), max_length=10, choices=PaymentSource.choices)
    # The provider's transaction id or the bank entry's reference: one payment per external id.
    external_id = models.CharField(_("external id"), max_length=100)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    reference = models.CharField(_("reference number"), max_length=25, blank=True)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    paid_on = models.DateField(_("payment date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="payment_external_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.amount} {self.paid_on}"


class Component(models.TextChoices):
    COSTS = "costs", _("Costs")
    INTEREST = "interest", _("Interest")
    PRINCIPAL = "principal", _("Principal")


class Allocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    component = models.CharField(_("component"), max_length=10, choices=Component.choices)
    amount = money_field(_("amount"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]
        indexes = [models.Index(fields=["invoice", "component"], name="allocation_invoice_comp")]

    def __str__(self) -> str:
        return f"{self.amount} → {self.invoice}"

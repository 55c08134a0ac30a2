"""Payment plans, due-date transfers, the creditor's arrangement rules and the staff queue.

Transfer counts and the longest single transfer live in `invoices.CreditorSettings` (the Ropo
One screen has them); everything else about arrangements is in `ArrangementRules`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collection.rules import DebtorKind, plan_fee_cap, transfer_fee_cap
from invoices.models import ActedBy, Creditor, DebtorType, Invoice, Stage, money_field

ZERO = Decimal("0.00")
# The highest legal caps over every bracket: a creditor's fee above them could never be charged.
PLAN_FEE_MAX_CONSUMER = plan_fee_cap(DebtorKind.CONSUMER, Decimal("1000000.00"), 5, 0) or ZERO
TRANSFER_FEE_MAX = {kind: transfer_fee_cap(kind, 28, False) for kind in DebtorKind}


class ArrangementRules(models.Model):
    """A creditor's rules for payment plans and due-date transfers (created with defaults)."""

    creditor = models.OneToOneField(
        Creditor, on_delete=models.CASCADE, related_name="arrangement_rules"
    )
    transfer_fee_consumer = money_field(
        _("due-date transfer fee, consumer"),
        default=TRANSFER_FEE_MAX[DebtorKind.CONSUMER],
        validators=[
            MinValueValidator(ZERO),
            MaxValueValidator(TRANSFER_FEE_MAX[DebtorKind.CONSUMER]),
        ],
    )
    transfer_fee_company = money_field(
        _("due-date transfer fee, company"),
        default=TRANSFER_FEE_MAX[DebtorKind.BUSINESS],
        validators=[
            MinValueValidator(ZERO),
            MaxValueValidator(TRANSFER_FEE_MAX[DebtorKind.BUSINESS]),
        ],
    )
    transfer_when_open = models.BooleanField(_("transfers before a reminder"), default=True)
    transfer_when_reminded = models.BooleanField(_("transfers after a reminder"), default=True)
    transfer_when_collection = models.BooleanField(_("transfers in collection"), default=False)
    plans_allowed = models.BooleanField(_("payment plans allowed"), default=True)
    plan_max_installments = models.PositiveSmallIntegerField(
        _("most installments"), default=12, validators=[MinValueValidator(1)]
    )
    plan_min_installment = money_field(
        _("smallest installment"), default=Decimal("20.00"), validators=[MinValueValidator(ZERO)]
    )
    plan_max_months = models.PositiveSmallIntegerField(
        _("longest plan (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    plan_fee_consumer = money_field(
        _("payment plan fee, consumer"),
        default=Decimal("20.00"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(PLAN_FEE_MAX_CONSUMER)],
        help_text=_("Charged at most up to the legal cap of each plan."),
    )
    plan_fee_company = money_field(
        _("payment plan fee, company"),
        default=Decimal("20.00"),
        validators=[MinValueValidator(ZERO)],
    )
    plan_when_open = models.BooleanField(_("plans before a reminder"), default=True)
    plan_when_reminded = models.BooleanField(_("plans after a reminder"), default=True)
    plan_when_collection = models.BooleanField(_("plans in collection"), default=True)
    plan_grace_days = models.PositiveSmallIntegerField(
        _("days a missed installment may stay unpaid before the plan lapses"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("arrangement rules")
        verbose_name_plural = _("arrangement rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    transfer_fee_consumer__range=(0, TRANSFER_FEE_MAX[DebtorKind.CONSUMER]),
                    transfer_fee_company__range=(0, TRANSFER_FEE_MAX[DebtorKind.BUSINESS]),
                    plan_fee_consumer__range=(0, PLAN_FEE_MAX_CONSUMER),
                    plan_fee_company__gte=0,
                    plan_min_installment__gte=0,
                    plan_max_installments__gte=1,
                    plan_max_months__gte=1,
                ),
                name="arrangement_rules_within_caps",
            )
        ]

    def __str__(self) -> str:
        return str(self.creditor)

    def transfer_fee_for(self, debtor_type: str) -> Decimal:
        if debtor_type == DebtorType.COMPANY:
            return self.transfer_fee_company
        return self.transfer_fee_consumer

    def plan_fee_for(self, debtor_type: str) -> Decimal:
        if debtor_type == DebtorType.COMPANY:
            return self.plan_fee_company
        return self.plan_fee_consumer

    def transfer_allowed_in(self, stage: str) -> bool:
        return {
            Stage.OPEN: self.transfer_when_open,
            Stage.REMINDED: self.transfer_when_reminded,
            Stage.COLLECTION: self.transfer_when_collection,
        }.get(stage, False)

    def plan_allowed_in(self, stage: str) -> bool:
        return {
            Stage.OPEN: self.plan_when_open,
            Stage.REMINDED: self.plan_when_reminded,
            Stage.COLLECTION: self.plan_when_collection,
        }.get(stage, False)


class _Acted(ActedBy):
    """An arrangement act, with who did it and on whose behalf (see invoices.models.ActedBy)."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True

    def event_kwargs(self) -> dict:
        return {
            "actor": self.actor,
            "on_behalf_of": self.on_behalf_of,
            "on_behalf_of_organisation": self.on_behalf_of_organisation,
        }


class DueDateTransfer(_Acted):
    """A granted due-date transfer: the invoice's due date moved from `from_date` to `to_date`."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="transfers")
    number = models.PositiveSmallIntegerField(_("transfer number"))
    from_date = models.DateField(_("from"))
    to_date = models.DateField(_("to"))
    fee = money_field(_("fee"), default=ZERO)

    class Meta:
        verbose_name = _("due-date transfer")
        verbose_name_plural = _("due-date transfers")
        ordering = ["invoice", "number"]
        constraints = [
            # A double submission cannot grant a transfer twice: the number is taken under the
            # invoice's row lock, and the same target date is one transfer.
            models.UniqueConstraint(fields=["invoice", "number"], name="transfer_number_once"),
            models.UniqueConstraint(fields=["invoice", "to_date"], name="transfer_date_once"),
            models.CheckConstraint(
                condition=Q(to_date__gt=models.F("from_date")), name="transfer_moves_later"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} → {self.to_date:%Y-%m-%d}"


class PlanState(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    LAPSED = "lapsed", _("Lapsed")
    CANCELLED = "cancelled", _("Cancelled")


# The only moves a plan may make; every other one is refused (`PaymentPlan.can_move_to`).
PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    PlanState.ACTIVE: frozenset({PlanState.COMPLETED, PlanState.LAPSED, PlanState.CANCELLED}),
    PlanState.COMPLETED: frozenset(),
    PlanState.LAPSED: frozenset(),
    PlanState.CANCELLED: frozenset(),
}


class PaymentPlan(_Acted):
    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="plans")
    debtor_type = models.CharField(_("debtor type"), max_length=10, choices=DebtorType.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=PlanState.choices, default=PlanState.ACTIVE
    )
    start_date = models.DateField(_("first installment"))
    balance = money_field(_("balance at the start"))
    fee = money_field(_("plan fee"), default=ZERO)
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=14)
    language = models.CharField(_("language"), max_length=2, default="fi")
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gt=0), name="plan_balance_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="plan_fee_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.creditor} #{self.pk}"

    @property
    def total(self) -> Decimal:
        return self.balance + self.fee

    def can_move_to(self, state: str) -> bool:
        return state in PLAN_TRANSITIONS.get(self.state, frozenset())


class PlanInvoice(models.Model):
    """An invoice in a plan. `active` mirrors the plan's state so that the database itself
    refuses a second active plan for the same invoice."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="plan_invoices")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="plan_entries")
    position = models.PositiveSmallIntegerField(_("order"))
    balance = money_field(_("balance at the start"))
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("invoice in a plan")
        verbose_name_plural = _("invoices in a plan")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(active=True), name="one_active_plan_per_invoice"
            ),
            models.UniqueConstraint(fields=["plan", "invoice"], name="plan_invoice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.invoice}"


class Installment(models.Model):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField(_("installment"))
    due_date = models.DateField(_("due date"))
    amount = money_field(_("amount"))
    reference = models.CharField(_("reference number"), max_length=25, unique=True)
    notice_sent_at = models.DateTimeField(
        _("missed-installment notice sent"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="installment_number_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.number}/{self.due_date:%Y-%m-%d}"


class RequestKind(models.TextChoices):
    TRANSFER = "transfer", _("Due-date transfer")
    PLAN = "plan", _("Payment plan")


class RequestState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class ArrangementRequest(_Acted):
    """An arrangement outside the creditor's rules, waiting for customer service to decide."""

    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="+")
    invoices = models.ManyToManyField(Invoice, related_name="arrangement_requests")
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default=RequestState.REQUESTED
    )
    why_outside = models.CharField(_("outside the rules because"), max_length=300, blank=True)
    message = models.TextField(_("message from the customer"), blank=True)
    # What was asked: {"to_date": "..."} or {"installments": n | "monthly_amount": "..",
    # "start": ".."}; applied as asked when staff approve.
    terms = models.JSONField(_("terms"), default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=500, blank=True)
    plan = models.OneToOneField(
        PaymentPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )
    transfer = models.OneToOneField(
        DueDateTransfer, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )

    class Meta:
        verbose_name = _("arrangement request")
        verbose_name_plural = _("arrangement requests")
        ordering = ["state", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

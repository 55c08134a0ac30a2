"""Money received, how it was allocated to invoices, and money we owe back.

Rows are appended, never changed, except for the guarded state of an order, a queue entry,
an overpayment or a bank account notice. Balances are derived (see
`invoices.selectors.with_balance` and `payments.allocation`).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from invoices.models import Creditor, Invoice, money_field
from payments.ibans import mask_iban


class PaymentSource(models.TextChoices):
    ONLINE = "online", _("Online payment")
    BANK = "bank", _("Bank transfer")
    MANUAL = "manual", _("Booked by customer service")


class OrderState(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Waiting for confirmation")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    MISMATCH = "mismatch", _("Being checked by customer service")


class PaymentOrder(models.Model):
    """One online payment attempt for one or several invoices, before and after the provider.

    `stamp` is our id sent to the provider; `transaction_id` is the provider's, known once the
    provider opened the payment. Together with `provider` it identifies a return or callback.
    """

    stamp = models.UUIDField(_("stamp"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payment_orders",
        verbose_name=_("started by"),
    )
    provider = models.CharField(_("provider"), max_length=20)
    transaction_id = models.CharField(_("transaction id"), max_length=100, blank=True)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    state = models.CharField(
        _("state"), max_length=10, choices=OrderState.choices, default=OrderState.CREATED
    )
    language = models.CharField(_("language"), max_length=2, default="fi")
    receipt_sent_at = models.DateTimeField(_("receipt sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_amount_positive"),
            models.UniqueConstraint(
                fields=["provider", "transaction_id"],
                condition=~Q(transaction_id=""),
                name="order_provider_transaction_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.stamp} {self.amount}"

    @property
    def is_final(self) -> bool:
        return self.state in (OrderState.PAID, OrderState.MISMATCH)


class PaymentOrderLine(models.Model):
    order = models.ForeignKey(PaymentOrder, on_delete=models.CASCADE, related_name="lines")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="order_lines")
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("payment order line")
        verbose_name_plural = _("payment order lines")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_line_amount_positive"),
            models.UniqueConstraint(fields=["order", "invoice"], name="order_line_invoice_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount}"


class BankFileImport(models.Model):
    """A camt.054 file that was imported; its sender and content hash recognise a second delivery.

    The message id alone does not: a bank that sends a corrected file under the same id would
    lose the money in it. A file repeating an earlier (sender, message id) with different
    content is imported entry by entry (entries already booked are skipped by their own
    archive references) and flagged in `message_id_repeated` for staff to look at.
    """

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Admin upload")
        COMMAND = "command", _("Management command")
        DROP_FOLDER = "drop_folder", _("Drop folder")

    file_hash = models.CharField(_("SHA-256 of the file"), max_length=64)
    # The accounts the file reports on (the bank numbers its messages per account).
    sender = models.CharField(_("sender"), max_length=255, blank=True, db_default="")
    message_id = models.CharField(_("message id"), max_length=100)
    message_id_repeated = models.BooleanField(
        _("message id seen before"), default=False, db_default=False
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    entry_count = models.PositiveIntegerField(_("payments in the file"), default=0)
    matched_count = models.PositiveIntegerField(_("matched"), default=0)
    unmatched_count = models.PositiveIntegerField(_("unmatched"), default=0)
    duplicate_count = models.PositiveIntegerField(_("already imported"), default=0)
    total = money_field(_("total"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank file import")
        verbose_name_plural = _("bank file imports")
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["file_hash", "sender"], name="bank_file_once"),
        ]
        indexes = [models.Index(fields=["sender", "message_id"], name="bank_file_message")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.imported_at:%Y-%m-%d})"


class Payment(models.Model):
    source = models.CharField(_("source"), max_length=10, choices=PaymentSource.choices)
    # Online: "<provider>:<transaction id>"; bank: the entry's archive reference (scoped by the
    # receiving account when the file names it). One payment per external id, enforced here.
    external_id = models.CharField(_("external id"), max_length=100)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    reference = models.CharField(_("reference number"), max_length=25, blank=True)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    paid_on = models.DateField(_("payment date"))
    order = models.OneToOneField(
        PaymentOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment",
        verbose_name=_("payment order"),
    )
    bank_import = models.ForeignKey(
        BankFileImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("bank file"),
    )
    position = models.CharField(
        _("position in the file"), max_length=100, blank=True, db_default=""
    )
    message = models.CharField(_("payer's message"), max_length=500, blank=True, db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="payment_external_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            # The statistics' money per month: the payments of a period, joined by id.
            models.Index(fields=["paid_on"], include=["id"], name="payment_paid_on"),
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


class CollectedDay(models.Model):
    """Money allocated to a creditor's invoices on one payment day by one booking: the sum of
    that booking's `Allocation` rows, kept for the statistics' money per month, which would
    otherwise join every allocation of a period with its payment and invoice.

    Derived and immutable, like the allocations: `payments.allocation.allocations_booked`
    appends one row per creditor and day in the transaction that appends the allocations (two
    bookings of one day are two rows, and neither waits for the other); the day's money is
    the sum of its rows.
    """

    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("payment date"))
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("money collected on a day")
        verbose_name_plural = _("money collected per day")
        indexes = [
            models.Index(fields=["creditor", "day"], include=["amount"], name="collected_day"),
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.day} {self.amount}"


class UnmatchedReason(models.TextChoices):
    NO_REFERENCE = "no_reference", _("No reference number")
    UNKNOWN_REFERENCE = "unknown_reference", _("No invoice has this reference number")
    AMBIGUOUS_REFERENCE = "ambiguous_reference", _("Several invoices have this reference number")
    WRONG_ACCOUNT = "wrong_account", _("Paid to an account that is not the creditor's")
    CURRENCY = "currency", _("Currency is not euro")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount differs from the payment order")
    ORDER_MISMATCH = "order_mismatch", _("Does not match the payment order")


class UnmatchedPayment(models.Model):
    """The staff queue: money that arrived but was not booked to an invoice automatically."""

    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="unmatched", verbose_name=_("payment")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=UnmatchedReason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("allocated to"),
    )

    class Meta:
        verbose_name = _("unmatched payment")
        verbose_name_plural = _("unmatched payments")
        ordering = ["resolved_at", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_by__isnull=False),
                name="unmatched_resolved_by_someone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.payment} ({self.get_reason_display()})"


class OverpaymentState(models.TextChoices):
    OPEN = "open", _("Waiting for a bank account")
    NOTICE_RECEIVED = "notice_received", _("Bank account received")
    REFUNDED = "refunded", _("Refunded")


class Overpayment(models.Model):
    """Money above what an invoice was owed (or paid to a closed invoice): we owe it back."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="overpayments")
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="overpayments",
        verbose_name=_("invoice"),
    )
    amount = money_field(_("amount"))
    state = models.CharField(
        _("state"), max_length=16, choices=OverpaymentState.choices, default=OverpaymentState.OPEN
    )
    notified_at = models.DateTimeField(_("payer notified"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("overpayment")
        verbose_name_plural = _("overpayments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="overpayment_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.get_state_display()})"


class NoticeStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    APPROVED = "approved", _("Approved")
    REFUNDED = "refunded", _("Refunded")
    REPLACED = "replaced", _("Replaced by a newer notice")
    REJECTED = "rejected", _("Rejected")


OPEN_NOTICE_STATUSES = (NoticeStatus.RECEIVED, NoticeStatus.APPROVED)


class BankAccountNotice(models.Model):
    """The account a payer gave for the refund of an overpayment ("tilinumeron ilmoittaminen").

    The IBAN is personal data: it is shown through `masked_iban` everywhere, and read in full
    only by the pain.001 export.
    """

    overpayment = models.ForeignKey(Overpayment, on_delete=models.PROTECT, related_name="notices")
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    holder = models.CharField(_("account holder"), max_length=70)
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.RECEIVED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank account notice")
        verbose_name_plural = _("bank account notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["overpayment"],
                condition=Q(status__in=["received", "approved"]),
                name="notice_one_open_per_overpayment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.masked_iban} ({self.get_status_display()})"

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban)


class RefundBatch(models.Model):
    """One exported pain.001 file of refunds, kept as sent to the bank."""

    message_id = models.CharField(_("message id"), max_length=35, unique=True)
    execution_date = models.DateField(_("execution date"))
    count = models.PositiveIntegerField(_("refunds"))
    total = money_field(_("total"))
    xml = models.BinaryField(_("pain.001 file"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund batch")
        verbose_name_plural = _("refund batches")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="refund_batch_total_positive")
        ]

    def __str__(self) -> str:
        return self.message_id


class Refund(models.Model):
    """An approved refund of one overpayment to the account of one notice."""

    overpayment = models.OneToOneField(Overpayment, on_delete=models.PROTECT, related_name="refund")
    notice = models.OneToOneField(
        BankAccountNotice, on_delete=models.PROTECT, related_name="refund"
    )
    amount = money_field(_("amount"))
    batch = models.ForeignKey(
        RefundBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("batch"),
    )
    created_at = models.DateTimeField(_("approved"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")
        ]

    def __str__(self) -> str:
        return f"REFUND-{self.pk} {self.amount}"

    @property
    def end_to_end_id(self) -> str:
        return f"REFUND-{self.pk}"

"""The collection engine's records: reference rates, the daily runs, the steps and letters.

The tables kept their names from the invoices app (`db_table`), where they were created
(invoices migration 0003): the move to this app changed the code, not the data.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from collection.rules import Step
from invoices.models import ZERO, Invoice, Language, money_field


class ReferenceRate(models.Model):
    """The reference rate of one half-year (Korkolaki §12), edited by staff.

    Late-payment interest is this rate plus 7 pp (consumer) or 8 pp (business); days for which
    no row exists accrue no interest until staff add the half-year (never a guess).
    """

    start = models.DateField(_("first day"), unique=True)
    end = models.DateField(_("last day"))
    rate = models.DecimalField(
        _("reference rate %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("-10")), MaxValueValidator(Decimal("50"))],
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "invoices_referencerate"
        verbose_name = _("reference rate")
        verbose_name_plural = _("reference rates")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="refrate_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(start__month__in=(1, 7), start__day=1),
                name="refrate_starts_a_half_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d}–{self.end:%Y-%m-%d} {self.rate} %"

    def clean(self) -> None:
        if self.start is None:
            return
        if (self.start.month, self.start.day) not in ((1, 1), (7, 1)):
            raise ValidationError({"start": _("A half-year starts on 1 January or 1 July.")})
        half_end = (
            self.start.replace(month=6, day=30)
            if self.start.month == 1
            else (self.start.replace(month=12, day=31))
        )
        if self.end != half_end:
            raise ValidationError({"end": _("The half-year ends on %(day)s.") % {"day": half_end}})


class CollectionStepKind(models.TextChoices):
    REMINDER_1 = Step.REMINDER_1.value, _("Payment reminder")
    REMINDER_2 = Step.REMINDER_2.value, _("Second payment reminder")
    DEMAND_1 = Step.DEMAND_1.value, _("Payment demand")
    DEMAND_2 = Step.DEMAND_2.value, _("Second payment demand")
    LEGAL_NOTICE = Step.LEGAL_NOTICE.value, _("Legal-collection notice")
    LEGAL = Step.LEGAL.value, _("Legal collection")


class CollectionRun(models.Model):
    """One run of the daily collection cycle (or a dry run), with what it did."""

    run_date = models.DateField(_("date"), db_index=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    batches = models.PositiveIntegerField(_("batches"), default=0)
    evaluated = models.PositiveIntegerField(_("invoices evaluated"), default=0)
    steps = models.PositiveIntegerField(_("steps taken"), default=0)
    charges = models.PositiveIntegerField(_("charges booked"), default=0)
    letters = models.PositiveIntegerField(_("letters queued"), default=0)
    skipped_locked = models.PositiveIntegerField(_("skipped (another worker)"), default=0)
    counts = models.JSONField(_("steps by kind"), default=dict, blank=True)

    class Meta:
        db_table = "invoices_collectionrun"
        verbose_name = _("collection run")
        verbose_name_plural = _("collection runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.run_date:%Y-%m-%d}{' (dry run)' if self.dry_run else ''}"


class CollectionStep(models.Model):
    """A collection step taken on an invoice: the fact the next decision starts from.

    UNIQUE(invoice, step) is what makes a step (and so its fee, letter and event) happen at
    most once, whatever the number of workers or reruns: the cycle inserts with
    ON CONFLICT DO NOTHING and books the rest only for the rows it actually inserted.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="collection_steps")
    step = models.CharField(_("step"), max_length=16, choices=CollectionStepKind.choices)
    taken_on = models.DateField(_("date"))
    fee = money_field(_("fee"), default=ZERO)
    run = models.ForeignKey(
        CollectionRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "invoices_collectionstep"
        verbose_name = _("collection step")
        verbose_name_plural = _("collection steps")
        ordering = ["taken_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "step"], name="collection_step_once"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="collection_step_fee_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.taken_on:%Y-%m-%d}"


def letter_storage():
    """The private `letters` storage (settings.STORAGES): no URL, served by the letter views."""
    return storages["letters"]


def letter_path(letter: "Letter", filename: str) -> str:
    # Named by us, never by what the letter says: the month, the invoice and the step (one
    # letter per invoice and step, letter_once_per_step), and a token of this render, so that
    # two workers rendering the same letter at once never write the same key (the one that
    # loses the row removes its own file, not the winner's: a storage's free-name check is
    # not atomic, and S3's is no check at all).
    return (
        f"{letter.letter_date:%Y/%m}/{letter.invoice_id}-{letter.step}-{secrets.token_hex(6)}.pdf"
    )


class Letter(models.Model):
    """A reminder or collection letter; the PDF is kept as rendered, a record of what was sent.

    The bytes live in the `letters` storage (a private folder, or a private bucket with
    FILE_STORAGE=s3) so that every web and worker machine reads the same file; a backup of the
    database needs that storage backed up with it. Rendered by a Celery task after the step's
    transaction; `pdf` stays empty until then.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="letters")
    step = models.CharField(_("step"), max_length=16, choices=CollectionStepKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    letter_date = models.DateField(_("letter date"))
    due_date = models.DateField(_("pay by"))
    pdf = models.FileField(
        _("PDF"),
        storage=letter_storage,
        upload_to=letter_path,
        max_length=200,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        db_table = "invoices_letter"
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["letter_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "step"], name="letter_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.letter_date:%Y-%m-%d}"


class StopRequestChannel(models.TextChoices):
    """How the request came: 4 c § 1 mom wants it in writing or in another durable form."""

    MESSAGE = "message", _("MyRopo message")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    OTHER_DURABLE = "other_durable", _("Other durable form")


class StopRequest(models.Model):
    """A consumer's request to stop voluntary collection (perintälaki 4 c §).

    One per invoice (the earliest counts). From `requested_at` on the engine charges no
    collection cost (4 c § 2 mom); the letters that still go say so; interest is no cost
    and still accrues. Recorded only through `collection.services.collection_stop_request`.
    """

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="stop_request")
    requested_at = models.DateTimeField(_("requested at"))
    channel = models.CharField(_("channel"), max_length=16, choices=StopRequestChannel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    source = models.CharField(_("source"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("request to stop voluntary collection")
        verbose_name_plural = _("requests to stop voluntary collection")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.requested_at:%Y-%m-%d}"


class HoldReason(models.TextChoices):
    PAYMENT_REPORT = "payment_report", _("Payment report: staff are looking for the payment")
    CREDITOR_PAUSE = "creditor_pause", _("Paused by the creditor")


class CollectionHold(models.Model):
    """The next collection step waits until `until` (inclusive), unless released earlier.

    A payment report ("I have paid") holds collection while staff look for the payment
    (`rules.payment_report_hold_days`); `source` names what asked for it (e.g. "contact:12"),
    so that the decision on it releases exactly its own holds.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="collection_holds")
    reason = models.CharField(_("reason"), max_length=16, choices=HoldReason.choices)
    # None: until released (a creditor's pause, resumed by the creditor).
    until = models.DateField(_("collection waits until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=64)
    # Why, in the words of whoever asked (a creditor's pause); not shown to the debtor.
    note = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        verbose_name = _("collection hold")
        verbose_name_plural = _("collection holds")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["invoice", "until"],
                name="collection_hold_active",
                condition=Q(released_at__isnull=True),
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "source"], name="collection_hold_once"),
        ]

    def __str__(self) -> str:
        until = f"{self.until:%Y-%m-%d}" if self.until else "…"
        return f"{self.invoice_id} {self.get_reason_display()} → {until}"


class CollectionRecall(models.Model):
    """The creditor recalled the invoice from collection (Ropo One): it leaves the cycle for
    good, no letter goes and no fee is charged any more; the debtor's invoice page says so.
    The creditor's late-payment interest still runs (`collection.services.collection_recall`)."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="recall")
    recalled_at = models.DateTimeField(_("recalled at"), auto_now_add=True)
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("recall from collection")
        verbose_name_plural = _("recalls from collection")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="recall_has_reason")]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.recalled_at:%Y-%m-%d}"

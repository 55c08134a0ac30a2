"""Creditors, invoices and everything that happens to an invoice.

An issued invoice is never edited: fees and interest are appended `Charge` rows, payments are
appended allocations (payments app), and every change of state leaves an `InvoiceEvent`.
The open balance is derived (see `invoices.selectors.with_balance`), never stored.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.fi import hetu as stdnum_hetu
from stdnum.fi import ytunnus as stdnum_ytunnus

from invoices.references import is_installment_reference, is_valid_reference

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


def validate_business_id(value: str) -> None:
    if not stdnum_ytunnus.is_valid(value):
        raise ValidationError(_("Enter a valid Finnish business ID (Y-tunnus), e.g. 1234567-1."))


def validate_personal_identity_code(value: str) -> None:
    if not stdnum_hetu.is_valid(value):
        raise ValidationError(_("Enter a valid Finnish personal identity code."))


def validate_reference_number(value: str) -> None:
    if not is_valid_reference(value):
        raise ValidationError(_("Enter a valid reference number (Finnish or RF)."))


def validate_invoice_reference(value: str) -> None:
    """An invoice's reference, wherever it is entered (the importer checks the same): never
    one of the range payment-plan installments own, whose payments it would take."""
    if is_installment_reference(value):
        raise ValidationError(
            _(
                "The reference %(reference)s is in the range MyRopo keeps for payment plan "
                "installments (14 digits starting with 8). Give the invoice another reference."
            ),
            params={"reference": value},
        )


# Crockford-style alphabet without I, L, O, U: easy to read out over the phone and to type.
MYROPO_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MYROPO_ID_LENGTH = 10


def new_myropo_id() -> str:
    """An unguessable, human-typable id (32^10 ≈ 10^15 values) printed on every letter."""
    return "".join(secrets.choice(MYROPO_ID_ALPHABET) for _ in range(MYROPO_ID_LENGTH))


def normalize_myropo_id(raw: str) -> str:
    """Accepts what people type: lower case, dashes and spaces, O for 0, I/L for 1."""
    text = "".join(ch for ch in raw.upper() if ch.isalnum())
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def format_myropo_id(value: str) -> str:
    return f"{value[:5]}-{value[5:]}" if len(value) == MYROPO_ID_LENGTH else value


class DebtorType(models.TextChoices):
    CONSUMER = "consumer", _("Consumer")
    COMPANY = "company", _("Company")


class Language(models.TextChoices):
    FINNISH = "fi", _("Finnish")
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")


class DeliveryChannel(models.TextChoices):
    """How the invoice and its letters reach the debtor (collection.rules.Channel: each has a
    delivery time in the legal table)."""

    E_INVOICE = "e_invoice", _("e-invoice")
    EMAIL = "email", _("email")
    LETTER_POST = "letter_post", _("letter post")


# 10 days to pay and object after the latest delivery of the slowest channel, letter post
# (7 days): the Consumer Ombudsman 2024. Literal because invoices never imports collection;
# tests/collection/test_settings_caps.py checks it against collection.rules.
MIN_LETTER_PAYMENT_DAYS = 17
ALLOCATION_COMPONENTS = ("costs", "interest", "principal")


def _order_parts(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(","))


class Creditor(models.Model):
    name = models.CharField(_("name"), max_length=200)
    business_id = models.CharField(
        _("business ID"), max_length=9, unique=True, validators=[validate_business_id]
    )
    iban = models.CharField(_("collection account (IBAN)"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    logo = models.ImageField(_("logo"), upload_to="creditor-logos/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("creditor")
        verbose_name_plural = _("creditors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CreditorRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    VIEWER = "viewer", _("Viewer")


class CreditorUser(models.Model):
    """A person who works for a creditor ("Ropo One" user): the creditor portal (`creditor`
    app) shows them its invoices, contacts and statistics; an admin also changes settings,
    users and invoices."""

    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, related_name="users")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="creditor_roles"
    )
    # Viewer by default: a membership added without a thought reads, it does not change.
    role = models.CharField(
        _("role"), max_length=10, choices=CreditorRole.choices, default=CreditorRole.VIEWER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("creditor user")
        verbose_name_plural = _("creditor users")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "user"], name="creditor_user_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.creditor}"


class ReminderLayout(models.TextChoices):
    STANDARD = "standard", _("Standard")
    OWN = "own", _("Own template")


# The highest cap of each fee over all principal brackets, from the legal table
# (collection.rules: reminder_fee_cap, demand_fee_cap): a creditor's fee above it could never
# be charged to anyone, so the settings refuse it. Literal here because invoices never imports
# the collection app; tests/collection/test_settings_caps.py fails when the table moves on.
REMINDER_FEE_MAX: dict[str, Decimal] = {
    "consumer": Decimal("5.00"),
    "business": Decimal("12.00"),
}
DEMAND_FEE_MAX: dict[tuple[str, int], Decimal] = {
    ("consumer", 1): Decimal("50.00"),
    ("consumer", 2): Decimal("25.00"),
    ("business", 1): Decimal("110.00"),
    ("business", 2): Decimal("55.00"),
}


def _days_field(verbose_name) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )


def _fee_field(verbose_name, cap: Decimal, default: Decimal | None = None) -> models.DecimalField:
    return money_field(
        verbose_name,
        default=cap if default is None else default,
        validators=[MinValueValidator(ZERO), MaxValueValidator(cap)],
        help_text=lazy(
            lambda: gettext("At most %(cap)s € (the legal maximum).") % {"cap": cap}, str
        )(),
    )


def message_language_not_enabled(language: str) -> str:
    return gettext(
        "The default message's language (%(language)s) is not enabled. Enable it, or choose "
        "an enabled language for the message."
    ) % {"language": Language(language).label}


def letterhead_storage():
    """The private `letters` storage (settings.STORAGES): a letterhead is read only by the
    letter renderer and by the creditor's settings page, never served by URL."""
    from django.core.files.storage import storages

    return storages["letters"]


def letterhead_path(settings: "CreditorSettings", filename: str) -> str:
    # Named by us, never by the uploaded name; a new token per upload, so a letter being
    # rendered while the logo is replaced reads one whole file or the other.
    return f"letterheads/{settings.creditor_id}-{secrets.token_hex(6)}.png"


def default_enabled_languages() -> list[str]:
    return [Language.FINNISH.value]


def ordered_languages(codes) -> list[str]:
    """The codes among Language's, once each, in Language's order (fi, sv, en)."""
    chosen = set(codes)
    return [code for code in Language.values if code in chosen]


class CreditorSettings(models.Model):
    """The creditor's "Ropo One" settings: reminders, collection and arrangement limits."""

    creditor = models.OneToOneField(Creditor, on_delete=models.CASCADE, related_name="settings")
    receivable_type = models.CharField(_("receivable type"), max_length=100, default="default")
    receivable_basis = models.CharField(_("receivable basis"), max_length=200, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("number of payment reminders"), default=1)
    reminder_layout = models.CharField(
        _("reminder layout"),
        max_length=10,
        choices=ReminderLayout.choices,
        default=ReminderLayout.STANDARD,
    )
    reminder_shows_due_date = models.BooleanField(_("show the due date on reminders"), default=True)
    # The "own template" layout: the creditor's logo and a line of its own at the head of its
    # payment reminders; the sender, the debtor's address and the legally required content
    # stay as in the standard layout.
    letterhead_logo = models.FileField(
        _("letterhead logo"),
        storage=letterhead_storage,
        upload_to=letterhead_path,
        max_length=200,
        blank=True,
        editable=False,
    )
    letterhead_logo_name = models.CharField(
        _("letterhead logo file"), max_length=100, blank=True, editable=False
    )
    # Three lines beside a wide logo in the 12 mm band (pdf.css .letterhead).
    letterhead_text = models.CharField(_("letterhead text"), max_length=80, blank=True)
    reminder_message_language = models.CharField(
        _("language of the default message"),
        max_length=2,
        choices=Language.choices,
        default=Language.FINNISH,
    )
    # The languages the creditor writes to its debtors in (Ropo One's FIN / SWE / ENG); the
    # default message must be in one of them. Kept in the order of Language.
    enabled_languages = ArrayField(
        models.CharField(max_length=2, choices=Language.choices),
        verbose_name=_("enabled languages"),
        default=default_enabled_languages,
    )
    reminder_message = models.TextField(_("default reminder message"), blank=True)
    collection_instructions = models.TextField(_("collection instructions"), blank=True)
    allow_partial_payment = models.BooleanField(_("allow partial payments online"), default=True)
    # Due-date transfers: 0 transfers means "no due-date transfers" (the Ropo One choice).
    company_transfer_limit = models.PositiveSmallIntegerField(
        _("due-date transfers allowed for a company"), default=0
    )
    company_transfer_max_weeks = models.PositiveSmallIntegerField(
        _("longest due-date transfer for a company (weeks)"), default=2
    )
    consumer_transfer_limit = models.PositiveSmallIntegerField(
        _("due-date transfers allowed for a consumer"), default=1
    )
    consumer_transfer_max_weeks = models.PositiveSmallIntegerField(
        _("longest due-date transfer for a consumer (weeks)"), default=2
    )
    allocation_order = models.CharField(
        _("payment allocation order"),
        max_length=40,
        default="costs,interest,principal",
        help_text=_("The order in which a company's payment covers costs, interest and principal."),
    )
    allocation_order_consumer = models.CharField(
        _("payment allocation order, consumer"),
        max_length=40,
        default="interest,principal,costs",
        help_text=_(
            "A consumer's payment covers the costs only after the principal and its interest "
            "(Act on the Collection of Receivables 513/1999, section 11 a, subsection 2)."
        ),
    )
    # Reminder and collection schedule (days count from the previous step) and fees. A fee
    # field may not exceed the highest legal cap for its debtor kind; the engine then charges
    # at most the cap of each invoice's own principal bracket (collection.decision).
    first_reminder_days = _days_field(_("first reminder, days after the due date"))
    reminder_interval_days = _days_field(_("second reminder, days after the first"))
    days_to_collection = _days_field(_("1st payment demand, days after the last reminder"))
    demand_interval_days = _days_field(_("2nd payment demand, days after the first"))
    legal_notice_days = _days_field(_("legal-collection notice, days after the 2nd demand"))
    legal_days = _days_field(_("legal collection, days after the notice"))
    letter_payment_days = models.PositiveSmallIntegerField(
        _("days to pay a reminder or demand letter"),
        default=MIN_LETTER_PAYMENT_DAYS,
        validators=[MinValueValidator(MIN_LETTER_PAYMENT_DAYS), MaxValueValidator(365)],
        help_text=lazy(
            lambda: (
                gettext(
                    "At least %(days)s days: 10 days to pay and object after the letter arrives "
                    "by post at the latest (Consumer Ombudsman 2024)."
                )
                % {"days": MIN_LETTER_PAYMENT_DAYS}
            ),
            str,
        )(),
    )
    reminder_fee_consumer = _fee_field(_("reminder fee, consumer"), REMINDER_FEE_MAX["consumer"])
    reminder_fee_business = _fee_field(_("reminder fee, company"), REMINDER_FEE_MAX["business"])
    use_standard_compensation = models.BooleanField(
        _("charge companies the 40 € standard compensation instead of reminder fees"),
        default=False,
    )
    demand_fee_first_consumer = _fee_field(
        _("1st payment demand fee, consumer"),
        DEMAND_FEE_MAX["consumer", 1],
        default=Decimal("14.00"),
    )
    demand_fee_second_consumer = _fee_field(
        _("2nd payment demand fee, consumer"),
        DEMAND_FEE_MAX["consumer", 2],
        default=Decimal("7.00"),
    )
    demand_fee_first_business = _fee_field(
        _("1st payment demand fee, company"),
        DEMAND_FEE_MAX["business", 1],
        default=Decimal("50.00"),
    )
    demand_fee_second_business = _fee_field(
        _("2nd payment demand fee, company"),
        DEMAND_FEE_MAX["business", 2],
        default=Decimal("25.00"),
    )

    class Meta:
        verbose_name = _("creditor settings")
        verbose_name_plural = _("creditor settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(reminder_count__lte=2), name="settings_reminder_count_max_2"
            ),
            models.CheckConstraint(
                condition=Q(
                    first_reminder_days__gte=1,
                    reminder_interval_days__gte=1,
                    days_to_collection__gte=1,
                    demand_interval_days__gte=1,
                    legal_notice_days__gte=1,
                    legal_days__gte=1,
                ),
                name="settings_days_at_least_1",
            ),
            models.CheckConstraint(
                condition=Q(letter_payment_days__gte=MIN_LETTER_PAYMENT_DAYS),
                name="settings_letter_payment_days_min",
            ),
            # 513/1999 11 a § 2 mom.
            models.CheckConstraint(
                condition=Q(allocation_order_consumer__endswith="costs"),
                name="settings_consumer_costs_last",
            ),
            models.CheckConstraint(
                condition=Q(
                    reminder_fee_consumer__range=(0, REMINDER_FEE_MAX["consumer"]),
                    reminder_fee_business__range=(0, REMINDER_FEE_MAX["business"]),
                    demand_fee_first_consumer__range=(0, DEMAND_FEE_MAX["consumer", 1]),
                    demand_fee_second_consumer__range=(
                        0,
                        DEMAND_FEE_MAX["consumer", 2],
                    ),
                    demand_fee_first_business__range=(0, DEMAND_FEE_MAX["business", 1]),
                    demand_fee_second_business__range=(
                        0,
                        DEMAND_FEE_MAX["business", 2],
                    ),
                ),
                name="settings_fees_within_legal_caps",
            ),
            models.CheckConstraint(
                condition=Q(company_transfer_max_weeks__range=(1, 4))
                & Q(consumer_transfer_max_weeks__range=(1, 4)),
                name="settings_transfer_weeks_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(enabled_languages__len__gte=1)
                & Q(enabled_languages__contained_by=Language.values),
                name="settings_enabled_languages_known",
            ),
        ]

    def __str__(self) -> str:
        return str(self.creditor)

    def clean(self) -> None:
        super().clean()
        if self.reminder_message_language not in (self.enabled_languages or []):
            raise ValidationError(
                {
                    "reminder_message_language": message_language_not_enabled(
                        self.reminder_message_language
                    )
                }
            )
        if (
            self.reminder_layout == ReminderLayout.OWN
            and not self.letterhead_logo
            and not self.letterhead_text.strip()
        ):
            raise ValidationError(
                {
                    "reminder_layout": _(
                        "Your own layout needs your logo or a letterhead text: upload the logo "
                        "or write the text first."
                    )
                }
            )
        if sorted(_order_parts(self.allocation_order)) != sorted(ALLOCATION_COMPONENTS):
            raise ValidationError(
                {
                    "allocation_order": _(
                        "Name costs, interest and principal once each, separated by commas."
                    )
                }
            )
        consumer = _order_parts(self.allocation_order_consumer)
        if sorted(consumer) != sorted(ALLOCATION_COMPONENTS) or consumer[-1] != "costs":
            raise ValidationError(
                {
                    "allocation_order_consumer": _(
                        "A consumer's payment may cover the costs only after the principal and "
                        "its interest (Act on the Collection of Receivables 513/1999, section "
                        "11 a, subsection 2): put costs last."
                    )
                }
            )


class Stage(models.TextChoices):
    OPEN = "open", _("Open")
    REMINDED = "reminded", _("Reminded")
    COLLECTION = "collection", _("In collection")
    LEGAL = "legal", _("Legal collection")
    PAID = "paid", _("Paid")
    CREDITED = "credited", _("Credited")


CLOSED_STAGES = (Stage.PAID, Stage.CREDITED)


class Invoice(models.Model):
    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(_("invoice number"), max_length=40)
    myropo_id = models.CharField(
        _("MyRopo ID"),
        max_length=MYROPO_ID_LENGTH,
        unique=True,
        default=new_myropo_id,
        editable=False,
    )
    debtor_type = models.CharField(_("debtor type"), max_length=10, choices=DebtorType.choices)
    debtor_hetu = models.CharField(
        _("personal identity code"),
        max_length=11,
        blank=True,
        validators=[validate_personal_identity_code],
    )
    debtor_business_id = models.CharField(
        _("business ID"), max_length=9, blank=True, validators=[validate_business_id]
    )
    debtor_name = models.CharField(_("debtor name"), max_length=200)
    debtor_street = models.CharField(_("street address"), max_length=200, blank=True)
    debtor_postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    debtor_city = models.CharField(_("city"), max_length=100, blank=True)
    debtor_email = models.EmailField(_("debtor email"), blank=True)
    issue_date = models.DateField(_("invoice date"))
    # When the invoice was sent to the debtor (imports give it; else the issue date): a
    # consumer reminder fee needs it ≥ 14 days before the due date (513/1999 10 b § 1 mom).
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    delivery_channel = models.CharField(
        _("delivery channel"),
        max_length=12,
        choices=DeliveryChannel.choices,
        default=DeliveryChannel.LETTER_POST,
    )
    due_date = models.DateField(_("due date"))
    original_due_date = models.DateField(_("original due date"))
    reference = models.CharField(
        _("reference number"),
        max_length=25,
        validators=[validate_reference_number, validate_invoice_reference],
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FINNISH
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    principal = money_field(_("invoice amount"))
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.OPEN, db_index=True
    )
    disputed = models.BooleanField(_("disputed"), default=False)
    # The day of the latest payment allocated to the invoice (None before any): derived from
    # the immutable allocation rows and kept by `payments.allocation.last_payment_on_refresh`
    # in the transaction that books them, under the invoice's row lock. The statistics' payment
    # delay and payment time read it instead of joining every allocation and payment.
    last_payment_on = models.DateField(_("latest payment"), null=True, blank=True, editable=False)
    # Whether the timeline holds a reminder (collection, legal-collection) event: set by the
    # collection cycle in the statement that writes the event, never cleared (events are
    # immutable). The statistics' "ever reminded / in collection / in legal collection" read
    # them from the covering index instead of probing the event table per invoice.
    ever_reminded = models.BooleanField(_("ever reminded"), default=False, editable=False)
    ever_in_collection = models.BooleanField(_("ever in collection"), default=False, editable=False)
    ever_in_legal = models.BooleanField(
        _("ever in legal collection"), default=False, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "number"], name="invoice_number_unique"),
            models.CheckConstraint(condition=Q(principal__gte=0), name="invoice_principal_gte_0"),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")), name="invoice_due_after_issue"
            ),
            models.CheckConstraint(
                condition=Q(sent_on__isnull=True) | Q(sent_on__gte=F("issue_date")),
                name="invoice_sent_after_issue",
            ),
            models.CheckConstraint(condition=Q(currency="EUR"), name="invoice_currency_eur"),
            models.CheckConstraint(
                condition=Q(debtor_type="consumer", debtor_business_id="")
                | Q(debtor_type="company", debtor_hetu=""),
                name="invoice_debtor_one_identity",
            ),
        ]
        indexes = [
            # Partial, one per kind of debtor: a consumer's invoice has an empty Y-tunnus and a
            # company's an empty HETU, so a full index holds one value ('') for most rows, and
            # with that statistic PostgreSQL expected a lookup by Y-tunnus to return nearly
            # every invoice and scanned the table instead: 0.5 s per page at 1M consumer
            # invoices for every user through invoices_visible_to (bench/README.md, issue 16).
            models.Index(
                fields=["debtor_hetu", "due_date"],
                condition=Q(debtor_type="consumer"),
                name="invoice_consumer_hetu_due",
            ),
            models.Index(
                fields=["debtor_business_id", "due_date"],
                condition=Q(debtor_type="company"),
                name="invoice_company_ytunnus_due",
            ),
            models.Index(fields=["reference"], name="invoice_reference"),
            # A creditor's statistics over a period read only these columns: an index-only
            # scan reads ~60 MB instead of the table's ~420 MB at 1,000,000 invoices.
            models.Index(
                fields=["creditor", "due_date"],
                include=[
                    "stage",
                    "delivery_channel",
                    "issue_date",
                    "last_payment_on",
                    "ever_reminded",
                    "ever_in_collection",
                    "ever_in_legal",
                    "id",
                ],
                name="invoice_creditor_due_stats",
            ),
            # The daily collection cycle walks the invoices that can still move, in id order.
            models.Index(
                fields=["id"],
                condition=Q(stage__in=("open", "reminded", "collection")),
                name="invoice_collectable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.creditor} {self.number}"

    @property
    def is_closed(self) -> bool:
        return self.stage in CLOSED_STAGES

    @property
    def sent_date(self):
        """The day the invoice was sent: the recorded one, else its issue date."""
        return self.sent_on or self.issue_date

    @property
    def myropo_id_display(self) -> str:
        return format_myropo_id(self.myropo_id)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("row"))
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=1)
    unit_price = money_field(_("unit price"))
    vat_rate = models.DecimalField(_("VAT %"), max_digits=5, decimal_places=2, default=ZERO)
    net_total = money_field(_("net"))
    vat_total = money_field(_("VAT"))
    gross_total = money_field(_("total"))

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position"),
            models.CheckConstraint(
                condition=Q(gross_total=F("net_total") + F("vat_total")),
                name="invoice_line_gross_is_net_plus_vat",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class ChargeKind(models.TextChoices):
    REMINDER_FEE = "reminder_fee", _("Reminder fee")
    STANDARD_COMPENSATION = "standard_compensation", _("Standard compensation")
    DEMAND_FEE = "demand_fee", _("Payment demand fee")
    INTEREST = "interest", _("Late-payment interest")
    TRANSFER_FEE = "transfer_fee", _("Due-date transfer fee")
    PLAN_FEE = "plan_fee", _("Payment plan fee")


class Charge(models.Model):
    """An immutable fee or interest row naming its rule and the legal cap it was checked against."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="charges")
    kind = models.CharField(_("kind"), max_length=24, choices=ChargeKind.choices)
    amount = money_field(_("amount"))
    booked_on = models.DateField(_("booked on"))
    rule = models.CharField(_("rule"), max_length=80)
    creditor_setting = money_field(_("creditor's fee"), null=True, blank=True)
    legal_cap = money_field(_("legal maximum"), null=True, blank=True)
    explanation = models.CharField(_("explanation"), max_length=300, blank=True)
    # Interest rows: the days of delay this row covers (inclusive). The open balance adds the
    # interest accrued after the last `period_end` (collection.selectors).
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("until"), null=True, blank=True)
    # Makes "the same fee twice" impossible: a step's charge carries a key unique per invoice.
    idempotency_key = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["booked_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="charge_amount_positive"),
            models.CheckConstraint(
                condition=Q(legal_cap__isnull=True) | Q(amount__lte=F("legal_cap")),
                name="charge_within_legal_cap",
            ),
            models.UniqueConstraint(
                fields=["invoice", "idempotency_key"], name="charge_idempotency_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Invoice created")
    IMPORTED = "imported", _("Invoice received")
    DELIVERED = "delivered", _("Invoice delivered")
    VIEWED = "viewed", _("Invoice viewed")
    CLAIMED = "claimed", _("Invoice added to MyRopo")
    CLAIM_REMOVED = "claim_removed", _("Access removed by the debtor")
    PAYMENT = "payment", _("Payment received")
    PAID = "paid", _("Invoice paid")
    DUE_DATE_MOVED = "due_date_moved", _("Due date moved")
    REMINDER = "reminder", _("Payment reminder")
    COLLECTION = "collection", _("Moved to collection")
    LEGAL = "legal", _("Moved to legal collection")
    CHARGE = "charge", _("Charge added")
    PLAN = "plan", _("Payment plan")
    MESSAGE = "message", _("Message")
    DISPUTE = "dispute", _("Dispute")
    CREDIT = "credit", _("Credit note")
    # An arrangement asked of customer service and its decision: nothing moved until staff
    # approve it (then the transfer or plan records its own event).
    REQUEST = "request", _("Request to customer service")
    NOTE = "note", _("Note")


class ActedBy(models.Model):
    """Who did it, and on whose behalf ("by X on behalf of Y"): shared by every recorded act."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    on_behalf_of_organisation = models.CharField(
        _("on behalf of organisation"), max_length=200, blank=True
    )

    class Meta:
        abstract = True


class InvoiceEvent(ActedBy):
    """One immutable line of an invoice's timeline, with who did it and on whose behalf."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("invoice event")
        verbose_name_plural = _("invoice events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["invoice", "kind", "created_at"], name="event_kind_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"


class Credit(models.Model):
    """A credit note: an immutable row that lowers an invoice's open balance, with its reason.

    An issued invoice is never edited; a correction (a wrong amount, a cancelled order, a
    goodwill gesture) is a credit of part or all of the open balance, booked by
    `invoices.services.invoice_credit`. The balance spends a credit on the unpaid principal
    first, then interest, then costs (`invoices.credits.CREDIT_ORDER`).
    """

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="credits", verbose_name=_("invoice")
    )
    amount = money_field(_("amount"))
    reason = models.CharField(_("reason"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="credit_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} −{self.amount}"


class AccessMethod(models.TextChoices):
    MYROPO_ID = "myropo_id", _("MyRopo ID")
    NUMBER_AND_REFERENCE = "number_reference", _("Invoice number and reference")


class InvoiceAccess(models.Model):
    """An invoice a user has claimed with its MyRopo ID or its number and reference."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invoice_accesses"
    )
    method = models.CharField(_("method"), max_length=20, choices=AccessMethod.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invoice access")
        verbose_name_plural = _("invoice accesses")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "user"], name="invoice_access_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.invoice}"

"""Forms of the creditor portal."""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from invoices.models import CreditorRole, Language, Stage, ordered_languages

ISO_DATE = "%Y-%m-%d"


def _date(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )


class InvoiceSearchForm(forms.Form):
    """The invoice list's filters (GET); a value that does not validate is ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Invoice number, reference or debtor name"),
                "autocomplete": "off",
            }
        ),
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", pgettext_lazy("stage filter", "All")), *Stage.choices],
    )
    disputed = forms.TypedChoiceField(
        label=_("Disputed"),
        required=False,
        choices=[
            ("", pgettext_lazy("disputed filter", "All")),
            ("yes", _("Disputed")),
            ("no", _("Not disputed")),
        ],
        coerce=lambda value: value == "yes",
        empty_value=None,
    )
    due_from = _date(_("Due from"))
    due_to = _date(_("Due until"))
    issued_from = _date(_("Invoice date from"))
    issued_to = _date(_("Invoice date until"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def valid_filters(self) -> dict:
        self.is_valid()
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name not in self.errors and self.cleaned_data.get(name) not in (None, "")
        }

    def ignored_labels(self) -> list[str]:
        return [str(self.fields[name].label) for name in self.errors if name in self.fields]


# --- Settings → Reminder and collection ("Asetukset ja sopimukset → Muistutus ja perintä") ---

TRANSFER_COUNT_CHOICES = [
    (0, _("No due-date transfers")),
    (1, _("1 transfer")),
    (2, _("2 transfers")),
    (3, _("3 transfers")),
]
TRANSFER_WEEKS_CHOICES = [
    (1, _("1 week")),
    (2, _("2 weeks")),
    (3, _("3 weeks")),
    (4, _("4 weeks")),
]
ALLOCATION_CHOICES_COMPANY = [
    ("costs,interest,principal", _("costs, interest, principal")),
    ("interest,costs,principal", _("interest, costs, principal")),
    ("interest,principal,costs", _("interest, principal, costs")),
    ("principal,interest,costs", _("principal, interest, costs")),
]
# 513/1999 11 a § 2 mom: a consumer's payment covers costs only after principal and interest.
ALLOCATION_CHOICES_CONSUMER = [
    ("interest,principal,costs", _("interest, principal, costs")),
    ("principal,interest,costs", _("principal, interest, costs")),
]


class _FeeCapsMixin:
    """Shows each fee field's legal cap with its section, and refuses a value above it."""

    def _apply_caps(self) -> None:
        from creditor.caps import FEE_FIELDS, fee_cap

        self.caps = {}
        for name in FEE_FIELDS:
            if name not in self.fields:
                continue
            cap = fee_cap(name)
            self.caps[name] = cap
            field = self.fields[name]
            # The model's own validators would refuse without naming the section.
            field.validators = []
            field.max_value = None
            field.widget.attrs.pop("max", None)
            field.help_text = _("At most %(cap)s € (%(section)s).") % {
                "cap": cap.cap,
                "section": cap.section,
            }

    def _clean_fee(self, name: str):
        value = self.cleaned_data.get(name)
        cap = self.caps[name]
        if value is not None and value < 0:
            raise forms.ValidationError(_("A fee cannot be negative."))
        if value is not None and value > cap.cap:
            raise forms.ValidationError(
                _("At most %(cap)s € is allowed here (%(section)s).")
                % {"cap": cap.cap, "section": cap.section}
            )
        return value

    def clean(self):
        cleaned = super().clean()
        for name in self.caps:
            if name in cleaned and name not in self.errors:
                try:
                    cleaned[name] = self._clean_fee(name)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return cleaned


class ReminderSettingsForm(_FeeCapsMixin, forms.ModelForm):
    reminder_count = forms.TypedChoiceField(
        label=_("Number of payment reminders"),
        choices=[(0, "0"), (1, "1"), (2, "2")],
        coerce=int,
    )
    company_transfer_limit = forms.TypedChoiceField(
        label=_("Due-date transfer limit for a company"),
        choices=TRANSFER_COUNT_CHOICES,
        coerce=int,
    )
    company_transfer_max_weeks = forms.TypedChoiceField(
        label=_("Longest due-date transfer for a company"),
        choices=TRANSFER_WEEKS_CHOICES,
        coerce=int,
    )
    consumer_transfer_limit = forms.TypedChoiceField(
        label=_("Due-date transfer limit for a consumer"),
        choices=TRANSFER_COUNT_CHOICES,
        coerce=int,
    )
    consumer_transfer_max_weeks = forms.TypedChoiceField(
        label=_("Longest due-date transfer for a consumer"),
        choices=TRANSFER_WEEKS_CHOICES,
        coerce=int,
    )
    enabled_languages = forms.TypedMultipleChoiceField(
        label=_("Enabled languages"),
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages you write to your debtors in; at least one."),
        error_messages={"required": _("Enable at least one language.")},
    )
    allocation_order = forms.ChoiceField(
        label=_("Payment allocation order, company"), choices=ALLOCATION_CHOICES_COMPANY
    )
    allocation_order_consumer = forms.ChoiceField(
        label=_("Payment allocation order, consumer"),
        choices=ALLOCATION_CHOICES_CONSUMER,
        help_text=_(
            "A consumer's payment covers the costs only after the principal and its interest "
            "(Act on the Collection of Receivables 513/1999, section 11 a, subsection 2)."
        ),
    )

    class Meta:
        from invoices.models import CreditorSettings

        model = CreditorSettings
        fields = [
            "receivable_type",
            "receivable_basis",
            "reminder_count",
            "reminder_layout",
            "letterhead_text",
            "reminder_shows_due_date",
            "enabled_languages",
            "reminder_message_language",
            "reminder_message",
            "collection_instructions",
            "company_transfer_limit",
            "company_transfer_max_weeks",
            "consumer_transfer_limit",
            "consumer_transfer_max_weeks",
            "first_reminder_days",
            "reminder_interval_days",
            "days_to_collection",
            "demand_interval_days",
            "letter_payment_days",
            "reminder_fee_consumer",
            "reminder_fee_business",
            "use_standard_compensation",
            "demand_fee_first_consumer",
            "demand_fee_second_consumer",
            "demand_fee_first_business",
            "demand_fee_second_business",
            "allocation_order",
            "allocation_order_consumer",
        ]
        labels = {
            "receivable_type": _("Receivable type"),
            "receivable_basis": _("Receivable basis"),
            "reminder_layout": _("Reminder layout"),
            "letterhead_text": _("Letterhead text"),
            "reminder_shows_due_date": _("Show the due date on the reminder"),
            "reminder_message_language": _("Language of the default reminder message"),
            "reminder_message": _("Default reminder message"),
            "collection_instructions": _("Instructions for collection"),
        }
        help_texts = {
            "letterhead_text": _(
                "With your own layout, printed beside your logo at the head of your payment "
                "reminders, e.g. your slogan or customer-service number."
            ),
        }
        widgets = {
            "reminder_message": forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
            "collection_instructions": forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._apply_caps()

    def clean_enabled_languages(self) -> list[str]:
        # One order whatever the browser sends, so that an unchanged set is not audited.
        return ordered_languages(self.cleaned_data.get("enabled_languages") or [])

    def clean_reminder_message(self) -> str:
        text = self.cleaned_data.get("reminder_message", "").strip()
        if len(text) > 2000:
            raise forms.ValidationError(_("Keep the message under 2,000 characters."))
        return text


class ArrangementSettingsForm(_FeeCapsMixin, forms.ModelForm):
    class Meta:
        from arrangements.models import ArrangementRules

        model = ArrangementRules
        fields = [
            "transfer_fee_consumer",
            "transfer_fee_company",
            "transfer_when_open",
            "transfer_when_reminded",
            "transfer_when_collection",
            "plans_allowed",
            "plan_max_installments",
            "plan_min_installment",
            "plan_max_months",
            "plan_fee_consumer",
            "plan_fee_company",
            "plan_when_open",
            "plan_when_reminded",
            "plan_when_collection",
            "plan_grace_days",
        ]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", "plans")
        super().__init__(*args, **kwargs)
        self._apply_caps()


# --- Acts on an invoice ---------------------------------------------------------------------


class CreditForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to credit"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("Leave empty to credit the whole open balance."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", _("Accept: credit the invoice")),
            ("reject", _("Reject: collection continues")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason, sent to the debtor"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note for customer service"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LetterheadForm(forms.Form):
    logo = forms.FileField(
        label=_("Your logo"),
        help_text=_(
            "PNG or JPEG, at most 2 MB. Printed at the head of your payment reminders when the "
            "layout is your own."
        ),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Finvoice or CSV file"),
        help_text=_("Finvoice 3.0 XML or our CSV format, at most 10 MB. All or nothing."),
    )


# Ten years: as long as bookkeeping records are kept (kirjanpitolaki 1336/1997 2:10 §); a
# longer period asks for invoices nobody keeps and only makes the page slow.
MAX_PERIOD_YEARS = 10


def _years_before(day: date, years: int) -> date:
    """The same day `years` calendar years earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)
    )
    end = forms.DateField(
        label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date is before the start date."))
        elif start and end and start < _years_before(end, MAX_PERIOD_YEARS) + timedelta(days=1):
            self.add_error(
                "start",
                _("The period can be at most %(years)d years.") % {"years": MAX_PERIOD_YEARS},
            )
        return cleaned


# --- Users ----------------------------------------------------------------------------------


class InviteUserForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=CreditorRole.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=CreditorRole.choices)


class CollectionActForm(forms.Form):
    """Pause, resume or recall: the reason is required (it is audited)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason.")},
    )

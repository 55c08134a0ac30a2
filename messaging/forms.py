"""Forms of the message centre. They validate; the services decide."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import BooleanField, Case, Value, When
from django.utils.translation import gettext_lazy as _

from arrangements.forms import invoice_choice_label
from invoices.models import CLOSED_STAGES, Invoice
from invoices.selectors import with_balance
from messaging.attachments import MAX_FILES, AttachmentError, CleanFile, clean_uploads
from messaging.models import Classification, Outcome
from messaging.services import MAX_BODY

# What a customer can choose; phone and email contacts are classified by staff.
CUSTOMER_CLASSIFICATIONS = [
    (Classification.PAYMENT_REPORT, _("I have paid (payment report)")),
    (Classification.DUE_DATE, _("Due date")),
    (Classification.PAYMENT_PLAN, _("Payment plan")),
    (Classification.DISPUTE, _("I dispute the invoice")),
    (Classification.STOP_COLLECTION, _("Stop voluntary collection (consumers)")),
    (Classification.REFUND, _("Refund or bank account")),
    (Classification.OTHER, _("Something else")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to MAX_FILES PDF/JPEG/PNG files, each checked by its content (messaging.attachments)."""

    widget = MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list[CleanFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        try:
            return clean_uploads(files)
        except AttachmentError as error:
            raise forms.ValidationError(error.message) from None


class InvoiceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, invoice: Invoice) -> str:
        return f"{invoice.creditor.name} · {invoice.number}"


class StaffInvoiceChoiceField(forms.ModelMultipleChoiceField):
    """Staff on the phone tell a customer's invoices apart as the plan form does (number,
    what is open, due date), with the creditor in front: they see every creditor's."""

    def label_from_instance(self, invoice: Invoice) -> str:
        return f"{invoice.creditor.name} · {invoice_choice_label(invoice)}"


class ContactForm(forms.Form):
    classification = forms.ChoiceField(
        label=_("What is your message about?"), choices=CUSTOMER_CLASSIFICATIONS
    )
    invoices = InvoiceChoiceField(
        label=_("Invoices"),
        queryset=Invoice.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    paid_on = forms.DateField(
        label=_("Payment date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Only for a payment report."),
    )
    amount = forms.DecimalField(
        label=_("Amount paid (€)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("Only for a payment report."),
    )
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For a dispute, tell why the invoice is not right: that is your reason."),
    )
    attachments = AttachmentsField(
        label=_("Attachments"),
        help_text=_("PDF, JPEG or PNG, at most 10 MB each and %(count)s files.")
        % {"count": MAX_FILES},
    )

    def __init__(self, *args, invoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoices"].queryset = invoices.select_related("creditor").order_by(
            "-due_date", "-id"
        )

    def clean(self):
        data = super().clean()
        kind = data.get("classification")
        needs_invoice = (
            Classification.DISPUTE,
            Classification.PAYMENT_REPORT,
            Classification.STOP_COLLECTION,
        )
        if kind in needs_invoice and not data.get("invoices"):
            self.add_error("invoices", _("Choose the invoice this message is about."))
        if kind == Classification.PAYMENT_REPORT:
            if not data.get("paid_on"):
                self.add_error("paid_on", _("Give the date of your payment."))
            if not data.get("amount"):
                self.add_error("amount", _("Give the amount you paid."))
        chosen = data.get("invoices") or []
        if len({invoice.creditor_id for invoice in chosen}) > 1:
            self.add_error("invoices", _("Choose invoices of one creditor for one message."))
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = AttachmentsField(label=_("Attachments"))


class FeedbackForm(forms.Form):
    csat = forms.TypedChoiceField(
        label=_("How satisfied are you with the service you got?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 = very dissatisfied, 5 = very satisfied"),
    )
    nps = forms.TypedChoiceField(
        label=_("How likely would you recommend MyRopo to a friend?"),
        choices=[(n, str(n)) for n in range(0, 11)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("0 = not at all likely, 10 = extremely likely"),
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StaffReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    internal = forms.BooleanField(
        label=_("Internal note (the customer never sees it)"), required=False
    )
    attachments = AttachmentsField(label=_("Attachments"))


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: credit the invoice")), ("reject", _("Reject"))],
    )
    amount = forms.DecimalField(
        label=_("Credit amount (€)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("9999999999"))],
        help_text=_("Empty: the whole open balance. Only with one invoice."),
    )
    reason = forms.CharField(
        label=_("Reason (sent to the customer)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ClassifyForm(forms.Form):
    """Staff classify an email or phone contact and pick the customer's invoices it concerns."""

    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    invoices = StaffInvoiceChoiceField(
        label=_("Invoices"),
        queryset=Invoice.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    paid_on = forms.DateField(
        label=_("Paid on (payment report)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    amount = forms.DecimalField(
        label=_("Amount paid (€) (payment report)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    def __init__(self, *args, invoices, **kwargs):
        super().__init__(*args, **kwargs)
        # Open invoices first: a caller asks about what is still to pay.
        closed = Case(
            When(stage__in=CLOSED_STAGES, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        self.fields["invoices"].queryset = (
            with_balance(invoices.select_related("creditor"))
            .annotate(closed_last=closed)
            .order_by("closed_last", "-due_date", "pk")
        )


class PhoneContactForm(forms.Form):
    """A phone call logged by staff: whose it was and what was said."""

    required_css_class = "required"  # the admin's bold labels for required fields

    email = forms.EmailField(label=_("The customer's account email"))
    body = forms.CharField(
        label=_("What the customer said"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

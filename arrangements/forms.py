from decimal import Decimal

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from myropo.templatetags.money import format_euros

# A date input holds ISO dates whatever the page language: "15.12.2026" shows an empty picker.
ISO_DATE = "%Y-%m-%d"


class TransferForm(forms.Form):
    to_date = forms.DateField(
        label=_("New due date"), widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)
    )
    message = forms.CharField(
        label=_("Message to customer service (for a request)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, window=None, **kwargs):
        super().__init__(*args, **kwargs)
        if window is not None and not window.is_empty:
            attrs = self.fields["to_date"].widget.attrs
            attrs["min"] = window.earliest.isoformat()
            attrs["max"] = window.latest.isoformat()


class InvoiceCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes of which some are shown but cannot be ticked (`unavailable` ids)."""

    def __init__(self, *args, unavailable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unavailable = set(unavailable)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.unavailable:
            option["attrs"]["disabled"] = True
        return option


def invoice_choice_label(invoice, refusal: str | None = None) -> str:
    """What tells a person's invoices apart: number, what is open and the due date, and
    why it cannot be in a plan when it cannot."""
    label = gettext("%(number)s · %(amount)s open · due %(date)s") % {
        "number": invoice.number,
        "amount": format_euros(invoice.open_balance),
        "date": date_format(invoice.due_date, "SHORT_DATE_FORMAT"),
    }
    return f"{label} — {refusal}" if refusal else label


class PlanForm(forms.Form):
    invoice = forms.TypedMultipleChoiceField(
        label=_("Invoices"), coerce=int, widget=InvoiceCheckboxes
    )
    start = forms.DateField(
        label=_("First installment"),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )
    installments = forms.IntegerField(
        label=_("Number of installments"), required=False, min_value=1, max_value=600
    )
    monthly_amount = forms.DecimalField(
        label=_("or a monthly amount (€)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
    )
    message = forms.CharField(
        label=_("Message to customer service (for a request)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args,
        invoices=(),
        groups=(),
        refusals=None,
        min_start=None,
        max_start=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        refusals = refusals or {}
        if groups:
            # One heading per (creditor, debtor): a plan takes the invoices of one group.
            self.fields["invoice"].choices = [
                (
                    label,
                    [
                        (invoice.pk, invoice_choice_label(invoice, refusals.get(invoice.pk)))
                        for invoice in members
                    ],
                )
                for label, members in groups
            ]
        else:
            self.fields["invoice"].choices = [
                (
                    invoice.pk,
                    f"{invoice.creditor.name} "
                    f"{invoice_choice_label(invoice, refusals.get(invoice.pk))}",
                )
                for invoice in invoices
            ]
        # Shown, so that the person sees where the invoice is, but not offered.
        self.fields["invoice"].widget.unavailable = set(refusals)
        attrs = self.fields["start"].widget.attrs
        if min_start:
            attrs["min"] = min_start.isoformat()
        if max_start:
            attrs["max"] = max_start.isoformat()
        self.min_start, self.max_start = min_start, max_start

    def clean_start(self):
        start = self.cleaned_data["start"]
        if (self.min_start and start < self.min_start) or (
            self.max_start and start > self.max_start
        ):
            raise forms.ValidationError(
                _("Choose a first installment date between %(first)s and %(last)s.")
                % {"first": self.min_start, "last": self.max_start}
            )
        return start

    def clean(self):
        data = super().clean()
        if bool(data.get("installments")) == bool(data.get("monthly_amount")):
            raise forms.ValidationError(
                _("Choose either the number of installments or a monthly amount.")
            )
        return data

    def terms(self) -> dict:
        data = self.cleaned_data
        terms: dict = {"start": data["start"].isoformat()}
        if data.get("installments"):
            terms["installments"] = data["installments"]
        else:
            terms["monthly_amount"] = str(data["monthly_amount"])
        return terms

"""Forms of the invoice pages: the list's filters and "find an invoice"."""

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from invoices.models import MYROPO_ID_ALPHABET, MYROPO_ID_LENGTH, Creditor, normalize_myropo_id
from invoices.references import is_valid_reference
from invoices.selectors import ListState

# A date input holds ISO dates whatever the page language: "15.12.2026" shows an empty picker.
ISO_DATE = "%Y-%m-%d"


class InvoiceFilterForm(forms.Form):
    """The list's filters (GET). A value that does not validate is dropped, never fatal."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Invoice number, reference or creditor"),
                "autocomplete": "off",
            }
        ),
    )
    state = forms.ChoiceField(
        label=pgettext_lazy("invoice list filter", "Show"),
        choices=ListState.choices,
        required=False,
    )
    creditor = forms.TypedChoiceField(
        label=_("Creditor"), coerce=int, required=False, empty_value=None
    )
    date_from = forms.DateField(
        label=_("Due from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )
    date_to = forms.DateField(
        label=_("Due until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )

    def __init__(self, *args, creditors: Iterable[Creditor] = (), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["creditor"].choices = [("", _("All creditors"))] + [
            (creditor.pk, creditor.name) for creditor in creditors
        ]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def valid_filters(self) -> dict:
        """The values that validated; call after is_valid(). Invalid ones are left out."""
        self.is_valid()
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name not in self.errors and self.cleaned_data.get(name) not in (None, "")
        }

    def ignored_labels(self) -> list[str]:
        return [str(self.fields[name].label) for name in self.errors if name in self.fields]


class InvoiceClaimForm(forms.Form):
    """Find an invoice by its MyRopo ID, or by its number together with its reference."""

    myropo_id = forms.CharField(
        label=_("MyRopo ID"),
        required=False,
        max_length=20,
        help_text=_("Printed on the invoice and on every letter, e.g. 4KQ7M-2XB9D."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    number = forms.CharField(
        label=_("Invoice number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reference = forms.CharField(
        label=_("Reference number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_myropo_id(self) -> str:
        raw = self.cleaned_data["myropo_id"].strip()
        if not raw:
            return ""
        value = normalize_myropo_id(raw)
        if len(value) != MYROPO_ID_LENGTH or any(ch not in MYROPO_ID_ALPHABET for ch in value):
            raise forms.ValidationError(
                _("A MyRopo ID has %(length)d letters and digits, e.g. 4KQ7M-2XB9D."),
                params={"length": MYROPO_ID_LENGTH},
                code="myropo_id_format",
            )
        return value

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip()

    def clean_reference(self) -> str:
        raw = self.cleaned_data["reference"].strip()
        if raw and not is_valid_reference(raw):
            raise forms.ValidationError(
                _("This is not a valid reference number. Check it on your invoice."),
                code="reference_format",
            )
        return raw

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("myropo_id"):
            return cleaned
        number, reference = cleaned.get("number"), cleaned.get("reference")
        if number and not reference:
            self.add_error("reference", _("Enter the reference number too."))
        elif reference and not number:
            self.add_error("number", _("Enter the invoice number too."))
        elif not number and not reference:
            raise forms.ValidationError(
                _("Enter the MyRopo ID, or the invoice number together with the reference number."),
                code="nothing_given",
            )
        return cleaned

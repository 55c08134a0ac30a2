"""Forms of the creditor portal."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from invoices.models import Stage

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

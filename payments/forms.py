"""Forms of the payments app: how much to pay, and where to refund an overpayment."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from schwifty import BIC
from schwifty.exceptions import SchwiftyException

from invoices.models import Invoice
from payments.ibans import InvalidIBAN, bic_for_iban, validate_sepa_iban

CENT = Decimal("0.01")


class PayForm(forms.Form):
    """One amount per invoice when partial payments are allowed; otherwise no fields at all.

    Each amount is more than zero, at most what pays the invoice off today (`amounts`, the
    payoff: interest through today included), and whole cents; an empty field pays it all.
    """

    def __init__(
        self,
        *args,
        invoices: list[Invoice],
        partial: bool,
        amounts: dict[int, Decimal],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.invoices = invoices
        self.partial = partial
        self.amounts = amounts
        if partial:
            for invoice in invoices:
                self.fields[self.field_name(invoice)] = forms.DecimalField(
                    label=_("Amount to pay"),
                    required=False,
                    min_value=CENT,
                    max_value=amounts[invoice.pk],
                    max_digits=12,
                    decimal_places=2,
                    localize=True,
                    initial=amounts[invoice.pk],
                    error_messages={
                        "max_value": _(
                            "You can pay at most the amount to pay today, %(limit_value)s."
                        )
                    },
                )

    @staticmethod
    def field_name(invoice: Invoice) -> str:
        return f"amount_{invoice.pk}"

    def bound_field_for(self, invoice: Invoice):
        return self[self.field_name(invoice)] if self.partial else None

    def lines(self) -> list[tuple[Invoice, Decimal]]:
        """(invoice, amount) pairs to order, after `is_valid()`."""
        whole = self.amounts
        if not self.partial:
            return [(invoice, whole[invoice.pk]) for invoice in self.invoices]
        return [
            (invoice, self.cleaned_data.get(self.field_name(invoice)) or whole[invoice.pk])
            for invoice in self.invoices
        ]


class BankAccountNoticeForm(forms.Form):
    iban = forms.CharField(
        label=_("Account number (IBAN)"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("For example FI21 1234 5600 0007 85."),
    )
    bic = forms.CharField(
        label=_("BIC"),
        max_length=11,
        required=False,
        help_text=_("Needed only when your bank is outside Finland and we cannot find it."),
    )
    holder = forms.CharField(label=_("Account holder"), max_length=70)

    def clean_iban(self) -> str:
        try:
            return validate_sepa_iban(self.cleaned_data["iban"])
        except InvalidIBAN as error:
            raise forms.ValidationError(gettext(error.message), code=error.code) from None

    def clean(self):
        data = super().clean()
        iban = data.get("iban")
        bic = "".join((data.get("bic") or "").split()).upper()
        if bic:
            try:
                BIC(bic)
            except SchwiftyException:
                self.add_error("bic", _("This is not a valid BIC."))
        elif iban and not bic_for_iban(iban):
            self.add_error("bic", _("We could not find your bank's BIC. Please enter it."))
        data["bic"] = bic
        return data

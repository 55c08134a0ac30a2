from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Role, Scope, User
from accounts.phone import InvalidPhoneNumber, normalize_phone
from accounts.services import normalize_business_id


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "preferred_language",
            "phone",
            "notify_new_invoice",
            "notify_reminder",
            "notify_message",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }
        help_texts = {"phone": _("For example 040 123 4567 or +358 40 123 4567.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language by its own name, as in the switcher.
        self.fields["preferred_language"].choices = settings.LANGUAGES
        if not settings.MESSAGE_CENTRE_ENABLED:
            # No answers to be told about until the message centre exists.
            del self.fields["notify_message"]

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data.get("phone", ""))
        except InvalidPhoneNumber:
            raise forms.ValidationError(
                _("Enter a phone number such as 040 123 4567 or +358 40 123 4567."),
                code="invalid_phone",
            ) from None


class OrganisationForm(forms.Form):
    name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    business_id = forms.CharField(
        label=_("Business ID (Y-tunnus)"),
        max_length=12,
        help_text=_("For example 1234567-1."),
    )

    def clean_business_id(self) -> str:
        value = normalize_business_id(self.cleaned_data["business_id"].strip())
        if value is None:
            raise forms.ValidationError(
                _("Enter a valid Finnish business ID (Y-tunnus), e.g. 1234567-1."),
                code="invalid_business_id",
            )
        return value


class InviteMemberForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class OrganisationClaimForm(forms.Form):
    number = forms.CharField(label=_("Invoice number"), max_length=40)
    reference = forms.CharField(label=_("Reference number"), max_length=40)


def grantable_scopes() -> list[tuple[str, str]]:
    """Rights to choose besides seeing: messaging only once there are messages to send."""
    return [
        (value, label)
        for value, label in Scope.choices
        if value != Scope.VIEW and (value != Scope.MESSAGE or settings.MESSAGE_CENTRE_ENABLED)
    ]


class AuthorizationForm(forms.Form):
    """Seeing the invoices is part of every authorization; the other rights are chosen."""

    grantor = forms.ChoiceField(label=_("On behalf of"), required=True)
    email = forms.EmailField(
        label=_("Email address of the person you authorize"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Rights in addition to seeing the invoices"),
        choices=grantable_scopes,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_until = forms.DateField(
        label=_("Valid until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty to keep it valid until you revoke it."),
    )

    def __init__(self, *args, organisations: list[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("self", _("Myself"))]
        choices += [(f"org:{org.pk}", org.name) for org in organisations]
        self.fields["grantor"].choices = choices
        self.organisations = {f"org:{org.pk}": org for org in organisations}
        if len(choices) == 1:
            self.fields["grantor"].widget = forms.HiddenInput()
            self.fields["grantor"].initial = "self"

    def clean_valid_until(self):
        value = self.cleaned_data.get("valid_until")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(
                _("The last day cannot be in the past."), code="past_valid_until"
            )
        return value

    def organisation(self) -> Organisation | None:
        return self.organisations.get(self.cleaned_data["grantor"])

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.phone import InvalidPhoneNumber, normalize_phone


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

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data.get("phone", ""))
        except InvalidPhoneNumber:
            raise forms.ValidationError(
                _("Enter a phone number such as 040 123 4567 or +358 40 123 4567."),
                code="invalid_phone",
            ) from None

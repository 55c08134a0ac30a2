"""The creditor portal's "API keys" page: a creditor admin (MFA) creates and revokes keys.
The secret is shown once, right after it was created; every change is in the creditor audit."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from creditor.access import creditor_view
from creditor.api.keys import CreditorApiKey, issue_key, revoke_key
from creditor.models import CreditorAuditAction
from creditor.services import audit


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    can_read = forms.BooleanField(
        label=gettext_lazy("Read invoices and contacts"), required=False, initial=True
    )
    can_write = forms.BooleanField(label=gettext_lazy("Send invoices"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("can_read") and not data.get("can_write"):
            raise forms.ValidationError(_("Choose at least one scope."))
        return data


@require_http_methods(["GET", "POST"])
@never_cache
@creditor_view(admin=True)
def api_keys_view(request: HttpRequest) -> HttpResponse:
    creditor = request.creditor_access.creditor
    form = ApiKeyForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            issued = issue_key(creditor=creditor, actor=request.user, **form.cleaned_data)
            audit(
                creditor=creditor,
                actor=request.user,
                action=CreditorAuditAction.API_KEY_CREATED,
                data={"key": str(issued.key), "scopes": issued.key.scopes()},
            )
        form = ApiKeyForm()
    response = render(
        request,
        "creditor/api_keys.html",
        {
            "form": form,
            "issued": issued,
            "keys": CreditorApiKey.objects.filter(creditor=creditor),
        },
        status=400 if form.errors else 200,
    )
    return response


@require_POST
@creditor_view(admin=True)
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    creditor = request.creditor_access.creditor
    key = get_object_or_404(CreditorApiKey, pk=pk, creditor=creditor)
    with transaction.atomic():
        if revoke_key(key):
            audit(
                creditor=creditor,
                actor=request.user,
                action=CreditorAuditAction.API_KEY_REVOKED,
                data={"key": str(key)},
            )
    messages.success(request, _("The API key %(name)s was revoked.") % {"name": key.name})
    return redirect("creditor:api_keys")

"""Staff side of arrangements: the creditor's rules, plans, transfers and the request queue."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from arrangements.models import (
    ArrangementRequest,
    ArrangementRules,
    DueDateTransfer,
    Installment,
    PaymentPlan,
    PlanInvoice,
    RequestState,
)
from arrangements.services import ArrangementError, arrangement_request_decide
from invoices.admin import CreditorAdmin
from invoices.models import Creditor


class ArrangementRulesInline(admin.StackedInline):
    model = ArrangementRules
    can_delete = False
    max_num = 1
    verbose_name_plural = _("arrangement rules (transfer counts and weeks are in the settings)")


# The creditor page shows the arrangement rules next to the Ropo One settings.
admin.site.unregister(Creditor)


@admin.register(Creditor)
class CreditorWithRulesAdmin(CreditorAdmin):
    inlines = [*CreditorAdmin.inlines, ArrangementRulesInline]


@admin.register(ArrangementRules)
class ArrangementRulesAdmin(admin.ModelAdmin):
    list_display = [
        "creditor",
        "plans_allowed",
        "plan_max_installments",
        "plan_min_installment",
        "plan_max_months",
        "plan_fee_consumer",
        "transfer_fee_consumer",
        "transfer_fee_company",
    ]
    autocomplete_fields = ["creditor"]


class InstallmentInline(admin.TabularInline):
    model = Installment
    extra = 0
    can_delete = False
    readonly_fields = ["number", "due_date", "amount", "reference", "notice_sent_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PlanInvoiceInline(admin.TabularInline):
    model = PlanInvoice
    extra = 0
    can_delete = False
    readonly_fields = ["invoice", "position", "balance", "active"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PaymentPlan)
class PaymentPlanAdmin(admin.ModelAdmin):
    list_display = ["pk", "creditor", "state", "start_date", "balance", "fee", "created_at"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in PaymentPlan._meta.fields]
    inlines = [PlanInvoiceInline, InstallmentInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DueDateTransfer)
class DueDateTransferAdmin(admin.ModelAdmin):
    list_display = ["invoice", "number", "from_date", "to_date", "fee", "actor", "created_at"]
    readonly_fields = [f.name for f in DueDateTransfer._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


class DecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[
            ("", "—"),
            (RequestState.APPROVED, _("Approve")),
            (RequestState.DECLINED, _("Decline")),
        ],
        required=False,
    )
    reason = forms.CharField(label=_("reason"), required=False, widget=forms.Textarea)

    class Meta:
        model = ArrangementRequest
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        if data.get("decision") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason for the decision."))
        return data


@admin.register(ArrangementRequest)
class ArrangementRequestAdmin(admin.ModelAdmin):
    """The staff queue: requests outside the creditor's rules, decided with a reason."""

    form = DecisionForm
    list_display = ["pk", "kind", "creditor", "state", "actor", "created_at", "decided_by"]
    list_filter = ["state", "kind"]
    readonly_fields = [
        "kind",
        "creditor",
        "invoices_list",
        "terms",
        "why_outside",
        "message",
        "actor",
        "on_behalf_of",
        "on_behalf_of_organisation",
        "created_at",
        "state",
        "decided_by",
        "decided_at",
        "decision_reason",
        "plan",
        "transfer",
    ]

    @admin.display(description=_("invoices"))
    def invoices_list(self, obj: ArrangementRequest) -> str:
        return ", ".join(str(invoice) for invoice in obj.invoices.all())

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj, form, change) -> None:
        decision = form.cleaned_data.get("decision")
        if not decision:
            return
        try:
            arrangement_request_decide(
                request=obj,
                approve=decision == RequestState.APPROVED,
                reason=form.cleaned_data["reason"],
                staff=request.user,
                today=timezone.localdate(),
            )
        except ArrangementError as error:
            self.message_user(request, error.message, messages.ERROR)

    def response_change(self, request, obj):
        obj.refresh_from_db()
        if obj.state == RequestState.REQUESTED and request.POST.get("decision"):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

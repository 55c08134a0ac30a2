"""The message centre's side of `myropo.inbox`: every staff request becomes a contact."""

from django.utils import timezone, translation

from accounts.context import Acting
from accounts.models import Organisation
from messaging.models import AuthorKind, Classification, Contact, ContactState, Message, Outcome
from myropo.inbox import StaffDecision, StaffRequest, on_decision, on_request
from myropo.service_hours import add_service_hours


def open_contact(request: StaffRequest) -> None:
    from django.conf import settings

    from messaging.services import _acting_fields

    owner_user = request.on_behalf_of or (
        request.actor if not request.on_behalf_of_organisation else None
    )
    acting = Acting(request.actor, request.on_behalf_of, request.on_behalf_of_organisation)
    if Contact.objects.filter(source=request.source).exists():
        return
    now = timezone.now()
    invoices = list(request.invoices)
    owner_organisation = (
        _requesting_organisation(request.actor, invoices)
        if request.on_behalf_of_organisation
        else None
    )
    language = getattr(owner_user or request.actor, "preferred_language", "") or "fi"
    contact = Contact.objects.create(
        classification=request.classification
        if request.classification in Classification.values
        else Classification.OTHER,
        owner_user=owner_user,
        owner_organisation=owner_organisation,
        language=language,
        creditor_id=invoices[0].creditor_id if invoices else None,
        created_at=now,
        last_message_at=now,
        sla_due_at=add_service_hours(now, settings.MESSAGING_SLA_SERVICE_HOURS),
        source=request.source,
        **_acting_fields(acting),
    )
    contact.invoices.set(invoices)
    Message.objects.create(
        contact=contact, author_kind=AuthorKind.SYSTEM, body=request.summary, created_at=now
    )
    if request.admin_url:
        # Where staff decide it: an internal note, never in the customer's thread.
        Message.objects.create(
            contact=contact,
            author_kind=AuthorKind.SYSTEM,
            internal=True,
            body=request.admin_url,
            created_at=now,
        )


def _requesting_organisation(actor, invoices) -> Organisation | None:
    """The verified organisation a member asked for: the debtor of the request's invoices.

    Its members then see the contact as their roles allow, like any contact of the company.
    """
    business_ids = {invoice.debtor_business_id for invoice in invoices} - {""}
    if actor is None or len(business_ids) != 1:
        return None
    return Organisation.objects.filter(
        verified=True, business_id=business_ids.pop(), memberships__user=actor
    ).first()


def close_contact(decision: StaffDecision) -> None:
    contact = Contact.objects.select_for_update().filter(source=decision.source).first()
    if contact is None or contact.is_resolved:
        return
    from django.utils.translation import gettext as _

    from messaging.services import _system_message

    with translation.override(contact.language):
        text = (
            _("Your request was approved: %(reason)s")
            if decision.approved
            else _("Your request was not approved: %(reason)s")
        ) % {"reason": _(decision.reason)}  # a catalog text is translated, staff's own is not
    if decision.staff is not None:
        _system_message(contact, decision.staff, text)
    contact.move_to(ContactState.RESOLVED)
    contact.outcome = Outcome.REQUEST_APPROVED if decision.approved else Outcome.REQUEST_REJECTED
    contact.resolution_note = decision.reason
    contact.save()


def register() -> None:
    on_request(open_contact)
    on_decision(close_contact)

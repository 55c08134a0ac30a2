"""The customer's message centre: the inbox, a new message, a thread, files and feedback.

Each view: selector (404 for a contact the user cannot see) → may the user write → form →
one service → render, or redirect after POST.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.context import Acting, acting_context, acting_state
from accounts.selectors import MYSELF, ActingContext
from accounts.staff import has_staff_powers
from invoices.selectors import invoices_in_context
from messaging.drafts import draft_take
from messaging.forms import ContactForm, FeedbackForm, ReplyForm
from messaging.models import Attachment, Classification, ContactState
from messaging.selectors import (
    contacts_in_context,
    contacts_visible_to,
    inbox_rows,
    may_write,
    may_write_in_context,
    messages_for,
    owner_in_context,
    unread_count_all,
)
from messaging.services import (
    MessagingError,
    contact_create,
    contact_mark_read,
    contact_reply,
    feedback_give,
)

PAGE_SIZE = 25
FEEDBACK_SALT = "messaging.feedback"
FEEDBACK_LINK_DAYS = 30


def _language() -> str:
    return (translation.get_language() or "fi")[:2]


def _wants_fragment(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def feedback_token(contact_id: int) -> str:
    return signing.dumps({"contact": contact_id}, salt=FEEDBACK_SALT)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def inbox_view(request: HttpRequest) -> HttpResponse:
    context = acting_context(request)
    state = request.GET.get("state", "")
    contacts = contacts_in_context(request.user, context)
    if state in ContactState.values:
        contacts = contacts.filter(state=state)
    page = Paginator(inbox_rows(request.user, contacts), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = "messaging/inbox.html"
    if _wants_fragment(request):
        template += "#results"
    return render(
        request,
        template,
        {
            "page": page,
            "contacts": page.object_list,
            "state": state,
            "states": ContactState.choices,
            "acting": context,
            "may_write": may_write_in_context(request.user, context),
        },
    )


@login_required
@require_GET
def badge_view(request: HttpRequest) -> HttpResponse:
    """The unread badge of the navigation, fetched by htmx after the page: no page pays for it."""
    return render(request, "messaging/badge.html", {"unread": unread_count_all(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def new_contact_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    context = acting_state(request).current
    if pk is not None:
        # "Send a message" on a company's or a principal's invoice: write in the context the
        # invoice belongs to, whichever one the user has chosen at the moment.
        context = _context_with_invoice(request, pk) or context
    owner = owner_in_context(request.user, context)
    if owner is None:
        raise PermissionDenied
    invoices = invoices_in_context(request.user, context)
    initial = {}
    draft = draft_take(request.user) if request.method == "GET" else ""
    if draft:
        initial["body"] = draft
        initial["classification"] = "other"
    if pk is not None:
        invoice = get_object_or_404(invoices, pk=pk)
        initial["invoices"] = [invoice.pk]
        initial["classification"] = request.GET.get("about", "")
    form = ContactForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        invoices=invoices,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                contact = contact_create(
                    owner=owner,
                    classification=data["classification"],
                    body=data["body"],
                    invoices=list(data["invoices"]),
                    files=data["attachments"],
                    language=_language(),
                    paid_on=data.get("paid_on"),
                    amount=data.get("amount"),
                )
            except MessagingError as error:
                form.add_error(None, error.message)
            else:
                if contact.classification == Classification.DISPUTE:
                    messages.success(
                        request,
                        _(
                            "Your dispute was sent. Collection of the invoice is paused until "
                            "customer service has looked into it."
                        ),
                    )
                else:
                    messages.success(request, _("Your message was sent to customer service."))
                return redirect("messaging:thread", pk=contact.pk)
    return render(
        request,
        "messaging/new.html",
        {"form": form, "acting": context, "has_invoices": invoices.exists()},
        status=status,
    )


def _context_with_invoice(request: HttpRequest, pk: int) -> ActingContext | None:
    state = acting_state(request)
    for context in (state.current, MYSELF, *state.options):
        if invoices_in_context(request.user, context).filter(pk=pk).exists():
            return context
    return None


def _thread_context(request: HttpRequest, contact, form) -> dict:
    writable = may_write(request.user, contact)
    return {
        "contact": contact,
        "thread": messages_for(request.user, contact),
        "invoices": contact.invoices.select_related("creditor"),
        "form": form,
        "may_write": writable,
        "may_reply": writable and (not contact.is_resolved or contact.may_reopen()),
        "feedback_form": FeedbackForm()
        if writable and contact.is_resolved and not hasattr(contact, "feedback")
        else None,
    }


def _visible_contact(request: HttpRequest, pk: int):
    return get_object_or_404(
        contacts_visible_to(request.user).select_related(
            "creditor", "dispute", "payment_report", "feedback"
        ),
        pk=pk,
    )


@login_required
@require_GET
@never_cache
def thread_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    contact_mark_read(contact=contact, user=request.user)
    return render(request, "messaging/thread.html", _thread_context(request, contact, ReplyForm()))


@login_required
@require_POST
def reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    if not may_write(request.user, contact):
        raise PermissionDenied
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            contact_reply(
                contact=contact,
                acting=_acting_for_contact(request.user, contact),
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except MessagingError as error:
            form.add_error(None, error.message)
        else:
            if _wants_fragment(request):
                contact.refresh_from_db()
                return render(
                    request,
                    "messaging/thread.html#conversation",
                    _thread_context(request, contact, ReplyForm()),
                )
            messages.success(request, _("Your reply was sent."))
            return redirect("messaging:thread", pk=contact.pk)
    template = "messaging/thread.html"
    if _wants_fragment(request):
        template += "#conversation"
    return render(request, template, _thread_context(request, contact, form), status=400)


def _acting_for_contact(user, contact) -> Acting:
    """The reply is "by X on behalf of Y" exactly as the contact's party is."""
    if contact.owner_user_id == user.pk:
        return Acting(user)
    if contact.owner_organisation_id:
        return Acting(user, None, contact.owner_organisation.name)
    return Acting(user, contact.owner_user)


@login_required
@require_POST
def feedback_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    if not may_write(request.user, contact):
        raise PermissionDenied
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            feedback_give(contact=contact, user=request.user, **form.cleaned_data)
        except MessagingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("messaging:thread", pk=contact.pk)
    context = _thread_context(request, contact, ReplyForm())
    context["feedback_form"] = form
    return render(request, "messaging/thread.html", context, status=400)


@require_http_methods(["GET", "POST"])
@never_cache
def feedback_link_view(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link of the resolution mail: feedback without logging in, once per contact."""
    from messaging.models import Contact

    try:
        data = signing.loads(token, salt=FEEDBACK_SALT, max_age=FEEDBACK_LINK_DAYS * 86400)
        contact = Contact.objects.select_related("feedback").get(pk=int(data["contact"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Contact.DoesNotExist):
        return render(
            request,
            "messaging/feedback_link.html",
            {"invalid": _("This feedback link is not valid or has expired.")},
            status=400,
        )
    done = hasattr(contact, "feedback")
    form = FeedbackForm(request.POST if request.method == "POST" and not done else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                feedback_give(
                    contact=contact,
                    user=request.user if request.user.is_authenticated else None,
                    **form.cleaned_data,
                )
            except MessagingError as error:
                form.add_error(None, error.message)
            else:
                return render(request, "messaging/feedback_link.html", {"thanks": True})
    return render(
        request,
        "messaging/feedback_link.html",
        {"form": form, "done": done, "contact": contact},
        status=status,
    )


@login_required
@require_GET
def attachment_view(request: HttpRequest, pk: int, token: str) -> FileResponse:
    attachment = (
        Attachment.objects.filter(
            message__contact__in=contacts_visible_to(request.user), token=token, pk=pk
        )
        .select_related("message")
        .first()
    )
    if attachment is None or (attachment.message.internal and not has_staff_powers(request.user)):
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

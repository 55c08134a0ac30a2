"""The creditor API's endpoints (django-ninja): thin, every read through `creditor.selectors`
for the key's creditor, so another creditor's invoice or contact is 404.

Authentication is only the `Authorization: Bearer mr_…` key: a session cookie authenticates
nothing here, and CSRF does not apply (no cookie, no ambient authority). Errors are JSON with
a translated `detail` (Accept-Language, else the creditor's message language); never a 500
for bad input.
"""

import logging
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import File, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.responses import Status
from ninja.security import HttpBearer

from collection.detail import collection_outlook
from collection.payoff import payoff_for
from creditor import selectors
from creditor.api.keys import CreditorApiKey, key_for, touch
from creditor.models import CreditorAuditAction
from creditor.services import audit
from invoices.importing.records import MAX_IMPORT_BYTES, ImportFailed
from invoices.importing.service import invoices_import
from myropo.ratelimit import rate_limit_exceeded

logger = logging.getLogger(__name__)

RATE_LIMIT_PER_MINUTE = getattr(settings, "CREDITOR_API_RATE_LIMIT", 120)
# Calls with a key that is not (or no longer) valid, per client IP: guessing keys is hopeless
# (256 bits), but a client stuck with a revoked one should not hammer the key lookup.
FAILED_KEYS_PER_MINUTE = 30
UPLOAD_SUFFIXES = (".xml", ".csv")


class RateLimited(Exception):
    pass


class ScopeMissing(Exception):
    pass


def _activate_language(request: HttpRequest, key: CreditorApiKey) -> None:
    """Accept-Language when the caller sent one (LocaleMiddleware chose it), else the
    creditor's message language."""
    if request.headers.get("Accept-Language"):
        return
    creditor_settings = getattr(key.creditor, "settings", None)
    language = getattr(creditor_settings, "reminder_message_language", "") or ""
    language = language.lower()[:2]
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


class CreditorKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> CreditorApiKey | None:
        key = key_for(token.strip())
        if key is None:
            from allauth.account.adapter import get_adapter

            address = get_adapter(request).get_client_ip(request) or "unknown"
            if rate_limit_exceeded(
                scope="creditor-api-bad-key",
                key=address,
                limit=FAILED_KEYS_PER_MINUTE,
                period_seconds=60,
            ):
                raise RateLimited
            return None
        _activate_language(request, key)
        if rate_limit_exceeded(
            scope="creditor-api", key=str(key.pk), limit=RATE_LIMIT_PER_MINUTE, period_seconds=60
        ):
            raise RateLimited
        touch(key)
        return key


api = NinjaAPI(
    title="MyRopo creditor API",
    version="1",
    description=(
        "Send invoices, read their status and balance, list customer-service contacts. "
        "Authenticate with `Authorization: Bearer <key>`; keys are created in the creditor "
        "portal (Settings → API keys)."
    ),
    auth=CreditorKeyAuth(),
    urls_namespace="creditor_api",
    docs_url=None,
)


def _key(request: HttpRequest, scope: str) -> CreditorApiKey:
    key: CreditorApiKey = request.auth
    if not getattr(key, f"can_{scope}"):
        raise ScopeMissing(scope)
    return key


# --- Errors ---------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class ProblemOut(Schema):
    position: str
    message: str


class ImportErrorOut(Schema):
    detail: str
    problems: list[ProblemOut]


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": _("A valid, unrevoked API key is required.")}, status=401
    )


@api.exception_handler(ScopeMissing)
def _forbidden(request, exc):
    return api.create_response(
        request,
        {"detail": _("This API key has no %(scope)s scope.") % {"scope": exc.args[0]}},
        status=403,
    )


@api.exception_handler(RateLimited)
def _rate_limited(request, exc):
    response = api.create_response(
        request,
        {"detail": _("Too many requests with this API key; try again in a minute.")},
        status=429,
    )
    response["Retry-After"] = "60"
    return response


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    problems = [
        {
            "position": ".".join(str(part) for part in error.get("loc", ())),
            "message": str(error.get("msg", "")),
        }
        for error in exc.errors
    ]
    return api.create_response(
        request,
        {"detail": _("The request is not valid."), "problems": problems},
        status=422,
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.exception("creditor API: unexpected error")
    return api.create_response(
        request,
        {"detail": _("Something went wrong on our side; nothing was changed.")},
        status=500,
    )


# --- Invoices -------------------------------------------------------------------------------


class BalanceOut(Schema):
    as_of: date
    principal: Decimal
    costs: Decimal
    interest: Decimal
    total: Decimal


class InvoiceOut(Schema):
    id: int
    number: str
    reference: str
    debtor_name: str
    issue_date: date
    due_date: date
    stage: str
    stage_label: str
    disputed: bool
    closed: bool
    balance: BalanceOut
    next_step: str


class CreatedOut(Schema):
    id: int
    number: str


class ImportOut(Schema):
    filename: str
    created: list[CreatedOut]
    skipped: list[str]
    notices: list[ProblemOut]


def _invoice_out(invoice) -> dict:
    today = timezone.localdate()
    owed = payoff_for(invoice, today)
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "reference": invoice.reference,
        "debtor_name": invoice.debtor_name,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "stage": invoice.stage,
        "stage_label": invoice.get_stage_display(),
        "disputed": invoice.disputed,
        "closed": invoice.is_closed,
        "balance": {
            "as_of": today,
            "principal": owed.principal,
            "costs": owed.costs,
            "interest": owed.interest,
            "total": owed.total,
        },
        "next_step": collection_outlook(invoice, today).next_step,
    }


@api.get(
    "/invoices/{int:invoice_id}",
    response={200: InvoiceOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="An invoice's stage, balance (the payoff amount today) and what happens next",
    tags=["invoices"],
)
def invoice_detail(request, invoice_id: int):
    key = _key(request, "read")
    invoice = selectors.creditor_invoice(key.creditor, invoice_id)
    if invoice is None:
        raise Http404
    return _invoice_out(invoice)


@api.get(
    "/invoices",
    response={200: list[InvoiceOut], 401: ErrorOut, 403: ErrorOut},
    summary="The creditor's invoices by number (exact)",
    tags=["invoices"],
)
def invoice_by_number(request, number: str):
    key = _key(request, "read")
    invoices = selectors.creditor_invoices(key.creditor).filter(number=number)
    return [
        _invoice_out(selectors.creditor_invoice(key.creditor, pk))
        for pk in invoices.values_list("pk", flat=True)[:1]
    ]


@api.post(
    "/invoices/import",
    response={201: ImportOut, 401: ErrorOut, 403: ErrorOut, 422: ImportErrorOut},
    summary="Send a Finvoice XML or CSV file: all or nothing; numbers already sent are skipped",
    tags=["invoices"],
)
def invoice_import(request, file: File[UploadedFile]):
    key = _key(request, "write")
    name = file.name or "upload"

    def refused(message: str, problems: list | None = None):
        return Status(422, {"detail": message, "problems": problems or []})

    if not name.lower().endswith(UPLOAD_SUFFIXES):
        return refused(_("Upload a Finvoice XML file (.xml) or a CSV file in our format (.csv)."))
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        return refused(
            _("The file is too large: at most %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // 2**20}
        )
    data = file.read()
    if not data:
        return refused(_("The file is empty."))
    try:
        result = invoices_import(creditor=key.creditor, data=data, filename=name, actor=None)
    except ImportFailed as failed:
        return refused(
            _("Nothing was imported: the file has problems."),
            [{"position": p.position, "message": p.render(_)} for p in failed.problems],
        )
    audit(
        creditor=key.creditor,
        actor=None,
        action=CreditorAuditAction.INVOICES_UPLOADED,
        data={
            "api_key": key.name,
            "filename": result.filename,
            "created": len(result.created),
            "skipped": len(result.skipped),
        },
    )
    return Status(
        201,
        {
            "filename": result.filename,
            "created": [{"id": i.pk, "number": i.number} for i in result.created],
            "skipped": result.skipped,
            "notices": [{"position": p.position, "message": p.render(_)} for p in result.notices],
        },
    )


# --- Contacts -------------------------------------------------------------------------------


class MessageOut(Schema):
    author: str
    body: str
    created_at: datetime


class ContactOut(Schema):
    id: int
    channel: str
    classification: str
    state: str
    subject: str
    created_at: datetime
    resolved_at: datetime | None
    invoice_numbers: list[str]


class ContactDetailOut(ContactOut):
    messages: list[MessageOut]


def _contact_out(contact, creditor_id: int) -> dict:
    return {
        "id": contact.pk,
        "channel": contact.channel,
        "classification": contact.classification,
        "state": contact.state,
        "subject": contact.subject,
        "created_at": contact.created_at,
        "resolved_at": contact.resolved_at,
        # Only this creditor's, whatever else a contact concerns (as the portal's thread).
        "invoice_numbers": sorted(
            i.number for i in contact.invoices.all() if i.creditor_id == creditor_id
        ),
    }


@api.get(
    "/contacts",
    response={200: list[ContactOut], 401: ErrorOut, 403: ErrorOut},
    summary="Customer-service contacts about the creditor's invoices (newest first, at most 200)",
    tags=["contacts"],
)
def contact_list(request):
    key = _key(request, "read")
    contacts = selectors.creditor_contacts(key.creditor).prefetch_related("invoices")[:200]
    return [_contact_out(contact, key.creditor_id) for contact in contacts]


@api.get(
    "/contacts/{int:contact_id}",
    response={200: ContactDetailOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="One contact with its messages (customer service's internal notes never included)",
    tags=["contacts"],
)
def contact_detail(request, contact_id: int):
    key = _key(request, "read")
    contact = (
        selectors.creditor_contacts(key.creditor)
        .prefetch_related("invoices")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise Http404
    out = _contact_out(contact, key.creditor_id)
    out["messages"] = [
        {"author": m.get_author_kind_display(), "body": m.body, "created_at": m.created_at}
        for m in selectors.contact_thread(contact)
    ]
    return out

"""The access matrix, generated from the URLconf (issue 10, "The access matrix, generated").

Every route that takes an object id or key is found by walking the URLconf. Each one is either
in ROUTES (how to build its object, which methods it answers, what each needs) or in EXEMPT
with the reason; a new route with an id in neither fails `test_every_route_with_an_id_is_in_the
_matrix` until it is added. For each route, method and persona the expected answer follows from
one rule, never from a recorded run:

- anonymous → the login page;
- who cannot see the object → 404;
- who sees it without the scope the method needs → 403;
- who may → 200 or 302 (400 for a POST means the permission passed and the empty form was
  refused, which the route's own tests cover).

The object is a company's invoice (verified Y-tunnus) whose admin is the "owner"; a viewer of
the company, people the company authorized with one scope each, a user of the creditor, staff
signed in with a password only and with a second factor, and an unrelated customer complete
the personas. Every request runs inside a savepoint that is rolled back, so one persona's POST
never changes what the next one meets.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.context import Acting
from accounts.models import Membership, OrganisationInvoice, Role
from accounts.services import invitation_send, membership_invite
from arrangements.services import plan_create
from collection.models import Letter
from creditor.api.keys import issue_key
from creditor.models import InvoiceUpload
from invoices.models import CreditorUser, Invoice, InvoiceAccess
from invoices.selectors import with_balance
from messaging.attachments import clean_upload
from messaging.models import Attachment, Classification
from messaging.services import Owner, contact_create
from payments.models import Overpayment, Payment, PaymentOrder, PaymentSource
from tests.accounts.helpers import COMPANY_ID, authorize, company_invoice, organisation_with
from tests.factories import UserFactory
from tests.invoices.test_admin import mfa_login
from tests.messaging.conftest import png_bytes

pytestmark = pytest.mark.django_db

ALL = frozenset({"view", "pay", "arrange", "message"})
# What each persona holds on the company's invoice; None: it cannot see the invoice at all.
PERSONA_SCOPES: dict[str, frozenset[str] | None] = {
    "owner": ALL,  # admin of the verified company the invoice is addressed to
    "other customer": None,
    "company viewer": frozenset({"view"}),
    "authorized: view": frozenset({"view"}),
    "authorized: pay": frozenset({"view", "pay"}),
    "authorized: arrange": frozenset({"view", "arrange"}),
    "authorized: message": frozenset({"view", "message"}),
    # A creditor's user sees its invoices in the creditor portal only (issue 15, item 1).
    "creditor user": None,
    "staff, password only": None,
    "staff with MFA": ALL,
    "creditor viewer with MFA": None,
    "creditor admin with MFA": None,
}
PERSONAS = [*PERSONA_SCOPES, "anonymous"]
ALLOWED_GET = {200, 302}
ALLOWED_POST = {200, 302, 400}


@dataclass
class World:
    users: dict[str, object]
    invoice: Invoice
    objects: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """How to reach one route's object, and what each method needs.

    `get` / `post`: the scope the method needs ("view", "pay", …), or a rule of the route's
    own ("debtor", "member", "admin", "starter", "party", "creditor", "creditor admin");
    None: the method is not answered (405). `kwargs` builds the URL arguments from the world.
    """

    kwargs: Callable[[World], dict]
    get: str | None = None
    post: str | None = None


def _invoice(world: World) -> dict:
    return {"pk": world.invoice.pk}


def _plan(world: World) -> dict:
    return {"pk": world.objects["plan"].pk}


def _contact(world: World) -> dict:
    return {"pk": world.objects["contact"].pk}


def _organisation(world: World) -> dict:
    return {"pk": world.objects["organisation"].pk}


ROUTES: dict[str, Route] = {
    "creditor:invoice": Route(_invoice, get="creditor"),
    "creditor:letter_pdf": Route(lambda w: {"pk": w.objects["letter"].pk}, get="creditor"),
    "creditor:invoice_credit": Route(_invoice, post="creditor admin"),
    "creditor:invoice_dispute": Route(_invoice, post="creditor admin"),
    "creditor:invoice_note": Route(_invoice, post="creditor admin"),
    "creditor:invoice_pause": Route(_invoice, post="creditor admin"),
    "creditor:invoice_resume": Route(_invoice, post="creditor admin"),
    "creditor:invoice_recall": Route(_invoice, post="creditor admin"),
    "creditor:contact": Route(_contact, get="creditor"),
    "creditor:upload_detail": Route(lambda w: {"pk": w.objects["upload"].pk}, get="creditor"),
    "creditor:user_role": Route(
        lambda w: {"pk": w.objects["creditor_membership"].pk}, post="creditor admin"
    ),
    "creditor:user_remove": Route(
        lambda w: {"pk": w.objects["creditor_membership"].pk}, post="creditor admin"
    ),
    "creditor:invitation_cancel": Route(
        lambda w: {"pk": w.objects["creditor_invitation"].pk}, post="creditor admin"
    ),
    "creditor:api_key_revoke": Route(
        lambda w: {"pk": w.objects["api_key"].pk}, post="creditor admin"
    ),
    "invoices:detail": Route(_invoice, get="view"),
    "invoices:pdf": Route(_invoice, get="view"),
    "invoices:claim_remove": Route(
        lambda w: {"pk": w.invoice.pk, "claim_pk": w.objects["claim"].pk}, post="debtor"
    ),
    "invoices:organisation_claim_remove": Route(
        lambda w: {"pk": w.invoice.pk, "claim_pk": w.objects["organisation_claim"].pk},
        post="debtor",
    ),
    "letters:pdf": Route(lambda w: {"pk": w.objects["letter"].pk}, get="view"),
    "payments:pay": Route(_invoice, get="pay", post="pay"),
    "payments:order": Route(lambda w: {"stamp": w.objects["order"].stamp}, get="starter"),
    "payments:bank_account_notice": Route(
        lambda w: {"pk": w.objects["overpayment"].pk}, get="pay", post="pay"
    ),
    "arrangements:due_date": Route(_invoice, get="arrange", post="arrange"),
    "arrangements:plan": Route(_invoice, get="arrange", post="arrange"),
    "arrangements:plan_detail": Route(_plan, get="view"),
    "arrangements:plan_pdf": Route(_plan, get="view"),
    "arrangements:plan_cancel": Route(_plan, post="arrange"),
    "arrangements:installment_pay": Route(lambda w: {**_plan(w), "number": 1}, post="pay"),
    "accounts:company": Route(_organisation, get="member"),
    "accounts:company_invite": Route(_organisation, post="admin"),
    "accounts:company_claim": Route(_organisation, post="member"),
    "accounts:member_role": Route(
        lambda w: {**_organisation(w), "member_pk": w.objects["target_membership"].pk},
        post="admin",
    ),
    "accounts:member_remove": Route(
        lambda w: {**_organisation(w), "member_pk": w.objects["target_membership"].pk},
        post="admin",
    ),
    "accounts:company_invitation_cancel": Route(
        lambda w: {**_organisation(w), "invitation_pk": w.objects["invitation"].pk},
        post="admin",
    ),
    "accounts:authorization_revoke": Route(
        lambda w: {"pk": w.objects["authorization: view"].pk}, post="party"
    ),
    # The message centre: the company's contact about the invoice (issue 13).
    "messaging:new": Route(_invoice, get="message", post="message"),
    "messaging:thread": Route(_contact, get="contact"),
    "messaging:reply": Route(_contact, post="contact writer"),
    "messaging:feedback": Route(_contact, post="contact writer"),
    "messaging:attachment": Route(
        lambda w: {"pk": w.objects["attachment"].pk, "token": w.objects["attachment"].token},
        get="contact",
    ),
}

# Routes with an id or key that are not a customer's object, each with where it is tested.
EXEMPT: dict[str, str] = {
    "messaging:feedback_link": "a signed single-use feedback token from the resolution mail "
    "(test_feedback)",
    "accounts:invitation": "a signed single-use token for one email address (test_invitations)",
    "accounts:oidc_login": "the identification provider's id, not an object (test_oidc)",
    "accounts:oidc_callback": "the identification provider's callback (test_oidc)",
    "payments:return_success": "the payment provider's signed return (test_pay, test_sandbox)",
    "payments:return_cancel": "the payment provider's signed return (test_pay, test_sandbox)",
    "payments:callback_success": "the provider's signed server callback (test_pay_paytrail)",
    "payments:callback_cancel": "the provider's signed server callback (test_pay_paytrail)",
    "payments:sandbox": "the sandbox bank's page, PAYMENTS_SANDBOX only (test_sandbox_provider)",
    "payments:sandbox_decide": "the sandbox bank's page, PAYMENTS_SANDBOX only",
    "account_confirm_email": "allauth: an emailed confirmation key",
    "account_reset_password_from_key": "allauth: an emailed password-reset key",
    "mfa_remove_webauthn": "allauth: the signed-in user's own passkeys only",
    "mfa_edit_webauthn": "allauth: the signed-in user's own passkeys only",
    "openid_connect_login": "allauth: the identification provider's id",
    "openid_connect_callback": "allauth: the identification provider's callback",
    "chat:end": "a chat is its customer's own, never a company's: 404 for anyone else "
    "(tests/chat/test_widget.py)",
    "chat:feedback": "a chat is its customer's own (tests/chat/test_widget.py)",
    "chat:transcript": "a chat is its customer's own (tests/chat/test_widget.py)",
    "creditor_api:invoice_detail": "the creditor API: an API key, never a session (401 for "
    "every persona here); its own matrix of keys is tests/creditor/test_api.py",
    "creditor_api:contact_detail": "the creditor API: an API key, never a session; its own "
    "matrix of keys is tests/creditor/test_api.py",
}


def _routes_with_ids(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes_with_ids(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if "<" in route or "(?P" in route:
                yield f"{namespace}{entry.name}", route


def routes_with_ids() -> dict[str, str]:
    """Every named route outside the admin whose path takes an argument."""
    return {
        name: route
        for name, route in _routes_with_ids(get_resolver().url_patterns)
        # The admin lets in only staff with a second factor (myropo.admin_site, test_admin).
        if not name.startswith("admin:")
    }


def test_every_route_with_an_id_is_in_the_matrix():
    found = routes_with_ids()
    unknown = sorted(set(found) - set(ROUTES) - set(EXEMPT))
    assert not unknown, (
        "Routes with an id that the access matrix does not know; add each to ROUTES "
        f"(or to EXEMPT with the reason): {[(name, found[name]) for name in unknown]}"
    )
    assert not sorted((set(ROUTES) | set(EXEMPT)) - set(found)), "stale matrix entries"


# --- The world -------------------------------------------------------------------------------


def build_world() -> World:
    owner = UserFactory(email="owner@example.test")
    organisation = organisation_with(owner, role=Role.ADMIN, business_id=COMPANY_ID)
    today = timezone.localdate()
    invoice = company_invoice(
        principal=Decimal("300.00"),
        issue_date=today - timedelta(days=7),
        due_date=today + timedelta(days=14),
    )
    users: dict[str, object] = {"owner": owner, "other customer": UserFactory()}
    viewer = UserFactory()
    viewer_membership = Membership.objects.create(
        organisation=organisation, user=viewer, role=Role.VIEWER
    )
    users["company viewer"] = viewer
    world = World(users=users, invoice=invoice)
    # The member whose role is changed or who is removed: someone other than the personas
    # (a member may always leave an organisation itself).
    target = Membership.objects.create(
        organisation=organisation, user=UserFactory(), role=Role.PAYER
    )
    world.objects.update(organisation=organisation, viewer_membership=viewer_membership)
    world.objects["target_membership"] = target
    for scope in ("view", "pay", "arrange", "message"):
        grantee = UserFactory()
        users[f"authorized: {scope}"] = grantee
        scopes = ["view", scope] if scope != "view" else ["view"]
        world.objects[f"authorization: {scope}"] = authorize(
            owner, grantee, scopes, organisation=organisation
        )
    clerk = UserFactory()
    world.objects["creditor_membership"] = CreditorUser.objects.create(
        creditor=invoice.creditor, user=clerk
    )
    users["creditor user"] = clerk
    for role in ("viewer", "admin"):
        member = UserFactory()
        CreditorUser.objects.create(creditor=invoice.creditor, user=member, role=role)
        users[f"creditor {role} with MFA"] = member
    users["staff, password only"] = UserFactory(is_staff=True, is_superuser=True)
    users["staff with MFA"] = UserFactory(is_staff=True, is_superuser=True)

    stranger = UserFactory()
    world.objects["claim"] = InvoiceAccess.objects.create(
        invoice=invoice, user=stranger, method="number_reference"
    )
    elsewhere = organisation_with(stranger, business_id="0737546-2", verified=False)
    world.objects["organisation_claim"] = OrganisationInvoice.objects.create(
        organisation=elsewhere, invoice=invoice
    )
    world.objects["invitation"] = membership_invite(
        organisation=organisation, invited_by=owner, email="new@example.test", role="viewer"
    )
    world.objects["creditor_invitation"] = invitation_send(
        kind="creditor",
        target_id=invoice.creditor_id,
        email="clerk@example.test",
        role="viewer",
        invited_by=owner,
    )
    world.objects["letter"] = Letter.objects.create(
        invoice=invoice,
        step="reminder_1",
        language="fi",
        letter_date=today,
        due_date=today + timedelta(days=14),
        pdf=ContentFile(b"%PDF-1.4 test", name="letter.pdf"),
        rendered_at=timezone.now(),
    )
    world.objects["order"] = PaymentOrder.objects.create(
        user=owner, provider="sandbox", amount=Decimal("300.00")
    )
    payment = Payment.objects.create(
        source=PaymentSource.MANUAL, external_id="MATRIX-1", amount=Decimal("5.00"), paid_on=today
    )
    world.objects["overpayment"] = Overpayment.objects.create(
        payment=payment, invoice=invoice, amount=Decimal("5.00")
    )
    world.objects["plan"] = plan_create(
        invoices=list(
            with_balance(Invoice.objects.filter(pk=invoice.pk)).select_related("creditor")
        ),
        start=today + timedelta(days=7),
        acting=Acting(owner),
        today=today,
        installments=3,
    )
    contact = contact_create(
        owner=Owner(Acting(owner, None, organisation.name), organisation=organisation),
        classification=Classification.OTHER,
        body="Kysymys laskusta",
        invoices=[invoice],
        files=[clean_upload(name="kuitti.png", data=png_bytes())],
    )
    world.objects["contact"] = contact
    world.objects["upload"] = InvoiceUpload.objects.create(
        creditor=invoice.creditor, filename="laskut.csv", size=0, state="done"
    )
    world.objects["attachment"] = Attachment.objects.get(message__contact=contact)
    world.objects["api_key"] = issue_key(
        creditor=invoice.creditor, actor=None, name="ERP", can_read=True, can_write=False
    ).key
    return world


def client_for(world: World, persona: str) -> Client:
    client = Client()
    if persona == "anonymous":
        return client
    user = world.users[persona]
    if persona.endswith("with MFA"):
        return mfa_login(client, user)
    client.force_login(user)
    return client


def expected(world: World, persona: str, need: str) -> str:
    """ "ok", "403", "404" or "login", from the persona's relation to the object."""
    if persona == "anonymous":
        return "login"
    if need in {"member", "admin"}:
        # Organisation pages: the company's own people; staff have no say there.
        if persona == "owner":
            return "ok"
        if persona == "company viewer":
            return "ok" if need == "member" else "403"
        return "404"
    if need == "starter":  # a payment order: who started it, and customer service
        return "ok" if persona in {"owner", "staff with MFA"} else "404"
    if need in {"contact", "contact writer"}:
        # A contact: the party's people (company members by role, those it authorized with
        # `message`) and customer service with MFA; the creditor reads it in its own portal.
        readers = {"owner", "company viewer", "authorized: message"}
        if persona not in readers | {"staff with MFA"}:
            return "404"
        if need == "contact":
            return "ok"
        return "ok" if persona in {"owner", "authorized: message"} else "403"
    if need in {"creditor", "creditor admin"}:
        # The creditor portal (issue 15): the invoice's creditor's users with a second factor;
        # without one they are told to use it (403), a viewer may not act (403).
        if persona == "creditor user":
            return "403"
        if persona == "creditor admin with MFA":
            return "ok"
        if persona == "creditor viewer with MFA":
            return "ok" if need == "creditor" else "403"
        return "404"
    if need == "party":  # an authorization: its grantor's and its grantee's only
        return "ok" if persona in {"owner", "authorized: view"} else "404"
    scopes = PERSONA_SCOPES[persona]
    if scopes is None:
        return "404"
    if need == "debtor":  # the debtor itself removes claims, nobody acting for it
        return "ok" if persona == "owner" else "403"
    return "ok" if need in scopes else "403"


def _answer(response, allowed: set[int]) -> str:
    if response.status_code in (302, 301) and "/accounts/login/" in response["Location"]:
        return "login"
    if response.status_code in allowed:
        return "ok"
    return str(response.status_code)


def _request(client: Client, method: str, url: str):
    # Rolled back after each request: a POST that is allowed changes nothing for the next.
    savepoint = transaction.savepoint()
    try:
        return client.get(url) if method == "GET" else client.post(url, {})
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_access_matrix(name):
    route = ROUTES[name]
    world = build_world()
    url = reverse(name, kwargs=route.kwargs(world))
    failures = []
    for persona in PERSONAS:
        client = client_for(world, persona)
        for method, need in (("GET", route.get), ("POST", route.post)):
            response = _request(client, method, url)
            if need is None:
                want, got = "405", str(response.status_code)
                if persona == "anonymous" and _answer(response, set()) == "login":
                    got = "405"  # login_required answers before the method check
            else:
                want = expected(world, persona, need)
                got = _answer(response, ALLOWED_GET if method == "GET" else ALLOWED_POST)
            if got != want:
                failures.append(f"{persona} {method}: expected {want}, got {got}")
    assert not failures, f"{name} ({url}):\n" + "\n".join(failures)


def test_no_two_routes_with_ids_share_a_name():
    # The matrix knows routes by name: a second id route under a known name would hide.
    names = [
        name
        for name, _route in _routes_with_ids(get_resolver().url_patterns)
        if not name.startswith("admin:")
    ]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []


# Routes that take an object's id in the query string or the form, not in the path: each
# persona reaches them with the world's invoice as that parameter.
QUERY_ROUTES = {
    "payments:pay": Route(
        kwargs=lambda world: {"invoice": world.invoice.pk}, get="pay", post="pay"
    ),
}


@pytest.mark.parametrize("name", sorted(QUERY_ROUTES))
def test_access_matrix_of_ids_in_the_query(name):
    from urllib.parse import urlencode

    route = QUERY_ROUTES[name]
    world = build_world()
    # the path without an id (e.g. /pay/), the object named in the query
    url = f"{reverse(name)}?{urlencode(route.kwargs(world))}"
    failures = []
    for persona in PERSONAS:
        client = client_for(world, persona)
        for method, need in (("GET", route.get), ("POST", route.post)):
            response = _request(client, method, url)
            want = expected(world, persona, need)
            got = _answer(response, ALLOWED_GET if method == "GET" else ALLOWED_POST)
            if got != want:
                failures.append(f"{persona} {method}: expected {want}, got {got}")
    assert not failures, f"{name} ({url}):\n" + "\n".join(failures)


def test_the_plan_form_never_shows_an_invoice_named_in_the_query_to_outsiders():
    world = build_world()
    number = world.invoice.number
    query = {"invoice": world.invoice.pk, "start": world.invoice.due_date.isoformat()}
    for persona, scopes in PERSONA_SCOPES.items():
        if scopes is not None:
            continue
        response = client_for(world, persona).get(reverse("arrangements:plan_new"), query)
        assert response.status_code in {200, 302, 400, 403, 404}, persona
        assert number not in response.content.decode(), persona

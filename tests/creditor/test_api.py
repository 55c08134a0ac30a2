"""The creditor API (issue 15, item 8): per-creditor keys (hashed, scoped, revocable), the
permission matrix (A's key never reaches B's invoices or contacts), the import with the
importer's report, rate limits, the OpenAPI document, and the keys page in the portal."""

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.context import Acting
from creditor.api import endpoints
from creditor.api.keys import CreditorApiKey, issue_key, revoke_key
from creditor.models import CreditorAuditAction, CreditorAuditEvent
from invoices.models import Invoice, InvoiceAccess
from messaging.models import Classification
from messaging.services import Owner, contact_create, staff_reply

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "invoices" / "fixtures"
BASE = "/api/creditor/v1"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def key(creditor, *, read=True, write=True):
    return issue_key(
        creditor=creditor, actor=None, name="ERP", can_read=read, can_write=write
    ).plaintext


def call(path, token=None, method="get", client=None, **kwargs):
    client = client or Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return getattr(client, method)(BASE + path, **headers, **kwargs)


@pytest.fixture
def contact(alice, invoice):
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    return contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.DISPUTE,
        body="Tuotetta ei toimitettu.",
        invoices=[invoice],
    )


def test_the_key_is_shown_once_and_kept_only_as_a_hash(creditor):
    plaintext = key(creditor)
    row = CreditorApiKey.objects.get()
    secret = plaintext.split("_", 2)[2]
    assert plaintext.startswith(f"mr_{row.prefix}_")
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in CreditorApiKey.objects.values().get().values())
    assert secret not in stored


def test_invoice_status_balance_and_next_step(creditor, invoice):
    token = key(creditor)
    response = call(f"/invoices/{invoice.pk}", token)
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == "A-1001" and body["stage"] == invoice.stage
    # Money as strings of Decimal, dates ISO.
    assert isinstance(body["balance"]["total"], str)
    assert Decimal(body["balance"]["total"]) > 0
    assert body["due_date"] == invoice.due_date.isoformat()
    assert body["next_step"]
    assert CreditorApiKey.objects.get().last_used_at is not None
    by_number = call("/invoices?number=A-1001", token).json()
    assert [row["id"] for row in by_number] == [invoice.pk]


def test_permission_matrix(creditor, other_creditor, invoice, other_invoice, contact):
    a, b = key(creditor), key(other_creditor)
    read_only, write_only = key(creditor, write=False), key(creditor, read=False)
    revoked = key(creditor)
    revoke_key(CreditorApiKey.objects.get(prefix=revoked.split("_")[1]))
    forged = a[:-4] + "AAAA"
    for path in (f"/invoices/{invoice.pk}", "/contacts", f"/contacts/{contact.pk}"):
        assert call(path, a).status_code == 200, path
        assert call(path, read_only).status_code == 200, path
        assert call(path, write_only).status_code == 403, path
        for bad in (None, revoked, forged, "nonsense"):
            response = call(path, bad)
            assert response.status_code == 401, (path, bad)
            assert response.json()["detail"]
    # Creditor B's key: A's invoice and contact do not exist.
    assert call(f"/invoices/{invoice.pk}", b).status_code == 404
    assert call(f"/contacts/{contact.pk}", b).status_code == 404
    assert call("/contacts", b).json() == []
    assert call(f"/invoices/{other_invoice.pk}", a).status_code == 404
    assert call("/invoices?number=B-2002", a).json() == []
    # Writing needs the write scope.
    upload = SimpleUploadedFile("x.csv", (FIXTURES / "invoices_valid.csv").read_bytes())
    assert call("/invoices/import", read_only, "post", data={"file": upload}).status_code == 403


def test_a_session_cookie_does_not_authenticate_the_api(admin_client, invoice):
    response = call(f"/invoices/{invoice.pk}", client=admin_client)
    assert response.status_code == 401


def test_contacts_never_show_internal_notes(creditor, contact, staff):
    staff_reply(contact=contact, staff=staff, body="Sisäinen: tarkista", internal=True)
    staff_reply(contact=contact, staff=staff, body="Selvitämme asiaa.")
    token = key(creditor)
    listing = call("/contacts", token).json()
    assert [row["id"] for row in listing] == [contact.pk]
    assert listing[0]["invoice_numbers"] == ["A-1001"]
    bodies = [m["body"] for m in call(f"/contacts/{contact.pk}", token).json()["messages"]]
    assert "Selvitämme asiaa." in bodies and "Tuotetta ei toimitettu." in bodies
    assert not any("Sisäinen" in body for body in bodies)


def test_a_contact_shows_a_creditor_only_its_own_invoice_numbers(
    creditor, other_creditor, contact, other_invoice
):
    """Should a contact also concern another creditor's invoice (data from before staff
    classification refused it), the API names only the caller's."""
    contact.invoices.add(other_invoice)
    listing = call("/contacts", key(creditor)).json()
    assert listing[0]["invoice_numbers"] == ["A-1001"]
    detail = call(f"/contacts/{contact.pk}", key(creditor)).json()
    assert other_invoice.number not in detail["invoice_numbers"]


def post_file(token, name, content=None, **headers):
    data = (FIXTURES / name).read_bytes() if content is None else content
    upload = SimpleUploadedFile(name, data)
    return call("/invoices/import", token, "post", data={"file": upload}, **headers)


def test_import_creates_then_skips_and_lists_duplicates(creditor):
    token = key(creditor)
    first = post_file(token, "finvoice_valid_single.xml")
    assert first.status_code == 201, first.content
    # Audited as the portal's uploads are, naming the key instead of a person.
    event = CreditorAuditEvent.objects.get(
        creditor=creditor, action=CreditorAuditAction.INVOICES_UPLOADED
    )
    assert event.actor is None and event.data["api_key"] == "ERP"
    assert event.data["created"] == 1
    assert [row["number"] for row in first.json()["created"]] == ["10231"]
    assert Invoice.objects.filter(creditor=creditor, number="10231").exists()
    again = post_file(token, "finvoice_valid_single.xml")
    assert again.status_code == 201
    assert again.json()["created"] == [] and again.json()["skipped"] == ["10231"]


def test_a_bad_file_imports_nothing_and_lists_each_problem_with_its_position(creditor):
    token = key(creditor)
    response = post_file(token, "invoices_broken.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Nothing was imported: the file has problems."
    assert body["problems"] and all(p["position"].startswith("line") for p in body["problems"])
    assert not Invoice.objects.filter(creditor=creditor).exists()


def test_refusals_are_translated(creditor):
    token = key(creditor)
    finnish = post_file(token, "notes.txt", b"hello", HTTP_ACCEPT_LANGUAGE="fi")
    english = post_file(token, "notes.txt", b"hello", HTTP_ACCEPT_LANGUAGE="en")
    assert finnish.status_code == english.status_code == 422
    assert english.json()["detail"].startswith("Upload a Finvoice XML file")
    assert finnish.json()["detail"] != english.json()["detail"]
    empty = post_file(token, "empty.csv", b"", HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 422 and empty.json()["detail"] == "The file is empty."
    missing = call("/invoices/import", token, "post", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 422 and missing.json()["problems"]
    not_a_number = call("/invoices/abc", token, HTTP_ACCEPT_LANGUAGE="en")
    assert not_a_number.status_code == 404
    bad_query = call("/invoices", token, HTTP_ACCEPT_LANGUAGE="en")  # number missing
    assert bad_query.status_code == 422 and bad_query.json()["problems"]


def test_rate_limit_per_key(creditor, invoice, monkeypatch):
    monkeypatch.setattr(endpoints, "RATE_LIMIT_PER_MINUTE", 3)
    token, other = key(creditor), key(creditor)
    statuses = [call(f"/invoices/{invoice.pk}", token).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = call(f"/invoices/{invoice.pk}", token)
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert call(f"/invoices/{invoice.pk}", other).status_code == 200


def test_calls_with_bad_keys_are_limited_per_client(creditor, invoice, monkeypatch):
    monkeypatch.setattr(endpoints, "FAILED_KEYS_PER_MINUTE", 2)
    statuses = [call(f"/invoices/{invoice.pk}", "not-a-key").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert call(f"/invoices/{invoice.pk}", key(creditor)).status_code == 200


def test_the_openapi_document_lists_the_operations():
    response = Client().get(BASE + "/openapi.json")
    assert response.status_code == 200
    document = response.json()
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert {
        ("GET", f"{BASE}/invoices/{{invoice_id}}"),
        ("GET", f"{BASE}/invoices"),
        ("POST", f"{BASE}/invoices/import"),
        ("GET", f"{BASE}/contacts"),
        ("GET", f"{BASE}/contacts/{{contact_id}}"),
    } <= operations
    schemes = document["components"]["securitySchemes"].values()
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes), schemes
    # Every operation but the document itself asks for the key.
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("security"), (method, path)


def test_an_admin_creates_and_revokes_a_key_in_the_portal(admin_client, creditor, invoice):
    url = reverse("creditor:api_keys")
    page = admin_client.post(url, {"name": "ERP", "can_read": "on"})
    assert page.status_code == 200
    row = CreditorApiKey.objects.get(creditor=creditor)
    html = page.content.decode()
    start = html.index(f"mr_{row.prefix}_")
    plaintext = html[start:].split("<", 1)[0]
    assert call(f"/invoices/{invoice.pk}", plaintext).status_code == 200
    assert plaintext not in admin_client.get(url).content.decode()  # shown once
    revoke = admin_client.post(reverse("creditor:api_key_revoke", args=[row.pk]))
    assert revoke.status_code == 302
    assert call(f"/invoices/{invoice.pk}", plaintext).status_code == 401
    actions = set(CreditorAuditEvent.objects.values_list("action", flat=True))
    assert {CreditorAuditAction.API_KEY_CREATED, CreditorAuditAction.API_KEY_REVOKED} <= actions


def test_no_scope_is_refused_and_viewers_and_other_creditors_cannot_manage_keys(
    admin_client, viewer_client, other_client, creditor
):
    url = reverse("creditor:api_keys")
    assert admin_client.post(url, {"name": "ERP"}).status_code == 400
    assert not CreditorApiKey.objects.exists()
    assert viewer_client.get(url).status_code == 403
    assert viewer_client.post(url, {"name": "x", "can_read": "on"}).status_code == 403
    key(creditor)
    row = CreditorApiKey.objects.get()
    response = other_client.post(reverse("creditor:api_key_revoke", args=[row.pk]))
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_without_accept_language_the_creditor_s_language_is_used(creditor, invoice):
    from invoices.models import CreditorSettings

    CreditorSettings.objects.update_or_create(
        creditor=creditor, defaults={"reminder_message_language": "sv"}
    )
    read_only = key(creditor, write=False)
    upload = SimpleUploadedFile("a.csv", b"x")
    response = call("/invoices/import", read_only, "post", data={"file": upload})
    assert response.status_code == 403
    assert response.json()["detail"] == "Den här API-nyckeln saknar behörigheten write."
    english = call(
        "/invoices/import", read_only, "post", data={"file": upload}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["detail"] == "This API key has no write scope."

"""The customer-service admin for creditors and invoices, and its invoice-file upload."""

from pathlib import Path

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from invoices.models import (
    Charge,
    ChargeKind,
    CreditorUser,
    EventKind,
    Invoice,
    InvoiceAccess,
    InvoiceEvent,
)
from tests.factories import PASSWORD, CreditorFactory, InvoiceFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
IMPORT_URL = reverse("admin:invoices_invoice_import")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every test here signs in; Argon2 at production strength would make that the slow part."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def mfa_login(client: Client, user) -> Client:
    """Signs in the way staff do: password, then a code from their authenticator app."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # The clock stands still between reading the code and sending it: on a loaded machine a
    # 30-second TOTP step could otherwise pass in between and the code be refused.
    with time_machine.travel(timezone.now(), tick=False):
        code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
        response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def staff_client(client, staff) -> Client:
    # The assertions below read English texts; a signed-in user's saved language wins.
    staff.preferred_language = "en"
    staff.save(update_fields=["preferred_language"])
    return mfa_login(client, staff)


def upload(client: Client, creditor, name: str, data: bytes | None = None, **extra):
    content = (FIXTURES / name).read_bytes() if data is None else data
    return client.post(
        IMPORT_URL,
        {"creditor": creditor.pk, "file": SimpleUploadedFile(name, content), **extra},
        follow=True,
    )


# --- the upload ---------------------------------------------------------------------


def test_staff_with_mfa_uploads_a_csv_and_sees_the_created_invoices(staff_client, creditor, staff):
    response = upload(staff_client, creditor, "invoices_valid.csv")

    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(f"?creditor__id__exact={creditor.pk}")
    page = response.content.decode()
    assert "Created 3 invoices from invoices_valid.csv." in page
    for number in ("1001", "1002", "1003"):
        assert f">{number}<" in page
    assert Invoice.objects.filter(creditor=creditor).count() == 3
    assert set(
        InvoiceEvent.objects.filter(kind=EventKind.IMPORTED).values_list("actor", flat=True)
    ) == {staff.pk}


def test_upload_page_offers_the_form_and_is_linked_from_the_invoice_list(staff_client, creditor):
    changelist = staff_client.get(reverse("admin:invoices_invoice_changelist"))
    form = staff_client.get(IMPORT_URL)

    assert f'href="{IMPORT_URL}"' in changelist.content.decode()
    assert form.status_code == 200
    page = form.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'accept=".xml,.csv"' in page
    assert creditor.name in page


def test_reupload_tells_which_numbers_were_skipped(staff_client, creditor):
    upload(staff_client, creditor, "invoices_valid.csv")

    response = upload(staff_client, creditor, "invoices_valid.csv")

    page = response.content.decode()
    assert "Created 0 invoices from invoices_valid.csv." in page
    assert "Skipped 3 invoices the creditor already has: 1001, 1002, 1003." in page
    assert Invoice.objects.count() == 3


def test_broken_file_shows_each_problem_with_its_line_and_saves_nothing(staff_client, creditor):
    response = upload(staff_client, creditor, "invoices_broken.csv")

    assert response.status_code == 200
    assert response.redirect_chain == []
    page = response.content.decode()
    assert "because of 8 problems" in page
    for line in (3, 4, 5, 6, 8, 10, 11, 12):
        assert f"<td>line {line}</td>" in page
    assert "31.2.2025 is not a date" in page
    assert not Invoice.objects.exists()


def test_finvoice_of_another_seller_shows_the_element_and_saves_nothing(staff_client, creditor):
    response = upload(staff_client, creditor, "finvoice_valid_consumer_rf.xml")

    page = response.content.decode()
    assert "<td>Finvoice message 1, /Finvoice/SellerPartyDetails/SellerPartyIdentifier</td>" in page
    assert not Invoice.objects.exists()


def test_problems_are_shown_in_the_staff_members_language(staff_client, creditor, staff):
    staff.preferred_language = "fi"
    staff.save(update_fields=["preferred_language"])

    response = upload(staff_client, creditor, "invoices_broken.csv")

    # A signed-in user's saved language wins over the browser and the cookie.
    assert response.headers["Content-Language"] == "fi"


def test_other_file_types_are_refused_without_importing(staff_client, creditor):
    response = upload(
        staff_client, creditor, "invoices.xlsx", data=(FIXTURES / "invoices_valid.csv").read_bytes()
    )

    assert response.status_code == 200
    assert "Upload a Finvoice XML file (.xml) or a CSV file (.csv)." in response.content.decode()
    assert not Invoice.objects.exists()


def test_file_over_ten_megabytes_is_refused_by_its_size(staff_client, creditor):
    response = upload(staff_client, creditor, "big.csv", data=b"x" * (10 * 1024 * 1024 + 1))

    assert "the largest accepted is 10485760 bytes" in response.content.decode()
    assert not Invoice.objects.exists()


def test_upload_needs_a_creditor(staff_client):
    response = staff_client.post(
        IMPORT_URL,
        {"file": SimpleUploadedFile("invoices_valid.csv", b"invoice_number\n")},
    )

    assert response.status_code == 200
    assert 'class="form-row errors field-creditor"' in response.content.decode()
    assert not Invoice.objects.exists()


def test_non_staff_user_cannot_reach_the_upload(client, alice, creditor):
    mfa_login(client, alice)

    response = upload(client, creditor, "invoices_valid.csv")

    assert response.status_code == 403
    assert response.redirect_chain[0][0].startswith(reverse("admin:login"))
    assert not Invoice.objects.exists()


def test_staff_without_a_second_factor_cannot_reach_the_upload(client, creditor, staff):
    client.force_login(staff)

    response = upload(client, creditor, "invoices_valid.csv")

    assert response.redirect_chain[0][0].startswith(reverse("admin:login"))
    assert not Invoice.objects.exists()


def test_staff_without_the_add_invoice_permission_cannot_import(client, creditor):
    clerk = UserFactory(email="clerk@example.test", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    mfa_login(client, clerk)

    assert client.get(IMPORT_URL).status_code == 403
    changelist = client.get(reverse("admin:invoices_invoice_changelist"))
    assert changelist.status_code == 200
    assert IMPORT_URL not in changelist.content.decode()
    assert upload(client, creditor, "invoices_valid.csv").status_code == 403
    assert not Invoice.objects.exists()


# --- invoice and creditor pages --------------------------------------------------------


@pytest.fixture
def full_invoice(creditor, alice):
    invoice = InvoiceFactory(
        creditor=creditor, number="INV-77", debtor_name="Anna Lindqvist", debtor_hetu="131052-308T"
    )
    Charge.objects.create(
        invoice=invoice,
        kind=ChargeKind.REMINDER_FEE,
        amount="5.00",
        booked_on=invoice.due_date,
        rule="consumer-reminder-1",
        legal_cap="5.00",
        idempotency_key="reminder-1",
    )
    InvoiceEvent.objects.create(invoice=invoice, kind=EventKind.REMINDER, detail="First reminder")
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    return invoice


def test_invoice_list_masks_the_hetu(staff_client, full_invoice):
    response = staff_client.get(reverse("admin:invoices_invoice_changelist"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "INV-77" in page
    assert "131052-****" in page
    assert "308T" not in page


def test_invoice_list_queries_do_not_grow_with_the_number_of_invoices(staff_client, creditor):
    url = reverse("admin:invoices_invoice_changelist")
    InvoiceFactory.create_batch(2, creditor=creditor)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    InvoiceFactory.create_batch(30, creditor=CreditorFactory(business_id="0109862-8"))

    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count('class="field-number"') == 32
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "term",
    ["INV-77", "anna lindq", "2025 00123 1", "myropo"],
)
def test_invoice_search_finds_by_number_name_reference_and_myropo_id(
    staff_client, full_invoice, term
):
    Invoice.objects.filter(pk=full_invoice.pk).update(
        reference="2025001231", myropo_id="ABCDE12345"
    )
    other = InvoiceFactory(creditor=full_invoice.creditor, number="OTHER-1")
    term = "abcde-12345" if term == "myropo" else term

    response = staff_client.get(reverse("admin:invoices_invoice_changelist"), {"q": term})

    page = response.content.decode()
    assert "INV-77" in page
    assert other.number not in page


def test_invoice_change_page_shows_lines_charges_and_events_read_only(staff_client, full_invoice):
    response = staff_client.get(reverse("admin:invoices_invoice_change", args=[full_invoice.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    # An issued invoice is read-only (issue 10, item 9): its lines are shown, never edited.
    assert "Sähkö 10/2026" in page
    assert 'name="lines-0-description"' not in page
    assert "consumer-reminder-1" in page  # the charge, shown only
    assert 'name="charges-0-amount"' not in page
    assert 'name="charges-TOTAL_FORMS"' in page
    assert "First reminder" in page  # the event, shown only
    assert 'name="events-0-detail"' not in page
    assert full_invoice.myropo_id in page


def test_invoice_filters_by_stage_creditor_debtor_type_and_disputed(staff_client, full_invoice):
    response = staff_client.get(
        reverse("admin:invoices_invoice_changelist"),
        {
            "stage__exact": "open",
            "creditor__id__exact": full_invoice.creditor_id,
            "debtor_type__exact": "consumer",
            "disputed__exact": "0",
        },
    )

    assert response.status_code == 200
    assert "INV-77" in response.content.decode()


def test_creditor_pages_render_with_settings_and_users(staff_client, creditor, alice):
    CreditorUser.objects.create(creditor=creditor, user=alice)

    changelist = staff_client.get(reverse("admin:invoices_creditor_changelist"), {"q": "2331972"})
    change = staff_client.get(reverse("admin:invoices_creditor_change", args=[creditor.pk]))

    assert changelist.status_code == 200
    assert creditor.name in changelist.content.decode()
    assert change.status_code == 200
    page = change.content.decode()
    assert 'name="settings-0-reminder_count"' in page
    assert 'name="users-0-user"' in page
    assert "Alice Aaltonen" in page


def test_creditor_and_invoice_add_pages_render(staff_client):
    assert staff_client.get(reverse("admin:invoices_creditor_add")).status_code == 200
    assert staff_client.get(reverse("admin:invoices_invoice_add")).status_code == 200


def test_creditor_settings_and_invoice_access_pages_render(staff_client, full_invoice):
    access = InvoiceAccess.objects.get()
    settings = full_invoice.creditor.settings

    pages = [
        reverse("admin:invoices_creditorsettings_changelist"),
        reverse("admin:invoices_creditorsettings_change", args=[settings.pk]),
        reverse("admin:invoices_invoiceaccess_changelist"),
        reverse("admin:invoices_invoiceaccess_change", args=[access.pk]),
    ]

    assert [staff_client.get(url).status_code for url in pages] == [200] * 4


def test_invoice_access_cannot_be_added_or_deleted(staff_client, full_invoice):
    access = InvoiceAccess.objects.get()

    assert staff_client.get(reverse("admin:invoices_invoiceaccess_add")).status_code == 403
    response = staff_client.post(
        reverse("admin:invoices_invoiceaccess_delete", args=[access.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert InvoiceAccess.objects.exists()


def _invoice_form_data(creditor, reference: str) -> dict:
    return {
        "creditor": creditor.pk,
        "number": "H-1",
        "debtor_type": "consumer",
        "debtor_name": "Matti Meikäläinen",
        "debtor_address": "Mannerheimintie 1",
        "debtor_postcode": "00100",
        "debtor_city": "Helsinki",
        "issue_date": "2026-05-01",
        "due_date": "2026-05-20",
        "original_due_date": "2026-05-20",
        "reference": reference,
        "language": "fi",
        "currency": "EUR",
        "principal": "50.00",
        "stage": "open",
        "delivery_channel": "letter_post",
    }


def test_an_invoice_entered_by_hand_cannot_take_an_installment_reference(rf, staff):
    from django.contrib.admin.sites import site

    from invoices.references import installment_reference

    request = rf.get("/")
    request.user = staff
    form_class = site._registry[Invoice].get_form(request)
    creditor = CreditorFactory()
    reference = installment_reference(42)
    form = form_class(data=_invoice_form_data(creditor, reference))
    assert not form.is_valid()
    assert reference in " ".join(form.errors["reference"])
    assert form_class(data=_invoice_form_data(creditor, "1232")).errors.get("reference") is None


def test_an_invoice_entered_by_hand_starts_its_timeline_with_who_entered_it(rf, staff):
    from django.contrib.admin.sites import site

    request = rf.post("/")
    request.user = staff
    model_admin = site._registry[Invoice]
    form = model_admin.get_form(request)(data=_invoice_form_data(CreditorFactory(), "1232"))
    assert form.is_valid(), form.errors
    invoice = form.save(commit=False)
    model_admin.save_model(request, invoice, form, change=False)
    event = InvoiceEvent.objects.get(invoice=invoice)
    assert (event.kind, event.actor) == (EventKind.CREATED, staff)

"""Every form error is tied to its field (issue 12, item 17): a field with an error is marked
aria-invalid and names its error text in aria-describedby, the error is rendered under that id
(one shared template, includes/field_errors.html, and Django's widgets agree on "<id>_error"),
and no id is on the page twice.

Each case submits a form that is wrong in one obvious way, the way a user would."""

from collections import Counter

import pytest
from django.test import Client
from lxml import html as lxml_html

pytestmark = pytest.mark.django_db


def _problems(page: str) -> list[str]:
    doc = lxml_html.fromstring(page)
    ids = Counter(el.get("id") for el in doc.iter() if el.get("id"))
    problems = [f"id {i!r} used {n} times" for i, n in ids.items() if n > 1]
    invalid = doc.xpath("//*[@aria-invalid='true'] | //fieldset[contains(@class, 'field-invalid')]")
    if not invalid:
        problems.append("no field is marked invalid")
    for field in invalid:
        name = field.get("name") or field.get("id") or field.tag
        described = (field.get("aria-describedby") or "").split()
        group = next(field.iterancestors("fieldset"), None)
        if not described and group is not None and field.tag != "fieldset":
            # A checkbox or radio in a group: the group's description is read on entering it.
            described = (group.get("aria-describedby") or "").split()
        errors = [i for i in described if i.endswith("_error")]
        if not errors:
            problems.append(f"{name}: aria-describedby {described} names no error")
        for ref in described:
            target = doc.get_element_by_id(ref, None)
            if target is None:
                problems.append(f"{name}: aria-describedby names {ref!r}, which is not there")
            elif ref in errors and not target.text_content().strip():
                problems.append(f"{name}: its error {ref!r} is empty")
    return problems


def _check(response) -> None:
    assert response.status_code in (200, 400), response.status_code
    assert _problems(response.content.decode()) == []


def test_the_claim_form_ties_its_errors_to_its_fields(alice_client: Client):
    _check(alice_client.post("/invoices/find/", {"myropo_id": "nonsense", "reference": "x"}))


def test_the_authorization_form_ties_its_errors_to_its_fields(alice_client: Client):
    _check(alice_client.post("/profile/authorizations/", {"email": "not an address"}))


def test_the_new_message_form_ties_its_errors_to_its_fields(alice_client: Client, alice_invoice):
    _check(alice_client.post("/messages/new/", {"classification": "payment_report"}))


def test_the_plan_form_ties_its_errors_to_its_fields(alice_client: Client, alice_own_invoice):
    invoice = alice_own_invoice
    _check(alice_client.get(f"/arrangements/invoices/{invoice.pk}/plan/?start=soon"))


def test_the_due_date_form_ties_its_errors_to_its_fields(alice_client: Client, alice_own_invoice):
    invoice = alice_own_invoice
    _check(alice_client.get(f"/arrangements/invoices/{invoice.pk}/due-date/?to_date=x"))


def test_the_login_form_ties_its_errors_to_its_fields(client: Client, alice):
    _check(client.post("/accounts/login/", {"login": alice.email, "password": ""}))


def test_the_signup_form_ties_its_errors_to_its_fields(client: Client):
    _check(client.post("/accounts/signup/", {"email": "not an address", "password1": "x"}))


def test_the_profile_form_ties_its_errors_to_its_fields(alice_client: Client):
    _check(alice_client.post("/profile/", {"first_name": "", "phone": "not a phone"}))

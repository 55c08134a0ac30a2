"""Pages promise only what exists and offer only what the user may do (issue 12, items 2–3)."""

import pytest
from django.test import Client
from django.utils import translation

from invoices.models import CreditorUser
from tests.accounts.helpers import authorize


def _t(text: str, language: str = "fi") -> str:
    with translation.override(language):
        return translation.gettext(text)


def _buttons(client: Client, invoice) -> str:
    return client.get(f"/invoices/{invoice.pk}/").content.decode()


def test_the_owner_sees_pay_plan_and_due_date(alice_client, alice_own_invoice):
    html = _buttons(alice_client, alice_own_invoice)
    assert f"/payments/invoices/{alice_own_invoice.pk}/pay/" in html
    assert f"/arrangements/invoices/{alice_own_invoice.pk}/plan/" in html
    assert f"/arrangements/invoices/{alice_own_invoice.pk}/due-date/" in html


def test_a_person_authorized_only_to_pay_sees_no_plan_or_due_date_button(
    client, alice, bob, alice_invoice
):
    authorize(alice, bob, scopes=("view", "pay"))
    client.force_login(bob)
    html = _buttons(client, alice_invoice)
    assert f"/payments/invoices/{alice_invoice.pk}/pay/" in html
    assert f"/arrangements/invoices/{alice_invoice.pk}/plan/" not in html
    assert f"/arrangements/invoices/{alice_invoice.pk}/due-date/" not in html


def test_a_creditor_user_gets_no_debtor_page_for_the_creditors_invoice(client, bob, alice_invoice):
    CreditorUser.objects.create(creditor=alice_invoice.creditor, user=bob)
    client.force_login(bob)
    assert client.get(f"/invoices/{alice_invoice.pk}/").status_code == 404
    assert client.get(f"/payments/invoices/{alice_invoice.pk}/pay/").status_code == 404


def test_the_help_page_promises_no_messages_or_chat_before_they_exist(db, settings):
    settings.MESSAGE_CENTRE_ENABLED = False
    settings.CHAT_ENABLED = False
    html = Client().get("/help/").content.decode()
    assert _t("MyRopo messages") not in html
    assert _t("Live chat") not in html
    assert _t("Chat with customer service in MyRopo during opening hours.") not in html


def test_the_help_page_lists_the_customer_service_phone_and_email_from_settings(db, settings):
    settings.CUSTOMER_SERVICE_PHONE = "09 4242 4242"
    settings.CUSTOMER_SERVICE_EMAIL = "asiakaspalvelu@myropo.test"
    html = Client().get("/help/").content.decode()
    assert 'href="tel:0942424242"' in html
    assert "09 4242 4242" in html
    assert 'href="mailto:asiakaspalvelu@myropo.test"' in html


def test_the_help_page_lists_no_phone_or_email_without_a_number_or_address(db, settings):
    settings.CUSTOMER_SERVICE_PHONE = ""
    settings.CUSTOMER_SERVICE_EMAIL = ""
    html = Client().get("/help/").content.decode()
    assert f"<dt>{_t('Phone')}</dt>" not in html
    assert f"<dt>{_t('Email')}</dt>" not in html


def test_the_message_centre_switch_brings_the_messages_back(db, settings):
    settings.MESSAGE_CENTRE_ENABLED = True
    html = Client().get("/help/").content.decode()
    assert _t("MyRopo messages") in html


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_front_page_offers_no_chat_before_it_exists(db, settings, language):
    settings.CHAT_ENABLED = False
    settings.MESSAGE_CENTRE_ENABLED = False
    html = Client(headers={"accept-language": language}).get("/").content.decode()
    promise = _t(
        "Send a message or chat with customer service in Finnish, Swedish or English.", language
    )
    assert promise not in html


def test_the_profile_offers_no_answer_notifications_before_messages_exist(alice_client, settings):
    settings.MESSAGE_CENTRE_ENABLED = False
    assert 'name="notify_message"' not in alice_client.get("/profile/").content.decode()
    settings.MESSAGE_CENTRE_ENABLED = True
    assert 'name="notify_message"' in alice_client.get("/profile/").content.decode()


def test_an_authorization_cannot_grant_messaging_before_it_exists(alice_client, settings):
    settings.MESSAGE_CENTRE_ENABLED = False
    html = alice_client.get("/profile/authorizations/").content.decode()
    assert 'value="pay"' in html
    assert 'value="message"' not in html


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_language_choice_names_each_language_in_itself(alice_client, alice, language):
    alice.preferred_language = language
    alice.save(update_fields=["preferred_language"])
    html = alice_client.get("/profile/").content.decode()
    for name in ("Suomi", "Svenska", "English"):
        assert f">{name}</option>" in html
        assert f">{name}</button>" in html


def test_with_the_chat_on_the_help_and_front_pages_promise_it(db, settings):
    settings.CHAT_ENABLED = True
    assert _t("Live chat") in Client().get("/help/").content.decode()
    promise = _t("Send a message or chat with customer service in Finnish, Swedish or English.")
    assert promise in Client().get("/").content.decode()

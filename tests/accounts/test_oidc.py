"""Strong identification end to end against a local OpenID Connect provider (tests/fake_oidc.py)."""

import logging
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, User, VerifiedIdentity
from tests.accounts.helpers import ALICE_HETU, consumer_invoice, verify_identity
from tests.fake_oidc import FakeOIDCProvider

LOGIN = reverse("accounts:oidc_login", kwargs={"provider_id": "ftn"})
LIST = reverse("invoices:list")


@pytest.fixture
def fake_oidc(settings):
    fake = FakeOIDCProvider().start()
    settings.SOCIALACCOUNT_PROVIDERS = fake.app_settings()
    settings.OIDC_HETU_CLAIM = fake.hetu_claim
    yield fake
    fake.stop()


def start(client: Client, fake: FakeOIDCProvider, process: str) -> str:
    """Posts to our login view and follows the broker's authorization redirect: the callback."""
    response = client.post(LOGIN, {"process": process})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{fake.issuer}/authorize?")
    query = dict(parse_qsl(urlsplit(response["Location"]).query))
    assert query["nonce"] and query["code_challenge"] and query["state"]
    back = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert callback.path == reverse("accounts:oidc_callback", kwargs={"provider_id": "ftn"})
    return f"{callback.path}?{callback.query}"


def identify(client: Client, fake: FakeOIDCProvider, process: str = "login"):
    return client.get(start(client, fake, process))


def logged_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_linking_stores_the_identity_and_shows_invoices_addressed_to_it(
    alice_client, alice, fake_oidc, caplog
):
    invoice = consumer_invoice()
    assert invoice.pk not in {i.pk for i in alice_client.get(LIST).context["invoices"]}
    with caplog.at_level(logging.DEBUG):
        response = identify(alice_client, fake_oidc, "connect")
    assert response.status_code == 302
    identity = VerifiedIdentity.objects.get(user=alice)
    assert identity.hetu == ALICE_HETU
    assert identity.masked_hetu == "131052-****"
    assert identity.full_name == "Maija Meikäläinen"
    account = SocialAccount.objects.get(user=alice, provider="ftn")
    assert ALICE_HETU not in str(account.extra_data)
    assert "308T" not in caplog.text
    assert AuditEvent.objects.filter(action=AuditAction.IDENTITY_LINKED, subject=alice).exists()
    assert ALICE_HETU not in str(AuditEvent.objects.values_list("data", flat=True))
    assert invoice.pk in {i.pk for i in alice_client.get(LIST).context["invoices"]}
    page = alice_client.get(reverse("accounts:identification")).content.decode()
    assert "131052-****" in page and ALICE_HETU not in page


def test_a_linked_person_logs_in_with_bank_id_alone(alice_client, alice, fake_oidc):
    identify(alice_client, fake_oidc, "connect")
    anonymous = Client()
    response = identify(anonymous, fake_oidc, "login")
    assert response.status_code == 302
    assert logged_in_as(anonymous) == str(alice.pk)


@pytest.mark.parametrize("mode", ["bad_signature", "wrong_audience", "expired", "replayed_nonce"])
def test_a_bad_id_token_links_nothing(alice_client, alice, fake_oidc, mode):
    # An earlier login leaves a nonce that the "replayed" token carries.
    start(Client(), fake_oidc, "login")
    fake_oidc.mode = mode
    response = identify(alice_client, fake_oidc, "connect")
    assert fake_oidc.tokens_issued == 1
    assert response.status_code == 401  # allauth's "login failed" page
    assert not VerifiedIdentity.objects.exists()
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize("mode", ["bad_signature", "wrong_audience", "expired", "replayed_nonce"])
def test_a_bad_id_token_logs_nobody_in(alice_client, alice, fake_oidc, mode):
    identify(alice_client, fake_oidc, "connect")  # alice's bank ID is linked
    start(Client(), fake_oidc, "login")
    fake_oidc.mode = mode
    anonymous = Client()
    identify(anonymous, fake_oidc, "login")
    assert logged_in_as(anonymous) is None
    assert User.objects.count() == 1


def test_a_callback_used_twice_is_refused(alice, fake_oidc):
    anonymous = Client()
    verify_identity(alice)
    callback = start(anonymous, fake_oidc, "login")
    anonymous.get(callback)
    assert logged_in_as(anonymous) == str(alice.pk)
    replayer = Client()
    replayer.get(callback)
    assert logged_in_as(replayer) is None
    assert fake_oidc.tokens_issued == 1


def test_a_code_already_linked_to_another_user_is_refused(alice_client, alice, bob, fake_oidc):
    verify_identity(bob)
    response = identify(alice_client, fake_oidc, "connect")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:identification")
    page = alice_client.get(response["Location"]).content.decode()
    assert "jo liitetty toiseen" in page or "already linked to another" in page
    assert not VerifiedIdentity.objects.filter(user=alice).exists()
    assert not SocialAccount.objects.filter(user=alice).exists()


def test_an_invalid_identity_code_is_refused(alice_client, alice, fake_oidc):
    fake_oidc.person.hetu = "131052-308X"
    identify(alice_client, fake_oidc, "connect")
    assert not VerifiedIdentity.objects.exists()
    assert not SocialAccount.objects.exists()


def test_a_new_person_signs_up_with_an_email_and_keeps_the_identity(db, fake_oidc):
    anonymous = Client()
    response = identify(anonymous, fake_oidc, "login")
    assert response.status_code == 302
    signup = anonymous.get(response["Location"])
    assert signup.status_code == 200
    response = anonymous.post(response["Location"], {"email": "maija@example.test"})
    assert response.status_code == 302
    user = User.objects.get(email="maija@example.test")
    assert VerifiedIdentity.objects.get(user=user).hetu == ALICE_HETU


def test_the_identification_page_offers_the_bank_id_button(alice_client, fake_oidc):
    page = alice_client.get(reverse("accounts:identification")).content.decode()
    assert LOGIN in page


def test_the_login_page_offers_strong_identification(db, client, fake_oidc):
    assert LOGIN in client.get(reverse("account_login")).content.decode()

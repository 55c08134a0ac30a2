"""Sign-up with email verification, password login, its generic error and its rate limits."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from accounts.models import User
from tests.accounts.conftest import links_in, log_in_with_password, translated
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "Lumi-Sade-Talvi-2026"
MISMATCH = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts. Try again later."


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_signup_sends_a_verification_mail_whose_link_verifies_and_logs_in(db, mailoutbox):
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {"email": "uusi@example.test", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert not _is_logged_in(client)
    user = User.objects.get(email="uusi@example.test")
    assert not EmailAddress.objects.get(user=user).verified
    assert user.preferred_language == "fi"

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["uusi@example.test"]
    [link] = [link for link in links_in(mailoutbox[0]) if "/accounts/confirm-email/" in link]
    path = link.split("://", 1)[1].split("/", 1)[1]

    assert client.get(f"/{path}").status_code == 200
    response = client.post(f"/{path}")
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert _is_logged_in(client)
    assert client.get("/profile/").status_code == 200


def test_a_verified_user_logs_in_with_email_and_password(alice, password):
    client = Client()
    response = log_in_with_password(client, "ALICE@example.test", password)
    assert response.status_code == 302
    assert response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)
    assert _is_logged_in(client)


def test_login_before_verification_is_refused_and_sends_the_visitor_to_verify(db, mailoutbox):
    user = UserFactory(email="kesken@example.test")
    EmailAddress.objects.filter(user=user).update(verified=False)
    client = Client()
    response = log_in_with_password(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert not _is_logged_in(client)
    assert client.get("/profile/").status_code == 302
    assert len(mailoutbox) == 1, "a fresh verification mail is sent"


def test_wrong_password_shows_the_generic_message_and_starts_no_session(alice):
    client = Client(headers={"accept-language": "en"})
    response = log_in_with_password(client, alice.email, "not-the-password")
    assert response.status_code == 200
    assert translated(MISMATCH, "en") in response.content.decode()
    assert not _is_logged_in(client)


def test_an_unknown_email_gets_the_same_message_as_a_wrong_password(db):
    client = Client(headers={"accept-language": "en"})
    response = log_in_with_password(client, "nobody@example.test", "not-the-password")
    assert response.status_code == 200
    assert translated(MISMATCH, "en") in response.content.decode()


def test_the_login_error_is_in_finnish_for_a_finnish_browser(alice):
    client = Client(headers={"accept-language": "fi"})
    response = log_in_with_password(client, alice.email, "not-the-password")
    assert translated(MISMATCH, "fi") in response.content.decode()
    assert translated(MISMATCH, "fi") != translated(MISMATCH, "en"), "allauth ships Finnish"


def test_five_failures_for_one_email_lock_it_even_for_the_right_password(alice, password):
    client = Client(headers={"accept-language": "en"})
    for _attempt in range(5):
        response = log_in_with_password(client, alice.email, "not-the-password")
        assert translated(MISMATCH, "en") in response.content.decode()

    response = log_in_with_password(client, alice.email, password)
    assert response.status_code in {200, 429}
    assert translated(TOO_MANY, "en") in response.content.decode()
    assert not _is_logged_in(client)


def test_failures_from_elsewhere_never_lock_the_owner_out(alice, password):
    """Issue 10, item 15: the attacker's five wrong passwords count for the attacker's IP."""
    attacker = Client(headers={"accept-language": "en"}, REMOTE_ADDR="203.0.113.7")
    for _attempt in range(6):
        log_in_with_password(attacker, alice.email, "not-the-password")
    assert (
        translated(TOO_MANY, "en")
        in log_in_with_password(attacker, alice.email, password).content.decode()
    )

    owner = Client(headers={"accept-language": "en"}, REMOTE_ADDR="198.51.100.20")
    response = log_in_with_password(owner, alice.email, password)

    assert translated(TOO_MANY, "en") not in response.content.decode()
    assert _is_logged_in(owner)


def test_thirty_failures_from_one_address_over_time_lock_it_out(alice, password, time_machine):
    """The wider per-IP limit: 30 failures in 15 minutes over any accounts, paced under 10/min."""
    time_machine.move_to("2026-05-13 10:00:00+03:00", tick=False)
    client = Client(headers={"accept-language": "en"}, REMOTE_ADDR="203.0.113.9")
    for number in range(30):
        if number and number % 8 == 0:
            time_machine.shift(61)
        log_in_with_password(client, f"guess{number}@example.test", "not-the-password")

    response = log_in_with_password(client, alice.email, password)

    assert translated(TOO_MANY, "en") in response.content.decode()
    assert not _is_logged_in(client)


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(alice, password, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _attempt in range(6):
        attacker = Client(
            headers={"accept-language": "en", "x-forwarded-for": "203.0.113.7"},
            REMOTE_ADDR="10.0.0.1",
        )
        log_in_with_password(attacker, alice.email, "not-the-password")

    owner = Client(
        headers={"accept-language": "en", "x-forwarded-for": "198.51.100.20"},
        REMOTE_ADDR="10.0.0.1",
    )
    log_in_with_password(owner, alice.email, password)

    assert _is_logged_in(owner)


def test_ten_failures_from_one_address_lock_out_further_attempts(alice, password):
    client = Client(headers={"accept-language": "en"})
    for number in range(10):
        log_in_with_password(client, f"guess{number}@example.test", "not-the-password")

    response = log_in_with_password(client, alice.email, password)
    assert response.status_code in {200, 429}
    assert translated(TOO_MANY, "en") in response.content.decode()
    assert not _is_logged_in(client)


def test_a_successful_login_does_not_count_towards_the_failure_limit(alice, password):
    for _attempt in range(6):
        client = Client()
        assert log_in_with_password(client, alice.email, password).status_code == 302
        client.post("/accounts/logout/")


def test_logout_ends_the_session(alice_client):
    assert alice_client.get("/profile/").status_code == 200
    response = alice_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert alice_client.get("/profile/").status_code == 302


def test_password_reset_mails_a_link_that_sets_a_new_password(alice, mailoutbox):
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": alice.email})
    assert response.status_code == 302
    [message] = mailoutbox
    [link] = [link for link in links_in(message) if "/accounts/password/reset/key/" in link]
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    response = client.get(path)  # allauth moves the key into the session and redirects
    assert response.status_code == 302
    form_url = response["Location"]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)

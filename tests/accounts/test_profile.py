"""The profile page: details, phone validation, notification choices; login required."""

import pytest

from tests.accounts.conftest import translated

PHONE_ERROR = "Enter a phone number such as 040 123 4567 or +358 40 123 4567."


def _profile_data(**overrides) -> dict:
    data = {
        "first_name": "Alice",
        "last_name": "Aaltonen",
        "preferred_language": "fi",
        "phone": "",
        "notify_new_invoice": "on",
        "notify_reminder": "on",
        "notify_message": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_profile_shows_the_users_details(alice_client, alice):
    response = alice_client.get("/profile/")
    assert response.status_code == 200
    html = response.content.decode()
    assert alice.email in html
    assert 'name="phone"' in html
    assert 'autocomplete="tel"' in html
    assert 'aria-describedby="id_phone_helptext"' in html


def test_profile_changes_are_saved_and_the_phone_normalised(alice_client, alice, settings):
    settings.MESSAGE_CENTRE_ENABLED = True  # the answer notification is offered
    response = alice_client.post(
        "/profile/",
        _profile_data(
            first_name="Alicia", phone="040 123 4567", notify_reminder=None, notify_message=None
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    alice.refresh_from_db()
    assert alice.first_name == "Alicia"
    assert alice.phone == "+358401234567"
    assert alice.notify_new_invoice is True
    assert alice.notify_reminder is False
    assert alice.notify_message is False


def test_an_international_phone_number_is_kept_in_e164(alice_client, alice):
    alice_client.post("/profile/", _profile_data(phone="+46 70 123 45 67"))
    alice.refresh_from_db()
    assert alice.phone == "+46701234567"


@pytest.mark.parametrize("phone", ["12345", "040 abc 4567", "+358 40", "0401234567890123"])
def test_an_invalid_phone_re_renders_with_the_message_and_saves_nothing(alice_client, alice, phone):
    response = alice_client.post(
        "/profile/", _profile_data(first_name="Changed", phone=phone, notify_message=None)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert translated(PHONE_ERROR, alice.preferred_language) in html
    assert 'id="id_phone_error"' in html
    assert 'aria-invalid="true"' in html
    alice.refresh_from_db()
    assert alice.first_name == "Alice"
    assert alice.phone == ""
    assert alice.notify_message is True


def test_the_phone_message_follows_the_users_language(alice_client, alice):
    alice.preferred_language = "en"
    alice.save()
    response = alice_client.post("/profile/", _profile_data(preferred_language="en", phone="1"))
    assert translated(PHONE_ERROR, "en") in response.content.decode()


def test_an_unknown_language_is_refused(alice_client, alice):
    before = alice.preferred_language
    response = alice_client.post("/profile/", _profile_data(preferred_language="de"))
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.preferred_language == before


def test_saving_the_profile_in_swedish_switches_the_portal_to_swedish(alice_client, alice):
    alice_client.post("/profile/", _profile_data(preferred_language="sv"))
    alice.refresh_from_db()
    assert alice.preferred_language == "sv"
    assert '<html lang="sv">' in alice_client.get("/profile/").content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/profile/",
        "/dashboard/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
    ],
)
def test_account_pages_send_anonymous_visitors_to_the_login(db, client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_profile_refuses_other_methods(alice_client):
    assert alice_client.put("/profile/").status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
    ],
)
def test_account_settings_pages_render_inside_our_layout(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="sub-nav"' in html
    assert 'aria-current="page"' in html
    assert 'class="skip-link"' in html

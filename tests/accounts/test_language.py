"""Which language a page is in: the profile, else the switcher's cookie, else the browser."""

import re

from django.conf import settings
from django.test import Client

HTML_LANG = '<html lang="{}">'


def _lang_of(client: Client, path: str = "/help/") -> str:
    html = client.get(path).content.decode()
    for code, _name in settings.LANGUAGES:
        if HTML_LANG.format(code) in html:
            return code
    raise AssertionError("no <html lang> of ours in the page")


def test_finnish_is_the_default(db):
    assert _lang_of(Client()) == "fi"


def test_accept_language_sv_gives_swedish_to_anonymous_visitors(db):
    client = Client(headers={"accept-language": "sv-FI,sv;q=0.9,en;q=0.5"})
    response = client.get("/")
    assert HTML_LANG.format("sv") in response.content.decode()
    assert response["Content-Language"] == "sv"


def test_accept_language_en_gives_english(db):
    assert _lang_of(Client(headers={"accept-language": "en-GB"})) == "en"


def test_an_unsupported_browser_language_falls_back_to_finnish(db):
    assert _lang_of(Client(headers={"accept-language": "de"})) == "fi"


def test_the_switcher_sets_the_cookie_for_an_anonymous_visitor(db):
    client = Client(headers={"accept-language": "en"})
    response = client.post("/i18n/setlang/", {"language": "sv", "next": "/help/"})
    assert response.status_code == 302
    assert response["Location"] == "/help/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "sv"
    assert cookie["samesite"] == "Lax"
    assert _lang_of(client) == "sv", "the cookie wins over Accept-Language"


def test_the_switcher_saves_the_choice_in_a_signed_in_users_profile(alice_client, alice):
    response = alice_client.post("/i18n/setlang/", {"language": "en", "next": "/profile/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    alice.refresh_from_db()
    assert alice.preferred_language == "en"
    assert _lang_of(alice_client, "/profile/") == "en"


def test_the_switcher_ignores_an_unknown_language(alice_client, alice):
    before = alice.preferred_language
    alice_client.post("/i18n/setlang/", {"language": "de", "next": "/profile/"})
    alice.refresh_from_db()
    assert alice.preferred_language == before


def test_the_switcher_only_redirects_within_the_site(db):
    response = Client().post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example/phish"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_the_switcher_accepts_only_post(db):
    assert Client().get("/i18n/setlang/?language=en").status_code == 405


def test_the_profile_language_wins_over_the_browser_and_the_cookie(client, alice):
    alice.preferred_language = "sv"
    alice.save()
    client = Client(headers={"accept-language": "en"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(alice)
    assert _lang_of(client, "/profile/") == "sv"
    assert _lang_of(client, "/help/") == "sv"


def test_the_language_of_the_sign_up_becomes_the_new_users_language(db, mailoutbox):
    from accounts.models import User

    client = Client(headers={"accept-language": "sv"})
    password = "Lumi-Sade-Talvi-2026"
    client.post(
        "/accounts/signup/",
        {"email": "ny@example.test", "password1": password, "password2": password},
    )
    assert User.objects.get(email="ny@example.test").preferred_language == "sv"
    assert mailoutbox[0].subject.startswith("MyRopo: ")


def test_the_switcher_shows_which_language_is_active(db):
    html = Client(headers={"accept-language": "en"}).get("/help/").content.decode()
    assert re.search(r'value="en"[^>]*aria-pressed="true"', html)
    assert html.count('aria-pressed="true"') == 1


def test_a_logout_forgets_the_last_users_language(client, alice):
    """On a shared computer the next visitor gets their own browser's language."""
    alice.preferred_language = "en"
    alice.save()
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/profile/"})
    response = client.post("/accounts/logout/")
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == ""
    assert cookie["max-age"] == 0
    next_visitor = Client(headers={"accept-language": "fi"})
    next_visitor.cookies = client.cookies
    assert _lang_of(next_visitor) == "fi"


def test_the_login_message_is_in_the_profiles_language_not_the_login_pages(alice, password):
    from django.utils import translation

    alice.preferred_language = "sv"
    alice.save()
    client = Client(headers={"accept-language": "en"})
    response = client.post(
        "/accounts/login/", {"login": alice.email, "password": password}, follow=True
    )
    html = response.content.decode()
    assert HTML_LANG.format("sv") in html
    with translation.override("sv"):
        signed_in = translation.gettext("Successfully signed in as %(name)s.").split("%")[0]
    with translation.override("en"):
        english = translation.gettext("Successfully signed in as %(name)s.").split("%")[0]
    assert signed_in.strip() in html
    assert english.strip() not in html


def test_saving_a_new_language_in_the_profile_says_so_in_the_new_language(alice_client, alice):
    from django.utils import translation

    alice.preferred_language = "fi"
    alice.save()
    response = alice_client.post(
        "/profile/",
        {"first_name": "Alice", "last_name": "Aaltonen", "preferred_language": "sv"},
        follow=True,
    )
    with translation.override("sv"):
        saved = translation.gettext("Your profile was saved.")
    assert saved in response.content.decode()

"""Error pages are styled, translated and offer a way back; the 500 page needs no database."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from myropo import errors


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_missing_page_is_a_styled_404_in_the_visitors_language(db, language):
    response = Client(headers={"accept-language": language}).get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}">' in html
    assert _in(language, "Page not found") in html
    assert 'href="/"' in html, "a way back to the front page"
    assert "/static/css/site." in html


def test_another_users_invoice_gives_the_styled_404_with_a_way_back(bob_client, bob, alice_invoice):
    response = bob_client.get(f"/invoices/{alice_invoice.pk}/")
    assert response.status_code == 404
    assert _in(bob.preferred_language, "Back to your invoices") in response.content.decode()


def test_a_refused_action_is_a_styled_403(bob_client, bob, alice, alice_invoice):
    from tests.accounts.helpers import authorize

    authorize(alice, bob, scopes=("view", "pay"))
    response = bob_client.get(f"/arrangements/invoices/{alice_invoice.pk}/plan/")
    html = response.content.decode()
    assert response.status_code == 403
    assert _in(bob.preferred_language, "You cannot do this") in html
    assert "Forbidden" not in html


def test_a_form_without_its_csrf_token_gets_the_translated_expired_form_page(db):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "sv"})
    response = client.post("/accounts/login/", {"login": "a@example.test", "password": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert _in("sv", "The form had expired") in html
    assert _in("sv", "Back to the front page") in html
    assert "CSRF verification failed" not in html


def test_a_bad_request_is_a_styled_400(db):
    response = Client(headers={"host": "evil.example"}).get("/help/")
    assert response.status_code == 400
    assert _in("fi", "The request could not be handled") in response.content.decode()


def test_the_500_page_renders_without_the_database():
    """No `db` fixture: any query here raises, so the page provably needs none."""
    request = RequestFactory().get("/invoices/")
    with translation.override("sv"):
        response = errors.server_error(request)
        expected = translation.gettext("Something went wrong")
    html = response.content.decode()
    assert response.status_code == 500
    assert expected in html
    assert '<html lang="sv">' in html
    assert 'href="/"' in html

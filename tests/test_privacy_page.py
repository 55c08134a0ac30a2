"""The privacy notice (issue 12, item 15): reachable from every page, in each language, with
the controller from settings and nothing printed blank."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [("fi", "Tietosuojaseloste"), ("sv", "Dataskyddsbeskrivning"), ("en", "Privacy notice")],
)
def test_the_privacy_notice_is_in_the_readers_language(language, heading):
    client = Client(headers={"accept-language": language})
    html = client.get("/privacy/").content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert f'<html lang="{language}">' in html


def test_it_names_the_controller_from_settings_and_leaves_out_what_is_not_set(settings):
    settings.PRIVACY_CONTROLLER = "Perintä Esimerkki Oy"
    settings.PRIVACY_CONTROLLER_BUSINESS_ID = "2874409-5"
    settings.PRIVACY_CONTACT_EMAIL = ""
    settings.MESSAGING_RETENTION_DAYS = 1095
    html = Client(headers={"accept-language": "en"}).get("/privacy/").content.decode()
    assert "Perintä Esimerkki Oy (Business ID 2874409-5)" in html
    assert "mailto:" not in html
    assert "deleted 1095 days after" in html


def test_every_page_links_to_it():
    html = Client(headers={"accept-language": "en"}).get("/help/").content.decode()
    assert 'href="/privacy/"' in html

"""The landing page, help and price list: public, in all three languages, without errors."""

from datetime import datetime

import pytest
from django.test import Client

from myropo.service_hours import HELSINKI, is_open

FI_BANNER = "Hoida maksuasiasi helposti MyRopossa"
SV_BANNER = "Hantera dina betalningar enkelt via MyRopo"


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("path", ["/", "/help/", "/price-list/", "/offline/"])
def test_public_pages_render_in_every_language(db, path, language):
    response = Client(headers={"accept-language": language}).get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert '<main id="main"' in html
    assert 'href="#main"' in html, "the skip link"
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html


def test_the_landing_page_keeps_the_finnish_and_swedish_banners(db):
    html = Client(headers={"accept-language": "en"}).get("/").content.decode()
    assert FI_BANNER in html
    assert SV_BANNER in html
    assert '<blockquote lang="fi">' in html
    assert '<blockquote lang="sv">' in html


def test_the_landing_page_offers_login_and_sign_up(db):
    html = Client().get("/").content.decode()
    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/signup/"' in html


def test_a_signed_in_user_goes_from_the_landing_page_to_their_invoices(alice_client):
    response = alice_client.get("/")
    assert response.status_code == 302


def test_the_help_page_shows_the_customer_service_hours_and_languages(db, settings):
    settings.MESSAGE_CENTRE_ENABLED = settings.CHAT_ENABLED = True
    settings.CUSTOMER_SERVICE_PHONE = "09 4242 4242"
    settings.CUSTOMER_SERVICE_EMAIL = "asiakaspalvelu@myropo.test"
    html = Client(headers={"accept-language": "en"}).get("/help/").content.decode()
    assert "Monday–Friday" in html
    assert '<time datetime="08:00">8</time>–<time datetime="20:00">20</time>' in html
    assert '<time datetime="10:00">10</time>–<time datetime="15:00">15</time>' in html
    assert "Europe/Helsinki" in html
    assert "Finnish, Swedish and English" in html
    for channel in ["MyRopo messages", "Live chat", "Phone", "Email"]:
        assert f"<dt>{channel}</dt>" in html


def test_public_pages_refuse_post(db):
    for path in ["/", "/help/", "/price-list/", "/offline/"]:
        assert Client().post(path).status_code == 405


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 2, 7, 59, tzinfo=HELSINKI), False),  # Monday before 8
        (datetime(2026, 3, 2, 8, 0, tzinfo=HELSINKI), True),
        (datetime(2026, 3, 6, 19, 59, tzinfo=HELSINKI), True),  # Friday
        (datetime(2026, 3, 6, 20, 0, tzinfo=HELSINKI), False),
        (datetime(2026, 3, 7, 9, 59, tzinfo=HELSINKI), False),  # Saturday
        (datetime(2026, 3, 7, 14, 59, tzinfo=HELSINKI), True),
        (datetime(2026, 3, 7, 15, 0, tzinfo=HELSINKI), False),
        (datetime(2026, 3, 8, 12, 0, tzinfo=HELSINKI), False),  # Sunday
    ],
)
def test_customer_service_is_open_at_the_published_hours(moment, expected):
    assert is_open(moment) is expected


def test_opening_hours_are_finnish_time_whatever_the_clock_of_the_server():
    from zoneinfo import ZoneInfo

    # 06:30 UTC on a summer Monday is 09:30 in Helsinki (UTC+3): open.
    assert is_open(datetime(2026, 6, 1, 6, 30, tzinfo=ZoneInfo("UTC"))) is True
    # 17:30 UTC on a summer Monday is 20:30 in Helsinki: closed.
    assert is_open(datetime(2026, 6, 1, 17, 30, tzinfo=ZoneInfo("UTC"))) is False

"""The main pages and the admin, rendered with demo data in Finnish and Swedish, contain no
English left-overs (issue 12, item 7). The catalog test proves every msgid has a msgstr; this
one proves the pages actually go through the catalogs (no hard-coded or stored English, no
third-party app without our translation)."""

import io
import re
from html import unescape

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from invoices.models import Invoice
from tests.invoices.test_admin import mfa_login

# Words a Finnish or Swedish page would only show if a string escaped translation. Whole
# words, case-sensitive; none is also a Finnish or Swedish word.
ENGLISH = [
    "Invoice", "Invoices", "Payment", "Payments", "Due date", "Creditor", "Created at", "Run",
    "Periodic", "Tasks", "Amount", "Balance", "Reminder", "Save", "Cancel", "Delete", "Search",
    "Action", "Enabled", "Phone", "Created", "Updated", "State", "Kind", "Number", "Paid",
    "MFA", "Accounts", "Social Accounts", "Select", "Choose", "Home", "Log out", "View site",
    "Change", "Add", "History", "Filter", "All", "Yes", "Show", "Total", "Details", "Settings",
    "Intervals", "Crontabs", "Clocked", "Solar", "Users", "Groups", "Email addresses",
]  # fmt: skip
FINNISH_IN_SWEDISH = ["e-lasku", "paperilasku", "Lasku", "Maksu", "Eräpäivä", "Erääntynyt"]
TAG = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def _visible_text(html: str) -> str:
    return unescape(TAG.sub(" ", html))


def _leftovers(text: str, words: list[str]) -> set[str]:
    return {w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)}


@pytest.fixture
def demo(db, settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo", stdout=io.StringIO())


def _pages_of(user: User) -> list[str]:
    pages = ["/invoices/", "/payments/", "/profile/", "/profile/authorizations/", "/help/"]
    pages += ["/price-list/", "/profile/companies/"]
    invoices = Invoice.objects.order_by("stage", "pk")
    seen = set()
    for invoice in invoices:
        if invoice.stage in seen:
            continue
        seen.add(invoice.stage)
        pages.append(f"/invoices/{invoice.pk}/")
    return pages


def test_the_check_finds_english_on_an_english_page(demo):
    user = User.objects.get(email="consumer@myropo.test")
    user.preferred_language = "en"
    user.save()
    client = Client()
    client.force_login(user)
    text = _visible_text(client.get("/invoices/").content.decode())
    assert {"Invoices", "Creditor", "Log out"} <= _leftovers(text, ENGLISH)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_consumers_pages_have_no_english_left(demo, language):
    user = User.objects.get(email="consumer@myropo.test")
    user.preferred_language = language
    user.save()
    client = Client()
    client.force_login(user)
    found = {}
    for path in _pages_of(user):
        response = client.get(path)
        if response.status_code == 404:
            continue  # the stage's example invoice is someone else's
        assert response.status_code == 200, path
        text = _visible_text(response.content.decode())
        words = ENGLISH + (FINNISH_IN_SWEDISH if language == "sv" else [])
        if leftovers := _leftovers(text, words):
            found[path] = sorted(leftovers)
    assert found == {}, "\n".join(f"{path}: {words}" for path, words in found.items())


def _admin_pages() -> list[str]:
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        try:
            pages.append(
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            )
        except NoReverseMatch:
            continue
    return pages


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_admin_index_and_changelists_have_no_english_left(demo, client, language):
    from allauth.mfa.models import Authenticator

    from tests.factories import PASSWORD

    staff = User.objects.get(email="staff@myropo.test")
    staff.preferred_language = language
    staff.is_superuser = True  # every changelist, not only the demo role's
    staff.set_password(PASSWORD)
    staff.save()
    Authenticator.objects.filter(user=staff).delete()  # mfa_login sets up its own
    mfa_login(client, staff)
    found = {}
    for path in _admin_pages():
        if path == reverse("admin:messaging_cannedresponse_changelist"):
            # Its rows are texts written in each language (the English ones are English).
            path += f"?language__exact={language}"
        response = client.get(path)
        assert response.status_code == 200, path
        if leftovers := _leftovers(_visible_text(response.content.decode()), ENGLISH):
            found[path] = sorted(leftovers)
    assert found == {}, "\n".join(f"{path}: {words}" for path, words in found.items())

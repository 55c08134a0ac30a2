"""Settings → Reminder and collection (issue 15, item 2): every fee at its legal cap, refused
above it with the section named, audited old → new; the preview PDF carries the text."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from arrangements.models import ArrangementRules
from creditor.forms import ArrangementSettingsForm, ReminderSettingsForm
from creditor.models import CreditorAuditAction, CreditorAuditEvent
from creditor.services import settings_objects
from invoices.models import CreditorSettings

pytestmark = pytest.mark.django_db

URL = reverse("creditor:settings")

# Written from the statute (513/1999 as amended by 31/2013 and 299/2022), not read from the
# rule table: the highest cap of each fee over every principal bracket, and its section.
CAPS = {
    "reminder_fee_consumer": ("5.00", "10 a § 1 mom 1 k"),
    "reminder_fee_business": ("12.00", "10 e § 1 mom 1 k"),
    "demand_fee_first_consumer": ("50.00", "10 a § 1 mom 2 k"),
    "demand_fee_second_consumer": ("25.00", "10 a § 1 mom 4 k"),
    "demand_fee_first_business": ("110.00", "10 e § 1 mom 2 k"),
    "demand_fee_second_business": ("55.00", "10 e § 1 mom 3 k"),
    "plans-transfer_fee_consumer": ("5.00", "10 a § 1 mom 6 k"),
    "plans-transfer_fee_company": ("10.00", "10 e § 1 mom 5 k"),
    "plans-plan_fee_consumer": ("50.00", "10 a § 1 mom 7 k"),
    "plans-plan_fee_company": ("75.00", "10 e § 1 mom 6 k"),
}


def form_data(creditor, **changes) -> dict:
    """The settings page's POST as the browser sends it, with `changes` applied."""
    settings, rules = settings_objects(creditor)
    data = {}
    for form in (ReminderSettingsForm(instance=settings), ArrangementSettingsForm(instance=rules)):
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list):
                data[bound.html_name] = value
            else:
                data[bound.html_name] = "" if value is None else str(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_every_fee_field_shows_its_legal_cap_and_section(admin_client):
    html = admin_client.get(URL).content.decode()
    for cap, section in CAPS.values():
        assert f"At most {cap} € (Perintälaki 513/1999 {section}" in html


def test_the_screenshots_fields_are_on_the_page(admin_client):
    html = admin_client.get(URL).content.decode()
    for label in (
        "Receivable type",
        "Receivable basis",
        "Number of payment reminders",
        "Reminder layout",
        "Show the due date on the reminder",
        "Enabled languages",
        "Language of the default reminder message",
        "Default reminder message",
        "Instructions for collection",
        "Due-date transfer limit for a company",
        "Longest due-date transfer for a consumer",
        "No due-date transfers",
        "Preview",
    ):
        assert label in html


@pytest.mark.parametrize("name", sorted(CAPS))
def test_a_fee_at_its_cap_is_saved(admin_client, creditor, name):
    cap, _section = CAPS[name]
    response = admin_client.post(URL, form_data(creditor, **{name: cap}))
    assert response.status_code == 302
    settings, rules = settings_objects(creditor)
    field = name.removeprefix("plans-")
    row = rules if name.startswith("plans-") else settings
    assert getattr(row, field) == Decimal(cap)


@pytest.mark.parametrize("name", sorted(CAPS))
def test_a_fee_a_cent_above_its_cap_is_refused_naming_the_section(admin_client, creditor, name):
    cap, section = CAPS[name]
    above = str(Decimal(cap) + Decimal("0.01"))
    data = form_data(creditor, **{name: above})
    before = (
        list(CreditorSettings.objects.values()),
        list(ArrangementRules.objects.values()),
    )
    response = admin_client.post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f"At most {cap} € is allowed here (Perintälaki 513/1999 {section}" in html
    after = (
        list(CreditorSettings.objects.values()),
        list(ArrangementRules.objects.values()),
    )
    assert after == before
    assert not CreditorAuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("company_transfer_max_weeks", "5"),
        ("consumer_transfer_max_weeks", "0"),
        ("reminder_count", "3"),
        ("reminder_message_language", "de"),
        ("allocation_order_consumer", "costs,interest,principal"),
        ("letter_payment_days", "16"),
    ],
)
def test_values_outside_the_rules_are_refused_and_nothing_changes(
    admin_client, creditor, name, value
):
    data = form_data(creditor, **{name: value})
    before = list(CreditorSettings.objects.values())
    response = admin_client.post(URL, data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert list(CreditorSettings.objects.values()) == before


def test_a_change_is_audited_with_who_when_old_and_new(admin_client, creditor, creditor_admin):
    response = admin_client.post(
        URL,
        form_data(
            creditor,
            reminder_fee_consumer="4.50",
            consumer_transfer_limit="2",
            reminder_message="Maksathan pian, kiitos!",
        ),
    )
    assert response.status_code == 302
    event = CreditorAuditEvent.objects.get()
    assert event.action == CreditorAuditAction.SETTINGS_CHANGED
    assert event.actor == creditor_admin
    assert event.creditor == creditor
    assert event.data["changes"] == {
        "reminder_fee_consumer": ["5.00", "4.50"],
        "consumer_transfer_limit": [1, 2],
        "reminder_message": ["", "Maksathan pian, kiitos!"],
    }
    html = admin_client.get(URL).content.decode()
    assert "Changes" in html and "4.50" in html


def test_saving_without_changes_records_nothing(admin_client, creditor):
    assert admin_client.post(URL, form_data(creditor)).status_code == 302
    assert not CreditorAuditEvent.objects.exists()


def test_a_viewer_reads_the_settings_but_may_not_change_them(viewer_client, creditor):
    assert viewer_client.get(URL).status_code == 200
    response = viewer_client.post(URL, form_data(creditor, reminder_fee_consumer="1.00"))
    assert response.status_code == 403
    assert CreditorSettings.objects.get(creditor=creditor).reminder_fee_consumer == Decimal("5.00")


def test_an_admin_of_another_creditor_changes_only_their_own(
    other_client, creditor, other_creditor
):
    response = other_client.post(URL, form_data(other_creditor, reminder_fee_consumer="2.00"))
    assert response.status_code == 302
    assert CreditorSettings.objects.get(creditor=other_creditor).reminder_fee_consumer == Decimal(
        "2.00"
    )
    assert CreditorSettings.objects.get(creditor=creditor).reminder_fee_consumer == Decimal("5.00")


def test_the_preview_is_the_reminder_letter_with_the_creditors_text(admin_client, creditor):
    from invoices.models import Invoice

    response = admin_client.post(
        reverse("creditor:settings_preview"),
        form_data(
            creditor,
            reminder_message="Kiitos, että hoidat laskusi ajallaan.",
            reminder_message_language="fi",
        ),
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert "Kiitos, että hoidat laskusi ajallaan." in " ".join(text.split())
    assert creditor.name in text and "120,00" in text
    # Nothing of the preview stays: neither the text nor the sample invoice.
    assert CreditorSettings.objects.get(creditor=creditor).reminder_message == ""
    assert not Invoice.objects.exists()


# --- Enabled languages ("a message in a language the creditor has not enabled") -------------


def reminder_form(creditor, **changes) -> ReminderSettingsForm:
    settings, _rules = settings_objects(creditor)
    data = {k: v for k, v in form_data(creditor, **changes).items() if not k.startswith("plans-")}
    return ReminderSettingsForm(data, instance=settings)


def test_a_creditor_starts_with_finnish_enabled(creditor):
    settings, _rules = settings_objects(creditor)
    assert settings.enabled_languages == ["fi"]
    assert settings.reminder_message_language == "fi"


def test_the_form_refuses_a_message_language_that_is_not_enabled(creditor):
    form = reminder_form(creditor, reminder_message_language="sv", reminder_message="Tack!")
    assert not form.is_valid()
    assert form.errors["reminder_message_language"] == [
        "The default message's language (Swedish) is not enabled. Enable it, or choose an "
        "enabled language for the message."
    ]


def test_the_refusal_is_translated(creditor):
    with translation.override("fi"):
        form = reminder_form(creditor, reminder_message_language="en")
        assert not form.is_valid()
        assert "Oletusviestin kieli (englanti) ei ole käytössä." in str(
            form.errors["reminder_message_language"]
        )


def test_the_form_accepts_a_message_language_once_it_is_enabled(creditor):
    form = reminder_form(creditor, enabled_languages=["en", "sv"], reminder_message_language="sv")
    assert form.is_valid(), form.errors
    # Kept in one order whatever the browser sends.
    assert form.cleaned_data["enabled_languages"] == ["sv", "en"]


def test_the_form_needs_at_least_one_enabled_language(creditor):
    form = reminder_form(creditor, enabled_languages=None)
    assert not form.is_valid()
    assert form.errors["enabled_languages"] == ["Enable at least one language."]


def test_the_form_refuses_an_unknown_language(creditor):
    form = reminder_form(creditor, enabled_languages=["fi", "de"])
    assert not form.is_valid()
    assert "enabled_languages" in form.errors


@pytest.mark.parametrize(
    "changes",
    [
        {"reminder_message_language": "sv", "reminder_message": "Betala snart, tack!"},
        {"enabled_languages": ["sv"]},
        {"enabled_languages": None},
    ],
)
def test_a_message_in_a_language_not_enabled_changes_nothing(admin_client, creditor, changes):
    data = form_data(creditor, reminder_fee_consumer="4.00", **changes)
    before = list(CreditorSettings.objects.values())
    response = admin_client.post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "is not enabled" in html or "Enable at least one language." in html
    assert list(CreditorSettings.objects.values()) == before
    assert not CreditorAuditEvent.objects.exists()


def test_enabling_a_language_is_audited_old_and_new(admin_client, creditor):
    response = admin_client.post(
        URL,
        form_data(
            creditor,
            enabled_languages=["fi", "sv"],
            reminder_message_language="sv",
            reminder_message="Betala snart, tack!",
        ),
    )
    assert response.status_code == 302
    settings, _rules = settings_objects(creditor)
    assert settings.enabled_languages == ["fi", "sv"]
    changes = CreditorAuditEvent.objects.get().data["changes"]
    assert changes["enabled_languages"] == ["fi", "fi, sv"]
    assert changes["reminder_message_language"] == ["fi", "sv"]
    assert "fi, sv" in admin_client.get(URL).content.decode()


def test_the_database_refuses_no_language_and_unknown_ones(creditor):
    from django.db import IntegrityError, transaction

    settings, _rules = settings_objects(creditor)
    for bad in ([], ["fi", "de"]):
        with pytest.raises(IntegrityError), transaction.atomic():
            CreditorSettings.objects.filter(pk=settings.pk).update(enabled_languages=bad)


def test_the_migration_enables_the_language_a_message_is_already_in(creditor, other_creditor):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("invoices.migrations.0016_creditor_enabled_languages")
    for row, language in ((creditor, "sv"), (other_creditor, "fi")):
        CreditorSettings.objects.update_or_create(
            creditor=row, defaults={"reminder_message_language": language}
        )
    CreditorSettings.objects.update(enabled_languages=["fi"])
    migration.enable_message_language(apps, None)
    assert CreditorSettings.objects.get(creditor=creditor).enabled_languages == ["fi", "sv"]
    assert CreditorSettings.objects.get(creditor=other_creditor).enabled_languages == ["fi"]

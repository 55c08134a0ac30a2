"""The creditor's default message (Ropo One: "Oletusviestin kieli", "Oletusviesti") goes on its
payment reminders in the message's language only (review of issue 15 item 2)."""

import pytest

from collection.letters import creditor_message_for
from collection.models import Letter
from invoices.models import CreditorSettings

TEXT = "Kiitos, että hoidat laskusi. Ota yhteyttä, jos tarvitset lisäaikaa."


@pytest.mark.parametrize(
    ("step", "language", "shown"),
    [
        ("reminder_1", "fi", True),
        ("reminder_2", "fi", True),
        ("reminder_1", "sv", False),  # a Finnish text never in a Swedish letter
        ("reminder_1", "en", False),
        ("demand_1", "fi", False),  # the agency's collection letters carry no creditor text
        ("legal_notice", "fi", False),
    ],
)
def test_the_message_goes_on_reminders_in_its_own_language(step, language, shown):
    settings = CreditorSettings(reminder_message=TEXT, reminder_message_language="fi")
    letter = Letter(step=step, language=language)
    assert creditor_message_for(letter, settings) == (TEXT if shown else "")


def test_no_settings_or_an_empty_message_shows_nothing():
    letter = Letter(step="reminder_1", language="fi")
    assert creditor_message_for(letter, None) == ""
    blank = CreditorSettings(reminder_message="  \n", reminder_message_language="fi")
    assert creditor_message_for(letter, blank) == ""

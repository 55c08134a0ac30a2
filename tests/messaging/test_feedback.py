"""Feedback after resolution: CSAT 1–5 and NPS 0–10, once per contact, from the thread page or
a signed link in the resolution mail; a forged link saves nothing."""

import re

import pytest
from django.core import mail

from accounts.context import Acting
from messaging.models import Classification, Feedback
from messaging.services import Owner, contact_create, contact_resolve
from messaging.views import feedback_token


@pytest.fixture
def resolved(alice, staff, django_capture_on_commit_callbacks):
    contact = contact_create(
        owner=Owner(Acting(alice), user=alice), classification=Classification.OTHER, body="Kysymys"
    )
    with django_capture_on_commit_callbacks(execute=True):
        contact_resolve(contact=contact, staff=staff, outcome="answered")
    return contact


def test_the_thread_page_asks_for_feedback_once(alice_client, resolved):
    assert "How did we do?" in alice_client.get(f"/messages/{resolved.pk}/").content.decode()
    response = alice_client.post(
        f"/messages/{resolved.pk}/feedback/", {"csat": "5", "nps": "9", "comment": "Nopeaa"}
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.csat, feedback.nps, feedback.comment) == (5, 9, "Nopeaa")
    assert "How did we do?" not in alice_client.get(f"/messages/{resolved.pk}/").content.decode()
    again = alice_client.post(f"/messages/{resolved.pk}/feedback/", {"csat": "1", "nps": "0"})
    assert again.status_code == 400 and Feedback.objects.get().csat == 5


@pytest.mark.parametrize(("csat", "nps"), [("0", "5"), ("6", "5"), ("3", "11"), ("x", "5")])
def test_values_outside_the_scales_save_nothing(alice_client, resolved, csat, nps):
    response = alice_client.post(f"/messages/{resolved.pk}/feedback/", {"csat": csat, "nps": nps})
    assert response.status_code == 400 and not Feedback.objects.exists()


def test_bob_cannot_give_feedback_on_alices_contact(bob_client, resolved):
    response = bob_client.post(f"/messages/{resolved.pk}/feedback/", {"csat": "1", "nps": "0"})
    assert response.status_code == 404 and not Feedback.objects.exists()


def test_the_resolution_mail_carries_a_signed_feedback_link_that_works(client, resolved):
    [message] = mail.outbox
    [link] = re.findall(r"https?://\S+/messages/feedback/\S+/", message.body)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200
    response = client.post(
        f"/{path}", {"csat": "4", "nps": "10"}, headers={"accept-language": "en"}
    )
    assert (
        response.status_code == 200 and "Thank you for your feedback." in response.content.decode()
    )
    assert Feedback.objects.get().nps == 10


def test_a_forged_feedback_link_saves_nothing(client, resolved):
    token = feedback_token(resolved.pk)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.post(
        f"/messages/feedback/{forged}/",
        {"csat": "1", "nps": "0"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not Feedback.objects.exists()


def test_a_link_for_an_open_contact_saves_nothing(client, alice):
    contact = contact_create(
        owner=Owner(Acting(alice), user=alice), classification=Classification.OTHER, body="Auki"
    )
    response = client.post(
        f"/messages/feedback/{feedback_token(contact.pk)}/", {"csat": "3", "nps": "3"}
    )
    assert response.status_code == 400 and not Feedback.objects.exists()

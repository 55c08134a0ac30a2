"""The queue per language: places and the estimated wait, updated live as agents take chats."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import AgentPresence, Chat, ChatState
from chat.selectors import estimated_wait_seconds, queue_position
from chat.services import ChatError, chat_start, chat_take_next, presence_set
from tests.chat.conftest import drain, receive_until, run, signed_in, socket
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def customers(n: int, prefix: str = "c"):
    return [UserFactory(email=f"{prefix}{i}@example.test") for i in range(n)]


def test_customers_wait_in_order_and_move_up_as_the_agent_takes_chats(make_agent):
    agent, agent_client = make_agent("a@example.test", auto_assign=False, max_chats=5)
    waiting = [chat_start(customer=c, language="fi") for c in customers(3)]
    assert [queue_position(chat) for chat in waiting] == [1, 2, 3]
    third_client = signed_in(waiting[2].customer)

    async def scenario():
        third = socket(third_client, f"/ws/chat/{waiting[2].pk}/")
        await third.connect()
        first_place = (await receive_until(third, "state"))["queue"]["position"]
        console = socket(agent_client, "/ws/chat/agent/")
        await console.connect()
        await drain(console)
        await console.send_json_to({"type": "take_next"})
        after_one = await receive_until(third, "queue")
        await console.send_json_to({"type": "take_next"})
        after_two = await receive_until(third, "queue")
        await console.send_json_to({"type": "take_next"})
        joined = await receive_until(third, "state", state="active")
        await third.disconnect()
        await console.disconnect()
        return first_place, after_one["position"], after_two["position"], joined

    first_place, after_one, after_two, joined = run(scenario)
    assert (first_place, after_one, after_two) == (3, 2, 1)
    assert joined["agent"] == agent.first_name


def test_each_language_has_its_own_queue(make_agent):
    make_agent("a@example.test", auto_assign=False, languages=("fi", "sv"))
    fi1, sv1, fi2 = customers(3)
    chats = [
        chat_start(customer=fi1, language="fi"),
        chat_start(customer=sv1, language="sv"),
        chat_start(customer=fi2, language="fi"),
    ]
    assert [queue_position(chat) for chat in chats] == [1, 1, 2]


def test_an_agent_takes_only_chats_in_the_languages_they_serve(make_agent):
    agent, _ = make_agent("a@example.test", auto_assign=False, languages=("sv",))
    make_agent("b@example.test", auto_assign=False, languages=("fi",))
    chat_start(customer=customers(1)[0], language="fi")
    assert chat_take_next(agent=agent) is None


def test_automatic_assignment_fills_seats_and_then_queues(make_agent):
    _agent, _ = make_agent("a@example.test", max_chats=2)
    chats = [chat_start(customer=c, language="en") for c in customers(3)]
    assert [c.state for c in chats] == [ChatState.ACTIVE, ChatState.ACTIVE, ChatState.QUEUED]
    assert queue_position(chats[2]) == 1


def test_the_wait_is_unknown_without_enough_recent_chats(make_agent):
    make_agent("a@example.test", auto_assign=False)
    chat = chat_start(customer=customers(1)[0], language="en")
    assert estimated_wait_seconds("en", queue_position(chat)) is None


def test_the_wait_is_estimated_from_recent_handling_times_and_seats(make_agent):
    agent, _ = make_agent("a@example.test", auto_assign=False, max_chats=2)
    now = timezone.now()
    for i, minutes in enumerate((4, 6, 8)):
        Chat.objects.create(
            customer=UserFactory(email=f"old{i}@example.test"),
            language="en",
            state=ChatState.ENDED,
            agent=agent,
            created_at=now - timedelta(hours=2),
            accepted_at=now - timedelta(hours=1, minutes=minutes),
            ended_at=now - timedelta(hours=1),
        )
    # A mean of 6 minutes a chat, two seats: places 1–2 wait one round, 3–4 two rounds.
    assert estimated_wait_seconds("en", 1) == 360
    assert estimated_wait_seconds("en", 2) == 360
    assert estimated_wait_seconds("en", 3) == 720


def test_chats_of_last_month_do_not_make_todays_estimate(make_agent):
    agent, _ = make_agent("a@example.test", auto_assign=False)
    now = timezone.now()
    for i in range(3):
        Chat.objects.create(
            customer=UserFactory(email=f"old{i}@example.test"),
            language="en",
            state=ChatState.ENDED,
            agent=agent,
            accepted_at=now - timedelta(days=30, minutes=5),
            ended_at=now - timedelta(days=30),
        )
    assert estimated_wait_seconds("en", 1) is None


def test_no_chat_starts_when_no_agent_is_online(make_agent):
    agent, _ = make_agent("a@example.test")
    AgentPresence.objects.filter(agent=agent).update(seen_at=timezone.now() - timedelta(minutes=10))
    with pytest.raises(ChatError, match="Nobody can take a chat right now"):
        chat_start(customer=customers(1)[0], language="en")


def test_an_agent_going_available_takes_the_waiting_chats(make_agent):
    agent, _ = make_agent("a@example.test", auto_assign=False)
    chat = chat_start(customer=customers(1)[0], language="en")
    presence_set(agent=agent, available=True, languages=["en"], max_chats=2, auto_assign=True)
    chat.refresh_from_db()
    assert (chat.state, chat.agent) == (ChatState.ACTIVE, agent)


def test_a_second_tab_joins_the_running_chat(make_agent, alice):
    make_agent("a@example.test", auto_assign=False)
    assert chat_start(customer=alice, language="en") == chat_start(customer=alice, language="en")
    assert Chat.objects.filter(customer=alice).count() == 1

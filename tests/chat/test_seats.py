"""An agent's chats-at-once limit holds when two processes assign at the same moment: each
read the agent's open chats before the other's commit, and both gave away the last seat."""

import threading

import pytest
from django.db import connections, transaction
from django.utils import timezone

from chat.models import AgentPresence, Chat, ChatState
from chat.services import AutoAssign, chat_auto_assign, chat_start

pytestmark = pytest.mark.django_db(transaction=True)


def _assign_and_hold(chat_id, done, release, outcome):
    """Another process assigns a chat and has not committed yet."""
    try:
        with transaction.atomic():
            outcome.append(chat_auto_assign(chat_id=chat_id))
            done.set()
            release.wait(timeout=5)
    finally:
        connections.close_all()


def test_two_assignments_at_once_do_not_give_an_agent_more_chats_than_their_limit(
    make_agent, alice, bob
):
    agent, _client = make_agent(
        "agent@example.test", languages=("en",), max_chats=1, auto_assign=False
    )
    first = chat_start(customer=alice, language="en")
    second = chat_start(customer=bob, language="en")
    AgentPresence.objects.filter(agent=agent).update(auto_assign=True)
    done, release, outcome = threading.Event(), threading.Event(), []
    other = threading.Thread(target=_assign_and_hold, args=(first.pk, done, release, outcome))
    other.start()
    try:
        assert done.wait(5) and outcome == [AutoAssign.ASSIGNED]
        # The first assignment is not committed: counted alone, the agent's seat looks free.
        assert chat_auto_assign(chat_id=second.pk) == AutoAssign.NO_ROOM
    finally:
        release.set()
        other.join()
    assert list(Chat.objects.filter(agent=agent, state=ChatState.ACTIVE)) == [first]
    second.refresh_from_db()
    assert second.state == ChatState.QUEUED
    # Once that commit is in, the seat is counted as taken, and a freed one is given again.
    assert chat_auto_assign(chat_id=second.pk) == AutoAssign.NO_ROOM
    Chat.objects.filter(pk=first.pk).update(state=ChatState.ENDED, ended_at=timezone.now())
    assert chat_auto_assign(chat_id=second.pk) == AutoAssign.ASSIGNED

"""The chat's websockets. They authenticate, authorize, apply the transport limits and relay;
every write is a service of `chat.services` (saved first, told to the groups on commit).

Close codes: 4401 not signed in, 4403 not allowed (an agent without MFA), 4404 no such chat
of yours, 4429 too many connections.
"""

import asyncio
import logging
import time
import traceback
import weakref
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from urllib.parse import parse_qs

from asgiref.sync import SyncToAsync
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Language
from accounts.staff import STAFF_POWERS_ATTR, staff_verified
from chat import limits, selectors, services, sessions
from chat.models import Chat, ChatState, EndedBy
from chat.services import AGENTS_GROUP, ChatError, agent_group, chat_group

log = logging.getLogger(__name__)


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# The sockets' database work runs in a few threads of their own. Channels' default runs every
# consumer's queries, in the whole process, one after another on one shared thread, so a
# thousand sockets queued behind each other's queries (bench/chat_fanout.py: ~20 messages a
# second). Ordering within a chat does not come from that thread: a consumer handles one event
# at a time, a chat's writes lock its row (ids in commit order) and `_in_order` below keeps
# the chat's saves and their on-commit news one after another in this process.
_DB_THREADS = ThreadPoolExecutor(max_workers=settings.CHAT_DB_THREADS, thread_name_prefix="chat-db")


class _DatabaseWork(SyncToAsync):
    """A call in one of those threads; its connection goes back to the pool when it returns
    (as Channels' `close_old_connections` does with CONN_MAX_AGE 0, and also in tests, where
    `channels.testing` turns that off for the test's own thread)."""

    def thread_handler(self, loop, *args, **kwargs):
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            connections.close_all()


def _db(function):
    return _DatabaseWork(function, thread_sensitive=False, executor=_DB_THREADS)


# One lock a chat (per event loop: a lock belongs to its loop, and the tests run several).
_chat_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _in_order(chat_id: int) -> asyncio.Lock:
    """The lock under which this process saves a chat's message and tells its sockets: without
    it a message saved second could be told first (each save's news is sent after its commit,
    from its own thread), and a client resuming from the last id it saw would skip the first."""
    locks = _chat_locks.get(asyncio.get_running_loop())
    if locks is None:
        locks = _chat_locks[asyncio.get_running_loop()] = weakref.WeakValueDictionary()
    lock = locks.get(chat_id)
    if lock is None:
        lock = locks[chat_id] = asyncio.Lock()
    return lock


# Session checks that passed in this process, shared by the sockets of one session (a customer's
# tabs): (session key, user id, agent) -> when. Each socket still rechecks on its own when no
# socket of its session did within CHAT_SESSION_RECHECK_SECONDS, and a check already running for
# the session is awaited rather than repeated. Failures are not shared: each socket finds out.
_sessions_passed: dict[tuple[str, int, bool], float] = {}
# When a check of the session last failed in this process: a pass read before that (a slow read
# that finished after a newer one found the session gone) is not trusted, nor shared.
_sessions_failed: dict[tuple[str, int, bool], float] = {}
# Running checks, per event loop (a future belongs to its loop; the tests run several loops).
_sessions_checking: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _session_recently_passed(key: tuple[str, int, bool], now: float) -> bool:
    passed = _sessions_passed.get(key)
    return passed is not None and now - passed < settings.CHAT_SESSION_RECHECK_SECONDS


async def _shared_session_check(key: tuple[str, int, bool], *, activity: bool) -> bool:
    session_key, user_id, agent = key
    loop = asyncio.get_running_loop()
    running = _sessions_checking.setdefault(loop, {})
    shared = not activity and settings.CHAT_SESSION_RECHECK_SECONDS > 0
    if shared and key in running:
        other = running[key]
        await asyncio.wait({other})
        if not other.cancelled() and other.exception() is None:
            return other.result()
        # That check failed to run: this socket reads the session itself.
    future = loop.create_future()
    if shared:
        running[key] = future
    # The pass counts from when the session was read, not from when the read came back
    # (it may wait for a database thread).
    started = time.monotonic()
    try:
        valid = await _db(sessions.session_still_valid)(
            session_key, user_id, agent=agent, activity=activity
        )
    except BaseException:
        future.cancel()
        raise
    finally:
        if running.get(key) is future:
            del running[key]
    if valid and _sessions_failed.get(key, float("-inf")) >= started:
        valid = False  # a newer read found the session gone while this one was on its way
    future.set_result(valid)
    if not valid:
        _sessions_passed.pop(key, None)
        _sessions_failed[key] = time.monotonic()
        _forget_oldest(_sessions_failed)
        return False
    _sessions_passed[key] = started
    _forget_oldest(_sessions_passed)
    return True


def _forget_oldest(moments: dict[tuple[str, int, bool], float]) -> None:
    if len(moments) > 10_000:  # forget the oldest half
        for old in sorted(moments, key=moments.get)[:5_000]:
            moments.pop(old, None)


class _ChatSocket(AsyncJsonWebsocketConsumer):
    counted = False
    is_agent = False
    session_checked_at = 0.0

    async def dispatch(self, message) -> None:
        """Channels' dispatch without its `aclose_old_connections` before every handler: that is
        a hop to the process's one sync thread for each event each socket gets (1,000 sockets:
        ~1,000 hops a second at 100 msgs/s, one after another), to tidy connections this
        thread never opens. Our database work runs in `_DatabaseWork`, which gives its
        connection back after each call; the session middleware's reads clean up after
        themselves (database_sync_to_async)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        try:
            await handler(message)
        except StopConsumer:
            raise
        except Exception as error:
            await self._crashed(message["type"], error)

    async def _crashed(self, handling: str, error: Exception) -> None:
        """A failure that is not a refusal (a bug, the database away). Left to Channels, the
        consumer ended without its disconnect(): the user's connection stayed counted, and a
        few such crashes locked them out (4429). Logged by type and code lines only: the
        error's text may carry a customer's data."""
        log.error(
            "chat: %s failed handling %s: %s\n%s",
            type(self).__name__,
            handling,
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        try:
            await self.close(code=1011)
        finally:
            await self.disconnect(1011)
        raise StopConsumer

    async def _watch_session(self) -> None:
        """At connect: remembers the session and listens for its sign-out."""
        self.session_key = self.scope["session"].session_key or ""
        self.session_checked_at = time.monotonic()
        self.session_group = sessions.session_group(self.session_key)
        await self.channel_layer.group_add(self.session_group, self.channel_name)

    async def _session_ok(self, *, activity: bool) -> bool:
        """False (and the socket closed, 4401) once the session no longer signs this user in.
        Read again at most once in CHAT_SESSION_RECHECK_SECONDS."""
        now = time.monotonic()
        if now - self.session_checked_at < settings.CHAT_SESSION_RECHECK_SECONDS:
            return True
        key = (self.session_key, self.user.pk, self.is_agent)
        if not activity and _session_recently_passed(key, now):
            return True  # another socket of this session checked it a moment ago
        self.session_checked_at = now
        valid = await _shared_session_check(key, activity=activity)
        if not valid:
            await self.close(code=4401)
        return valid

    async def websocket_receive(self, message) -> None:
        if await self._session_ok(activity=True):
            await super().websocket_receive(message)

    async def session_ended(self, message: dict) -> None:
        await self.close(code=4401)

    @property
    def user(self):
        return self.scope["user"]

    def _language(self) -> str:
        return getattr(self.user, "preferred_language", "") or "fi"

    async def _count_connection(self) -> bool:
        self.counted = await _db(limits.connection_open)(self.user.pk)
        return self.counted

    async def disconnect(self, code: int) -> None:
        if getattr(self, "session_group", None):
            await self.channel_layer.group_discard(self.session_group, self.channel_name)
        if self.counted:
            await _db(limits.connection_closed)(self.user.pk)
            self.counted = False

    async def _serve(self, service, **kwargs) -> tuple[str | None, object]:
        """Runs a service in a database thread; its news (told on commit) is sent from here,
        in order, once it returns, and also when it failed after its commit (the rows are
        saved: their news must go out). Returns the refusal to show, if any, and the
        service's result."""
        news: list[tuple[str, dict]] = []

        def run() -> tuple[str | None, object]:
            with translation.override(self._language()), services.news_kept(news):
                try:
                    return None, service(**kwargs)
                except ChatError as error:
                    return error.message, None

        try:
            return await _db(run)()
        finally:
            await self._publish(news)

    async def _publish(self, news: list[tuple[str, dict]]) -> None:
        """Tells the groups, all within CHAT_PUBLISH_TIMEOUT_SECONDS: it runs under the chat's
        `_in_order` lock, and a Redis that hangs (rather than refuses) held the chat's every
        save for minutes. The first failure ends the batch (the rest would wait the same);
        the rows are saved, clients catch up."""
        if not news:
            return
        group, kind = "", ""
        try:
            async with asyncio.timeout(settings.CHAT_PUBLISH_TIMEOUT_SECONDS):
                for group, event in news:
                    kind = event.get("type")
                    await self.channel_layer.group_send(
                        group, {"type": "chat.event", "event": event}
                    )
        except Exception as error:  # Redis away or stalled; TimeoutError from the timeout
            log.warning(
                "chat: could not tell group %s (%s): %s; the rest of its batch is not sent",
                group,
                kind,
                type(error).__name__,
            )

    async def _assign_waiting(self, languages) -> None:
        """Gives waiting chats to agents with a free seat, one chat at a time under that chat's
        order (`_in_order`), so its "joined" line is told before anything saved after it."""
        for language in sorted(set(languages)):
            # A chat whose row another transaction holds is skipped (not retried): the ones
            # behind it may still be given out.
            tried: list[int] = []
            while (
                chat_id := await _db(selectors.next_to_assign)(language, exclude=tried)
            ) is not None:
                tried.append(chat_id)
                async with _in_order(chat_id):
                    error, outcome = await self._serve(services.chat_auto_assign, chat_id=chat_id)
                if error or outcome == services.AutoAssign.NO_ROOM:
                    break

    async def _refuse(self, text: str, code: str = "refused") -> None:
        with translation.override(self._language()):
            await self.send_json({"type": "error", "code": code, "message": str(text)})

    async def _limited(self) -> bool:
        """True (and the client told) when this message is over a per-minute limit."""
        if not self.rate.allow() or not await limits.auser_message_allowed(self.user.pk):
            with translation.override(self._language()):
                await self._refuse(
                    _("You are sending messages too fast. Wait a moment and try again."),
                    "rate",
                )
            return True
        return False

    async def _backlog(self, chat: Chat, after: int, *, for_agent: bool) -> None:
        def read() -> list[dict]:
            with translation.override(chat.language):
                return [
                    services.message_event(m)
                    for m in selectors.messages_after(chat, after, for_agent=for_agent)
                ]

        for event in await _db(read)():
            await self.send_json(event)

    async def chat_event(self, message: dict) -> None:
        await self.send_json(message["event"])


class CustomerChatConsumer(_ChatSocket):
    """ws/chat/<id>/?after=<last seen id>: one customer's own chat."""

    async def connect(self) -> None:
        if not self.user.is_authenticated:
            await self.close(code=4401)
            return
        chat_id = _int(self.scope["url_route"]["kwargs"].get("chat_id"))
        self.chat = await _db(selectors.customer_chat)(self.user, chat_id)
        if self.chat is None:
            await self.close(code=4404)
            return
        if not await self._count_connection():
            await self.close(code=4429)
            return
        self.rate = limits.ConnectionRate(settings.CHAT_MESSAGES_PER_MINUTE_PER_CONNECTION)
        await self._watch_session()
        self.group = chat_group(self.chat.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        after = _int(parse_qs(self.scope.get("query_string", b"").decode()).get("after", [0])[0])
        await self._backlog(self.chat, after, for_agent=False)
        await self.send_json(await _db(self._status)())

    def _status(self) -> dict:
        chat = Chat.objects.select_related("agent", "contact").get(pk=self.chat.pk)
        services.chat_customer_seen(chat=chat)
        event = services.chat_event(chat)
        if chat.state == ChatState.QUEUED:
            event["queue"] = services.queue_event(chat)
        return event

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await super().disconnect(code)

    async def receive_json(self, content, **kwargs) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "message":
            if await self._limited():
                return
            await self._call(
                services.chat_customer_says,
                chat=self.chat,
                customer=self.user,
                body=str(content.get("body", "")),
            )
        elif kind == "typing":
            await self.channel_layer.group_send(
                self.group,
                {
                    "type": "chat.event",
                    "event": {"type": "typing", "chat": self.chat.pk, "who": "customer"},
                },
            )
        elif kind == "read":
            await self._call(
                services.chat_mark_read,
                chat=self.chat,
                user=self.user,
                up_to=_int(content.get("up_to")),
                as_agent=False,
            )
        elif kind == "ping":
            await _db(services.chat_customer_seen)(chat=self.chat)
        elif kind == "resume":
            # The widget saw a message whose `prev` it never showed: the news it missed.
            if self.rate.allow():
                await self._backlog(self.chat, _int(content.get("after")), for_agent=False)
        elif kind == "end":
            await self._call(
                services.chat_end, chat=self.chat, by=EndedBy.CUSTOMER, user=self.user, assign=False
            )
            await self._assign_waiting([self.chat.language])

    async def _call(self, service, **kwargs) -> None:
        async with _in_order(self.chat.pk):
            error, _result = await self._serve(service, **kwargs)
        if error:
            await self._refuse(error)

    async def chat_event(self, message: dict) -> None:
        event = message["event"]
        if event.get("agents_only") or event.get("who") == "customer":
            return  # transfer notes are for agents; the customer's own typing is not news
        if "prev_any" in event:  # an agent's note's id is not the customer's to know
            event = {key: value for key, value in event.items() if key != "prev_any"}
        if await self._session_ok(activity=False):
            await self.send_json(event)


class AgentConsoleConsumer(_ChatSocket):
    """ws/chat/agent/: an agent's console (staff who used a second factor in this session)."""

    async def connect(self) -> None:
        if not self.user.is_authenticated:
            await self.close(code=4401)
            return
        request = SimpleNamespace(user=self.user, session=self.scope["session"])
        if not await _db(staff_verified)(request):
            await self.close(code=4403)
            return
        setattr(self.user, STAFF_POWERS_ATTR, True)
        self.is_agent = True
        if not await self._count_connection():
            await self.close(code=4429)
            return
        self.rate = limits.ConnectionRate(settings.CHAT_MESSAGES_PER_MINUTE_PER_CONNECTION)
        self.groups_joined: set[str] = set()
        await self._watch_session()
        for group in (AGENTS_GROUP, agent_group(self.user.pk)):
            await self._join(group)
        await self.accept()
        await _db(services.presence_heartbeat)(agent=self.user)
        query = parse_qs(self.scope.get("query_string", b"").decode())
        after = _int(query.get("after", [0])[0])
        chats = await _db(lambda: list(selectors.agent_open_chats(self.user)))()
        for chat in chats:
            await self._open(chat, after)
        await self.send_json(await _db(self._queue)())

    def _queue(self) -> dict:
        return {"type": "queue", "chats": services._queue_rows()}

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def _open(self, chat: Chat, after: int = 0) -> None:
        await self._join(chat_group(chat.pk))
        await self._backlog(chat, after, for_agent=True)
        state = await _db(
            lambda: services.chat_event(
                Chat.objects.select_related("agent", "contact").get(pk=chat.pk)
            )
        )()
        await self.send_json(state)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)
        await super().disconnect(code)

    async def chat_event(self, message: dict) -> None:
        event = message["event"]
        if event.get("who") == "agent" or not await self._session_ok(activity=False):
            return
        await self.send_json(event)
        if event["type"] == "assigned":
            # The chat's history follows the news, so the console opens a pane before filling it.
            chat = await _db(selectors.agent_chat)(self.user, event["chat"])
            if chat is not None and chat_group(chat.pk) not in self.groups_joined:
                await self._open(chat)
        if event["type"] == "released" and chat_group(event["chat"]) in self.groups_joined:
            self.groups_joined.discard(chat_group(event["chat"]))
            await self.channel_layer.group_discard(chat_group(event["chat"]), self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        chat_id = _int(content.get("chat"))
        if kind == "ping":
            await _db(services.presence_heartbeat)(agent=self.user)
        elif kind == "presence":
            languages = [str(code) for code in content.get("languages") or []]
            if await self._call(
                self._presence,
                agent=self.user,
                available=bool(content.get("available")),
                languages=languages,
                max_chats=_int(content.get("max_chats"), 3),
                auto_assign=bool(content.get("auto_assign", True)),
                assign=False,
            ):
                await self._assign_waiting(languages)
        elif kind == "take_next":
            await self._take_next()
        elif kind == "resume":
            # The console saw a message whose `prev_any` it never showed in that chat's pane.
            if chat_group(chat_id) in self.groups_joined and self.rate.allow():
                chat = await _db(selectors.agent_chat)(self.user, chat_id)
                if chat is not None:
                    await self._backlog(chat, _int(content.get("after")), for_agent=True)
        elif kind == "accept":
            await self._with_chat(chat_id, services.chat_accept, mine=False)
        elif kind == "message":
            if await self._limited():
                return
            await self._with_chat(
                chat_id, services.chat_agent_says, body=str(content.get("body", ""))
            )
        elif kind == "link":
            await self._with_chat(
                chat_id,
                services.chat_send_link,
                invoice_id=_int(content.get("invoice")),
                kind=str(content.get("link", "")),
            )
        elif kind == "typing":
            if chat_group(chat_id) in self.groups_joined:
                await self.channel_layer.group_send(
                    chat_group(chat_id),
                    {
                        "type": "chat.event",
                        "event": {"type": "typing", "chat": chat_id, "who": "agent"},
                    },
                )
        elif kind == "read":
            await self._with_chat(
                chat_id,
                services.chat_mark_read,
                user=self.user,
                up_to=_int(content.get("up_to")),
                as_agent=True,
                pass_agent=False,
            )
        elif kind == "classify":
            await self._with_chat(
                chat_id,
                services.chat_classify,
                classification=str(content.get("classification", "")),
            )
        elif kind == "transfer":
            await self._with_chat(
                chat_id,
                self._transfer,
                to_id=_int(content.get("to")),
                note=str(content.get("note", "")),
            )
        elif kind == "end":
            await self._with_chat(
                chat_id,
                services.chat_end,
                by=EndedBy.AGENT,
                user=self.user,
                classification=str(content.get("classification", "")),
                pass_agent=False,
                assign=False,
            )
            await self._assign_waiting(Language.values)

    @staticmethod
    def _transfer(*, chat: Chat, agent, to_id: int, note: str) -> None:
        from accounts.models import User

        to = User.objects.filter(pk=to_id, is_staff=True, is_active=True).first()
        if to is None:
            raise ChatError(_("Choose another agent."))
        services.chat_transfer(chat=chat, agent=agent, to=to, note=note)

    async def _with_chat(
        self, chat_id: int, service, *, mine: bool = True, pass_agent: bool = True, **kwargs
    ) -> None:
        def run() -> None:
            chat = (
                selectors.agent_chat(self.user, chat_id)
                if mine
                else Chat.objects.filter(pk=chat_id).first()
            )
            if chat is None:
                raise ChatError(_("This chat is not yours."))
            if pass_agent:
                service(chat=chat, agent=self.user, **kwargs)
            else:
                service(chat=chat, **kwargs)

        async with _in_order(chat_id):
            error, _result = await self._serve(run)
        if error:
            await self._refuse(error)

    async def _take_next(self) -> None:
        """The oldest waiting chat of the agent's languages, taken under that chat's order (see
        `_assign_waiting`); if another agent took it first, or its row is being saved, the
        next one. The agent is told when none could be taken."""
        tried: list[int] = []
        for _attempt in range(5):
            chat_id = await _db(selectors.next_for)(self.user, exclude=tried)
            if chat_id is None:
                break
            tried.append(chat_id)
            async with _in_order(chat_id):
                error, taken = await self._serve(
                    services.chat_take_next, agent=self.user, chat_id=chat_id
                )
            if error:
                await self._refuse(error)
                return
            if taken is not None:
                return
        with translation.override(self._language()):
            if tried:
                await self._refuse(
                    _("The waiting chats are being taken just now. Try again in a moment."),
                    "busy",
                )
            else:
                await self._refuse(_("Nobody is waiting."), "empty")

    async def _call(self, service, **kwargs) -> bool:
        error, _result = await self._serve(service, **kwargs)
        if error:
            await self._refuse(error)
            return False
        if service == self._presence:
            await self.send_json({"type": "presence", "saved": True})
        return True

    @staticmethod
    def _presence(**kwargs) -> None:
        services.presence_set(**kwargs)

"""Live chat fan-out: 1,000 websocket clients on one ASGI process (uvicorn) on loopback.

100 running chats, each with its agent's console and nine customer tabs (10 sockets a chat).
In every chat the customer's first tab sends messages one after another; the round trip is
the time from sending until the same socket receives the saved message back (consumer →
service: save in PostgreSQL → on commit `group_send` over Redis → every socket of the chat).
As the floor, the same pattern on bare Redis pub/sub in the same run (100 publishers, each
waiting for its own message). The ratio of the medians is printed last. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.invoice_list import (  # noqa: E402  # after the path set-up above
    BENCH_ENV,
    database_urls,
    drop_database,
    recreate_database,
)

CHAT_ENV = {
    # The bench measures the transport, not the limits (which have their own tests).
    "CHAT_MESSAGES_PER_MINUTE_PER_CONNECTION": "100000",
    "CHAT_MESSAGES_PER_MINUTE_PER_USER": "100000",
    "CHAT_CONNECTIONS_PER_USER": "100",
    "CHANNELS_PREFIX": "myropo-bench-chat",
    "CACHE_KEY_PREFIX": "myropo-bench-chat",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--tabs", type=int, default=9, help="customer sockets per chat")
    parser.add_argument("--messages", type=int, default=20, help="messages sent in each chat")
    parser.add_argument("--processes", type=int, default=1, help="ASGI processes (1 or 2)")
    parser.add_argument("--database", default="myropo_bench_chat", help="dropped and created")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if "bench" not in args.database:
        parser.error("the benchmark drops its database; its name must contain 'bench'")
    return args


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))


def main() -> None:
    args = parse_args()
    raise_file_limit()
    maintenance_url, bench_url = database_urls(args.database)
    os.environ["DATABASE_URL"] = bench_url
    for key, value in {**BENCH_ENV, **CHAT_ENV}.items():
        os.environ[key] = os.environ.get(f"BENCH_{key}", value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myropo.settings")
    recreate_database(maintenance_url, args.database)
    try:
        run(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(maintenance_url, args.database)


def prepare(args: argparse.Namespace) -> list[dict]:
    """Users, sessions and running chats; returns one dict a chat with its two cookies."""
    import django

    django.setup()
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from chat.models import AgentPresence, Chat, ChatState

    call_command("migrate", verbosity=0)
    redis_flush(settings.REDIS_URL, os.environ["CHANNELS_PREFIX"])

    def session_for(user: User, *, mfa: bool) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if mfa:
            store[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
            store[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {"method": "password", "at": time.time()},
                {"method": "mfa", "type": "totp", "at": time.time()},
            ]
        store.create()
        return store.session_key

    now = timezone.now()
    chats = []
    for i in range(args.chats):
        customer = User.objects.create_user(email=f"customer{i}@bench.test", password=None)
        agent = User.objects.create_user(
            email=f"agent{i}@bench.test", password=None, is_staff=True, first_name=f"Agent{i}"
        )
        TOTP.activate(agent, generate_totp_secret())
        AgentPresence.objects.create(
            agent=agent, available=True, languages=["fi"], max_chats=1, seen_at=now
        )
        chat = Chat.objects.create(
            customer=customer,
            agent=agent,
            language="fi",
            state=ChatState.ACTIVE,
            accepted_at=now,
        )
        chats.append(
            {
                "id": chat.pk,
                "customer": session_for(customer, mfa=False),
                "agent": session_for(agent, mfa=True),
            }
        )
    return chats


def redis_flush(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)


def start_servers(count: int) -> list[tuple[subprocess.Popen, int]]:
    servers = []
    for _ in range(count):
        port = free_port()
        process = subprocess.Popen(  # noqa: S603  (our own uvicorn, fixed arguments)
            [
                str(ROOT / ".venv/bin/uvicorn"),
                "myropo.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
            preexec_fn=raise_file_limit,
        )
        servers.append((process, port))
    for _process, port in servers:
        for _ in range(900):  # up to ~2 min: on a loaded machine Django's start takes a while
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"uvicorn on port {port} did not start")
    return servers


async def chat_round(args, chats: list[dict], ports: list[int]) -> dict:
    import json

    import websockets

    def url(port: int, path: str) -> str:
        return f"ws://127.0.0.1:{port}{path}"

    async def connect(port: int, path: str, session: str):
        return await websockets.connect(
            url(port, path),
            additional_headers={"Cookie": f"sessionid={session}", "Origin": "http://127.0.0.1"},
            max_queue=None,
            open_timeout=60,
            ping_interval=None,
        )

    delivered = 0
    sockets: list = []
    per_chat: list[tuple[dict, object, list]] = []
    # Open them in waves: a thousand handshakes at once would measure the accept queue.
    for n, chat in enumerate(chats):
        agent = await connect(ports[n % len(ports)], "/ws/chat/agent/", chat["agent"])
        tabs = []
        for t in range(args.tabs):
            port = ports[(n + t + 1) % len(ports)]
            tabs.append(await connect(port, f"/ws/chat/{chat['id']}/", chat["customer"]))
        sockets += [agent, *tabs]
        per_chat.append((chat, tabs[0], [agent, *tabs[1:]]))

    dropped = 0

    async def drain(ws) -> None:
        nonlocal dropped
        while True:
            try:
                await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                return
            except websockets.ConnectionClosed:
                dropped += 1
                return

    await asyncio.gather(*(drain(ws) for ws in sockets))
    connected_at = time.perf_counter()

    async def listen(ws, stop: asyncio.Event) -> None:
        nonlocal delivered, dropped
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            except websockets.ConnectionClosed:
                dropped += 1
                return
            if json.loads(raw).get("type") == "message":
                delivered += 1

    async def sender(chat, ws, times: list[float]) -> None:
        try:
            await send_all(chat, ws, times)
        except websockets.ConnectionClosed:
            nonlocal dropped
            dropped += 1

    async def send_all(chat, ws, times: list[float]) -> None:
        nonlocal delivered
        for m in range(args.messages):
            token = f"c{chat['id']}m{m}"
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "body": token}))
            while True:
                event = json.loads(await ws.recv())
                if event.get("type") == "message" and event.get("body") == token:
                    times.append(time.perf_counter() - started)
                    delivered += 1
                    break
                if event.get("type") == "error":
                    raise SystemExit(f"server refused a message: {event}")

    stop = asyncio.Event()
    listeners = [
        asyncio.create_task(listen(ws, stop)) for _chat, _first, others in per_chat for ws in others
    ]
    times: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(sender(chat, first, times) for chat, first, _ in per_chat))
    elapsed = time.perf_counter() - started
    await asyncio.sleep(1.0)  # the last fan-out reaches the other tabs
    stop.set()
    await asyncio.gather(*listeners)
    for ws in sockets:
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.close()
    return {
        "times": times,
        "elapsed": elapsed,
        "delivered": delivered,
        "sockets": len(sockets),
        "connected_at": connected_at,
        "dropped": dropped,
    }


async def redis_round(args, url: str) -> dict:
    """The floor: bare pub/sub, one channel a "chat", each publisher waiting for its echo."""
    import redis.asyncio as aioredis

    async def one(n: int, times: list[float]) -> None:
        client = aioredis.Redis.from_url(url)
        pubsub = client.pubsub()
        channel = f"myropo-bench-floor-{n}"
        await pubsub.subscribe(channel)
        await pubsub.get_message(timeout=1)  # the subscribe confirmation
        for m in range(args.messages):
            token = f"{n}:{m}".encode()
            started = time.perf_counter()
            await client.publish(channel, token)
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
                if message and message["data"] == token:
                    times.append(time.perf_counter() - started)
                    break
        await pubsub.aclose()
        await client.aclose()

    times: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(one(n, times) for n in range(args.chats)))
    return {"times": times, "elapsed": time.perf_counter() - started}


def run(args: argparse.Namespace) -> None:
    chats = prepare(args)
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    servers = start_servers(args.processes)
    try:
        idle = sum(rss_kib(process.pid) for process, _ in servers)
        ports = [port for _, port in servers]

        async def both():
            floor = await redis_round(args, settings.REDIS_URL)
            measured = await chat_round(args, chats, ports)
            return floor, measured

        # Memory is read while every socket is open: from inside the chat round.
        memory: dict = {}

        async def with_memory():
            task = asyncio.create_task(both())
            while not task.done():
                memory["peak"] = max(memory.get("peak", 0), sum(rss_kib(p.pid) for p, _ in servers))
                await asyncio.sleep(0.2)
            return await task

        floor, measured = asyncio.run(with_memory())
    finally:
        for process, _ in servers:
            process.send_signal(signal.SIGINT)
        for process, _ in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    chat_times = [t * 1000 for t in measured["times"]]
    floor_times = [t * 1000 for t in floor["times"]]
    sent = len(chat_times)
    per_socket = (memory["peak"] - idle) / measured["sockets"]
    print(f"ASGI server: uvicorn ({args.processes} process{'es' if args.processes > 1 else ''})")
    print(
        f"sockets open: {measured['sockets']} ({args.chats} chats × {args.tabs + 1}), "
        f"dropped by the server during the run: {measured['dropped']}"
    )
    print(
        f"memory: {idle / 1024:.1f} MiB idle, {memory['peak'] / 1024:.1f} MiB peak, "
        f"{per_socket:.1f} KiB per socket"
    )
    print(
        f"redis pub/sub floor: p50 {statistics.median(floor_times):.2f} ms, "
        f"p99 {percentile(floor_times, 99):.2f} ms, "
        f"{len(floor_times) / floor['elapsed']:.0f} msgs/s"
    )
    print(
        f"chat round trip:     p50 {statistics.median(chat_times):.2f} ms, "
        f"p99 {percentile(chat_times, 99):.2f} ms, {sent / measured['elapsed']:.0f} msgs/s saved, "
        f"{measured['delivered'] / measured['elapsed']:.0f} deliveries/s"
    )
    p50, p99 = statistics.median(chat_times), percentile(chat_times, 99)
    verdict = "met" if p50 <= 5 and p99 <= 50 else "missed"
    print(
        f"goal (p50 <= 5 ms, p99 <= 50 ms): {verdict}; machine: {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} (shared with other work)"
    )
    ratio = statistics.median(chat_times) / statistics.median(floor_times)
    print(f"ratio chat/redis p50: {ratio:.1f}")


if __name__ == "__main__":
    main()

"""Live chat fan-out: 1,000 websocket clients on one ASGI process (uvicorn) on loopback.

100 running chats, each with its agent's console and nine customer tabs (10 sockets a chat).
In every chat the customer's first tab sends messages; the round trip is the time from sending
until the same socket receives the saved message back (consumer → service: save in PostgreSQL
→ on commit `group_send` over Redis → every socket of the chat).

Latency is measured at a paced load (`--rate`, messages a second over all chats, each chat
sending on its own schedule whether or not its last message came back); the capacity apart,
in a saturation round (`--saturate`: every chat sends its next message as soon as the last
came back, so 100 are in flight and a "round trip" there is 100 / throughput). As the floor,
the same two patterns on bare Redis pub/sub in the same run (one channel a chat). The ratio of
the paced medians is printed last. See bench/README.md.
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
    parser.add_argument(
        "--rate",
        type=float,
        default=100.0,
        help="paced load: messages a second over all chats (0: only the saturation round)",
    )
    parser.add_argument(
        "--saturate",
        type=int,
        default=5,
        help="messages a chat in the saturation round (each chat closed-loop; 0: no round)",
    )
    parser.add_argument("--processes", type=int, default=1, help="ASGI processes (1 or 2)")
    parser.add_argument("--database", default="myropo_bench_chat", help="dropped and created")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.rate <= 0 and args.saturate <= 0:
        parser.error("nothing to measure: give --rate or --saturate")
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


Pending = dict[str, tuple[float, asyncio.Future]]


def arrived(pending: Pending, token) -> None:
    """The receiving side: the round trip of `token` ends now."""
    entry = pending.pop(token, None)
    if entry is not None and not entry[1].done():
        now = time.perf_counter()
        entry[1].set_result((now - entry[0], now))


async def paced(args, send, pending: Pending, prefix: str) -> dict:
    """`args.rate` messages a second over all chats: chat n sends every chats / rate seconds,
    offset by n / rate, on schedule whether or not its previous message came back."""
    loop = asyncio.get_running_loop()
    interval = args.chats / args.rate
    futures: list[asyncio.Future] = []
    late = 0
    started = time.perf_counter()

    async def one(n: int) -> None:
        nonlocal late
        for m in range(args.messages):
            due = started + n / args.rate + m * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.01:
                late += 1  # the client itself fell behind its schedule
            token = f"{prefix}{n}m{m}"
            future = loop.create_future()
            pending[token] = (time.perf_counter(), future)
            futures.append(future)
            await send(n, token)

    await asyncio.gather(*(one(n) for n in range(args.chats)))
    done, _ = await asyncio.wait(futures, timeout=60)
    results = [f.result() for f in done]
    # Throughput over the time until the last message came back (not the wait for the lost).
    elapsed = max((at for _, at in results), default=time.perf_counter()) - started
    return {
        "times": [took for took, _ in results],
        "elapsed": elapsed,
        "lost": len(futures) - len(done),
        "late": late,
    }


async def saturated(args, send, pending: Pending, prefix: str) -> dict:
    """Every chat sends its next message as soon as its last one came back."""
    loop = asyncio.get_running_loop()
    times: list[float] = []
    lost = 0

    async def one(n: int) -> None:
        nonlocal lost
        for m in range(args.saturate):
            token = f"{prefix}{n}m{m}"
            future = loop.create_future()
            pending[token] = (time.perf_counter(), future)
            await send(n, token)
            try:
                times.append((await asyncio.wait_for(future, timeout=60))[0])
            except TimeoutError:
                lost += 1
                return

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(args.chats)))
    return {"times": times, "elapsed": time.perf_counter() - started, "lost": lost, "late": 0}


async def chat_rounds(args, chats: list[dict], ports: list[int]) -> dict:
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

    sockets: list = []
    senders: list = []
    # Open them in waves: a thousand handshakes at once would measure the accept queue.
    for n, chat in enumerate(chats):
        agent = await connect(ports[n % len(ports)], "/ws/chat/agent/", chat["agent"])
        tabs = []
        for t in range(args.tabs):
            port = ports[(n + t + 1) % len(ports)]
            tabs.append(await connect(port, f"/ws/chat/{chat['id']}/", chat["customer"]))
        sockets += [agent, *tabs]
        senders.append(tabs[0])

    dropped = 0
    delivered = 0
    refused: list[dict] = []
    pending: Pending = {}

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

    async def listen(ws, sender: bool) -> None:
        nonlocal delivered, dropped
        while True:
            try:
                raw = await ws.recv()
            except websockets.ConnectionClosed:
                dropped += 1
                return
            event = json.loads(raw)
            if event.get("type") == "message":
                delivered += 1
                if sender:
                    arrived(pending, event.get("body"))
            elif event.get("type") == "error":
                refused.append(event)

    first = set(map(id, senders))
    listeners = [asyncio.create_task(listen(ws, id(ws) in first)) for ws in sockets]

    async def send(n: int, token: str) -> None:
        nonlocal dropped
        try:
            await senders[n].send(json.dumps({"type": "message", "body": token}))
        except websockets.ConnectionClosed:
            dropped += 1

    async def measured(drive, prefix: str) -> dict:
        before = delivered
        result = await drive(args, send, pending, prefix)
        await asyncio.sleep(1.0)  # the last fan-out reaches the other tabs
        result["delivered"] = delivered - before
        return result

    rounds = {}
    if args.rate > 0:
        rounds["paced"] = await measured(paced, "p")
    if args.saturate > 0:
        rounds["saturated"] = await measured(saturated, "s")
    for task in listeners:
        task.cancel()
    for ws in sockets:
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.close()
    if refused:
        raise SystemExit(f"the server refused {len(refused)} messages, e.g. {refused[0]}")
    return {"rounds": rounds, "sockets": len(sockets), "dropped": dropped}


async def redis_rounds(args, url: str) -> dict:
    """The floor: bare pub/sub, one channel a "chat", the same two patterns as the chat."""
    import redis.asyncio as aioredis

    pending: Pending = {}
    publisher = aioredis.Redis.from_url(url, max_connections=args.chats)
    clients, pubsubs = [], []
    for n in range(args.chats):
        client = aioredis.Redis.from_url(url)
        pubsub = client.pubsub()
        await pubsub.subscribe(f"myropo-bench-floor-{n}")
        await pubsub.get_message(timeout=1)  # the subscribe confirmation
        clients.append(client)
        pubsubs.append(pubsub)

    async def listen(pubsub) -> None:
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
            if message:
                arrived(pending, message["data"].decode())

    listeners = [asyncio.create_task(listen(pubsub)) for pubsub in pubsubs]

    async def send(n: int, token: str) -> None:
        await publisher.publish(f"myropo-bench-floor-{n}", token)

    rounds = {}
    if args.rate > 0:
        rounds["paced"] = await paced(args, send, pending, "p")
    if args.saturate > 0:
        rounds["saturated"] = await saturated(args, send, pending, "s")
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    for pubsub, client in zip(pubsubs, clients, strict=True):
        await pubsub.aclose()
        await client.aclose()
    await publisher.aclose()
    return rounds


def summary(result: dict) -> str:
    ms = [t * 1000 for t in result["times"]]
    if not ms:
        return "nothing came back"
    text = (
        f"p50 {statistics.median(ms):.2f} ms, p99 {percentile(ms, 99):.2f} ms, "
        f"{len(ms) / result['elapsed']:.0f} msgs/s"
    )
    if "delivered" in result:
        text += f" saved, {result['delivered'] / result['elapsed']:.0f} deliveries/s"
    if result["lost"]:
        text += f", {result['lost']} never came back (within 60 s)"
    if result["late"]:
        text += f", {result['late']} sent late by the client"
    return text


def run(args: argparse.Namespace) -> None:
    chats = prepare(args)
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    load_before = os.getloadavg()
    servers = start_servers(args.processes)
    try:
        idle = sum(rss_kib(process.pid) for process, _ in servers)
        ports = [port for _, port in servers]

        async def both():
            floor = await redis_rounds(args, settings.REDIS_URL)
            measured = await chat_rounds(args, chats, ports)
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

    per_socket = (memory["peak"] - idle) / measured["sockets"]
    rounds = measured["rounds"]
    print(f"ASGI server: uvicorn ({args.processes} process{'es' if args.processes > 1 else ''})")
    print(
        f"sockets open: {measured['sockets']} ({args.chats} chats × {args.tabs + 1}), "
        f"dropped by the server during the run: {measured['dropped']}"
    )
    print(
        f"memory: {idle / 1024:.1f} MiB idle, {memory['peak'] / 1024:.1f} MiB peak, "
        f"{per_socket:.1f} KiB per socket"
    )
    if "saturated" in rounds:
        print(f"saturation ({args.chats} in flight, {args.saturate} a chat):")
        print(f"  redis pub/sub floor: {summary(floor['saturated'])}")
        print(f"  chat round trip:     {summary(rounds['saturated'])}")
    load = os.getloadavg()
    machine = (
        f"machine: {os.cpu_count()} cores, load average {load_before[0]:.1f} before, "
        f"{load[0]:.1f} after (shared with other work)"
    )
    if "paced" not in rounds:
        print(machine)
        return
    print(f"paced at {args.rate:g} msgs/s ({args.messages} a chat):")
    print(f"  redis pub/sub floor: {summary(floor['paced'])}")
    print(f"  chat round trip:     {summary(rounds['paced'])}")
    chat_ms = [t * 1000 for t in rounds["paced"]["times"]]
    floor_ms = [t * 1000 for t in floor["paced"]["times"]]
    p50, p99 = statistics.median(chat_ms), percentile(chat_ms, 99)
    met = p50 <= 5 and p99 <= 50 and not rounds["paced"]["lost"]
    print(f"goal (p50 <= 5 ms, p99 <= 50 ms, paced): {'met' if met else 'missed'}; {machine}")
    print(f"ratio chat/redis p50 (paced): {p50 / statistics.median(floor_ms):.1f}")


if __name__ == "__main__":
    main()

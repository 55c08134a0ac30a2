"""One portal served by two ASGI processes and by Celery workers on separate queues, all at
the same time on one machine (issue 16 item 7). Real processes, real PostgreSQL (this test's
database) and real Redis: a session made on A works on B, a payment started on A is booked by
the provider's callback on B, and the day's cycle run by the `cycle` worker has its letter
rendered by the `letters` worker. Chat across two processes: tests/chat/test_faults.py.

Slow (it starts six processes): it runs only when asked, `pytest -m scale` (`make test-scale`).
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest
from django.conf import settings
from django.db import connection

from collection.models import Letter
from invoices.models import InvoiceAccess
from myropo import settings as project_settings
from payments.models import Payment, PaymentOrder
from tests.factories import PASSWORD, InvoiceFactory
from tests.payments.conftest import signed

pytestmark = [pytest.mark.scale, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# A Redis database of its own for the broker: workers of a `make run` elsewhere on the machine
# must not take these tasks, nor these workers theirs.
BROKER_DB = 13


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what: str, seconds: float = 240) -> None:
    # Only a bound on a hang: the machine may be busy; nothing here measures speed.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"gave up waiting for {what}")


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A client that keeps its own cookies, whichever server it talks to (the session cookie
    is Secure with DEBUG=0; over loopback HTTP it is sent by hand)."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.opener = build_opener(NoRedirect)

    def request(self, url: str, data: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = urlencode(data).encode() if data is not None else None
        try:
            response = self.opener.open(Request(url, data=body, headers=headers), timeout=30)
        except HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        headers = {key.lower(): value for key, value in response.headers.items()}
        return response.status, headers, response.read().decode()

    def csrf_post(self, url: str, form_url: str, data: dict) -> tuple[int, dict, str]:
        _status, _headers, page = self.request(form_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(url, {"csrfmiddlewaretoken": token, **data})


@pytest.fixture
def portal(tmp_path):
    db = connection.settings_dict
    redis_base = settings.REDIS_URL.rsplit("/", 1)[0]
    env = {
        **os.environ,
        "DEBUG": "0",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BROKER_URL": f"{redis_base}/{BROKER_DB}",
        "DB_POOL_MAX_SIZE": "2",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ATTACHMENTS_ROOT": str(tmp_path / "attachments"),
        "LETTERS_ROOT": str(tmp_path / "letters"),
    }
    ports = [free_port(), free_port()]
    commands = {
        **{
            f"web{i}": [
                BIN / "uvicorn",
                "myropo.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
            ]
            for i, port in enumerate(ports)
        },
        **{
            queue: [
                BIN / "celery",
                "-A",
                "myropo",
                "worker",
                "-Q",
                queue,
                "-n",
                f"{queue}-scale-test@%h",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
            ]
            for queue in ("cycle", "letters")
        },
    }
    processes = {}
    for name, command in commands.items():
        worker_env = {**env, "DB_POOL_MAX_SIZE": "0"} if "web" not in name else env
        with open(tmp_path / f"{name}.log", "wb") as log:
            processes[name] = subprocess.Popen(
                [str(part) for part in command],
                cwd=ROOT,
                env=worker_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            wait_for(lambda url=url: _answers(f"{url}/healthz"), f"{url} to answer")
        yield urls, env
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        print({name: (tmp_path / f"{name}.log").read_text()[-2000:] for name in processes})


def _answers(url: str) -> bool:
    try:
        return Browser().request(url)[0] == 200
    except OSError:
        return False


def test_two_web_processes_and_two_workers_serve_one_portal(portal, alice, creditor, settings):
    (a, b), env = portal
    # The servers hash with the project's hashers, not the suite's fast one.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    alice.set_password(PASSWORD)
    alice.save(update_fields=["password"])
    due = date(2026, 1, 31)
    invoice = InvoiceFactory(
        creditor=creditor,
        debtor_name="Alice Aaltonen",
        issue_date=due - timedelta(days=14),
        due_date=due,
        principal=Decimal("100.00"),
        language="fi",
    )
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    browser = Browser()

    # A session made on A ...
    status, headers, page = browser.csrf_post(
        f"{a}/accounts/login/", f"{a}/accounts/login/", {"login": alice.email, "password": PASSWORD}
    )
    assert status == 302, page[-3000:]
    assert "sessionid" in browser.cookies
    # ... is the same session on B.
    status, _, page = browser.request(f"{b}/invoices/")
    assert status == 200
    assert invoice.number in page

    # A payment started on A ...
    status, headers, _ = browser.csrf_post(
        f"{a}/payments/pay/?invoice={invoice.pk}", f"{a}/payments/pay/?invoice={invoice.pk}", {}
    )
    assert status == 302 and "/payments/sandbox/" in headers["location"]
    order = PaymentOrder.objects.get(lines__invoice=invoice)
    # ... is booked by the provider's signed callback reaching B.
    status, _, _ = Browser().request(
        f"{b}/payments/callback/sandbox/success/?{urlencode(signed(order))}"
    )
    assert status == 200
    assert Payment.objects.filter(order=order).count() == 1

    # The cycle worker runs the day's cycle; its reminder is rendered by the letters worker.
    from celery import Celery

    sender = Celery(broker=env["CELERY_BROKER_URL"])
    sender.conf.task_routes = settings.CELERY_TASK_ROUTES
    reminded = InvoiceFactory(
        creditor=creditor,
        issue_date=due - timedelta(days=14),
        due_date=due,
        principal=Decimal("100.00"),
        language="fi",
    )
    sender.send_task(
        "invoices.tasks.run_collection_cycle", kwargs={"day": str(due + timedelta(days=15))}
    )
    wait_for(
        lambda: Letter.objects.filter(invoice=reminded, rendered_at__isnull=False).exists(),
        "the letter to be rendered",
    )
    letter = Letter.objects.get(invoice=reminded)
    assert letter.pdf.open("rb").read().startswith(b"%PDF")

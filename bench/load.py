"""Benchmark: the portal under concurrent load, served as in production, against a static file.

    .venv/bin/python bench/load.py [--clients 16,64] [--duration 15]
    .venv/bin/python bench/load.py --baseline /path/to/other/checkout   # before/after, one run

Creates its own database (``myropo_loadbench`` on the server of DATABASE_URL, or
BENCH_DATABASE_URL), migrates it and loads the demo data, starts the production web command
(the ``web:`` line of the Procfile) with DEBUG=0, signs in the demo consumer through the login
form, and drives ``wrk`` (Debian's package) at the landing page, the invoice list, one invoice
page and a static file of the same server. The static file is the in-run ceiling: what the
server, the loop and wrk itself reach on this machine right now. The last line is the
invoice list's req/s and its ratio to that ceiling. See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent

# Production settings (DEBUG off) with the test suite's stand-ins for what a deployment sets;
# plain HTTP on localhost, so no SSL redirect. Values already in the environment win, except
# DATABASE_URL, which always points at the benchmark's own database.
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "EMAIL_URL": "locmem://",
    "CACHE_KEY_PREFIX": "myropo-loadbench",
    "CHANNELS_PREFIX": "myropo-loadbench-asgi",
    "LOG_LEVEL": "WARNING",
    "PAYMENTS_SANDBOX": "1",
}
CONSUMER = ("consumer@myropo.test", "Demo-Kuluttaja-2026")

# Counts every answer that is not 200 (wrk itself counts only 4xx/5xx and socket errors):
# a redirect to the login page is a failed request here, not a fast one.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("NON200 %d\\n", total))
  io.write(string.format("P50 %d\\nP99 %d\\n", latency:percentile(50), latency:percentile(99)))
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="16,64", help="concurrent connections, e.g. 16,64")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--database", default="myropo_loadbench", help="dropped and created")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the database of a --keep run (no reload)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout (e.g. a worktree of main) measured first, with its own Procfile",
    )
    parser.add_argument("--command", help="the web command instead of the Procfile's")
    args = parser.parse_args()
    if "bench" not in args.database:
        parser.error("the benchmark drops its database; its name must contain 'bench'")
    if not shutil.which("wrk"):
        parser.error("wrk is missing: apt-get install -y wrk")
    args.clients = [int(c) for c in args.clients.split(",")]
    return args


def database_urls(name: str) -> tuple[str, str]:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/myropo"
    )
    parts = urlparse(base)
    return urlunparse(parts._replace(path="/postgres")), urlunparse(parts._replace(path=f"/{name}"))


def sql(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def manage(root: Path, env: dict[str, str], *argv: str) -> None:
    python = str(root / ".venv/bin/python")
    subprocess.run([python, "manage.py", *argv], cwd=root, env=env, check=True)  # noqa: S603


def prepare_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    maintenance_url, _ = database_urls(args.database)
    start = time.perf_counter()
    sql(maintenance_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    sql(maintenance_url, f'CREATE DATABASE "{args.database}"')
    # The demo data exists only with DEBUG on (seed_demo refuses otherwise); the server is
    # started with DEBUG off afterwards.
    demo_env = {**env, "DEBUG": "1"}
    manage(ROOT, demo_env, "migrate", "--noinput", "-v", "0")
    manage(ROOT, demo_env, "seed_demo", "-v", "0")
    seconds = time.perf_counter() - start
    print(f"database {args.database}: migrated, demo data loaded in {seconds:.0f} s")


def web_command(root: Path, port: int, override: str | None) -> str:
    if override:
        line = override
    else:
        procfile = (root / "Procfile").read_text()
        line = next(line for line in procfile.splitlines() if line.startswith("web:"))
        line = line.removeprefix("web:").strip()
    return line.replace("${WEB_PORT:-8000}", str(port)).replace("$WEB_PORT", str(port))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path, command: str, port: int, env: dict[str, str]):
        self.root, self.command, self.port = root, command, port
        # Kept after the run (its name is printed if the server fails to start).
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="loadbench-", suffix=".log", delete=False
        )
        # Its own process group, so that stopping it stops every worker it forked.
        # The Procfile's line as a shell would run it (${WEB_PORT:-8000} and all).
        self.process = subprocess.Popen(  # noqa: S603
            ["/bin/bash", "-c", f"exec {command}"],
            cwd=root,
            env={**env, "WEB_PORT": str(port)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(port, "GET", "/healthz")[0] in (200, 503):
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench: the server did not start, see {self.log.name}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def request(
    port: int, method: str, path: str, *, cookies: dict[str, str] | None = None, body=None
) -> tuple[int, dict[str, list[str]], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(body)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    received: dict[str, list[str]] = {}
    for name, value in response.getheaders():
        received.setdefault(name.lower(), []).append(value)
    text = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, received, text


def _set_cookies(headers: dict[str, list[str]], jar: dict[str, str]) -> None:
    # The cookies are Secure (DEBUG off); this client sends them over plain HTTP anyway.
    for header in headers.get("set-cookie", []):
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def sign_in(port: int) -> dict[str, str]:
    """The demo consumer's cookies after the login form, as a browser would get them."""
    jar: dict[str, str] = {}
    status, headers, page = request(port, "GET", "/accounts/login/")
    _set_cookies(headers, jar)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    email, password = CONSUMER
    status, headers, _ = request(
        port,
        "POST",
        "/accounts/login/",
        cookies=jar,
        body={"csrfmiddlewaretoken": token, "login": email, "password": password},
    )
    _set_cookies(headers, jar)
    if status != 302 or "sessionid" not in jar:
        raise SystemExit(f"bench: signing in the demo consumer failed (HTTP {status})")
    # The page after the login shows "signed in" once and deletes the messages cookie, as a
    # browser would see it; wrk ignores Set-Cookie, so without this every measured request
    # would verify, render and delete that message again.
    _, headers, _ = request(port, "GET", "/invoices/", cookies=jar)
    _set_cookies(headers, jar)
    return {name: value for name, value in jar.items() if value and value != '""'}


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def wrk(port: int, path: str, clients: int, args, cookies: dict[str, str], script: str) -> Result:
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    command = [
        shutil.which("wrk") or "wrk",
        f"-t{min(args.threads, clients)}",
        f"-c{clients}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "-s",
        script,
        *headers,
        f"http://127.0.0.1:{port}{path}",
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    socket_errors = sum(
        int(n)
        for n in re.findall(
            r"(?:connect|read|write|timeout) (\d+)", re.search(r"Socket errors:.*|$", out).group(0)
        )
    )
    non200 = int(re.search(r"NON200 (\d+)", out).group(1))
    if requests == 0:
        # Nothing answered within the run: wrk reports no timeout for a request still
        # waiting at the end, but every client's request failed as far as a user can tell.
        socket_errors = max(socket_errors, clients)
    return Result(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=int(re.search(r"P50 (\d+)", out).group(1)) / 1000,
        p99_ms=int(re.search(r"P99 (\d+)", out).group(1)) / 1000,
        requests=requests,
        errors=non200 + socket_errors,
    )


def targets(port: int, cookies: dict[str, str]) -> dict[str, tuple[str, dict[str, str]]]:
    """The pages measured, found as a user finds them, each checked to answer 200 first."""
    status, _, listing = request(port, "GET", "/invoices/", cookies=cookies)
    if status != 200:
        raise SystemExit(f"bench: the invoice list answered HTTP {status}")
    invoice = re.search(r'href="(/invoices/\d+/)"', listing).group(1)
    static = re.search(r'href="(/static/css/[^"]+\.css)"', listing).group(1)
    # The landing page is what a visitor sees (a signed-in one is sent on to the list).
    pages = {
        "static file": (static, cookies),
        "landing page": ("/", {}),
        "invoice list": ("/invoices/", cookies),
        "invoice page": (invoice, cookies),
    }
    for label, (path, jar) in pages.items():
        status = request(port, "GET", path, cookies=jar)[0]
        if status != 200:
            raise SystemExit(f"bench: {label} {path} answered HTTP {status}")
    return pages


def measure(root: Path, args, env: dict[str, str], label: str) -> dict[tuple[str, int], Result]:
    port = args.port or free_port()
    command = web_command(root, port, args.command if root == ROOT else None)
    print(f"\n{label}: {root}\n  server: {command}")
    server = Server(root, command, port, env)
    results: dict[tuple[str, int], Result] = {}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        try:
            cookies = sign_in(port)
            pages = targets(port, cookies)
            warmup = argparse.Namespace(**{**vars(args), "duration": 2})
            for path, jar in pages.values():  # every worker's templates and caches
                wrk(port, path, 4, warmup, jar, script.name)
            print(
                f"  {'page':<14} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
                f"{'requests':>9} {'errors':>7}"
            )
            for clients in args.clients:
                for page, (path, jar) in pages.items():
                    r = wrk(port, path, clients, args, jar, script.name)
                    results[page, clients] = r
                    print(
                        f"  {page:<14} {clients:>7} {r.rps:>8.1f} {r.p50_ms:>8.1f} "
                        f"{r.p99_ms:>8.1f} {r.requests:>9} {r.errors:>7}",
                        flush=True,
                    )
        finally:
            server.stop()
    return results


def main() -> None:
    args = parse_args()
    maintenance_url, bench_url = database_urls(args.database)
    env = {**SERVER_ENV, **os.environ, "DATABASE_URL": bench_url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if not args.reuse:
        prepare_database(args, env)
    try:
        for root in filter(None, [args.baseline, ROOT]):
            if not (root / "staticfiles" / "staticfiles.json").exists():
                manage(root, env, "collectstatic", "--noinput", "-v", "0")
        runs = []
        if args.baseline:
            runs.append(("baseline", measure(args.baseline.resolve(), args, env, "baseline")))
        runs.append(("this checkout", measure(ROOT, args, env, "this checkout")))
    finally:
        if not args.keep:
            sql(maintenance_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    print()
    for label, results in runs:
        clients = args.clients[0]
        page, ceiling = results["invoice list", clients], results["static file", clients]
        print(
            f"{label}: invoice list at {clients} clients {page.rps:.1f} req/s, "
            f"{page.rps / ceiling.rps:.2f} of the static file's {ceiling.rps:.1f} req/s"
        )


if __name__ == "__main__":
    sys.exit(main())

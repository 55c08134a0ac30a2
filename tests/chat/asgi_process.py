"""A real ASGI process for the fault tests: the project's uvicorn (as in Procfile) in a process of
its own, on the test database, the test's Redis key space and the test's clock.

    with AsgiProcess() as server:        # started, and killed at the end
        server.url("/ws/chat/1/")         # ws://127.0.0.1:<port>/ws/chat/1/
        server.kill()                     # SIGKILL: a crash, not a clean stop
        server.start()                    # again, on the same port

Run as `python -m tests.chat.asgi_process PORT` (what AsgiProcess does): travels to the clock
given in MYROPO_ASGI_CLOCK (the test's, so sessions and times agree), then serves.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'])}"


class AsgiProcess:
    def __init__(self, port: int | None = None, env: dict[str, str] | None = None):
        self.port = port or free_port()
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AsgiProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "myropo.settings",
            "DATABASE_URL": _database_url(),
            "DB_POOL_MAX_SIZE": "4",
            "MYROPO_ASGI_CLOCK": repr(time.time()),
            **self.extra_env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.chat.asgi_process", str(self.port)],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"the ASGI process on {self.port} exited ({code})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the ASGI process on {self.port} did not start")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to tidy up (a crash, an OOM kill)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> AsgiProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()


def _serve(port: int) -> None:
    import time_machine
    import uvicorn

    time_machine.travel(float(os.environ["MYROPO_ASGI_CLOCK"]), tick=True).start()
    uvicorn.run(
        "myropo.asgi:application",
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    _serve(int(sys.argv[1]))

"""A real IMAP server for the email channel's tests: Debian's Dovecot, started in a
temporary folder on free loopback ports with its own self-signed certificate.

The mail server lies outside the portal, but Dovecot runs on this machine, so the tests
speak to the real thing rather than to a fake: IMAPS on one port, IMAP with STARTTLS on the
other, one mailbox whose password is checked by Dovecot. `.ci/run` installs it.
"""

from __future__ import annotations

import imaplib
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "inbox@myropo.test"
PASSWORD = "correct horse battery staple"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = myropo-test-{imaps}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain
auth_failure_delay = 0
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Dovecot stopped: {log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("Dovecot did not listen within 15 s")


@dataclass
class Dovecot:
    root: Path
    imap_port: int
    imaps_port: int
    process: subprocess.Popen

    @property
    def ca_file(self) -> str:
        return str(self.root / "cert.pem")

    def url(self, *, secure: bool = True, password: str = PASSWORD) -> str:
        from urllib.parse import quote

        scheme, port = ("imaps", self.imaps_port) if secure else ("imap", self.imap_port)
        credentials = f"{quote(USER, safe='')}:{quote(password, safe='')}"
        return f"{scheme}://{credentials}@127.0.0.1:{port}/INBOX"

    def connect(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=self.ca_file)
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=context, timeout=15)
        conn.login(USER, PASSWORD)
        conn.select("INBOX")
        return conn

    def deliver(self, raw: bytes) -> None:
        conn = self.connect()
        try:
            crlf = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            typ, _ = conn.append("INBOX", None, None, crlf)
            assert typ == "OK"
        finally:
            conn.logout()

    def flags(self) -> list[set[str]]:
        """The flags of every mail in the folder, oldest first."""
        conn = self.connect()
        try:
            _, data = conn.uid("SEARCH", None, "ALL")
            result = []
            for uid in (data[0] or b"").split():
                _, fetched = conn.uid("FETCH", uid, "(FLAGS)")
                flags = imaplib.ParseFlags(fetched[0])
                result.append({flag.decode() for flag in flags})
            return result
        finally:
            conn.logout()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def empty(self) -> None:
        conn = self.connect()
        try:
            _, data = conn.search(None, "ALL")
            if data[0]:
                conn.store("1:*", "+FLAGS", "(\\Deleted)")
                conn.expunge()
        finally:
            conn.logout()


def start() -> Dovecot:
    """Dovecot in a new folder under /tmp (not pytest's tmp_path: that is private to root,
    and Dovecot's mail processes run as `nobody`). `stop()` removes it."""
    if not Path(DOVECOT).exists():
        raise FileNotFoundError(
            f"{DOVECOT} is missing: apt-get install dovecot-imapd (the .ci/run script does)"
        )
    root = Path(tempfile.mkdtemp(prefix="myropo-dovecot-"))
    root.chmod(0o755)  # Dovecot's unprivileged processes read the config and the users file
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (root / "users").chmod(0o644)
    home = root / "home"
    home.mkdir()
    shutil.chown(home, "nobody", "nogroup")
    for folder in ("run", "state"):
        (root / folder).mkdir()
    imap_port, imaps_port = _free_port(), _free_port()
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, imap=imap_port, imaps=imaps_port))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Dovecot(root, imap_port, imaps_port, process)
    try:
        _wait_for(imaps_port, process, root / "dovecot.log")
        _wait_for(imap_port, process, root / "dovecot.log")
    except Exception:
        server.stop()
        raise
    return server

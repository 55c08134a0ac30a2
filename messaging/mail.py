"""The email channel: signed reply addresses, one parser, and mail read from Maildir or IMAP.

Every notification mail of a contact carries `Reply-To: service+c<id>.<signature>@domain`.
The signature is an HMAC of the contact id under SECRET_KEY, so a reply finds its contact and
nobody can write into another customer's thread by guessing an address: a missing, forged or
stale signature, or a sender the contact does not know, opens a new contact instead.

Mail arrives from MESSAGING_MAIL_INBOX_URL: `maildir:///path` (local development and tests,
stdlib `mailbox`) or `imaps://user:password@host:993/INBOX` (production, stdlib `imaplib`).
Both give raw bytes to the same parser (stdlib `email`, `policy.default`). Bounces (delivery
status notifications) and auto-replies are recognised by their headers and ignored; attachments
go through `messaging.attachments.clean_upload`, exactly like uploads in the portal.
"""

from __future__ import annotations

import imaplib
import logging
import mailbox
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import strip_tags

logger = logging.getLogger(__name__)

_SALT = "messaging.mail.reply-address"
_SIGNATURE_LENGTH = 20
_REPLY_LOCAL = re.compile(r"^(?P<base>[^+]+)\+c(?P<id>\d{1,18})\.(?P<sig>[0-9a-f]+)$")


# --- Reply addresses ---------------------------------------------------------------------------


def service_address() -> str:
    return settings.MESSAGING_MAIL_ADDRESS.strip()


def channel_enabled() -> bool:
    """Replies are only invited when somebody reads the mailbox."""
    return bool(service_address() and settings.MESSAGING_MAIL_INBOX_URL)


def _signature(contact_id: int) -> str:
    return salted_hmac(_SALT, str(contact_id), algorithm="sha256").hexdigest()[:_SIGNATURE_LENGTH]


def reply_address(contact_id: int) -> str:
    """`service+c12.<signature>@domain` for contact 12."""
    local, _, domain = service_address().rpartition("@")
    return f"{local}+c{contact_id}.{_signature(contact_id)}@{domain}"


def contact_id_from_address(address: str) -> int | None:
    """The contact a reply address names, or None when it is not ours or its signature fails."""
    service_local, _, service_domain = service_address().lower().rpartition("@")
    local, _, domain = address.strip().lower().rpartition("@")
    if not service_local or domain != service_domain:
        return None
    match = _REPLY_LOCAL.match(local)
    if match is None or match["base"] != service_local:
        return None
    contact_id = int(match["id"])
    if not constant_time_compare(match["sig"], _signature(contact_id)):
        return None
    return contact_id


def is_service_address(address: str) -> bool:
    service_local, _, service_domain = service_address().lower().rpartition("@")
    local, _, domain = address.strip().lower().rpartition("@")
    return bool(service_local) and domain == service_domain and local.split("+")[0] == service_local


# --- The parser --------------------------------------------------------------------------------


@dataclass
class InboundMail:
    message_id: str
    sender: str
    recipients: list[str]
    subject: str
    text: str
    files: list[tuple[str, bytes]] = field(default_factory=list)
    automatic: str = ""  # why it is a bounce or an auto-reply; empty for a person's mail
    # The receiving server found the From address forged (SPF or DMARC "fail"): the sender is
    # not trusted to be the customer whose address it names.
    sender_failed_auth: bool = False


_AUTH_FAIL = re.compile(r"\b(dmarc|spf)=(fail|softfail)\b", re.IGNORECASE)
_AUTO_PRECEDENCE = {"bulk", "auto_reply", "junk", "list"}
# The first line of a quoted original: "On … wrote:", "… kirjoitti:", "… skrev:".
_QUOTE_HEADER = re.compile(r"^\s*(On .+ wrote|.+ kirjoitti|.+ skrev)\s*:\s*$", re.IGNORECASE)


def _addresses(message: EmailMessage, *names: str) -> list[str]:
    found = []
    for name in names:
        for header in message.get_all(name, []):
            try:
                found.extend(a.addr_spec for a in header.addresses if a.addr_spec)
            except (AttributeError, IndexError, ValueError):
                continue
    return found


def _automatic(message: EmailMessage, sender: str) -> str:
    if message.get_content_type() == "multipart/report":
        return "delivery status notification"
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "X-Autoreply"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    return_path = message.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("<>", ""):
        return "empty Return-Path"
    local = sender.partition("@")[0].lower()
    if not sender or local in ("mailer-daemon", "postmaster"):
        return "no sender"
    return ""


def _without_quote(text: str) -> str:
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _QUOTE_HEADER.match(line) or line.strip() in ("-----Original Message-----",):
            break
        if line.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def parse(raw: bytes) -> InboundMail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    senders = _addresses(message, "From")
    sender = senders[0].lower() if senders else ""
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            text = body.get_content()
        except (LookupError, UnicodeError, KeyError):
            text = (body.get_payload(decode=True) or b"").decode("utf-8", "replace")
        if body.get_content_type() == "text/html":
            text = strip_tags(text)
    files = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True) or b""
        files.append((part.get_filename() or "attachment", data))
    return InboundMail(
        message_id=str(message.get("Message-ID", "")).strip()[:250],
        sender=sender,
        recipients=_addresses(message, "To", "Cc", "Delivered-To", "X-Original-To"),
        subject=str(message.get("Subject", "")).strip()[:200],
        text=_without_quote(text),
        files=files,
        automatic=_automatic(message, sender),
        sender_failed_auth=any(
            _AUTH_FAIL.search(str(value)) for value in message.get_all("Authentication-Results", [])
        ),
    )


# --- Where mail comes from ----------------------------------------------------------------------


class MaildirSource:
    """A Maildir folder: handled mail moves into its `.done` (or `.failed`) subfolder."""

    def __init__(self, path: str | Path):
        self.box = mailbox.Maildir(str(path), factory=None, create=True)

    def __enter__(self) -> MaildirSource:
        return self

    def __exit__(self, *exc) -> None:
        self.box.close()

    def messages(self) -> Iterator[tuple[str, bytes]]:
        for key in sorted(self.box.keys()):
            yield key, self.box.get_bytes(key)

    def _folder(self, name: str) -> mailbox.Maildir:
        if name in self.box.list_folders():
            return self.box.get_folder(name)
        return self.box.add_folder(name)

    def done(self, key: str, *, ok: bool) -> None:
        self._folder("done" if ok else "failed").add(self.box.get_bytes(key))
        self.box.remove(key)


class ImapSource:
    """An IMAP folder over TLS: unseen mail is read with BODY.PEEK and flagged \\Seen when
    handled (failed mail is also \\Flagged for a person to look at)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.secure = parts.scheme == "imaps"
        self.host = parts.hostname or ""
        self.port = parts.port or (993 if self.secure else 143)
        self.user = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.folder = unquote(parts.path.lstrip("/")) or "INBOX"
        self.conn: imaplib.IMAP4 | None = None

    def __enter__(self) -> ImapSource:
        context = ssl.create_default_context()
        if self.secure:
            self.conn = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=60)
        else:
            self.conn = imaplib.IMAP4(self.host, self.port, timeout=60)
            self.conn.starttls(ssl_context=context)  # never a password in clear text
        self.conn.login(self.user, self.password)
        typ, _ = self.conn.select(self.folder)
        if typ != "OK":
            raise OSError(f"IMAP folder {self.folder!r} cannot be selected")
        return self

    def __exit__(self, *exc) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
                self.conn.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

    def messages(self) -> Iterator[tuple[str, bytes]]:
        assert self.conn is not None
        typ, data = self.conn.uid("SEARCH", None, "UNSEEN")
        if typ != "OK":
            raise OSError("IMAP search failed")
        for uid in (data[0] or b"").split():
            typ, fetched = self.conn.uid("FETCH", uid, "(BODY.PEEK[])")
            if typ != "OK" or not fetched or not isinstance(fetched[0], tuple):
                continue
            yield uid.decode(), fetched[0][1]

    def done(self, key: str, *, ok: bool) -> None:
        assert self.conn is not None
        self.conn.uid("STORE", key, "+FLAGS", "(\\Seen)" if ok else "(\\Seen \\Flagged)")


def open_source(url: str) -> MaildirSource | ImapSource:
    scheme = urlsplit(url).scheme
    if scheme == "maildir":
        return MaildirSource(unquote(urlsplit(url).path))
    if scheme in ("imap", "imaps"):
        return ImapSource(url)
    raise ValueError(f"MESSAGING_MAIL_INBOX_URL: unknown scheme {scheme!r}")

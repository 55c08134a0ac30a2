"""One inbox for customer service: a hook the lower apps call, the message centre answers.

Arrangements outside the rules, refund-account notices and the like are decided by staff. The
apps that create them must not import `messaging` (it sits above them), so they announce the
request here and `messaging` registers a receiver in its AppConfig.ready() that opens a
contact for it — in the same transaction, so a request never exists without its contact.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StaffRequest:
    source: str  # "<app>.<Model>:<pk>", unique: the contact of exactly this request
    classification: str  # one of messaging's classifications, e.g. "due_date"
    summary: str  # what the customer asked, shown as the contact's first message
    actor: object = None
    on_behalf_of: object = None
    on_behalf_of_organisation: str = ""
    invoices: list = field(default_factory=list)
    admin_url: str = ""  # where staff decide it


@dataclass(frozen=True)
class StaffDecision:
    source: str
    approved: bool
    reason: str
    staff: object = None


_opened: list[Callable[[StaffRequest], None]] = []
_decided: list[Callable[[StaffDecision], None]] = []


def on_request(receiver: Callable[[StaffRequest], None]) -> None:
    if receiver not in _opened:
        _opened.append(receiver)


def on_decision(receiver: Callable[[StaffDecision], None]) -> None:
    if receiver not in _decided:
        _decided.append(receiver)


def request_opened(request: StaffRequest) -> None:
    for receiver in _opened:
        receiver(request)


def request_decided(decision: StaffDecision) -> None:
    for receiver in _decided:
        receiver(decision)

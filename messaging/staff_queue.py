"""The staff queue: the admin's contact list as one small page.

A profile of bench/staff_queue.py put most of the changelist's time in Django's admin
machinery rather than in its SQL: the app list of the sidebar, each list filter's own
objects and links, the changelist's per-row cell rendering and its templates. This page
serves the queue at the changelist's URL with the changelist's own parameters (filters,
search, page), so that links, bookmarks and the contact page's "back to the list" keep
working; it reads its rows as plain values in one query. A request with anything else (a
column to sort by, "show all", a popup, a lookup typed by hand, a page past the end) goes to
Django's changelist as before.
"""

from __future__ import annotations

import html as stdlib_html
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from invoices.models import Creditor
from messaging.models import Channel, Classification, Contact, ContactState

if TYPE_CHECKING:
    from messaging.admin import ContactAdmin

# The lookups of the queue's own filters, shared with the changelist's list filters.
SLA_LOOKUPS = [("breached", _("Target missed")), ("due", _("Not answered yet"))]
ASSIGNED_LOOKUPS = [("mine", _("Mine")), ("none", _("Unassigned"))]


def sla_filter(queryset: QuerySet, value: str | None) -> QuerySet:
    now = timezone.now()
    if value == "breached":
        return queryset.filter(
            Q(first_response_at__isnull=True, sla_due_at__lt=now)
            | Q(first_response_at__gt=F("sla_due_at"))
        )
    if value == "due":
        return queryset.filter(first_response_at__isnull=True).exclude(state="resolved")
    return queryset


def assigned_filter(queryset: QuerySet, value: str | None, user) -> QuerySet:
    if value == "mine":
        return queryset.filter(assigned_to=user)
    if value == "none":
        return queryset.filter(assigned_to__isnull=True)
    return queryset


class UncountedPaginator(Paginator):
    """Pages without COUNT(*): the page's rows and one more tell whether another follows.

    For lists whose count costs more than the page: the whole queue unfiltered, a search for
    a common word (a count would visit every match). `count` is then a lower bound, at most
    one past the page shown; the page template says "more than" instead of a number.
    """

    counted = False

    def __init__(self, object_list, per_page, *, number: int):
        super().__init__(object_list, per_page)
        self.number = number

    @cached_property
    def rows(self) -> list:
        bottom = (self.number - 1) * self.per_page
        return list(self.object_list[bottom : bottom + self.per_page + 1])

    @cached_property
    def count(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)

    @property
    def more(self) -> bool:
        return len(self.rows) > self.per_page

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if number != self.number:  # not the page fetched: the usual slice
            return super().page(number)
        return self._get_page(self.rows[: self.per_page], number, self)


class CountedPaginator(Paginator):
    """Counts the contacts themselves: the rows' joins (creditor, customer, agent) would make
    PostgreSQL join every matching contact just to count them."""

    def __init__(self, object_list, per_page, *, contacts: QuerySet):
        super().__init__(object_list, per_page)
        self.contacts = contacts

    @cached_property
    def count(self) -> int:
        return self.contacts.count()


# (parameter, label, choices); the creditors' choices are read per page.
FILTERS: list[tuple[str, Any, list[tuple[str, Any]] | None]] = [
    ("state__exact", Contact._meta.get_field("state").verbose_name, ContactState.choices),
    (
        "classification__exact",
        Contact._meta.get_field("classification").verbose_name,
        Classification.choices,
    ),
    ("channel__exact", Contact._meta.get_field("channel").verbose_name, Channel.choices),
    ("creditor__id__exact", Contact._meta.get_field("creditor").verbose_name, None),
    ("sla", _("answer time"), SLA_LOOKUPS),
    ("assigned", _("assigned"), ASSIGNED_LOOKUPS),
]
SEARCH_PARAM, PAGE_PARAM = "q", "p"
PARAMS = {name for name, _label, _choices in FILTERS} | {SEARCH_PARAM, PAGE_PARAM}

# The columns of ContactAdmin.list_display, in its order: (label, the changelist's sort index
# or None when the column cannot be sorted).
COLUMNS = [
    (Contact._meta.pk.verbose_name, 0),
    (Contact._meta.get_field("classification").verbose_name, 1),
    (Contact._meta.get_field("state").verbose_name, 2),
    (Contact._meta.get_field("channel").verbose_name, 3),
    (Contact._meta.get_field("creditor").verbose_name, 4),
    (_("customer"), None),
    (Contact._meta.get_field("assigned_to").verbose_name, 6),
    (Contact._meta.get_field("created_at").verbose_name, 7),
    (Contact._meta.get_field("sla_due_at").verbose_name, 8),
    (Contact._meta.get_field("first_response_at").verbose_name, 9),
]
ROW_FIELDS = [
    "id",
    "classification",
    "state",
    "channel",
    "creditor__name",
    "owner_organisation__name",
    "owner_organisation__business_id",
    "owner_user__first_name",
    "owner_user__last_name",
    "owner_user__email",
    "email",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "assigned_to__email",
    "created_at",
    "sla_due_at",
    "first_response_at",
]
EMPTY = "-"  # the admin's empty_value_display


@dataclass(frozen=True)
class QueueQuery:
    filters: dict[str, str]
    term: str
    page: int


def parse(params: QueryDict) -> QueueQuery | None:
    """The queue's filters, search and page; None for what only Django's changelist serves."""
    if not set(params) <= PARAMS or any(len(values) > 1 for _name, values in params.lists()):
        return None
    filters: dict[str, str] = {}
    for name, _label, choices in FILTERS:
        value = params.get(name, "")
        if not value:
            continue
        if choices is None:
            if not value.isdigit():
                return None
        elif value not in {key for key, _text in choices}:
            return None
        filters[name] = value
    page = params.get(PAGE_PARAM, "1")
    if not page.isdigit() or int(page) < 1:
        return None
    return QueueQuery(filters=filters, term=params.get(SEARCH_PARAM, "").strip(), page=int(page))


def filtered(query: QueueQuery, user) -> QuerySet[Contact]:
    """The contacts the queue's filters choose (as the changelist's list filters do)."""
    contacts = Contact.objects.all()
    chosen = query.filters
    for name, field in (
        ("state__exact", "state"),
        ("classification__exact", "classification"),
        ("channel__exact", "channel"),
    ):
        if name in chosen:
            contacts = contacts.filter(**{field: chosen[name]})
    if "creditor__id__exact" in chosen:
        contacts = contacts.filter(creditor_id=int(chosen["creditor__id__exact"]))
    contacts = sla_filter(contacts, chosen.get("sla"))
    return assigned_filter(contacts, chosen.get("assigned"), user)


def _person(first: str | None, last: str | None, email: str | None) -> str:
    # accounts.User.__str__: the full name, or the email.
    return f"{first or ''} {last or ''}".strip() or (email or "")


def _customer(values: dict) -> str:
    if values["owner_organisation__name"] is not None:  # accounts.Organisation.__str__
        return f"{values['owner_organisation__name']} ({values['owner_organisation__business_id']})"
    if values["owner_user__email"] is not None:
        return _person(
            values["owner_user__first_name"],
            values["owner_user__last_name"],
            values["owner_user__email"],
        )
    return values["email"]


# The row as the changelist renders it (tests/messaging/test_admin.py compares the two): the
# template engine spent more on 50 rows of 10 cells than the rest of the page together.
ROW_HTML = (
    '<tr><th class="field-pk"><a href="{}">{}</a></th>'
    '<td class="field-classification">{}</td><td class="field-state">{}</td>'
    '<td class="field-channel">{}</td><td class="field-creditor nowrap">{}</td>'
    '<td class="field-customer">{}</td><td class="field-assigned_to nowrap">{}</td>'
    '<td class="field-created_at nowrap">{}</td><td class="field-sla_due_at nowrap">{}</td>'
    '<td class="field-first_response_at nowrap">{}</td></tr>'
)


def _escape(value) -> str:
    """`format_html`'s escaping of one argument (`conditional_escape`: the same characters),
    without its lazy-argument checks, which ran 800 times a page."""
    return value.__html__() if hasattr(value, "__html__") else stdlib_html.escape(str(value))


# The DATETIME_FORMAT letters of fi, sv and en (j.n.Y G.i, j M Y H:i), each read off the
# datetime directly: Django's dateformat builds a formatter per value, ~50 µs a cell, half
# of the page's rendering. Another letter, or a backslash, falls back to dateformat.
_MOMENT_PARTS = {
    "j": lambda m: str(m.day),
    "d": lambda m: f"{m.day:02d}",
    "n": lambda m: str(m.month),
    "m": lambda m: f"{m.month:02d}",
    "Y": lambda m: str(m.year),
    "G": lambda m: str(m.hour),
    "H": lambda m: f"{m.hour:02d}",
    "i": lambda m: f"{m.minute:02d}",
}
_MOMENT_LITERALS = frozenset(" .:,-/")


def moment_formatter(pattern: str):
    """A function giving `dateformat.format(value, pattern)` for an aware local datetime."""
    months = [dateformat.format(datetime(2000, month, 1), "M") for month in range(1, 13)]
    parts = []
    for char in pattern:
        if char in _MOMENT_PARTS:
            parts.append(_MOMENT_PARTS[char])
        elif char == "M":
            parts.append(lambda m: months[m.month - 1])
        elif char in _MOMENT_LITERALS:
            parts.append(lambda m, char=char: char)
        else:
            return lambda value: dateformat.format(value, pattern)
    return lambda value: "".join(part(value) for part in parts)


def _rows(rows: list[dict], change_url: str) -> list[SafeString]:
    labels = {
        field: {key: str(text) for key, text in choices}
        for field, choices in (
            ("classification", Classification.choices),
            ("state", ContactState.choices),
            ("channel", Channel.choices),
        )
    }
    # What `{{ moment }}` and the admin's display_for_field do, with the format and the zone
    # looked up once per page instead of once per cell.
    zone = timezone.get_current_timezone()
    formatted = moment_formatter(get_format("DATETIME_FORMAT"))

    def moment(value) -> str:
        return EMPTY if value is None else formatted(value.astimezone(zone))

    html = []
    for values in rows:
        agent = values["assigned_to__email"]
        cells = (
            change_url.format(values["id"]),
            values["id"],
            labels["classification"].get(values["classification"], values["classification"]),
            labels["state"].get(values["state"], values["state"]),
            labels["channel"].get(values["channel"], values["channel"]),
            values["creditor__name"] or EMPTY,
            _customer(values) or EMPTY,
            EMPTY
            if agent is None
            else _person(
                values["assigned_to__first_name"], values["assigned_to__last_name"], agent
            ),
            moment(values["created_at"]),
            moment(values["sla_due_at"]),
            moment(values["first_response_at"]),
        )
        html.append(mark_safe(ROW_HTML.format(*map(_escape, cells))))
    return html


def _query_string(params: dict[str, str | int]) -> str:
    return "?" + urlencode(params) if params else "?"


def queue_page(
    request: HttpRequest, model_admin: ContactAdmin, query: QueueQuery
) -> TemplateResponse | None:
    """The queue page, or None when the page asked for is past the end (the changelist says so)."""
    contacts = filtered(query, request.user)
    if query.term:
        contacts, _distinct = model_admin.get_search_results(request, contacts, query.term)
    contacts = contacts.order_by("-last_message_at", "-id")
    rows_of = contacts.values(*ROW_FIELDS)
    per_page = model_admin.list_per_page
    if model_admin.uncounted(request, contacts):
        paginator: Paginator = UncountedPaginator(rows_of, per_page, number=query.page)
    else:
        paginator = CountedPaginator(rows_of, per_page, contacts=contacts)
    try:
        page = paginator.page(query.page)
    except EmptyPage:
        if query.page > 1:
            return None
        page = paginator.page(1)  # an empty queue
    counted = isinstance(paginator, CountedPaginator)

    kept: dict[str, str | int] = dict(query.filters)
    if query.term:
        kept[SEARCH_PARAM] = query.term
    opts = Contact._meta
    change_url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change",
        args=(0,),
        current_app=model_admin.admin_site.name,
    ).replace("/0/", "/{}/", 1)
    if request.GET:  # as the changelist keeps its filters in the link (_changelist_filters)
        preserved = urlencode({"_changelist_filters": request.GET.urlencode()})
        change_url += "?" + preserved.replace("{", "{{").replace("}", "}}")

    rows = _rows(page.object_list, change_url)

    creditors = list(Creditor.objects.order_by("name").values_list("id", "name"))
    filters = []
    for name, label, choices in FILTERS:
        options = choices if choices is not None else [(str(pk), text) for pk, text in creditors]
        filters.append(
            {
                "name": name,
                "label": str(capfirst(label)),
                "value": query.filters.get(name, ""),
                "options": [(key, str(text)) for key, text in options],
            }
        )

    if counted:
        numbers = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=2))
    else:
        numbers = list(range(1, page.number + (2 if paginator.more else 1)))
    pages = [
        (number, _query_string({**kept, PAGE_PARAM: number}) if isinstance(number, int) else "")
        for number in numbers
    ]
    headers = [
        {
            "label": str(capfirst(label)),
            "url": None if index is None else _query_string({**kept, "o": index}),
        }
        for label, index in COLUMNS
    ]
    site = model_admin.admin_site
    context = {
        "site_title": site.site_title,
        "site_header": site.site_header,
        "site_url": site.site_url,
        "has_permission": True,  # admin_site.admin_view let the request in
        "is_popup": False,
        "is_nav_sidebar_enabled": False,  # the app list costs more than the queue's rows
        "title": _("Customer-service queue"),
        "opts": opts,
        "filters": filters,
        "term": query.term,
        "search_help_text": model_admin.search_help_text,
        "headers": headers,
        "rows": rows,
        # Without a count while more pages follow: "More than N contacts".
        "more": not counted and paginator.more,
        "count": paginator.count,
        "shown": (page.number - 1) * per_page + len(rows),
        "pages": pages if len(pages) > 1 else [],
        "page_number": page.number,
    }
    return TemplateResponse(request, "admin/messaging/contact/queue.html", context)

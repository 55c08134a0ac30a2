"""Public pages, health check and the PWA's manifest and service worker."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from collection.citations import cites_text
from collection.rules import Unit, price_list_rows
from myropo import health, service_hours
from myropo.templatetags.money import format_euros


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("invoices:list")
    return render(request, "home.html")


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "help.html", {"open_now": service_hours.is_open(timezone.now())})


@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    """The privacy notice (GDPR art. 13 and 14): a collection service processes personal data
    it mostly receives from creditors, so it says what, why, from where and for how long."""
    return render(
        request,
        "privacy.html",
        {
            "controller": settings.PRIVACY_CONTROLLER,
            "business_id": settings.PRIVACY_CONTROLLER_BUSINESS_ID,
            "contact_email": settings.PRIVACY_CONTACT_EMAIL,
            "message_retention_days": settings.MESSAGING_RETENTION_DAYS,
        },
    )


@dataclass(frozen=True)
class PriceLine:
    label_key: str
    label: str
    condition: str
    consumer: str
    business: str
    source: str


def _price_label(key: str) -> str:
    labels = {
        "reminder": _("Payment reminder"),
        "standard_compensation": _("Standard compensation, instead of reminder fees"),
        "demand_1": _("1st payment demand"),
        "demand_2": _("2nd payment demand"),
        "total_costs": _("All collection costs on one debt, at most"),
        "plan_fee": _("Payment plan"),
        "transfer_before_due": _("Due-date transfer asked before the due date"),
        "transfer_short": _("Due-date transfer"),
        "transfer_long": _("Due-date transfer"),
        "interest": _("Late-payment interest over the reference rate"),
    }
    return labels.get(key, key)


_CONDITIONS: tuple[tuple[re.Pattern[str], Callable[..., str]], ...] = (
    (
        re.compile(r"principal > ([\d.]+) and ≤ ([\d.]+)"),
        lambda a, b: _("principal over %(a)s up to %(b)s") % {"a": _eur(a), "b": _eur(b)},
    ),
    (
        re.compile(r"principal ≥ ([\d.]+) and ≤ ([\d.]+)"),
        lambda a, b: _("principal from %(a)s up to %(b)s") % {"a": _eur(a), "b": _eur(b)},
    ),
    (re.compile(r"principal ≤ ([\d.]+)"), lambda a: _("principal up to %(a)s") % {"a": _eur(a)}),
    (re.compile(r"principal > ([\d.]+)"), lambda a: _("principal over %(a)s") % {"a": _eur(a)}),
    (re.compile(r"principal < ([\d.]+)"), lambda a: _("principal under %(a)s") % {"a": _eur(a)}),
    (re.compile(r"installments ≤ (\d+)"), lambda n: _("up to %(n)s installments") % {"n": n}),
    (re.compile(r"installments ≥ (\d+)"), lambda n: _("%(n)s or more installments") % {"n": n}),
    (re.compile(r"transfer ≤ (\d+) days"), lambda n: _("transfer of up to %(n)s days") % {"n": n}),
    (
        re.compile(r"transfer ≥ (\d+) days"),
        lambda n: _("transfer of %(n)s days or more") % {"n": n},
    ),
    (re.compile(r"asked before the original due date"), lambda: _("before the due date")),
)


def _eur(text: str) -> str:
    return format_euros(Decimal(text))


def _price_condition(condition: str) -> str:
    """The rule table's condition ("principal > 100 and ≤ 1000") in the active language."""
    parts = []
    for piece in filter(None, condition.split("; ")):
        for pattern, render_piece in _CONDITIONS:
            if match := pattern.fullmatch(piece):
                parts.append(render_piece(*match.groups()))
                break
        else:
            parts.append(piece)
    return "; ".join(parts)


def _price_value(value: Decimal | None, unit: Unit) -> str:
    if value is None:
        return "–"
    if unit is Unit.PERCENT_POINTS:
        return _("+ %(points)s percentage points") % {"points": number_format(value.normalize())}
    return format_euros(value)


def price_lines() -> list[PriceLine]:
    """The price list as displayed, one line per row of `collection.rules.price_list_rows()`."""
    lines = []
    for row in price_list_rows():
        consumer, business = (
            _price_value(row.consumer, row.unit),
            _price_value(row.business, row.unit),
        )
        if row.consumer is None and row.business is None:
            business = _("creditor's price list")
        lines.append(
            PriceLine(
                label_key=row.label_key,
                label=_price_label(row.label_key),
                condition=_price_condition(row.condition),
                consumer=consumer,
                business=business,
                # The exact sections in the page's language, never the rows' internal notes.
                source=cites_text(row.cites),
            )
        )
    return lines


@require_GET
def price_list(request: HttpRequest) -> HttpResponse:
    from collection.models import ReferenceRate

    today = timezone.localdate()
    rate = ReferenceRate.objects.filter(start__lte=today, end__gte=today).first()
    return render(request, "price_list.html", {"lines": price_lines(), "reference_rate": rate})


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    # The invoice list is the home page after login; old links and bookmarks land there.
    return redirect("invoices:list")


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "offline.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": health.check_database(connection),
        "redis": health.check_redis(settings.REDIS_URL),
        "celery_broker": health.check_celery_broker(settings.CELERY_BROKER_URL),
    }
    healthy = all(check["ok"] for check in checks.values())
    # Not an outage (the service answers, 200), but staff must act: without the half-year's
    # reference rate no late-payment interest accrues for it (collection.rate_gaps).
    rate = health.check_reference_rate() if checks["database"]["ok"] else None
    if rate is not None:
        checks["reference_rate"] = rate
    status = "error" if not healthy else "degraded" if rate and not rate["ok"] else "ok"
    return JsonResponse({"status": status, "checks": checks}, status=200 if healthy else 503)


@cache_control(max_age=3600, public=True)
@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": "MyRopo",
        "short_name": "MyRopo",
        "description": _("Your invoices, payments and payment plans in one place."),
        "lang": request.LANGUAGE_CODE,
        "id": "/",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5394",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return HttpResponse(json.dumps(data), content_type="application/manifest+json")


@never_cache
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "sw.js",
        {
            "shell": [
                static("css/site.css"),
                static("js/htmx.min.js"),
                static("js/app.js"),
                static("icons/icon-192.png"),
            ]
        },
        content_type="application/javascript",
    )
    response["Service-Worker-Allowed"] = "/"
    return response

"""Public pages, health check and the PWA's manifest and service worker."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from myropo import health, service_hours


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home.html")


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "help.html", {"open_now": service_hours.is_open(timezone.now())})


@require_GET
def price_list(request: HttpRequest) -> HttpResponse:
    return render(request, "price_list.html")


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
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


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

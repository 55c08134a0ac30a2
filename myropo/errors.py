"""Error pages a user can read: styled, in their language, with a way back.

Django's defaults are bare English ("403 Forbidden") and its 400 and 500 pages render without
the request. Ours render inside the site's layout, except the 500 page: it must still show
when the database is what failed, so it is a standalone template rendered without the
request (no session, no user, no context processors).
"""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)


def _page(request: HttpRequest, status: int) -> HttpResponse:
    try:
        return render(request, f"errors/{status}.html", {"status": status}, status=status)
    except Exception:
        # The layout needs the session and the user; if those are what broke, the page the
        # user gets is still ours and still translated.
        logger.exception("error page %s could not be rendered in the layout", status)
        return server_error(request, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent after the session ended or from an old tab: say so, offer a fresh start."""
    try:
        return render(request, "errors/csrf.html", {"status": 403}, status=403)
    except Exception:
        logger.exception("the CSRF failure page could not be rendered in the layout")
        return server_error(request, status=403)


def server_error(request: HttpRequest, status: int = 500) -> HttpResponse:
    html = loader.get_template("errors/500.html").render({"status": status})
    return HttpResponse(html, status=status)

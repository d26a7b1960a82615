"""Site-wide request plumbing: a branded 503 while the database is away, the admin's
style relaxation of the Content-Security-Policy, and the client address the login rate
limit counts by.

Database outages. When PostgreSQL restarts, or the SQLite file cannot be opened,
every query raises `OperationalError` (or `InterfaceError` on a connection that
died). The reader should get a short "back soon" page with `Retry-After`, not a
500 and never a traceback, and the site must come back by itself once the
database does: persistent connections are health-checked before reuse
(`CONN_HEALTH_CHECKS`), and a connection that failed is closed at the end of the
request, so nothing has to be restarted.

The failing query can sit anywhere: in a view, in a template being rendered, or
in a middleware below this one (the page cache asks for the next scheduled
publish time, sessions and auth read their tables). Django turns an exception
raised inside a middleware into a 500 response before the middleware above sees
it, so this one listens to `got_request_exception`, which Django sends for every
uncaught exception while it is still being handled, and swaps that 500 for the
503 page. View and template exceptions are caught directly in `process_exception`.

The 503 page is `templates/503.html`, rendered without a request: no context
processor runs, so it needs no query (the normal pages' menu does).
"""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger("newsroom.database")

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Seconds a client (or a crawler) is asked to wait before trying again.
RETRY_AFTER = 30
_MARK = "_newsroom_database_error"


# If even the template cannot be rendered (a broken deploy), still say something useful.
FALLBACK_HTML = (
    '<!DOCTYPE html><html lang="zh-Hans"><meta charset="utf-8"><title>暂时无法访问</title>'
    "<h1>503 · 网站正在维护</h1><p>服务暂时不可用，请稍后刷新本页。</p></html>"
)


def database_unavailable_response() -> HttpResponse:
    """The 503 page: static markup, no database, no traceback, not cacheable."""
    try:
        html = loader.render_to_string("503.html", {"site_name": settings.SITE_NAME})
    except Exception:
        logger.exception("Cannot render 503.html; answering with the fallback page")
        html = FALLBACK_HTML
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def _note_database_error(sender, request=None, **kwargs):
    """got_request_exception receiver: remember that the request failed on the database."""
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, DATABASE_ERRORS):
        setattr(request, _MARK, exc)


got_request_exception.connect(_note_database_error, dispatch_uid="newsroom-database-503")


class DatabaseUnavailableMiddleware:
    """Answer 503 with the branded page when the database cannot be reached (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS as exc:  # only when exceptions propagate (tests, DEBUG off)
            return self._unavailable(request, exc)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code == 500:
            return self._unavailable(request, exc)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request, exc):
        # One line per request, not a traceback: an outage produces thousands.
        logger.error("Database unavailable, answered 503 for %s: %s", request.path, exc)
        return database_unavailable_response()


# What the admin adds to settings.CONTENT_SECURITY_POLICY (django-csp merges it in).
ADMIN_CSP_UPDATE = {"style-src": ["'unsafe-inline'"]}


class AdminStyleCSPMiddleware:
    """Allow inline styles in the admin only, where TinyMCE needs them.

    TinyMCE positions its menus, dialogs and toolbar with inline style attributes, and
    its Content Security Policy guide lists `style-src 'unsafe-inline'` as required.
    Styles cannot run code, and public pages never need them, so readers keep the
    strict `style-src 'self'`. script-src stays 'self' everywhere, the admin included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.NEWSROOM_ADMIN_PREFIX):
            response._csp_update = ADMIN_CSP_UPDATE
        return response


def client_ip(request) -> str | None:
    """The client's address for the login rate limit (django-axes).

    Behind `NEWSROOM_PROXY_COUNT` proxies (nginx: 1) that each append the address they
    saw to X-Forwarded-For, the client is the entry that many places from the right;
    entries further left were written by the client and could be forged. With no
    proxy, or no header, it is the socket's address.
    """
    count = settings.NEWSROOM_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(count, len(hops))]
    return request.META.get("REMOTE_ADDR")

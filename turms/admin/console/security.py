"""The console's browser security: response headers, the session cookie, CSRF and same-origin checks.

* **Content-Security-Policy** allows scripts, styles, images and requests from the console's own origin only:
  no inline script or style anywhere (htmx is configured not to inject its indicator styles nor evaluate
  anything), no frames, forms posting only back to the console.
* **Session cookie**: ``HttpOnly``, ``SameSite=Strict``, path ``/console/``, ``Secure`` over TLS (or always,
  with ``admin.console.secure_cookie = "always"`` behind a proxy that terminates TLS).
* **CSRF**: every state-changing request (``POST``) carries the session's token (form field ``csrf`` or header
  ``X-CSRF-Token``), compared in constant time; and a request whose ``Origin`` names another site, or that a
  browser marks ``Sec-Fetch-Site: cross-site``/``same-site``, is refused before anything else (the login form
  too, against login CSRF).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from aiohttp import web

from turms.settings import Settings
from turms.settings import admin as admin_settings

COOKIE = "turms_console"
COOKIE_PATH = "/console/"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every console response: the security headers; pages and data (not static files) are never cached."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/console/static/"):
        response.headers["Cache-Control"] = "no-store"


def secure_cookie(request: web.Request, settings: Settings) -> bool:
    return bool(request.secure) or settings.get(admin_settings.CONSOLE_SECURE_COOKIE) == "always"


def set_session_cookie(request: web.Request, response: web.StreamResponse, settings: Settings, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=secure_cookie(request, settings),
    )


def clear_session_cookie(request: web.Request, response: web.StreamResponse, settings: Settings) -> None:
    response.del_cookie(
        COOKIE, path=COOKIE_PATH, httponly=True, samesite="Strict", secure=secure_cookie(request, settings)
    )


def cross_site(request: web.Request) -> str | None:
    """Why this request looks sent by another site, or None. Browsers send ``Origin`` on POSTs and
    ``Sec-Fetch-Site`` on everything; a client without them (curl, a script) is judged by its CSRF token."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.lower() not in ("same-origin", "none"):
        return f"a {site} request"
    origin = request.headers.get("Origin")
    # The host and port only: behind a proxy that terminates TLS the browser's scheme is not the request's.
    if origin is not None and urlsplit(origin.strip()).netloc.lower() != request.host.lower():
        return f"a request from the origin {origin[:100]!r}"
    return None


def csrf_ok(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())

"""The console's plumbing: routes under ``/console/``, login and logout, the per-request context of a page.

A page handler receives a :class:`Page`: the logged-in admin (roles read from the store at each request, so a
changed role or a deleted admin takes effect at once), :meth:`Page.read` and :meth:`Page.write` to call admin
API routes through :meth:`turms.admin.app.AdminApi.invoke`, :meth:`Page.can` to enable or disable a button by
the permission of the route it would call, and :meth:`Page.render`. A write answers a redirect back with a
message when it succeeded (post/redirect/get), or a page with the refusal and the API's HTTP status (403 for a
missing permission, 400 for bad input …) when it did not.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jinja2
import orjson
from aiohttp import web
from markupsafe import Markup, escape
from multidict import MultiDictProxy

import turms
from turms.admin.console import security
from turms.admin.permissions import AdminPermission
from turms.admin.rbac import Principal
from turms.admin.routes import ApiError
from turms.admin.sessions import ConsoleSession, ConsoleSessions
from turms.protocol.status import ResponseStatusCode

if TYPE_CHECKING:
    from turms.admin.app import AdminApi, Outcome

log = logging.getLogger("turms.admin.console")

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
PREFIX = "/console"

#: (label, path, the API route the page needs to exist on this server, if any) of the navigation bar.
NAV: tuple[tuple[str, str, tuple[str, str] | None], ...] = (
    ("Dashboard", "/console/dashboard", None),
    ("Users", "/console/users", None),
    ("Groups", "/console/groups", None),
    ("Messages", "/console/messages", None),
    ("Blocklist", "/console/blocklist", None),
    ("Antispam", "/console/antispam", None),
    ("Settings", "/console/settings", None),
    ("Audit log", "/console/audit", None),
    ("Plugins", "/console/plugins", ("GET", "/plugins")),
)


class FormError(Exception):
    """A form field that cannot be used: answered 400 with this message, before any API call."""


class NotFound(Exception):
    """A path naming no record (a malformed id): answered with the console's 404 page."""


def redirect(location: str) -> web.Response:
    """303 See Other (after a form: the browser GETs ``location``). A response, not aiohttp's exception: the
    admin app's middleware answers exceptions with the API's JSON envelope."""
    return web.Response(status=303, headers={"Location": location})


@dataclass(frozen=True)
class Read:
    """The answer of a read: the data, or why there is none (shown in place of the section)."""

    ok: bool
    data: Any
    message: str
    status: int


def when(value: Any) -> str:
    """A date for people: datetimes, ISO strings and epoch milliseconds, in UTC to the second."""
    if value is None or value == "":
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = datetime.fromtimestamp(value / 1000, UTC)
    elif isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)


_TICKS = re.compile(r"`([^`]+)`")
_WHOLE = re.compile(r"^-?[0-9]{1,19}$")


def ticks(text: Any) -> Markup:
    """A description with its `code` spans (as the settings registry writes them) set in code, escaped."""
    return Markup(_TICKS.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


def shown(value: Any) -> str:
    """A setting's value as text (lists comma-separated, booleans lower-case, as the configuration writes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    return str(value)


class Page:
    """One console request of a logged-in admin."""

    def __init__(
        self,
        console: Console,
        request: web.Request,
        session: ConsoleSession,
        principal: Principal,
        form: MultiDictProxy[Any] | None,
    ) -> None:
        self.console = console
        self.request = request
        self.session = session
        self.principal = principal
        self._form = form

    # -- input -------------------------------------------------------------------------------------------

    def field(self, name: str, *, required: bool = True, max_length: int = 4096) -> str:
        """A text field of the submitted form (or the query string of a GET), stripped."""
        source: Mapping[str, Any] = self._form if self._form is not None else self.request.query
        raw = source.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        if not text and required:
            raise FormError(f"{name} is required")
        if len(text) > max_length:
            raise FormError(f"{name}: at most {max_length} characters")
        return text

    def int_field(self, name: str, *, required: bool = True, minimum: int = -(2**63), maximum: int = 2**63 - 1) -> int:
        text = self.field(name, required=required, max_length=40)
        if not text:
            return 0
        if not _WHOLE.match(text):
            raise FormError(f"{name}: {text[:40]!r} is not a whole number")
        value = int(text)
        if not minimum <= value <= maximum:
            raise FormError(f"{name}: must be between {minimum} and {maximum}")
        return value

    def id_list(self, name: str, *, required: bool = True, limit: int = 100) -> list[int]:
        """Ids separated by commas or spaces."""
        text = self.field(name, required=required, max_length=4096)
        parts = [p for p in text.replace(",", " ").split() if p]
        if len(parts) > limit:
            raise FormError(f"{name}: at most {limit} ids")
        out = []
        for p in parts:
            if not p.isascii() or not p.isdigit() or len(p) > 19:
                raise FormError(f"{name}: {p[:40]!r} is not an id")
            out.append(int(p))
        return out

    def path_int(self, name: str) -> int:
        text = self.request.match_info.get(name, "")
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            raise NotFound()
        return int(text)

    # -- the admin API -----------------------------------------------------------------------------------

    async def read(self, path: str, **query: Any) -> Read:
        if self.console.api.table.get("GET", path) is None:
            return Read(False, None, "not available on this server", 404)
        outcome = await self.console.api.invoke(self.request, self.principal, "GET", path, query=query)
        data = outcome.data
        if outcome.raw is not None:
            body = getattr(outcome.raw, "body", None)
            data = orjson.loads(body) if isinstance(body, bytes) else None
        return Read(outcome.ok, data, "" if outcome.ok else outcome.message, outcome.status)

    async def write(
        self, method: str, path: str, *, query: Mapping[str, Any] | None = None, body: Any = None
    ) -> Outcome:
        return await self.console.api.invoke(self.request, self.principal, method, path, query=query, body=body)

    def can(self, method: str, path: str) -> bool:
        """Whether the admin holds the permission of the route ``method path`` (so its button is enabled)."""
        route = self.console.api.table.get(method, path)
        if route is None:
            return False
        return not isinstance(route.access, AdminPermission) or self.principal.has(route.access)

    def needs(self, method: str, path: str) -> str:
        """The permission a route needs, for the tooltip of a disabled button."""
        route = self.console.api.table.get(method, path)
        if route is None:
            return "not available on this server"
        return route.access.value if isinstance(route.access, AdminPermission) else ""

    # -- output ------------------------------------------------------------------------------------------

    async def render(self, template: str, *, status: int = 200, fragment: bool = False, **values: Any) -> web.Response:
        """A page (with the messages left for it), or a ``fragment`` of one (which leaves them)."""
        flashes = [] if fragment else await self.console.sessions.take_flashes(self.session.token)
        return self.console.render(
            template,
            status=status,
            admin=self.principal,
            csrf=self.session.csrf,
            nav=[
                (label, target) for label, target, needs in NAV if needs is None or self.console.api.table.get(*needs)
            ],
            path=self.request.path,
            flashes=flashes,
            can=self.can,
            needs=self.needs,
            **values,
        )

    async def finish(self, outcome: Outcome, done: str, back: str) -> web.StreamResponse:
        """After a write: back to ``back`` with ``done`` when it succeeded, else the refusal."""
        if outcome.ok:
            await self.console.sessions.flash(self.session.token, "ok", done)
            return redirect(back)
        return await self.refused(outcome.status, problem(outcome), back)

    async def refused(self, status: int, message: str, back: str) -> web.Response:
        return await self.render("refused.html", status=status, title="Not done", message=message, back=back)


Handler = Callable[[Page], Awaitable[web.StreamResponse]]
#: What an area module declares: (method, path, handler).
PageRoute = tuple[str, str, Handler]


class Console:
    def __init__(self, api: AdminApi) -> None:
        self.api = api
        deps = api.deps
        self.settings = deps.settings
        self.sessions = ConsoleSessions(deps.bus.redis, deps.bus.keys, deps.settings, deps.clock)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            # Records leave out absent fields (as the API answers them): an absent field renders empty.
            undefined=jinja2.Undefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["when"] = when
        self.env.filters["shown"] = shown
        self.env.filters["ticks"] = ticks
        self.env.globals["turms_version"] = turms.__version__
        self.paths: list[tuple[str, str]] = []

    def render(self, template: str, *, status: int = 200, **values: Any) -> web.Response:
        html = self.env.get_template(template).render(**values)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")

    def register(self, app: web.Application) -> None:
        from turms.admin.console import audit, cluster, dashboard, groups, messages, moderation, plugins, users

        app.on_response_prepare.append(self._on_prepare)
        router = app.router
        router.add_static(f"{PREFIX}/static", STATIC)
        self._add(router, "GET", PREFIX, self._index)
        self._add(router, "GET", f"{PREFIX}/", self._index)
        self._add(router, "GET", f"{PREFIX}/login", self._login_page)
        self._add(router, "POST", f"{PREFIX}/login", self._login)
        for module in (dashboard, users, groups, messages, moderation, cluster, audit, plugins):
            for method, path, handler in module.pages():
                self._add(router, method, path, self._page(handler))
        self._add(router, "POST", f"{PREFIX}/logout", self._page(self._logout))
        self._add(router, "*", PREFIX + "/{tail:.*}", self._not_found)

    def _add(self, router: web.UrlDispatcher, method: str, path: str, handler: Any) -> None:
        router.add_route(method, path, handler)
        self.paths.append((method, path))

    async def _on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            security.add_headers(request, response)

    # -- sessions ----------------------------------------------------------------------------------------

    async def _session(self, request: web.Request) -> tuple[ConsoleSession, Principal] | None:
        session = await self.sessions.get(request.cookies.get(security.COOKIE))
        if session is None:
            return None
        principal = await self.api.auth.session_principal(session.admin_id, session.fingerprint)
        if principal is None:
            await self.sessions.delete(session.token)
            return None
        return session, principal

    def _page(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            try:
                found = await self._session(request)
            except Exception as e:  # Redis (the sessions) or the store (the admin's roles) unreachable
                return self._unavailable(request, e)
            if found is None:
                return self._to_login(request)
            session, principal = found
            form: MultiDictProxy[Any] | None = None
            if request.method != "GET":
                reason = security.cross_site(request)
                if reason is not None:
                    log.warning("console: refused %s %s: %s", request.method, request.path, reason)
                    return self.render("error.html", status=403, title="Refused", message=f"Refused: {reason}.")
                form = await request.post()
                given = form.get(security.CSRF_FIELD) or request.headers.get(security.CSRF_HEADER)
                if not security.csrf_ok(session.csrf, given if isinstance(given, str) else None):
                    log.warning("console: refused %s %s: no valid CSRF token", request.method, request.path)
                    return self.render(
                        "error.html",
                        status=403,
                        title="Refused",
                        message="Refused: the form's CSRF token is missing or wrong. Reload the page and retry.",
                    )
            page = Page(self, request, session, principal, form)
            try:
                return await handler(page)
            except FormError as e:
                return await page.refused(400, str(e), _back(request.headers.get("Referer")))
            except NotFound:
                return self.render("error.html", status=404, title="Not found", message="There is no such record.")
            except Exception:
                log.exception("console: %s %s failed", request.method, request.path)
                return self.render(
                    "error.html", status=500, title="Server error", message="The page failed; see the server log."
                )

        return endpoint

    def _unavailable(self, request: web.Request, error: Exception) -> web.Response:
        log.warning(
            "console: %s %s: cannot read the session: %s: %s", request.method, request.path, type(error).__name__, error
        )
        return self.render(
            "error.html",
            status=503,
            title="Unavailable",
            message="The console cannot reach Redis or the store, where its sessions and the admins are kept. "
            "The admin API's /health tells which.",
        )

    def _to_login(self, request: web.Request) -> web.StreamResponse:
        if request.method != "GET" or request.headers.get("HX-Request") or request.path.endswith(".json"):
            # A fragment, a data request or a form of an expired session: no page to send them back to.
            response = self.render(
                "error.html", status=401, title="Signed out", message="Your session has ended. Log in again."
            )
            response.headers["HX-Redirect"] = f"{PREFIX}/login"
            return response
        return redirect(f"{PREFIX}/login?next={request.path}")

    # -- pages without a session -------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return redirect(f"{PREFIX}/dashboard")

    async def _not_found(self, request: web.Request) -> web.StreamResponse:
        return self.render("error.html", status=404, title="Not found", message="There is no such console page.")

    def _login_form(self, request: web.Request, *, status: int = 200, error: str = "", login: str = "") -> web.Response:
        return self.render(
            "login.html", status=status, error=error, login=login, next=_safe_next(request.query.get("next"))
        )

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        try:
            found = await self._session(request)
        except Exception as e:
            return self._unavailable(request, e)
        if found is not None:
            return redirect(_safe_next(request.query.get("next")))
        return self._login_form(request)

    async def _login(self, request: web.Request) -> web.StreamResponse:
        reason = security.cross_site(request)
        if reason is not None:
            log.warning("console: refused a login: %s", reason)
            return self._login_form(request, status=403, error=f"Refused: {reason}.")
        form = await request.post()
        login = form.get("login")
        password = form.get("password")
        if not isinstance(login, str) or not isinstance(password, str):
            return self._login_form(request, status=400, error="Enter a login name and a password.")
        try:
            principal, fingerprint = await self.api.auth.login(login.strip(), password, request.remote or "unknown")
            session = await self.sessions.create(principal.admin_id, principal.login_name, fingerprint)
        except ApiError as e:
            response = self._login_form(request, status=e.http_status, error=e.reason, login=login.strip()[:64])
            response.headers.update(e.headers)
            response.headers.pop("WWW-Authenticate", None)  # no browser Basic-auth prompt on the form
            return response
        except Exception as e:
            return self._unavailable(request, e)
        log.info("console: %s logged in from %s", principal.login_name, request.remote)
        response = redirect(_safe_next(request.query.get("next") or form.get("next")))
        security.set_session_cookie(request, response, self.settings, session.token)
        return response

    async def _logout(self, page: Page) -> web.StreamResponse:
        await self.sessions.delete(page.session.token)
        log.info("console: %s logged out", page.principal.login_name)
        response = redirect(f"{PREFIX}/login")
        security.clear_session_cookie(page.request, response, self.settings)
        return response


def _safe_next(target: Any) -> str:
    """Where to go after the login: a console path only (never another site: ``//evil``, ``/\\evil``)."""
    if isinstance(target, str) and target.startswith(PREFIX + "/") and "//" not in target and "\\" not in target:
        return target[:512]
    return f"{PREFIX}/dashboard"


def _back(referer: str | None) -> str:
    """The console page a refused form came from (its path only: never a link to another site)."""
    if referer:
        parts = urlsplit(referer)
        if parts.path.startswith(PREFIX + "/") and "//" not in parts.path and "\\" not in parts.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{PREFIX}/dashboard"


def problem(outcome: Outcome) -> str:
    """A refusal as one line: the reason and the Turms code."""
    known = ResponseStatusCode.from_code(outcome.code)
    return f"{outcome.message} ({known.name if known else outcome.code})"

"""The admin HTTP application: the route table served by aiohttp, with auth, validation, errors and audit.

Request path: ``X-Request-ID`` (the client's when well-formed, else a new one; echoed on every response and
used as the trace id, current for the whole request so its log lines, the notifications it causes and the
kicks it sends carry it) → route match → authentication and the route's permission (before anything is parsed,
so an anonymous caller learns nothing about parameters) → query and body validation against the declared
schemas → handler → the Turms-style envelope ``{code, reason, timestamp, data}``. Every write is audit-logged,
whether it succeeded or was refused.

:meth:`AdminApi.invoke` runs the same steps for a caller the web console (:mod:`turms.admin.console`, served
under ``/console/`` by the same application) has already authenticated, so a console page can do exactly what
its admin's roles allow through the API, with the same validation and audit, and nothing more.
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web
from multidict import MultiDict, MultiMapping

from turms.admin import action_logs as action_logs_routes
from turms.admin import admins as admins_routes
from turms.admin import blocklist as blocklist_routes
from turms.admin import cluster as cluster_routes
from turms.admin import content as content_routes
from turms.admin import online as online_routes
from turms.admin import openapi
from turms.admin import ops as ops_routes
from turms.admin import storage as storage_routes
from turms.admin import users as users_routes
from turms.admin.audit import AuditTrail
from turms.admin.auth import AdminAuthenticator
from turms.admin.console import Console
from turms.admin.context import AdminDeps
from turms.admin.permissions import PUBLIC, AdminPermission
from turms.admin.rbac import Principal
from turms.admin.root import RootOutcome, ensure_root_admin
from turms.admin.routes import ApiError, Call, Route, RouteTable, bad_request, forbidden
from turms.admin.validation import SchemaError, validate
from turms.cluster.login_throttle import RedisFailureBuckets
from turms.errors import TurmsError
from turms.observability import trace
from turms.protocol.status import ResponseStatusCode
from turms.settings import admin as admin_settings

log = logging.getLogger("turms.admin")

JSON = "application/json"
REQUEST_ID_HEADER = "X-Request-ID"
TRACE_ID = web.RequestKey("trace_id", str)


def _default(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)


def envelope(code: ResponseStatusCode, reason: str | None, data: Any, *, status: int | None = None) -> web.Response:
    body: dict[str, Any] = {
        "code": int(code),
        "reason": reason if reason is not None else code.meaning,
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    if data is not None:
        body["data"] = data
    return web.Response(body=dumps(body), status=status or code.http_status, content_type=JSON)


@dataclass
class Outcome:
    """The result of one call of a route: what the API answers, or what the console shows."""

    status: int
    #: The Turms code (0 for raw responses such as ``/health``).
    code: int
    #: The reason of a refusal; None for the code's meaning.
    reason: str | None
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: The response of a raw route (health, metrics, the API document).
    raw: web.StreamResponse | None = None

    @property
    def ok(self) -> bool:
        return self.code == ResponseStatusCode.OK or (self.raw is not None and self.status < 400)

    @property
    def message(self) -> str:
        """The reason, or the meaning of the code."""
        if self.reason is not None:
            return self.reason
        known = ResponseStatusCode.from_code(self.code)
        return known.meaning if known is not None else f"code {self.code}"

    def response(self) -> web.Response:
        known = ResponseStatusCode.from_code(self.code) or ResponseStatusCode.SERVER_INTERNAL_ERROR
        response = envelope(known, self.reason, self.data, status=self.status)
        response.headers.update(self.headers)
        return response


def build_routes(deps: AdminDeps) -> RouteTable:
    table = RouteTable()
    for module in (
        ops_routes,
        admins_routes,
        users_routes,
        online_routes,
        cluster_routes,
        content_routes,
        blocklist_routes,
        storage_routes,
        action_logs_routes,
    ):
        table.add(*module.routes(deps))
    table.add(openapi.route(table))
    return table


@web.middleware
async def request_id_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """The request's trace id: the client's ``X-Request-ID`` when acceptable, else a new one. It is current
    (:mod:`turms.observability.trace`) while the request is handled, and returned on every response."""
    incoming = request.headers.get(REQUEST_ID_HEADER)
    trace_id = incoming if incoming is not None and trace.acceptable(incoming) else uuid.uuid4().hex
    request[TRACE_ID] = trace_id
    with trace.use(trace_id):
        try:
            response = await handler(request)
        except web.HTTPException as e:
            # Unknown paths (404), wrong methods (405), oversized bodies (413): the same envelope as our errors.
            code = ResponseStatusCode.RESOURCE_NOT_FOUND if e.status == 404 else ResponseStatusCode.ILLEGAL_ARGUMENT
            response = envelope(code, e.reason, None, status=e.status)
            if e.status == 405 and "Allow" in e.headers:
                response.headers["Allow"] = e.headers["Allow"]
    response.headers[REQUEST_ID_HEADER] = trace_id
    return response


class AdminApi:
    def __init__(self, deps: AdminDeps) -> None:
        self.deps = deps
        # Failed admin logins counted in Redis, so every worker of every host shares the throttle.
        failures = RedisFailureBuckets(deps.membership.redis, deps.membership.keys.prefix)
        self.auth = AdminAuthenticator(deps.settings, deps.store, deps.clock, failures)
        self.audit = AuditTrail(deps.store, deps.clock, deps.ids)
        self.table = build_routes(deps)

    async def start(self) -> RootOutcome:
        """Create the root admin if this is the cluster's first start."""
        return await ensure_root_admin(self.deps.store, self.deps.settings, self.deps.clock)

    def app(self) -> web.Application:
        app = web.Application(
            middlewares=[request_id_middleware],
            client_max_size=self.deps.settings.get(admin_settings.MAX_BODY_BYTES),
        )
        for route in self.table:
            app.router.add_route(route.method, route.path, self._endpoint(route))
        if self.deps.settings.get(admin_settings.CONSOLE_ENABLED):
            Console(self).register(app)
        return app

    # -- request handling -----------------------------------------------------------------------------

    def _endpoint(self, route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            return await self._handle(route, request)

        return endpoint

    async def _handle(self, route: Route, request: web.Request) -> web.StreamResponse:
        ip = request.remote or "unknown"

        async def principal() -> Principal | None:
            self._check_browser(route, request)
            if route.access is PUBLIC and "Authorization" not in request.headers:
                return None
            # A public route with credentials (``/health``) authenticates them, for the details it shows.
            return await self.auth.authenticate(request.headers.get("Authorization"), ip)

        outcome = await self.execute(route, request, principal, request.query, lambda: self._body(route, request))
        if outcome.raw is not None:
            return outcome.raw
        return outcome.response()

    async def invoke(
        self,
        request: web.Request,
        principal: Principal,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> Outcome:
        """Run the route ``method path`` for ``principal`` (already authenticated by the caller, e.g. the
        console's session) exactly as an API request: the route's permission, the query parsed and the body
        validated against the declared schemas, the same handler, the same audit record."""
        route = self.table.get(method, path)
        if route is None:
            raise KeyError(f"no admin route {method} {path}")
        params: MultiDict[str] = MultiDict()
        for name, value in (query or {}).items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if item is not None and item != "":
                    params.add(name, _query_text(item))

        async def given() -> Principal:
            return principal

        async def validated() -> Any:
            if route.body is None or body is None:
                if route.body is not None and route.body_required:
                    raise bad_request("a JSON request body is required")
                return None
            try:
                validate(body, route.body)
            except SchemaError as e:
                raise bad_request(f"invalid request body: {e}") from None
            return body

        return await self.execute(route, request, given, params, validated)

    async def execute(
        self,
        route: Route,
        request: web.Request,
        principal_of: Callable[[], Awaitable[Principal | None]],
        query: MultiMapping[str],
        body_of: Callable[[], Awaitable[Any]],
    ) -> Outcome:
        """Authorise, parse, run and audit one call of ``route``; never raises for a refusal."""
        trace_id = request.get(TRACE_ID) or uuid.uuid4().hex
        ip = request.remote or "unknown"
        principal: Principal | None = None
        call: Call | None = None
        outcome: Outcome
        try:
            principal = await principal_of()
            if isinstance(route.access, AdminPermission) and (principal is None or not principal.has(route.access)):
                raise forbidden(f"the permission {route.access.value} is required")
            max_items = self.deps.settings.get(admin_settings.MAX_PAGE_SIZE)
            parsed = route.parse_query(query, max_items)
            body = await body_of()
            call = Call(request, principal, parsed, body, trace_id)
            if route.target_param is not None and route.target_param in parsed:
                value = parsed[route.target_param]
                call.targets.extend(value if isinstance(value, list) else [value])
            data = await route.handler(call)
            if route.raw:
                assert isinstance(data, web.StreamResponse)
                outcome = Outcome(data.status, 0, "", raw=data)
            else:
                outcome = Outcome(ResponseStatusCode.OK.http_status, int(ResponseStatusCode.OK), None, data)
        except ApiError as e:
            outcome = Outcome(e.http_status, int(e.code), e.reason, headers=e.headers)
        except TurmsError as e:
            outcome = Outcome(e.code.http_status, int(e.code), e.reason)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("admin request %s %s failed (trace %s)", route.method, route.path, trace_id)
            code = ResponseStatusCode.SERVER_INTERNAL_ERROR
            outcome = Outcome(code.http_status, int(code), "internal error; see the server log")
        if route.is_write:
            await self.audit.record(
                admin=principal.login_name if principal else None,
                ip=ip,
                method=route.method,
                route=route.path,
                targets=call.targets if call is not None else [],
                http_status=outcome.status,
                code=outcome.code,
                trace_id=trace_id,
            )
        return outcome

    def _check_browser(self, route: Route, request: web.Request) -> None:
        """Refuse what a page on another site could make a browser send (CSRF), before any credential is used:
        a foreign ``Origin``, and a body that is not JSON (HTML forms send form-encoded or ``text/plain``
        bodies without a CORS preflight; a JSON body needs one, which this API never grants)."""
        origin = request.headers.get("Origin")
        if origin is not None:
            allowed: list[str] = self.deps.settings.get(admin_settings.ALLOWED_ORIGINS)
            if _origin(origin) not in {_origin(a) for a in allowed}:
                raise forbidden(f"requests from the origin {origin[:100]!r} are not allowed")
        if route.body is not None and request.body_exists and request.content_type != JSON:
            raise ApiError(
                ResponseStatusCode.ILLEGAL_ARGUMENT,
                f"the request body must be {JSON}",
                http_status=415,
            )

    async def _body(self, route: Route, request: web.Request) -> Any:
        if route.body is None:
            return None
        raw = await request.read()
        if not raw.strip():
            if route.body_required:
                raise bad_request("a JSON request body is required")
            return None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise bad_request("the request body is not valid JSON") from None
        try:
            validate(body, route.body)
        except SchemaError as e:
            raise bad_request(f"invalid request body: {e}") from None
        return body


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _origin(text: str) -> str:
    """An ``Origin`` compared case-insensitively and without a trailing slash (``null`` stays ``null``)."""
    return text.strip().rstrip("/").lower()

"""The admin HTTP application: the route table served by aiohttp, with auth, validation, errors and audit.

Request path: ``X-Request-ID`` (the client's when well-formed, else a new one; echoed on every response and
used as the trace id, current for the whole request so its log lines, the notifications it causes and the
kicks it sends carry it) → route match → authentication and the route's permission (before anything is parsed,
so an anonymous caller learns nothing about parameters) → query and body validation against the declared
schemas → handler → the Turms-style envelope ``{code, reason, timestamp, data}``. Every write is audit-logged,
whether it succeeded or was refused.
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from turms.admin import admins as admins_routes
from turms.admin import audit, openapi
from turms.admin import blocklist as blocklist_routes
from turms.admin import cluster as cluster_routes
from turms.admin import content as content_routes
from turms.admin import online as online_routes
from turms.admin import ops as ops_routes
from turms.admin import storage as storage_routes
from turms.admin import users as users_routes
from turms.admin.auth import AdminAuthenticator
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
RESULT_CODE = web.ResponseKey("result_code", int)


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
    response = web.Response(body=dumps(body), status=status or code.http_status, content_type=JSON)
    response[RESULT_CODE] = int(code)  # for the audit log, without parsing the body again
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
        return app

    # -- request handling -----------------------------------------------------------------------------

    def _endpoint(self, route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            return await self._handle(route, request)

        return endpoint

    async def _handle(self, route: Route, request: web.Request) -> web.StreamResponse:
        trace_id = request[TRACE_ID]
        ip = request.remote or "unknown"
        principal: Principal | None = None
        call: Call | None = None
        response: web.StreamResponse
        try:
            self._check_browser(route, request)
            if route.access is not PUBLIC or "Authorization" in request.headers:
                # A public route with credentials (``/health``) authenticates them, for the details it shows.
                principal = await self.auth.authenticate(request.headers.get("Authorization"), ip)
                if isinstance(route.access, AdminPermission) and not principal.has(route.access):
                    raise forbidden(f"the permission {route.access.value} is required")
            max_items = self.deps.settings.get(admin_settings.MAX_PAGE_SIZE)
            query = route.parse_query(request.query, max_items)
            body = await self._body(route, request)
            call = Call(request, principal, query, body, trace_id)
            if route.target_param is not None and route.target_param in query:
                value = query[route.target_param]
                call.targets.extend(value if isinstance(value, list) else [value])
            data = await route.handler(call)
            if route.raw:
                assert isinstance(data, web.StreamResponse)
                response = data
            else:
                response = envelope(ResponseStatusCode.OK, None, data)
        except ApiError as e:
            response = envelope(e.code, e.reason, None, status=e.http_status)
            response.headers.update(e.headers)
        except TurmsError as e:
            response = envelope(e.code, e.reason, None)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("admin request %s %s failed (trace %s)", route.method, route.path, trace_id)
            response = envelope(ResponseStatusCode.SERVER_INTERNAL_ERROR, "internal error; see the server log", None)
        if route.is_write:
            body_code = _code_of(response)
            audit.record(
                admin=principal.login_name if principal else None,
                ip=ip,
                method=route.method,
                route=route.path,
                targets=call.targets if call is not None else [],
                http_status=response.status,
                code=body_code,
                trace_id=trace_id,
            )
        return response

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


def _origin(text: str) -> str:
    """An ``Origin`` compared case-insensitively and without a trailing slash (``null`` stays ``null``)."""
    return text.strip().rstrip("/").lower()


def _code_of(response: web.StreamResponse) -> int:
    code: int = response.get(RESULT_CODE, 0)
    return code

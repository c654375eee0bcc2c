"""Route declarations: the single source of the router, the permission check, validation and ``/openapi.json``.

A resource module builds :class:`Route` objects (method, path, access, parameters, body and response schemas,
handler) and adds them to a :class:`RouteTable`. The table refuses a route without an access level, a duplicate
method and path, or an undeclared parameter type. Handlers receive a :class:`Call` with the parsed query and the
validated body and return the response's ``data``; they raise :class:`ApiError` for refusals.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from multidict import MultiMapping

from turms.admin.permissions import Access, AdminPermission, Open
from turms.admin.validation import INT64_MAX, INT64_MIN
from turms.protocol.status import ResponseStatusCode
from turms.security.ids import parse_int64

if TYPE_CHECKING:
    from aiohttp import web

    from turms.admin.rbac import Principal

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})
PARAM_TYPES = ("int", "str", "bool", "date", "int[]", "str[]")
_PATH_RE = re.compile(r"^(/[a-z][a-z0-9.-]*)+$")


class ApiError(Exception):
    """A refusal: the HTTP status, the Turms code in the body and a reason safe to show."""

    def __init__(
        self,
        code: ResponseStatusCode,
        reason: str | None = None,
        *,
        http_status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(reason or code.meaning)
        self.code = code
        self.reason = reason or code.meaning
        self.http_status = http_status if http_status is not None else code.http_status
        self.headers = dict(headers or {})


def bad_request(reason: str) -> ApiError:
    return ApiError(ResponseStatusCode.ILLEGAL_ARGUMENT, reason)


def forbidden(reason: str) -> ApiError:
    # Turms answers UNAUTHORIZED (1300) for both "who are you" and "you may not"; we keep its code but use the
    # HTTP status that tells the two apart.
    return ApiError(ResponseStatusCode.UNAUTHORIZED, reason, http_status=403)


@dataclass(frozen=True)
class Param:
    """A query parameter. Lists accept repeated parameters (``ids=1&ids=2``) and comma-separated values."""

    name: str
    type: str
    description: str = ""
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None
    default: Any = None
    #: An example value for the document (a record that exists in a typical setup).
    example: Any = None

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"parameter {self.name}: unknown type {self.type!r}")

    def schema(self, max_items: int) -> dict[str, Any]:
        scalar: dict[str, Any]
        base = self.type.removesuffix("[]")
        if base == "int":
            scalar = {
                "type": "integer",
                "minimum": INT64_MIN if self.minimum is None else self.minimum,
                "maximum": INT64_MAX if self.maximum is None else self.maximum,
            }
        elif base == "bool":
            scalar = {"type": "boolean"}
        elif base == "date":
            scalar = {"type": "string", "format": "date-time"}
        else:
            scalar = {"type": "string", "minLength": 1, "maxLength": 256}
            if self.enum is not None:
                scalar = {"type": "string", "enum": list(self.enum)}
        if self.type.endswith("[]"):
            return {"type": "array", "items": scalar, "minItems": 1, "maxItems": max_items}
        if self.default is not None:
            scalar = {**scalar, "default": self.default}
        return scalar

    def parse(self, values: list[str], max_items: int) -> Any:
        base = self.type.removesuffix("[]")
        if self.type.endswith("[]"):
            parts = [p for v in values for p in v.split(",") if p != ""]
            if not parts:
                raise bad_request(f"{self.name}: needs at least one value")
            if len(parts) > max_items:
                raise bad_request(f"{self.name}: at most {max_items} values")
            out = [self._scalar(base, p) for p in parts]
            return list(dict.fromkeys(out))  # de-duplicate, keep order
        if len(values) > 1:
            raise bad_request(f"{self.name}: given more than once")
        return self._scalar(base, values[0])

    def _scalar(self, base: str, text: str) -> Any:
        if base == "int":
            try:
                value = parse_int64(text)  # decimal digits only: not " 7 ", "1_000" or other scripts' digits
            except ValueError:
                raise bad_request(f"{self.name}: {text[:40]!r} is not an integer") from None
            lo = INT64_MIN if self.minimum is None else self.minimum
            hi = INT64_MAX if self.maximum is None else self.maximum
            if not lo <= value <= hi:
                raise bad_request(f"{self.name}: must be between {lo} and {hi}")
            return value
        if base == "bool":
            lowered = text.strip().lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
            raise bad_request(f"{self.name}: expected true or false")
        if base == "date":
            try:
                parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            except ValueError:
                raise bad_request(f"{self.name}: expected an ISO 8601 date-time") from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if not 1 <= len(text) <= 256:
            raise bad_request(f"{self.name}: 1 to 256 characters")
        if self.enum is not None and text not in self.enum:
            raise bad_request(f"{self.name}: must be one of {', '.join(self.enum)}")
        return text


def paging_params() -> tuple[Param, ...]:
    return (
        Param("page", "int", "Zero-based page number.", minimum=0, maximum=1_000_000, default=0),
        Param("size", "int", "Records per page (default `admin.api.default_page_size`).", minimum=1, maximum=1000),
    )


@dataclass
class Call:
    """One admin request as a handler sees it."""

    request: web.Request
    principal: Principal | None
    query: dict[str, Any]
    body: Any
    trace_id: str
    #: Ids the request acts on, for the audit log; handlers of creations add the new ids here.
    targets: list[Any] = field(default_factory=list)

    @property
    def admin(self) -> Principal:
        assert self.principal is not None, "route declared PUBLIC but its handler needs an admin"
        return self.principal


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    access: Access
    summary: str
    handler: Handler
    tag: str
    params: tuple[Param, ...] = ()
    body: dict[str, Any] | None = None
    body_required: bool = True
    #: JSON Schema of the response's ``data`` (None: no data).
    response: dict[str, Any] | None = None
    #: The query parameter naming the records a write acts on (for the audit log).
    target_param: str | None = "ids"
    #: Raw responses (not the code/reason/data envelope): health, metrics and the API document.
    raw: bool = False
    #: The media type of a successful response.
    media_type: str = "application/json"

    def __post_init__(self) -> None:
        if not isinstance(self.access, (AdminPermission, Open)):
            raise TypeError(f"{self.method} {self.path}: access must be an AdminPermission, PUBLIC or AUTHENTICATED")
        if self.method not in METHODS:
            raise ValueError(f"{self.path}: unsupported method {self.method}")
        if not _PATH_RE.match(self.path):
            raise ValueError(f"bad route path {self.path!r}")
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.method} {self.path}: a parameter is declared twice")

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def operation_id(self) -> str:
        words = [w for w in re.split(r"[/-]", self.path) if w and not w.startswith("{")]
        return self.method.lower() + "".join(w[:1].upper() + w[1:] for w in words)

    def parse_query(self, query: MultiMapping[str], max_items: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p in self.params:
            values = query.getall(p.name, [])
            if not values:
                if p.required:
                    raise bad_request(f"missing query parameter {p.name!r}")
                if p.default is not None:
                    out[p.name] = p.default
                continue
            out[p.name] = p.parse(list(values), max_items)
        return out


class RouteTable:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Route] = {}

    def add(self, *routes: Route) -> None:
        for route in routes:
            key = (route.method, route.path)
            if key in self._routes:
                raise ValueError(f"route {route.method} {route.path} declared twice")
            self._routes[key] = route

    def __iter__(self) -> Iterator[Route]:
        return iter(sorted(self._routes.values(), key=lambda r: (r.path, METHODS.index(r.method))))

    def __len__(self) -> int:
        return len(self._routes)

    def get(self, method: str, path: str) -> Route | None:
        return self._routes.get((method, path))

    def by_path(self) -> Mapping[str, list[Route]]:
        out: dict[str, list[Route]] = {}
        for r in self:
            out.setdefault(r.path, []).append(r)
        return out

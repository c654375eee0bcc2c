"""``GET /openapi.json``: the OpenAPI 3.1 document, generated from the route table.

Each route contributes its parameters, request body and response schemas (the same dicts the server validates
with), its security (none for PUBLIC routes, else HTTP Basic or bearer) and the required permission, named in the
description and as ``x-permission``. Errors share one envelope schema under ``default``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

import turms
from turms.admin.permissions import PUBLIC, AdminPermission, Open
from turms.admin.routes import Call, Route, RouteTable
from turms.admin.validation import obj

#: Query strings are capped by the HTTP request line (8190 bytes in aiohttp): about 300 int64 ids fit, so the
#: document promises 200 per list parameter even though `admin.api.max_page_size` may allow more.
MAX_ITEMS_DOCUMENTED = 200


def envelope_schema(data: dict[str, Any] | None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "code": {"type": "integer", "description": "Turms status code (1000 = OK)."},
        "reason": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
    }
    if data is not None:
        props["data"] = data
    return obj(props, ("code", "reason", "timestamp"), extra=True)


def _operation(route: Route) -> dict[str, Any]:
    access = route.access.value if isinstance(route.access, (AdminPermission, Open)) else str(route.access)
    op: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "description": f"Requires: `{access}`.",
        "tags": [route.tag],
        "x-permission": access,
        "parameters": [
            {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "description": p.description,
                "schema": p.schema(MAX_ITEMS_DOCUMENTED),
                **({"style": "form", "explode": True} if p.type.endswith("[]") else {}),
                **({"example": p.example} if p.example is not None else {}),
            }
            for p in route.params
        ],
    }
    if route.body is not None:
        op["requestBody"] = {
            "required": route.body_required,
            "content": {"application/json": {"schema": route.body}},
        }
    if route.access is PUBLIC:
        op["security"] = []
    ok_schema = route.response if route.raw else envelope_schema(route.response)
    responses: dict[str, Any] = {}
    if route.method == "HEAD":
        responses["200"] = {"description": "The credentials are valid."}
    else:
        responses["200"] = {"description": "Done.", "content": {route.media_type: {"schema": ok_schema}}}
    if route.raw and route.path == "/health":
        responses["503"] = {"description": "Not ready.", "content": {"application/json": {"schema": ok_schema}}}
    if route.method != "HEAD":
        responses["default"] = {
            "description": "A refusal or failure: the Turms code and reason. Requests the HTTP layer refuses "
            "before routing (a request line over 8190 bytes, malformed HTTP) get a plain-text 400.",
            "content": {
                "application/json": {"schema": envelope_schema(None)},
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    else:
        responses["default"] = {"description": "Refused (401 without valid credentials)."}
    op["responses"] = responses
    return op


def document(table: RouteTable) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, routes in table.by_path().items():
        paths[path] = {r.method.lower(): _operation(r) for r in routes}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "turms-server admin API",
            "version": turms.__version__,
            "description": "Admin HTTP API of turms-server (Turms-compatible paths). Every route names the "
            "permission it needs; responses use the envelope `{code, reason, timestamp, data}`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"basic": []}, {"bearer": []}],
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            }
        },
        "paths": paths,
    }


def route(table: RouteTable) -> Route:
    cache: dict[str, Any] = {}

    async def serve(call: Call) -> web.Response:
        if "doc" not in cache:
            cache["doc"] = document(table)
        return web.json_response(cache["doc"])

    return Route(
        "GET", "/openapi.json", PUBLIC, "This document.", serve, "operations", response={"type": "object"}, raw=True
    )

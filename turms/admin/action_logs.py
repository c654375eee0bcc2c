"""The stored audit log: ``GET /admins/action-logs``, newest first, filtered by admin, method, route, result and
date (the records :class:`turms.admin.audit.AuditTrail` writes for authenticated admins)."""

from __future__ import annotations

from typing import Any

from turms.admin.audit import ADMIN_ACTION_LOG
from turms.admin.context import AdminDeps
from turms.admin.paging import in_filter, page_result, page_schema, page_window
from turms.admin.permissions import AdminPermission
from turms.admin.routes import WRITE_METHODS, Call, Param, Route, paging_params
from turms.admin.validation import int64, obj

TAG = "admins"
RESULTS = ("succeeded", "refused")

RECORD = obj(
    {
        "id": int64(),
        "loginName": {"type": "string"},
        "ip": {"type": "string"},
        "method": {"type": "string"},
        "route": {"type": "string"},
        "targets": {"type": "array", "items": {"type": "string"}},
        "httpStatus": {"type": "integer"},
        "code": {"type": "integer"},
        "traceId": {"type": "string"},
        "date": {"type": "string", "format": "date-time"},
    },
    ("id", "loginName", "method", "route", "httpStatus", "date"),
)


def record_json(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["_id"],
        "loginName": doc.get("ln", ""),
        "ip": doc.get("ip", ""),
        "method": doc.get("m", ""),
        "route": doc.get("r", ""),
        "targets": list(doc.get("tg") or ()),
        "httpStatus": doc.get("st", 0),
        "code": doc.get("c", 0),
        "traceId": doc.get("tr", ""),
        "date": doc["cd"],
    }


def routes(deps: AdminDeps) -> list[Route]:
    store, settings = deps.store, deps.settings

    async def query(call: Call) -> dict[str, Any]:
        q = call.query
        flt: dict[str, Any] = {}
        in_filter(flt, "ln", q.get("loginNames"))
        in_filter(flt, "m", q.get("methods"))
        in_filter(flt, "r", q.get("routes"))
        result = q.get("result")
        if result == "succeeded":
            flt["st"] = {"$lt": 400}
        elif result == "refused":
            flt["st"] = {"$gte": 400}
        if "traceId" in q:
            flt["tr"] = q["traceId"]
        dates: dict[str, Any] = {}
        if "startDate" in q:
            dates["$gte"] = q["startDate"]
        if "endDate" in q:
            dates["$lt"] = q["endDate"]
        if dates:
            flt["cd"] = dates
        skip, limit = page_window(call, settings)
        docs = await store.find(ADMIN_ACTION_LOG, flt, sort=[("cd", -1), ("_id", -1)], skip=skip, limit=limit)
        return page_result(await store.count(ADMIN_ACTION_LOG, flt), [record_json(d) for d in docs])

    return [
        Route(
            "GET",
            "/admins/action-logs",
            AdminPermission.ADMIN_QUERY,
            "The audit log of authenticated admins' writes (API and console), newest first; kept 90 days.",
            query,
            TAG,
            params=(
                Param("loginNames", "str[]", "Only these admins."),
                Param("methods", "str[]", "Only these methods.", enum=tuple(sorted(WRITE_METHODS))),
                Param("routes", "str[]", "Only these route paths, e.g. `/sessions`."),
                Param("result", "str", "Only writes that succeeded (HTTP < 400) or were refused.", enum=RESULTS),
                Param("traceId", "str", "The record of one request (its `X-Request-ID`)."),
                Param("startDate", "date", "Records at or after this date."),
                Param("endDate", "date", "Records before this date."),
                *paging_params(),
            ),
            response=page_schema(RECORD),
        ),
    ]

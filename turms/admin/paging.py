"""Paging, filters and result shapes shared by the resource modules."""

from __future__ import annotations

from typing import Any

from turms.admin.routes import Call
from turms.settings import Settings
from turms.settings import admin as admin_settings


def page_window(call: Call, settings: Settings) -> tuple[int, int]:
    """(skip, limit) from ``page`` and ``size``; a size above the maximum is clamped, as Turms does."""
    size = call.query.get("size") or settings.get(admin_settings.DEFAULT_PAGE_SIZE)
    size = min(size, settings.get(admin_settings.MAX_PAGE_SIZE))
    page = call.query.get("page") or 0
    return page * size, size


def page_result(total: int, records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"total": total, "records": records}


def page_schema(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"total": {"type": "integer", "minimum": 0}, "records": {"type": "array", "items": record}},
        "required": ["total", "records"],
    }


UPDATE_RESULT = {
    "type": "object",
    "properties": {"updatedCount": {"type": "integer", "minimum": 0}},
    "required": ["updatedCount"],
}
DELETE_RESULT = {
    "type": "object",
    "properties": {"deletedCount": {"type": "integer", "minimum": 0}},
    "required": ["deletedCount"],
}


def in_filter(flt: dict[str, Any], path: str, values: list[Any] | None) -> None:
    if values:
        flt[path] = {"$in": values}

"""The audit log: one record per admin write (allowed or refused), logged and, for authenticated admins, stored.

Each record names the admin (or ``-`` when authentication failed), the client IP, the route, the target ids,
the result (HTTP status and Turms code) and the trace id that is also returned as ``X-Request-ID``. It is
logged on ``turms.admin.audit`` (the fields are passed as ``extra`` too, ``audit_*``, so a structured log
formatter can emit them as JSON fields) and, when an admin was authenticated, inserted into the store's
``adminActionLog`` collection (kept :data:`turms.storage.schema.ADMIN_ACTION_LOG_TTL_S`), which
``GET /admins/action-logs`` and the console's audit page query cluster-wide. Writes refused before
authentication are logged only: storing them would let anyone without a credential fill the store.

A failed insert is logged and does not fail the admin's request: the log line is already written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from turms.admin.context import IdGenerator
from turms.clock import Clock
from turms.storage.errors import StorageError
from turms.storage.port import Store

audit_log = logging.getLogger("turms.admin.audit")

MAX_LOGGED_TARGETS = 50
#: The store collection of audit records (declared in :mod:`turms.storage.schema`).
ADMIN_ACTION_LOG = "adminActionLog"


def log_record(
    *,
    admin: str | None,
    ip: str,
    method: str,
    route: str,
    targets: Sequence[Any],
    http_status: int,
    code: int,
    trace_id: str,
) -> list[str]:
    """Write the log line; returns the targets as logged (at most :data:`MAX_LOGGED_TARGETS`)."""
    shown = [str(t) for t in targets[:MAX_LOGGED_TARGETS]]
    more = len(targets) - len(shown)
    target_text = ",".join(shown) + (f",+{more} more" if more > 0 else "")
    audit_log.info(
        "admin=%s ip=%s %s %s targets=[%s] result=%d code=%d trace=%s",
        admin or "-",
        ip,
        method,
        route,
        target_text,
        http_status,
        code,
        trace_id,
        extra={
            "audit_admin": admin,
            "audit_ip": ip,
            "audit_route": f"{method} {route}",
            "audit_targets": shown,
            "audit_status": http_status,
            "audit_code": code,
            "trace_id": trace_id,
        },
    )
    return shown


class AuditTrail:
    """Logs every admin write and stores those of authenticated admins."""

    def __init__(self, store: Store, clock: Clock, ids: IdGenerator) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids

    async def record(
        self,
        *,
        admin: str | None,
        ip: str,
        method: str,
        route: str,
        targets: Sequence[Any],
        http_status: int,
        code: int,
        trace_id: str,
    ) -> None:
        shown = log_record(
            admin=admin,
            ip=ip,
            method=method,
            route=route,
            targets=targets,
            http_status=http_status,
            code=code,
            trace_id=trace_id,
        )
        if admin is None:
            return
        doc = {
            "_id": self.ids.next_id(),
            "ln": admin,
            "ip": ip,
            "m": method,
            "r": route,
            "tg": shown,
            "st": http_status,
            "c": code,
            "tr": trace_id,
            "cd": self.clock.now(),
        }
        try:
            await self.store.insert_one(ADMIN_ACTION_LOG, doc)
        except StorageError as e:
            audit_log.warning("could not store the audit record of trace %s: %s", trace_id, e)

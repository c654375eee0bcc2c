"""The audit log: one record per admin write (allowed or refused), on the logger ``turms.admin.audit``.

Each record names the admin (or ``-`` when authentication failed), the client IP, the route, the target ids,
the result (HTTP status and Turms code) and the trace id that is also returned as ``X-Request-ID``. The fields
are passed as ``extra`` too (``audit_*``), so a structured log formatter can emit them as JSON fields.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

audit_log = logging.getLogger("turms.admin.audit")

MAX_LOGGED_TARGETS = 50


def record(
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
    shown = list(targets[:MAX_LOGGED_TARGETS])
    more = len(targets) - len(shown)
    target_text = ",".join(str(t) for t in shown) + (f",+{more} more" if more > 0 else "")
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
            "audit_targets": [str(t) for t in shown],
            "audit_status": http_status,
            "audit_code": code,
            "trace_id": trace_id,
        },
    )

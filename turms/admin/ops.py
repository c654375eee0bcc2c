"""Operations routes served by every worker: ``/health`` (liveness and readiness) and ``/infos``.

``/health`` is public, as load balancers and orchestrators probe it without credentials. It is 200 when the
worker is ready: booted, not draining, Redis answering ``PING`` and the store answering a read, each probe
bounded by a timeout; else 503. ``live`` is always true while the process answers. Anyone learns only that;
the details (the problems, pid, worker, uptime, connection count, each probe) go only to an admin with
``CLUSTER_MEMBER_QUERY`` who sends credentials, as they help whoever maps or attacks the cluster.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import orjson
from aiohttp import web

import turms
from turms.admin.context import AdminDeps
from turms.admin.permissions import PUBLIC, AdminPermission
from turms.admin.routes import Call, Route
from turms.admin.validation import obj
from turms.observability import http as metrics_http
from turms.observability import summary as metrics_summary
from turms.settings import metrics as metrics_settings

PROBE_TIMEOUT_S = 1.0
TAG = "operations"


async def _probe(check: Any) -> bool:
    try:
        return bool(await asyncio.wait_for(check(), PROBE_TIMEOUT_S))
    except Exception:  # a probe reports; it never raises
        return False


def routes(deps: AdminDeps) -> list[Route]:
    node = deps.node

    async def store_ping() -> bool:
        await deps.store.count("clusterSettings", {}, limit=1)
        return True

    async def health(call: Call) -> web.Response:
        redis_ok, store_ok = await asyncio.gather(_probe(node.redis_ping), _probe(store_ping))
        booted, draining = node.is_ready(), node.is_draining()
        ready = booted and not draining and redis_ok and store_ok
        problems = [
            text
            for text, bad in (
                ("booting", not booted),
                ("draining", draining),
                ("redis unreachable", not redis_ok),
                ("store unreachable", not store_ok),
            )
            if bad
        ]
        body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "live": True, "ready": ready}
        if call.principal is not None and call.principal.has(AdminPermission.CLUSTER_MEMBER_QUERY):
            body.update(
                problems=problems,
                pid=os.getpid(),
                worker=node.index,
                generation=node.generation,
                uptime_s=round(time.monotonic() - node.started, 3),
                connections=node.connections(),
                redis=redis_ok,
                store=store_ok,
            )
        return web.json_response(body, status=200 if ready else 503)

    async def infos(call: Call) -> dict[str, Any]:
        live = await deps.membership.live_instances(max_age_s=0)
        raw = await deps.membership.redis.hgetall(deps.membership.keys.worker_infos)
        workers = []
        for instance, info in raw.items():
            name = instance.decode() if isinstance(instance, bytes) else str(instance)
            if name not in live:
                continue
            try:
                doc = orjson.loads(info)
            except ValueError:
                continue
            if doc.get("node_id") == deps.membership.node_id:
                workers.append({"instanceId": name, "pid": doc.get("pid"), "workerIndex": doc.get("worker_index")})
        return {
            "version": turms.__version__,
            "nodeId": deps.membership.node_id,
            "instanceId": deps.membership.instance_id,
            "workerIndex": node.index,
            "pid": os.getpid(),
            "uptimeSeconds": round(time.monotonic() - node.started, 3),
            "workers": sorted(workers, key=lambda w: str(w["instanceId"])),
        }

    health_schema = obj(
        {
            "status": {"type": "string", "enum": ["ok", "unavailable"]},
            "live": {"type": "boolean"},
            "ready": {"type": "boolean"},
            "problems": {"type": "array", "items": {"type": "string"}},
            "pid": {"type": "integer"},
            "worker": {"type": "integer"},
            "generation": {"type": "integer"},
            "uptime_s": {"type": "number"},
            "connections": {"type": "integer"},
            "redis": {"type": "boolean"},
            "store": {"type": "boolean"},
        },
        ("status", "live", "ready"),
        extra=True,
    )
    infos_schema = obj(
        {
            "version": {"type": "string"},
            "nodeId": {"type": "string"},
            "instanceId": {"type": "string"},
            "workerIndex": {"type": "integer"},
            "pid": {"type": "integer"},
            "uptimeSeconds": {"type": "number"},
            "workers": {"type": "array", "items": {"type": "object"}},
        },
        ("version", "nodeId", "workers"),
        extra=True,
    )

    async def summary(call: Call) -> dict[str, Any]:
        return {"nodeId": deps.membership.node_id, **await asyncio.to_thread(metrics_summary.snapshot)}

    summary_schema = obj(
        {
            "nodeId": {"type": "string"},
            "time": {"type": "integer", "description": "Milliseconds since the epoch."},
            **{name: {"type": "integer", "minimum": 0} for name in metrics_summary.COUNTERS},
            "workerRestarts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "workers": {"type": "object", "additionalProperties": {"type": "integer"}},
            "loopLagMaxSeconds": {"type": "number"},
            "latency": obj(
                {
                    "le": {"type": "array", "items": {"type": ["number", "null"]}},
                    "cumulative": {"type": "array", "items": {"type": "integer"}},
                },
                ("le", "cumulative"),
            ),
        },
        ("nodeId", "time", *metrics_summary.COUNTERS, "workerRestarts", "workers", "latency"),
    )
    metrics = (
        [
            Route(
                "GET",
                "/metrics/summary",
                AdminPermission.CLUSTER_MEMBER_QUERY,
                "This host's metrics as JSON totals (the console's dashboard): cumulative counters of messages, "
                "logins, requests refused and failed, errors, worker restarts, gauges, and the request latency "
                "histogram summed over request types. Rates come from two snapshots and their `time`.",
                summary,
                TAG,
                response=summary_schema,
            ),
            Route(
                "GET",
                "/metrics",
                PUBLIC,
                "Prometheus metrics of every worker of this host (text exposition format).",
                lambda call: metrics_http.metrics_handler(call.request),
                TAG,
                response={"type": "string"},
                raw=True,
                media_type="text/plain",
            ),
        ]
        if deps.settings.get(metrics_settings.ENABLED)
        else []
    )
    return [
        *metrics,
        Route(
            "GET",
            "/health",
            PUBLIC,
            "Liveness and readiness of the worker answering; the details (problems, pid, worker, connections, "
            "probes) only with the credentials of an admin holding CLUSTER_MEMBER_QUERY.",
            health,
            TAG,
            response=health_schema,
            raw=True,
        ),
        Route(
            "GET",
            "/infos",
            AdminPermission.CLUSTER_MEMBER_QUERY,
            "Version, node, this host's workers and uptime.",
            infos,
            TAG,
            response=infos_schema,
        ),
    ]

"""The dashboard: online users per worker and host, health, worker restarts, and live charts.

The numbers come from the admin API: ``/users/online-infos/count`` (the cluster-wide session registry, per
worker instance), ``/cluster/members`` (which worker runs on which host, and the settings version it applied),
``/health`` (the answering worker's Redis and store probes) and ``/metrics/summary`` (this host's metrics). The
status panel is an htmx fragment refreshed every few seconds; the charts (``static/console.js``, uPlot) poll
``/console/dashboard/metrics.json`` and draw rates from successive snapshots.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from turms.admin.console.app import Page, PageRoute


def _worker_rows(count: Any, members: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows per worker, rows per host) from the count per instance and the cluster members."""
    online = {w["instanceId"]: w for w in (count or {}).get("workers", [])}
    workers = []
    for w in (members or {}).get("workers", []):
        counted = online.get(w["instanceId"], {})
        workers.append(
            {
                **w,
                "users": counted.get("users", 0),
                "sessions": counted.get("sessions", 0),
            }
        )
    hosts: dict[str, dict[str, Any]] = {}
    for w in workers:
        host = hosts.setdefault(
            w["nodeId"], {"nodeId": w["nodeId"], "host": w.get("host"), "workers": 0, "users": 0, "sessions": 0}
        )
        host["workers"] += 1
        host["users"] += w["users"]
        host["sessions"] += w["sessions"]
    return workers, sorted(hosts.values(), key=lambda h: str(h["host"]))


async def dashboard(page: Page) -> web.StreamResponse:
    return await page.render("dashboard.html", title="Dashboard")


async def status(page: Page) -> web.StreamResponse:
    count = await page.read("/users/online-infos/count")
    members = await page.read("/cluster/members")
    health = await page.read("/health")
    summary = await page.read("/metrics/summary")
    workers, hosts = _worker_rows(count.data if count.ok else None, members.data if members.ok else None)
    versions = {w.get("settingsVersion") for w in workers}
    return await page.render(
        "dashboard_status.html",
        fragment=True,
        count=count,
        members=members,
        health=health,
        summary=summary,
        workers=workers,
        hosts=hosts,
        settings_versions=sorted(v for v in versions if v is not None),
    )


async def metrics(page: Page) -> web.StreamResponse:
    summary = await page.read("/metrics/summary")
    if not summary.ok:
        return web.json_response({"error": summary.message}, status=summary.status)
    return web.json_response(summary.data)


def pages() -> list[PageRoute]:
    return [
        ("GET", "/console/dashboard", dashboard),
        ("GET", "/console/dashboard/status", status),
        ("GET", "/console/dashboard/metrics.json", metrics),
    ]

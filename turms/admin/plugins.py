"""Plugins: ``GET /plugins`` lists the installed plugins with their version and state on every worker; ``PUT
/plugins`` enables or disables them on every worker of the cluster, live (Turms's ``/plugins`` routes).

Enabling and disabling edit the live setting ``plugins.enabled``: the new list is validated (only plugins that
loaded), stored in the cluster settings and announced, and each worker's plugin host starts or stops the plugin
as soon as it applies it (docs/plugins.md). Enabling appends the plugin to the end of the order; the order itself
is changed through ``PUT /cluster/settings``. There is no route to upload or delete plugin code (Turms's ``POST
/plugins/java``, ``/plugins/js`` and ``DELETE /plugins``): plugins are installed as packages and picked up by a
rolling reload.

Each worker reports its plugins' states (running or failed, with the reason) in the Redis hash
``plugins:state``; ``GET /plugins`` shows them for the live workers.
"""

from __future__ import annotations

from typing import Any

import orjson

from turms.admin.context import AdminDeps
from turms.admin.permissions import AdminPermission
from turms.admin.routes import Call, Param, Route, bad_request
from turms.admin.validation import obj
from turms.cluster.live_settings import write_changes
from turms.plugins import loader
from turms.plugins.loader import Catalog
from turms.settings import SettingsError
from turms.settings import plugins as plugin_settings

P = AdminPermission
TAG = "plugins"

_NULLABLE_STRING = {"type": ["string", "null"]}
WORKER = obj(
    {
        "instanceId": {"type": "string"},
        "state": {"type": "string", "enum": ["running", "failed"]},
        "version": {"type": "string"},
        "error": _NULLABLE_STRING,
    },
    ("instanceId", "state"),
)
PLUGIN = obj(
    {
        "name": {"type": "string"},
        "version": {"type": "string"},
        "description": {"type": "string"},
        "distribution": {"type": "string"},
        "builtin": {"type": "boolean"},
        "points": {"type": "array", "items": {"type": "string"}},
        "settings": {"type": "array", "items": {"type": "string"}},
        "enabled": {"type": "boolean"},
        "position": {"type": ["integer", "null"]},
        "state": {"type": "string", "enum": ["running", "failed", "disabled", "broken"]},
        "error": _NULLABLE_STRING,
        "workers": {"type": "array", "items": WORKER},
    },
    ("name", "version", "enabled", "state", "workers"),
)


def catalog_of(deps: AdminDeps) -> Catalog:
    return deps.plugins.catalog if deps.plugins is not None else loader.current()


def routes(deps: AdminDeps) -> list[Route]:
    catalog = catalog_of(deps)
    names = tuple(sorted({*catalog.plugins, *catalog.broken}))

    async def worker_states() -> dict[str, list[dict[str, Any]]]:
        """Plugin name → its state on each live worker of the cluster."""
        membership = deps.membership
        live = await membership.live_instances(max_age_s=0)
        raw = await membership.redis.hgetall(membership.keys.plugin_states)
        out: dict[str, list[dict[str, Any]]] = {}
        for instance, blob in sorted(raw.items()):
            name = instance.decode() if isinstance(instance, bytes) else str(instance)
            if name not in live:
                continue
            try:
                states = orjson.loads(blob)
            except ValueError:
                continue
            for plugin, state in states.items():
                out.setdefault(plugin, []).append(
                    {
                        "instanceId": name,
                        "state": str(state.get("state")),
                        "version": str(state.get("version")),
                        "error": state.get("error"),
                    }
                )
        return out

    async def query(call: Call) -> list[dict[str, Any]]:
        wanted = set(call.query.get("ids") or names)
        enabled: list[str] = deps.settings.get(plugin_settings.ENABLED)
        local = deps.plugins.states() if deps.plugins is not None else {}
        workers = await worker_states()
        out = []
        for name, p in sorted(catalog.plugins.items()):
            if name not in wanted:
                continue
            here = local.get(name)
            out.append(
                {
                    "name": name,
                    "version": p.version,
                    "description": p.spec.description,
                    "distribution": p.distribution,
                    "builtin": p.builtin,
                    "points": [m for point in p.points for m in point.methods],
                    "settings": sorted(s.key for s in p.settings.values()),
                    "enabled": name in enabled,
                    "position": enabled.index(name) if name in enabled else None,
                    "state": here["state"] if here is not None else "disabled",
                    "error": here["error"] if here is not None else None,
                    "workers": workers.get(name, []),
                }
            )
        for name, b in sorted(catalog.broken.items()):
            if name in wanted:
                out.append(
                    {
                        "name": name,
                        "version": b.version,
                        "description": "",
                        "distribution": b.distribution,
                        "builtin": False,
                        "points": [],
                        "settings": [],
                        "enabled": False,
                        "position": None,
                        "state": "broken",
                        "error": b.error,
                        "workers": [],
                    }
                )
        return out

    async def update(call: Call) -> dict[str, Any]:
        ids: list[str] = call.query["ids"]
        enable: bool = call.body["enabled"]
        await deps.live.reload()  # start from the cluster's current list
        configured = deps.settings.get(plugin_settings.ENABLED)
        current = list(configured)
        if enable:
            new = current + [name for name in ids if name not in current]
        else:
            new = [name for name in current if name not in ids]
        if new == current:
            return {"enabled": current, "version": deps.live.version}
        try:
            await write_changes(deps.store, deps.settings, {plugin_settings.ENABLED.key: new}, deps.clock.now())
        except SettingsError as e:
            raise bad_request(str(e)) from None
        await deps.live.reload()
        await deps.live.announce()
        applied = deps.settings.get(plugin_settings.ENABLED)
        return {"enabled": list(applied), "version": deps.live.version}

    ids_doc = "Plugin names (`GET /plugins` lists them)."
    return [
        Route(
            "GET",
            "/plugins",
            P.PLUGIN_QUERY,
            "Installed plugins: version, extension points, settings, whether enabled, and their state on the "
            "answering worker and on every live worker.",
            query,
            TAG,
            params=(Param("ids", "str[]", ids_doc, enum=names),),
            response={"type": "array", "items": PLUGIN},
        ),
        Route(
            "PUT",
            "/plugins",
            P.PLUGIN_UPDATE,
            "Enable (appended to plugins.enabled) or disable plugins on every worker of the cluster, without a "
            "restart. Uploading plugin code is not possible: install a package and reload.",
            update,
            TAG,
            params=(Param("ids", "str[]", ids_doc, required=True, enum=names),),
            body=obj({"enabled": {"type": "boolean"}}, ("enabled",)),
            response=obj(
                {"enabled": {"type": "array", "items": {"type": "string"}}, "version": {"type": "integer"}},
                ("enabled", "version"),
            ),
        ),
    ]

"""The cluster: ``/cluster/members`` and the live settings ``/cluster/settings`` (+ ``/metadata``).

``PUT /cluster/settings`` validates the whole batch against the settings registry (unknown keys, settings that
are not live, bad values: 400 and nothing changes), stores it in ``clusterSettings`` (the reference copy),
applies it on the answering worker, then announces it on the broadcast channel, so every worker of every host
re-reads and applies it; a worker that misses the announcement catches up at its periodic check. The response
lists the typed values applied and the new version.
"""

from __future__ import annotations

from typing import Any

import orjson

from turms.admin.context import AdminDeps
from turms.admin.permissions import AdminPermission
from turms.admin.routes import Call, Param, Route, bad_request
from turms.admin.validation import obj
from turms.cluster.live_settings import write_changes
from turms.settings import REGISTRY, Setting, SettingsError

P = AdminPermission
TAG = "cluster"
_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}


def setting_schema(s: Setting[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": _JSON_TYPES[s.value_type], "description": s.description}
    if s.value_type is list:
        schema["items"] = {"type": _JSON_TYPES[s.item_type or str]}
    if s.choices is not None:
        schema["enum"] = list(s.choices)
    return schema


def metadata_json(s: Setting[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": _JSON_TYPES[s.value_type],
        "default": "<redacted>" if s.secret and s.default else s.default,
        "description": s.description,
        "live": s.live,
        "secret": s.secret,
    }
    if s.item_type is not None:
        out["itemType"] = _JSON_TYPES[s.item_type]
    if s.choices is not None:
        out["choices"] = list(s.choices)
    return out


def routes(deps: AdminDeps) -> list[Route]:
    settings = deps.settings

    async def members(call: Call) -> dict[str, Any]:
        membership = deps.membership
        nodes = await membership.nodes()
        live = await membership.live_instances(max_age_s=0)
        raw = await membership.redis.hgetall(membership.keys.worker_infos)
        applied = await membership.redis.hgetall(membership.keys.settings_applied)
        workers = []
        for instance, info in raw.items():
            name = instance.decode() if isinstance(instance, bytes) else str(instance)
            if name not in live:
                continue
            try:
                doc = orjson.loads(info)
            except ValueError:
                continue
            version = applied.get(instance)
            workers.append(
                {
                    "instanceId": name,
                    "nodeId": str(doc.get("node_id", "")),
                    "pid": doc.get("pid"),
                    "host": doc.get("host"),
                    "workerIndex": doc.get("worker_index"),
                    "settingsVersion": int(version) if version is not None else None,
                }
            )
        return {
            "nodes": [{"nodeId": str(n.get("node_id", "")), "host": n.get("host"), "pid": n.get("pid")} for n in nodes],
            "workers": sorted(workers, key=lambda w: (w["nodeId"], w["instanceId"])),
        }

    async def current(call: Call) -> dict[str, Any]:
        values = settings.as_dict(redact=True)
        if call.query.get("onlyLive"):
            values = {k: v for k, v in values.items() if REGISTRY.get(k).live}
        sources = {k: settings.source(k) for k in values if settings.source(k) != "default"}
        return {"version": deps.live.version, "settings": values, "sources": sources}

    async def metadata(call: Call) -> dict[str, Any]:
        return {s.key: metadata_json(s) for s in REGISTRY}

    async def update(call: Call) -> dict[str, Any]:
        changes: dict[str, Any] = call.body
        call.targets.extend(sorted(changes))
        if not changes:
            return {"applied": {}, "version": deps.live.version}
        try:
            typed = await write_changes(deps.store, settings, changes, deps.clock.now())
        except SettingsError as e:
            raise bad_request(str(e)) from None
        await deps.live.reload()
        await deps.live.announce()
        return {"applied": typed, "version": deps.live.version}

    live_settings = {s.key: setting_schema(s) for s in REGISTRY if s.live}
    worker_schema = obj(
        {
            "instanceId": {"type": "string"},
            "nodeId": {"type": "string"},
            "pid": {"type": ["integer", "null"]},
            "host": {"type": ["string", "null"]},
            "workerIndex": {"type": ["integer", "null"]},
            "settingsVersion": {"type": ["integer", "null"]},
        },
        ("instanceId", "nodeId"),
    )
    members_schema = obj(
        {"nodes": {"type": "array", "items": {"type": "object"}}, "workers": {"type": "array", "items": worker_schema}},
        ("nodes", "workers"),
    )
    return [
        Route(
            "GET",
            "/cluster/members",
            P.CLUSTER_MEMBER_QUERY,
            "Nodes (hosts) and live worker instances.",
            members,
            TAG,
            response=members_schema,
        ),
        Route(
            "GET",
            "/cluster/settings",
            P.CLUSTER_SETTING_QUERY,
            "Current settings of the answering worker (secrets redacted), where the values not left at their "
            "defaults come from (file, env, flag, cluster), and the cluster settings version.",
            current,
            TAG,
            params=(Param("onlyLive", "bool", "Only the settings changeable at run time."),),
            response=obj(
                {
                    "version": {"type": "integer"},
                    "settings": {"type": "object"},
                    "sources": {
                        "type": "object",
                        "description": "Where each value not left at its default comes from.",
                        "additionalProperties": {"type": "string"},
                    },
                },
                ("version", "settings", "sources"),
            ),
        ),
        Route(
            "GET",
            "/cluster/settings/metadata",
            P.CLUSTER_SETTING_QUERY,
            "Type, default, description, mutability (`live`) and secrecy of every setting.",
            metadata,
            TAG,
            response={
                "type": "object",
                "additionalProperties": obj(
                    {
                        "type": {"type": "string"},
                        "description": {"type": "string"},
                        "live": {"type": "boolean"},
                        "secret": {"type": "boolean"},
                    },
                    ("type", "description", "live", "secret"),
                    extra=True,
                ),
            },
        ),
        Route(
            "PUT",
            "/cluster/settings",
            P.CLUSTER_SETTING_UPDATE,
            "Change live settings on every worker of every host; other settings are refused (400).",
            update,
            TAG,
            body={"type": "object", "properties": live_settings, "additionalProperties": True},
            target_param=None,
            response=obj({"applied": {"type": "object"}, "version": {"type": "integer"}}, ("applied", "version")),
        ),
    ]

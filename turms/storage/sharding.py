"""The sharding plan of a MongoDB sharded cluster, and ``turms store init --sharded``, which applies it.

Shard keys come from the schema (:mod:`turms.storage.schema`, one per collection, documented in
docs/storage.md). The plan, in the order the commands run on each deployment's ``mongos``:

1. ``enableSharding`` of the database (a no-op on MongoDB 6 and later, required before);
2. ``shardCollection`` of every collection that has a shard key (the rest stay on the primary shard:
   ``clusterSettings``, ``admin``, ``adminRole``, ``groupType``, small and rarely written);
3. with ``--hot-shards``/``--cold-shards``: zones. ``addShardToZone`` puts each named shard in zone ``hot`` or
   ``cold``; ``updateZoneKeyRange`` pins the whole key range of each write-heavy collection
   (:data:`HOT_COLLECTIONS`: messages and what every send writes) to ``hot``, and of every other sharded
   collection to ``cold``.

Why not Turms's tiering by age: Turms shards ``message`` by delivery date and moves zone boundaries as days
pass, so old messages migrate to cheap shards. Here a unique index must be prefixed by the shard key, and
the unique ``(cid, sqid)`` index is what keeps each conversation's sequence ids dense; a date-prefixed key
would lose it. So ``message`` is sharded by conversation (a conversation's history stays on one shard, read
in order), the hot/cold split is by workload (what every send writes on the fast shards, profiles, groups
and relationships on the others), and age is bounded by the message retention job
(``service.message.retention_period_h``) instead of by migration.

Commands go to the deployment of each collection's URI group (``storage.mongo.<group>.uri``), the
``enableSharding`` and zone assignments once per deployment. ``--dry-run`` prints them as extended JSON, one a
line, and connects to nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from turms.storage.schema import SCHEMA, Schema

#: Collections written on every message send (the message, its idempotency record, its conversation's
#: counter and read/purge state): the ``hot`` zone.
HOT_COLLECTIONS = frozenset({"message", "messageIdempotency", "sequenceCounter", "messagePurge"})

#: MongoDB's MinKey and MaxKey, as extended JSON (and as the driver's types when the plan is run).
MIN_KEY = {"$minKey": 1}
MAX_KEY = {"$maxKey": 1}


@dataclass(frozen=True)
class Step:
    """One admin command on the ``mongos`` of the deployment at ``uri``."""

    uri: str
    command: dict[str, Any]


def plan(
    schema: Schema = SCHEMA,
    *,
    database: str,
    uri: str,
    group_uris: Mapping[str, str] | None = None,
    hot_shards: Sequence[str] = (),
    cold_shards: Sequence[str] = (),
) -> list[Step]:
    """The commands that shard ``database`` as documented above, in order."""
    if bool(hot_shards) != bool(cold_shards):
        raise ValueError("zones need both --hot-shards and --cold-shards (each shard in one zone)")
    if set(hot_shards) & set(cold_shards):
        raise ValueError(f"a shard cannot be in both zones: {sorted(set(hot_shards) & set(cold_shards))}")
    groups = {g: u for g, u in (group_uris or {}).items() if u}
    sharded = [c for c in schema if c.shard_key is not None]
    deployments = _unique(groups.get(c.group, uri) for c in sharded)
    steps = [Step(u, {"enableSharding": database}) for u in deployments]
    for c in sharded:
        assert c.shard_key is not None
        steps.append(
            Step(groups.get(c.group, uri), {"shardCollection": f"{database}.{c.name}", "key": dict(c.shard_key)})
        )
    if hot_shards:
        for u in deployments:
            steps += [Step(u, {"addShardToZone": s, "zone": "hot"}) for s in hot_shards]
            steps += [Step(u, {"addShardToZone": s, "zone": "cold"}) for s in cold_shards]
        for c in sharded:
            assert c.shard_key is not None
            fields = [path for path, _ in c.shard_key]
            steps.append(
                Step(
                    groups.get(c.group, uri),
                    {
                        "updateZoneKeyRange": f"{database}.{c.name}",
                        "min": {f: MIN_KEY for f in fields},
                        "max": {f: MAX_KEY for f in fields},
                        "zone": "hot" if c.name in HOT_COLLECTIONS else "cold",
                    },
                )
            )
    return steps


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def to_driver(value: Any) -> Any:
    """Extended-JSON MinKey/MaxKey to the driver's types (the plan itself stays printable)."""
    from bson.max_key import MaxKey
    from bson.min_key import MinKey

    if value == MIN_KEY:
        return MinKey()
    if value == MAX_KEY:
        return MaxKey()
    if isinstance(value, dict):
        return {k: to_driver(v) for k, v in value.items()}
    return value


async def apply(steps: Sequence[Step], *, timeout_ms: int = 10_000) -> list[str]:
    """Run the plan against the deployments (each command on its ``mongos``'s ``admin`` database); returns
    one line per command. A collection already sharded with the same key is not an error (rerunnable)."""
    from pymongo import AsyncMongoClient
    from pymongo.errors import OperationFailure

    out: list[str] = []
    clients: dict[str, AsyncMongoClient[dict[str, Any]]] = {}
    try:
        for step in steps:
            client = clients.get(step.uri)
            if client is None:
                client = clients[step.uri] = AsyncMongoClient(step.uri, serverSelectionTimeoutMS=timeout_ms)
            name = next(iter(step.command))
            try:
                await client.admin.command(to_driver(step.command))
                out.append(f"ok: {name} {step.command[name]}")
            except OperationFailure as e:
                if e.code in (20, 23):  # already sharded / AlreadyInitialized: a rerun
                    out.append(f"already done: {name} {step.command[name]}")
                else:
                    raise
    finally:
        for client in clients.values():
            await client.close()
    return out

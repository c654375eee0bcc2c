"""``turms store init``: create the store's indexes, and with ``--sharded`` shard a MongoDB cluster first.

The workers create missing indexes when they start, so ``init`` is only needed before the first start of a
sharded cluster (a collection is sharded before it fills) or to prepare a store ahead of a deployment.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Sequence

from turms.settings import Settings
from turms.settings import storage as s
from turms.storage.factory import open_store
from turms.storage.sharding import apply, plan

EXIT_USAGE = 2


def _err(message: str) -> None:
    sys.stderr.write(f"turms store init: {message}\n")


def _redact(uri: str) -> str:
    return re.sub(r"://[^@/]*@", "://***@", uri)


def _database(uri: str, default: str) -> str:
    from pymongo.uri_parser import parse_uri

    return parse_uri(uri).get("database") or default


def run(
    settings: Settings, *, sharded: bool, hot_shards: Sequence[str], cold_shards: Sequence[str], dry_run: bool
) -> int:
    uri = s.mongo_uri(settings)
    if (sharded or dry_run or hot_shards or cold_shards) and not uri:
        _err("--sharded, zones and --dry-run need a MongoDB URI (storage.mongo.uri)")
        return EXIT_USAGE
    if (hot_shards or cold_shards or dry_run) and not sharded:
        _err("zones and --dry-run go with --sharded")
        return EXIT_USAGE
    if sharded:
        try:
            steps = plan(
                database=_database(uri, settings.get(s.MONGO_DATABASE)),
                uri=uri,
                group_uris=s.mongo_group_uris(settings),
                hot_shards=hot_shards,
                cold_shards=cold_shards,
            )
        except ValueError as e:
            _err(f"{e}")
            return EXIT_USAGE
        if dry_run:
            for step in steps:
                sys.stdout.write(json.dumps({"deployment": _redact(step.uri), "command": step.command}) + "\n")
            return 0
        for line in asyncio.run(apply(steps, timeout_ms=settings.get(s.MONGO_SERVER_SELECTION_TIMEOUT_MS))):
            sys.stdout.write(line + "\n")
    asyncio.run(_create_indexes(settings))
    sys.stdout.write("indexes created\n")
    return 0


async def _create_indexes(settings: Settings) -> None:
    store = open_store(settings)
    await store.start()
    await store.close()

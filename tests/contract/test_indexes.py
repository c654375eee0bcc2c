"""Start-up creates every index the schema declares, as the engine really sees it, and again idempotently.

Checked on the production schema (:data:`turms.storage.schema.SCHEMA`), against the engine's own catalogue:
``listIndexes`` on MongoDB/FerretDB, ``sqlite_master`` and the ``PRAGMA index_*`` lists on SQLite. What differs
between engines is what the adapters promise, asserted exactly: a TTL index expires documents on MongoDB
(``expireAfterSeconds``); FerretDB v1 cannot create TTL indexes, so the MongoDB adapter creates the plain index
and reports it in ``degraded_indexes`` (expiry then rests on ``purge_expired``); SQLite has no TTL indexes at
all (a plain expression index serves ``purge_expired``).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from conftest import StoreConfig, is_ferretdb

from turms.storage.mongo import MongoStore
from turms.storage.schema import SCHEMA, Collection, Index
from turms.storage.sqlite import SqliteStore
from turms.storage.sqlplan import column_expr

INDEXED = [coll for coll in SCHEMA if coll.indexes]
PROBE = {"_id": {"sid": 1, "dev": 2, "cmid": "m"}, "mid": 3, "cd": datetime(2030, 1, 1, tzinfo=UTC)}  # idempotency


def test_the_schema_declares_unique_and_ttl_indexes() -> None:
    """What the tests below cover: the schema has unique, compound and TTL indexes to check."""
    indexes = [ix for coll in INDEXED for ix in coll.indexes]
    assert any(ix.unique for ix in indexes)
    assert any(len(ix.keys) > 1 for ix in indexes)
    assert [f"{c.name}.{ix.name}" for c in INDEXED for ix in c.ttl_indexes] == [
        "messageIdempotency.cd_1",
        "adminActionLog.cd_1",
    ]


# -- MongoDB ---------------------------------------------------------------------------------------------------


async def _mongo_indexes(store: MongoStore) -> dict[str, dict[str, dict[str, Any]]]:
    """collection -> index name -> {key, unique, expireAfterSeconds} as listIndexes reports them."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for coll in INDEXED:
        found: dict[str, dict[str, Any]] = {}
        async for info in await store._coll(coll.name).list_indexes():
            found[info["name"]] = {
                "key": list(info["key"].items()),
                "unique": bool(info.get("unique", False)),
                "expireAfterSeconds": info.get("expireAfterSeconds"),
            }
        out[coll.name] = found
    return out


def _check_mongo(found: dict[str, dict[str, dict[str, Any]]], degraded: list[str], ferretdb: bool) -> None:
    for coll in INDEXED:
        have = found[coll.name]
        assert set(have) == {"_id_"} | {ix.name for ix in coll.indexes}, coll.name
        for ix in coll.indexes:
            info = have[ix.name]
            where = f"{coll.name}.{ix.name}"
            assert info["key"] == list(ix.keys), where
            assert info["unique"] is ix.unique, where
            if ix.ttl_s is None:
                assert info["expireAfterSeconds"] is None, where
            elif ferretdb:
                assert info["expireAfterSeconds"] is None, where  # created plain, and said so
            else:
                assert info["expireAfterSeconds"] == ix.ttl_s, where
    expected = [f"{c.name}.{ix.name}" for c in INDEXED for ix in c.ttl_indexes] if ferretdb else []
    assert sorted(degraded) == sorted(expected)


async def _check_mongo_startups(config: StoreConfig) -> None:
    ferretdb = await is_ferretdb(config)
    first = MongoStore(
        config.target, database=config.database, ttl_purge_interval_s=0, server_selection_timeout_ms=5000
    )
    second = MongoStore(
        config.target, database=config.database, ttl_purge_interval_s=0, server_selection_timeout_ms=5000
    )
    try:
        await first.start()
        before = await _mongo_indexes(first)
        _check_mongo(before, first.degraded_indexes, ferretdb)
        await first.insert_one("messageIdempotency", dict(PROBE))
        await second.start()  # a second start-up (a restart, or another worker) on the same database
        after = await _mongo_indexes(second)
        assert after == before
        _check_mongo(after, second.degraded_indexes, ferretdb)
        assert await second.find("messageIdempotency") == [PROBE]
    finally:
        await first.drop_databases()
        await first.close()
        await second.close()


# -- SQLite ----------------------------------------------------------------------------------------------------


def _sqlite_catalogue(path: str) -> list[tuple[str, str, str, str | None]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT type, tbl_name, name, sql FROM sqlite_master ORDER BY type, tbl_name, name")
        return [tuple(r) for r in rows]
    finally:
        conn.close()


def _check_sqlite_index(conn: sqlite3.Connection, coll: Collection, ix: Index) -> None:
    name = f"ix_{coll.name}_{ix.name}"
    listed = {row[1]: row for row in conn.execute(f'PRAGMA index_list("{coll.name}")')}
    assert name in listed, name
    assert bool(listed[name][2]) is ix.unique, name  # (seq, name, unique, origin, partial)
    keys = [row for row in conn.execute(f'PRAGMA index_xinfo("{name}")') if row[5]]  # key columns only
    assert [bool(row[3]) for row in keys] == [d == -1 for _, d in ix.keys], name  # (…, desc, coll, key)
    # The index is on exactly the expressions a filter on these fields is translated to: the planner can use it
    # for an equality on all of them (INDEXED BY fails with "no query solution" otherwise).
    exprs = [column_expr(coll, path) for path in ix.paths]
    assert all(exprs), name
    where = " AND ".join(f"{e} = ?" for e in exprs)
    plan = conn.execute(
        f'EXPLAIN QUERY PLAN SELECT doc FROM "{coll.name}" INDEXED BY "{name}" WHERE {where}', [0] * len(exprs)
    ).fetchall()
    assert any(name in str(row[-1]) for row in plan), (name, plan)


def _check_sqlite(path: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for coll in SCHEMA:
            names = {
                r[0]
                for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name=?", [coll.name])
            }
            # Every declared index, and besides them only the one behind the UNIQUE `id` column.
            assert names == {f"ix_{coll.name}_{ix.name}" for ix in coll.indexes} | {f"sqlite_autoindex_{coll.name}_1"}
            for ix in coll.indexes:
                _check_sqlite_index(conn, coll, ix)
    finally:
        conn.close()


async def _check_sqlite_startups(config: StoreConfig) -> None:
    first = SqliteStore(config.target, ttl_purge_interval_s=0)
    await first.start()
    try:
        await first.insert_one("messageIdempotency", dict(PROBE))
    finally:
        await first.close()
    before = _sqlite_catalogue(config.target)
    _check_sqlite(config.target)
    second = SqliteStore(config.target, ttl_purge_interval_s=0)
    await second.start()
    try:
        assert _sqlite_catalogue(config.target) == before
        _check_sqlite(config.target)
        assert await second.find("messageIdempotency") == [PROBE]
    finally:
        await second.close()


async def test_start_creates_every_declared_index_and_again_idempotently(store_config: StoreConfig) -> None:
    if store_config.engine == "mongo":
        await _check_mongo_startups(store_config)
    else:
        await _check_sqlite_startups(store_config)

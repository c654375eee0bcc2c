"""Filter translation for SQLite: exact where the schema allows, and answered by the declared indexes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from turms.storage import query as q
from turms.storage.schema import SCHEMA
from turms.storage.sqlite import SqliteStore
from turms.storage.sqlplan import index_sql, order_by, translate


def plan(collection: str, flt: dict[str, object]) -> tuple[str, bool]:
    p = translate(SCHEMA[collection], q.validate_filter(flt))
    return p.where, p.exact


def test_declared_fields_translate_exactly() -> None:
    where, exact = plan("message", {"cid": b"\x01" * 16, "sqid": {"$gt": 5, "$lte": 9}})
    assert exact
    assert "json_extract(doc, '$.cid') = ?" in where
    where, exact = plan("groupMember", {"_id.gid": 1, "role": {"$in": [1, 2]}})
    assert exact and "IN (?, ?)" in where
    assert plan("user", {"_id": {"$in": [1, 2]}})[1]


def test_undeclared_fields_stay_residual() -> None:
    assert not plan("message", {"whatever": 1})[1]
    assert not plan("message", {"rec": b"x"})[1]  # an ARRAY field
    where, exact = plan("message", {"cid": b"x", "$or": [{"zz": 1}, {"sqid": 2}]})
    assert not exact and "cid" in where and "OR" not in where


def test_mismatched_kinds_are_constant() -> None:
    assert plan("message", {"sqid": "1"}) == ("0", True)
    assert plan("message", {"sqid": {"$ne": "1"}}) == ("1", True)
    assert plan("message", {"dyd": {"$gt": 5}}) == ("0", True)


def test_sort_pushdown() -> None:
    assert order_by(SCHEMA["message"], [("sqid", -1)]) == "json_extract(doc, '$.sqid') DESC"
    assert order_by(SCHEMA["message"], [("txt2", 1)]) is None
    assert order_by(SCHEMA["groupMember"], [("_id", 1)]) is None  # compound ids sort in Python


def test_index_sql_covers_every_declared_index() -> None:
    for coll in SCHEMA:
        assert len(index_sql(coll)) == len(coll.indexes)


@pytest.mark.parametrize(
    ("collection", "flt", "sort", "index"),
    [
        ("message", {"cid": b"c" * 16, "sqid": {"$gt": 10}}, [("sqid", 1)], "ix_message_cid_1_sqid_1"),
        ("message", {"dyd": {"$gte": datetime(2024, 1, 1, tzinfo=UTC)}, "tid": 5}, [], "ix_message_dyd_1"),
        ("groupMember", {"_id.uid": 3}, [], "ix_groupMember__id_uid_1"),
        ("admin", {"ln": "root"}, [], "ix_admin_ln_1"),
    ],
)
async def test_queries_use_the_declared_indexes(
    tmp_path: Path, collection: str, flt: dict[str, object], sort: list[tuple[str, int]], index: str
) -> None:
    store = SqliteStore(tmp_path / "x.sqlite3", ttl_purge_interval_s=0)
    await store.start()
    try:
        coll = SCHEMA[collection]
        p = translate(coll, q.validate_filter(flt))
        sql = f'SELECT doc FROM "{collection}" WHERE {p.where}'
        if sort:
            sql += f" ORDER BY {order_by(coll, sort)}"

        def explain(conn: sqlite3.Connection) -> str:
            return " | ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, p.params))

        detail = await store._read(explain)
        assert index in detail, detail
        assert "SCAN" not in detail.replace(f"SCAN {collection} USING INDEX", ""), detail
    finally:
        await store.close()

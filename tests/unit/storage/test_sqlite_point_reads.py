"""Which SQLite reads run on the event loop: only those that pin at most one document through a unique key."""

from __future__ import annotations

from pathlib import Path

from turms.storage.schema import SCHEMA
from turms.storage.sqlite import SqliteStore, _is_point_lookup


def test_point_lookups_are_unique_key_equalities() -> None:
    rel, member, user = SCHEMA["userRelationship"], SCHEMA["groupMember"], SCHEMA["user"]
    assert _is_point_lookup(user, {"_id": 5})
    assert _is_point_lookup(rel, {"_id.oid": 1, "_id.rid": 2})
    assert _is_point_lookup(member, {"_id": {"gid": 1, "uid": 2}})
    assert not _is_point_lookup(member, {"_id.gid": 1})  # every member of a group
    assert not _is_point_lookup(user, {"_id": {"$in": [1, 2]}})
    assert not _is_point_lookup(user, {"_id": {"$gt": 1}})
    assert not _is_point_lookup(SCHEMA["message"], {"cid": b"x"})
    unique = next(ix for ix in SCHEMA["message"].indexes if ix.unique)
    assert _is_point_lookup(SCHEMA["message"], dict.fromkeys(unique.paths, 1))


async def test_a_point_read_sees_every_acknowledged_write(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    await store.start()
    try:
        for i in range(50):
            await store.insert_one("user", {"_id": i, "n": f"u{i}"})
            doc = await store.find_one("user", {"_id": i})  # on the loop's own connection
            assert doc is not None and doc["n"] == f"u{i}"
        assert len(await store.find("user", {"_id": {"$lt": 50}})) == 50  # through the pool
    finally:
        await store.close()

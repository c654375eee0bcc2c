"""Every update operator, upserts, find-and-modify and deletes."""

from __future__ import annotations

from typing import Any

import pytest
from storecases import day, ids, load_things

from turms.storage.errors import InvalidDocumentError, InvalidUpdateError
from turms.storage.port import ReturnDocument, Store, UpdateOne


async def get(store: Store, _id: Any, collection: str = "things") -> dict[str, Any]:
    doc = await store.find_one(collection, {"_id": _id})
    assert doc is not None
    return doc


async def test_set_top_level_and_dotted(store: Store) -> None:
    await load_things(store)
    r = await store.update_one("things", {"_id": 1}, {"$set": {"s": "avocado", "emb.k": 7, "new.deep.x": 1}})
    assert (r.matched, r.modified, r.upserted_id) == (1, 1, None)
    doc = await get(store, 1)
    assert doc["s"] == "avocado"
    assert doc["emb"] == {"k": 7, "j": 2}
    assert doc["new"] == {"deep": {"x": 1}}
    assert ids(await store.find("things", {"emb.k": 7})) == [1]


async def test_set_array_element_by_index(store: Store) -> None:
    await load_things(store)
    await store.update_one("things", {"_id": 1}, {"$set": {"scores.1": 50, "items.0.q": 9}})
    doc = await get(store, 1)
    assert doc["scores"] == [1, 50, 9]
    assert doc["items"][0] == {"sku": "p1", "q": 9}


async def test_unset(store: Store) -> None:
    await load_things(store)
    await store.update_one("things", {"_id": 1}, {"$unset": {"s": "", "emb.j": 1, "absent": ""}})
    doc = await get(store, 1)
    assert "s" not in doc
    assert doc["emb"] == {"k": 1}
    assert ids(await store.find("things", {"s": {"$exists": False}})) == [1, 5]


async def test_inc(store: Store) -> None:
    await load_things(store)
    await store.update_one("things", {"_id": 1}, {"$inc": {"n": 5, "fn": -1, "x": 0.5, "newcount": 2}})
    doc = await get(store, 1)
    assert (doc["n"], doc["fn"], doc["x"], doc["newcount"]) == (6, 0, 2.0, 2)
    with pytest.raises(InvalidUpdateError):
        await store.update_one("things", {"_id": 1}, {"$inc": {"fs": 1}})
    with pytest.raises(InvalidUpdateError):
        await store.update_one("things", {"_id": 1}, {"$inc": {"fn": "1"}})
    assert (await get(store, 1))["fs"] == "apple"


async def test_min_max(store: Store) -> None:
    await load_things(store)
    await store.update_one("things", {"_id": 2}, {"$min": {"n": 1, "d": day(0)}, "$max": {"fn": 0, "fd": day(9)}})
    doc = await get(store, 2)
    assert (doc["n"], doc["d"], doc["fn"], doc["fd"]) == (1, day(0), 2, day(9))
    await store.update_one("things", {"_id": 5}, {"$max": {"fd": day(4)}, "$min": {"n": 3}})
    doc = await get(store, 5)
    assert (doc["fd"], doc["n"]) == (day(4), 3)


async def test_max_upsert_keeps_a_high_water_mark(store: Store) -> None:
    """Retention's purge mark: ``$max`` with upsert on a bytes ``_id`` inserts, then only ever raises."""
    key = b"\x00\x01conversation"
    await store.update_one("messagePurge", {"_id": key}, {"$max": {"sqid": 7}}, upsert=True)
    await store.update_one("messagePurge", {"_id": key}, {"$max": {"sqid": 3}}, upsert=True)
    assert await store.find("messagePurge", {}) == [{"_id": key, "sqid": 7}]
    await store.update_one("messagePurge", {"_id": key}, {"$max": {"sqid": 9}}, upsert=True)
    assert (await store.find_one("messagePurge", {"_id": key})) == {"_id": key, "sqid": 9}
    # In bulk, as the retention job writes them: an existing mark and a new one.
    other = b"\x00\x02conversation"
    await store.bulk_write(
        "messagePurge",
        [UpdateOne({"_id": k}, {"$max": {"sqid": n}}, upsert=True) for k, n in ((key, 4), (other, 2))],
    )
    assert await store.find("messagePurge", {}, sort=[("_id", 1)]) == [
        {"_id": key, "sqid": 9},
        {"_id": other, "sqid": 2},
    ]


async def test_push(store: Store) -> None:
    await load_things(store)
    await store.update_one("things", {"_id": 1}, {"$push": {"tags": "b"}})
    await store.update_one("things", {"_id": 1}, {"$push": {"tags": {"$each": ["x", "y"]}, "fresh": 1}})
    doc = await get(store, 1)
    assert doc["tags"] == ["a", "b", "b", "x", "y"]
    assert doc["fresh"] == [1]


async def test_push_onto_a_non_array_fails(store: Store) -> None:
    await load_things(store)
    with pytest.raises(InvalidUpdateError):
        await store.update_one("things", {"_id": 1}, {"$push": {"fs": "x"}})


async def test_add_to_set(store: Store) -> None:
    await load_things(store)
    await store.update_one("things", {"_id": 1}, {"$addToSet": {"tags": "a"}})
    await store.update_one("things", {"_id": 1}, {"$addToSet": {"tags": {"$each": ["c", "a", "c"]}}})
    await store.update_one("things", {"_id": 1}, {"$addToSet": {"items": {"sku": "p1", "q": 1}}})
    doc = await get(store, 1)
    assert doc["tags"] == ["a", "b", "c"]
    assert len(doc["items"]) == 2


async def test_pull(store: Store) -> None:
    await load_things(store)
    await store.update_one("things", {"_id": 1}, {"$pull": {"tags": "a", "scores": {"$in": [5, 9, 77]}}})
    await store.update_one("things", {"_id": 1}, {"$pull": {"items": {"sku": "p2", "q": 5}}})
    # Whole documents are pulled by exact equality only.
    await store.update_one("things", {"_id": 1}, {"$pull": {"items": {"sku": "p1"}}})
    doc = await get(store, 1)
    assert doc["tags"] == ["b"]
    assert doc["scores"] == [1]
    assert doc["items"] == [{"sku": "p1", "q": 1}]
    r = await store.update_many("things", {}, {"$pull": {"tags": {"$in": ["b", "c"]}}})
    assert r.matched == 5
    assert [d.get("tags") for d in await store.find("things", sort=[("_id", 1)])] == [[], [], [], None, None]


async def test_update_many_counts(store: Store) -> None:
    await load_things(store)
    r = await store.update_many("things", {"n": {"$lte": 3}}, {"$set": {"flag": True}})
    assert (r.matched, r.modified) == (3, 3)
    r = await store.update_many("things", {"fn": {"$gte": 2}}, {"$set": {"flag": True}})
    assert (r.matched, r.modified) == (3, 1)
    r = await store.update_many("things", {"n": 999}, {"$set": {"flag": True}})
    assert (r.matched, r.modified, r.upserted_id) == (0, 0, None)


async def test_noop_set_is_matched_not_modified(store: Store) -> None:
    await load_things(store)
    r = await store.update_one("things", {"_id": 2}, {"$set": {"s": "banana"}})
    assert (r.matched, r.modified) == (1, 0)


async def test_upsert_inserts_the_filter_equalities(store: Store) -> None:
    r = await store.update_one(
        "pairs", {"_id": {"o": 1, "t": 2}}, {"$set": {"v": 5}, "$setOnInsert": {"w": 1}}, upsert=True
    )
    assert r.upserted_id == {"o": 1, "t": 2}
    assert (r.matched, r.modified) == (0, 0)
    r = await store.update_one(
        "pairs", {"_id": {"o": 1, "t": 2}}, {"$set": {"v": 6}, "$setOnInsert": {"w": 2}}, upsert=True
    )
    assert (r.matched, r.modified, r.upserted_id) == (1, 1, None)
    assert await store.find("pairs", {}) == [{"_id": {"o": 1, "t": 2}, "v": 6, "w": 1}]


async def test_upsert_seeds_from_filter_fields(store: Store) -> None:
    await store.update_one("things", {"_id": 7, "fs": "seed", "n": {"$gt": 0}}, {"$inc": {"c": 1}}, upsert=True)
    assert await get(store, 7) == {"_id": 7, "fs": "seed", "c": 1}


async def test_upsert_must_name_the_id(store: Store) -> None:
    with pytest.raises(InvalidUpdateError):
        await store.update_one("things", {"fs": "x"}, {"$set": {"n": 1}}, upsert=True)


async def test_update_cannot_change_the_id(store: Store) -> None:
    await load_things(store)
    with pytest.raises(InvalidUpdateError):
        await store.update_one("things", {"_id": 1}, {"$set": {"_id": 9}})


@pytest.mark.parametrize(
    "update",
    [
        {"$set": {"a": 1}, "$unset": {"a": ""}},
        {"$set": {"a": 1, "a.b": 2}},
        {"$rename": {"a": "b"}},
        {},
        {"$set": {}},
        {"$set": {"$bad": 1}},
        {"$pull": {"scores": {"$gte": 5}}},
    ],
)
async def test_invalid_updates_are_refused(store: Store, update: dict[str, Any]) -> None:
    await load_things(store)
    with pytest.raises(InvalidUpdateError):
        await store.update_one("things", {"_id": 1}, update)


async def test_declared_field_types_are_enforced_on_update(store: Store) -> None:
    await load_things(store)
    with pytest.raises(InvalidDocumentError):
        await store.update_one("things", {"_id": 1}, {"$set": {"n": "one"}})
    with pytest.raises(InvalidDocumentError):
        await store.update_one("accounts", {"_id": 1}, {"$unset": {"email": ""}}, upsert=True)


async def test_find_one_and_update_before_and_after(store: Store) -> None:
    await load_things(store)
    before = await store.find_one_and_update(
        "things",
        {"n": {"$gte": 2}},
        {"$inc": {"n": 100}},
        sort=[("n", -1)],
        return_document=ReturnDocument.BEFORE,
        projection={"n": 1},
    )
    assert before == {"_id": 4, "n": 10}
    after = await store.find_one_and_update(
        "things", {"fn": {"$gte": 2}}, {"$inc": {"fn": 100}}, sort=[("fn", 1)], projection={"fn": 1, "_id": 0}
    )
    assert after == {"fn": 102}
    assert await store.find_one_and_update("things", {"n": -1}, {"$set": {"z": 1}}) is None


async def test_find_one_and_update_upsert(store: Store) -> None:
    doc = await store.find_one_and_update("things", {"_id": 42}, {"$inc": {"hits": 1}}, upsert=True)
    assert doc == {"_id": 42, "hits": 1}
    before = await store.find_one_and_update(
        "things", {"_id": 43}, {"$inc": {"hits": 1}}, upsert=True, return_document=ReturnDocument.BEFORE
    )
    assert before is None
    assert (await get(store, 43))["hits"] == 1


async def test_find_one_and_delete(store: Store) -> None:
    await load_things(store)
    doc = await store.find_one_and_delete("things", {"n": {"$lt": 5}}, sort=[("n", -1)])
    assert doc is not None and doc["_id"] == 3
    assert await store.find_one_and_delete("things", {"n": 3}) is None
    assert await store.count("things") == 4


async def test_delete_one_and_many(store: Store) -> None:
    await load_things(store)
    assert await store.delete_one("things", {"n": {"$gte": 2}}) == 1
    assert await store.count("things", {"n": {"$gte": 2}}) == 2
    assert await store.delete_many("things", {"fn": {"$gte": 1}}) == 3
    assert await store.delete_many("things", {"fn": {"$gte": 1}}) == 0
    assert await store.delete_one("things", {"_id": 999}) == 0
    assert ids(await store.find("things")) == [5]


@pytest.mark.parametrize(
    "update",
    [
        {"$push": {"tags": [1, 2]}},
        {"$push": {"tags": {"$each": [[1]]}}},
        {"$set": {"grid": [[1, 2], [3]]}},
        {"$set": {"obj": {"$k": 1}}},
        {"$set": {"n": 2**64}},
    ],
)
async def test_updates_cannot_store_what_inserts_refuse(store: Store, update: dict[str, Any]) -> None:
    await load_things(store)
    with pytest.raises((InvalidUpdateError, InvalidDocumentError)):
        await store.update_one("things", {"_id": 1}, update)

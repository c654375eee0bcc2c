"""Unique indexes map to one error; ordered batch writes; concurrent upserts and inserts of one key."""

from __future__ import annotations

import asyncio

import pytest
from storecases import ids

from turms.storage.errors import DuplicateKeyError, InvalidDocumentError
from turms.storage.port import DeleteMany, DeleteOne, InsertOne, Store, UpdateMany, UpdateOne


async def test_duplicate_id(store: Store) -> None:
    await store.insert_one("things", {"_id": 1, "n": 1})
    with pytest.raises(DuplicateKeyError):
        await store.insert_one("things", {"_id": 1, "n": 2})
    assert await store.find("things") == [{"_id": 1, "n": 1}]


async def test_duplicate_compound_id(store: Store) -> None:
    await store.insert_one("pairs", {"_id": {"o": 1, "t": 2}})
    with pytest.raises(DuplicateKeyError):
        await store.insert_one("pairs", {"_id": {"o": 1, "t": 2}, "v": 3})
    await store.insert_one("pairs", {"_id": {"o": 2, "t": 1}})


async def test_unique_index_on_insert_and_update(store: Store) -> None:
    await store.insert_one("accounts", {"_id": 1, "email": "a@x"})
    await store.insert_one("accounts", {"_id": 2, "email": "b@x"})
    with pytest.raises(DuplicateKeyError):
        await store.insert_one("accounts", {"_id": 3, "email": "a@x"})
    with pytest.raises(DuplicateKeyError):
        await store.update_one("accounts", {"_id": 2}, {"$set": {"email": "a@x"}})
    with pytest.raises(DuplicateKeyError):
        await store.update_one("accounts", {"_id": 9}, {"$set": {"email": "b@x"}}, upsert=True)
    assert [d["email"] for d in await store.find("accounts", sort=[("_id", 1)])] == ["a@x", "b@x"]


async def test_unique_index_fields_must_be_present(store: Store) -> None:
    with pytest.raises(InvalidDocumentError):
        await store.insert_one("accounts", {"_id": 3})


async def test_duplicate_error_is_a_storage_error_with_a_status(store: Store) -> None:
    await store.insert_one("accounts", {"_id": 1, "email": "a@x"})
    with pytest.raises(DuplicateKeyError) as info:
        await store.insert_one("accounts", {"_id": 1, "email": "c@x"})
    assert info.value.status == "RECORD_CONTAINS_DUPLICATE_KEY"


async def test_insert_many_stops_at_the_first_duplicate(store: Store) -> None:
    assert await store.insert_many("things", [{"_id": 1}, {"_id": 2}]) == 2
    with pytest.raises(DuplicateKeyError):
        await store.insert_many("things", [{"_id": 3}, {"_id": 1}, {"_id": 4}])
    assert ids(await store.find("things")) == [1, 2, 3]
    assert await store.insert_many("things", []) == 0


async def test_bulk_write(store: Store) -> None:
    result = await store.bulk_write(
        "things",
        [
            InsertOne({"_id": 1, "n": 1}),
            InsertOne({"_id": 2, "n": 2}),
            InsertOne({"_id": 3, "n": 3}),
            UpdateOne({"_id": 1}, {"$inc": {"n": 10}}),
            UpdateMany({"n": {"$lt": 5}}, {"$set": {"small": True}}),
            UpdateOne({"_id": 9}, {"$set": {"n": 9}}, upsert=True),
            DeleteOne({"_id": 3}),
            DeleteMany({"n": {"$gt": 100}}),
        ],
    )
    assert (result.inserted, result.matched, result.modified, result.deleted) == (3, 3, 3, 1)
    assert result.upserted_ids == [9]
    docs = await store.find("things", sort=[("_id", 1)])
    assert docs == [{"_id": 1, "n": 11}, {"_id": 2, "n": 2, "small": True}, {"_id": 9, "n": 9}]


async def test_bulk_write_stops_at_the_first_failure(store: Store) -> None:
    await store.insert_one("accounts", {"_id": 1, "email": "a@x"})
    with pytest.raises(DuplicateKeyError):
        await store.bulk_write(
            "accounts",
            [
                InsertOne({"_id": 2, "email": "b@x"}),
                UpdateOne({"_id": 2}, {"$set": {"email": "a@x"}}),
                InsertOne({"_id": 3, "email": "c@x"}),
            ],
        )
    assert ids(await store.find("accounts")) == [1, 2]


async def test_concurrent_upserts_of_one_key_yield_one_document(store: Store) -> None:
    async def upsert(i: int) -> None:
        await store.update_one(
            "pairs", {"_id": {"o": 7, "t": 7}}, {"$setOnInsert": {"v": 0}, "$set": {"last": i}}, upsert=True
        )

    await asyncio.gather(*(upsert(i) for i in range(20)))
    docs = await store.find("pairs", {})
    assert len(docs) == 1
    assert docs[0]["v"] == 0 and docs[0]["last"] in range(20)


async def test_concurrent_find_one_and_update_upserts_yield_one_document(store: Store) -> None:
    results = await asyncio.gather(
        *(store.find_one_and_update("things", {"_id": 5}, {"$set": {"fs": "x"}}, upsert=True) for _ in range(10))
    )
    assert all(r == {"_id": 5, "fs": "x"} for r in results)
    assert await store.count("things") == 1


async def test_concurrent_inserts_of_one_id_let_exactly_one_win(store: Store) -> None:
    results = await asyncio.gather(
        *(store.insert_one("accounts", {"_id": 1, "email": f"{i}@x"}) for i in range(10)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, DuplicateKeyError) for r in results if r is not None)

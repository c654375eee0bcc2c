"""Sort, skip, limit, projection; value types and their round trip; document validation; large documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from storecases import day, ids, load_things, ordered_ids

from turms.storage.errors import InvalidDocumentError, InvalidQueryError
from turms.storage.port import Store


@pytest.mark.parametrize("f", ["n", "fn"])
async def test_sort_ascending_and_descending(store: Store, f: str) -> None:
    await load_things(store)
    assert ordered_ids(await store.find("things", {f: {"$exists": True}}, sort=[(f, 1)])) == [1, 2, 3, 4]
    assert ordered_ids(await store.find("things", {f: {"$exists": True}}, sort=[(f, -1)])) == [4, 3, 2, 1]


@pytest.mark.parametrize("f", ["s", "fs"])
async def test_missing_values_sort_first(store: Store, f: str) -> None:
    await load_things(store)
    assert ordered_ids(await store.find("things", sort=[(f, 1)])) == [5, 1, 2, 3, 4]
    assert ordered_ids(await store.find("things", sort=[(f, -1)])) == [4, 3, 2, 1, 5]


async def test_multi_key_sort(store: Store) -> None:
    docs = [{"_id": i, "n": i % 3, "fs": f"k{i % 2}"} for i in range(1, 10)]
    await store.insert_many("things", docs)
    got = await store.find("things", sort=[("n", 1), ("_id", -1)])
    assert ordered_ids(got) == [9, 6, 3, 7, 4, 1, 8, 5, 2]
    got = await store.find("things", sort=[("fs", -1), ("n", 1), ("_id", 1)])
    assert ordered_ids(got) == [3, 9, 1, 7, 5, 6, 4, 2, 8]


async def test_sort_on_dates_and_embedded_paths(store: Store) -> None:
    await load_things(store)
    got = await store.find("things", {"d": {"$exists": True}}, sort=[("d", -1)])
    assert ordered_ids(got) == [3, 2, 1]
    got = await store.find("things", {"emb.k": {"$gte": 1}}, sort=[("emb.k", -1)])
    assert ordered_ids(got) == [3, 2, 1]


async def test_sort_by_array_uses_min_ascending_and_max_descending(store: Store) -> None:
    await store.insert_many("things", [{"_id": 1, "arr": [5, 1]}, {"_id": 2, "arr": [3]}, {"_id": 3, "arr": [2, 9]}])
    assert ordered_ids(await store.find("things", sort=[("arr", 1)])) == [1, 3, 2]
    assert ordered_ids(await store.find("things", sort=[("arr", -1)])) == [3, 1, 2]


@pytest.mark.parametrize("f", ["n", "fn"])
async def test_skip_and_limit(store: Store, f: str) -> None:
    docs = [{"_id": i, "n": i, "fn": i} for i in range(1, 21)]
    await store.insert_many("things", docs)
    page = await store.find("things", {f: {"$gt": 5}}, sort=[(f, 1)], skip=3, limit=4)
    assert ordered_ids(page) == [9, 10, 11, 12]
    assert ordered_ids(await store.find("things", {}, sort=[(f, -1)], limit=2)) == [20, 19]
    assert ordered_ids(await store.find("things", {}, sort=[(f, 1)], skip=18)) == [19, 20]
    assert await store.find("things", {}, sort=[(f, 1)], skip=30) == []
    assert len(await store.find("things", {f: {"$gt": 0}}, limit=3)) == 3


async def test_find_one_with_sort(store: Store) -> None:
    await load_things(store)
    doc = await store.find_one("things", {"n": {"$lt": 5}}, sort=[("n", -1)])
    assert doc is not None and doc["_id"] == 3
    assert await store.find_one("things", {"n": 12345}) is None


async def test_projection_inclusion(store: Store) -> None:
    await load_things(store)
    doc = await store.find_one("things", {"_id": 1}, projection={"s": 1, "emb.k": 1, "absent": 1})
    assert doc == {"_id": 1, "s": "apple", "emb": {"k": 1}}
    doc = await store.find_one("things", {"_id": 1}, projection={"n": 1, "_id": 0})
    assert doc == {"n": 1}
    docs = await store.find("things", {"n": {"$lte": 2}}, projection={"items.sku": 1}, sort=[("n", 1)])
    assert docs == [{"_id": 1, "items": [{"sku": "p1"}, {"sku": "p2"}]}, {"_id": 2, "items": [{"sku": "p3"}]}]
    # Naming only the id keeps only the id.
    docs = await store.find("things", {"n": {"$lte": 2}}, projection={"_id": 1}, sort=[("n", 1)])
    assert docs == [{"_id": 1}, {"_id": 2}]


async def test_projection_exclusion(store: Store) -> None:
    await load_things(store)
    doc = await store.find_one(
        "things",
        {"_id": 2},
        projection={"items": 0, "emb.k": 0, "by": 0, "tags": 0, "scores": 0, "fs": 0, "fd": 0, "fb": 0},
    )
    assert doc == {"_id": 2, "n": 2, "fn": 2, "s": "banana", "d": day(2), "b": False, "x": 2, "emb": {}, "mixed": "1"}
    doc = await store.find_one("things", {"_id": 5}, projection={"_id": 0})
    assert doc == {}


async def test_mixed_projection_is_refused(store: Store) -> None:
    with pytest.raises(InvalidQueryError):
        await store.find("things", {}, projection={"a": 1, "b": 0})


async def test_value_types_round_trip(store: Store) -> None:
    doc: dict[str, Any] = {
        "_id": 1,
        "none": None,
        "t": True,
        "f": False,
        "i": 2**63 - 1,
        "neg": -(2**63),
        "small": 7,
        "fl": 0.1,
        "big_fl": 1e300,
        "s": "héllo \u2603 \U0001f600",
        "ctrl": "\x01tricky",
        "empty": "",
        "by": bytes(range(256)),
        "d": datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC),
        "old": datetime(1901, 1, 1, tzinfo=UTC),
        "list": [1, "a", None, {"x": b"\x00", "l": [2]}],
        "obj": {"nested": {"deep": [datetime(2020, 1, 1, tzinfo=UTC)]}},
    }
    await store.insert_one("things", doc)
    assert await store.find_one("things", {"_id": 1}) == doc
    assert await store.find_one("things", {"ctrl": "\x01tricky"}) == doc


async def test_datetimes_are_utc_milliseconds(store: Store) -> None:
    local = timezone(timedelta(hours=5, minutes=30))
    await store.insert_one(
        "things",
        {"_id": 1, "d": datetime(2024, 1, 1, 5, 30, 0, 999999, tzinfo=local), "fd": datetime(2024, 1, 1, 0, 0, 1)},
    )
    doc = await store.find_one("things", {"_id": 1})
    assert doc is not None
    assert doc["d"] == datetime(2024, 1, 1, 0, 0, 0, 999000, tzinfo=UTC)
    assert doc["d"].utcoffset() == timedelta(0)
    assert doc["fd"] == datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC)
    # Queries are truncated the same way.
    assert ids(await store.find("things", {"d": datetime(2024, 1, 1, 0, 0, 0, 999500, tzinfo=UTC)})) == [1]


@pytest.mark.parametrize(
    "doc",
    [
        {"_id": 1, "i": 2**63},
        {"_id": 1, "f": float("nan")},
        {"_id": 1, "f": float("inf")},
        {"_id": 1, "bad": object()},
        {"_id": 1, "$x": 1},
        {"_id": 1, "a.b": 1},
        {"_id": [1, 2]},
        {"n": 1},
        {"_id": 1, "n": "text"},
        {"_id": 1, "d": "2024-01-01"},
        {"_id": "str-id"},
        {"_id": 1, "emb": {"k": "x"}},
        {"_id": 1, "n": None},
        {"_id": 1, "nested": [1, [2]]},
    ],
)
async def test_invalid_documents_are_refused(store: Store, doc: dict[str, Any]) -> None:
    with pytest.raises(InvalidDocumentError):
        await store.insert_one("things", doc)
    assert await store.count("things") == 0


async def test_required_fields(store: Store) -> None:
    with pytest.raises(InvalidDocumentError):
        await store.insert_one("accounts", {"_id": 1, "name": "x"})
    with pytest.raises(InvalidDocumentError):
        await store.insert_one("pairs", {"_id": {"o": 1}})


async def test_large_document(store: Store) -> None:
    blob = bytes(range(256)) * 4096  # 1 MiB
    text = "x" * 1_000_000
    items = [{"i": i, "s": "y" * 100} for i in range(2000)]
    await store.insert_one("things", {"_id": 1, "blob": blob, "text": text, "items": items, "n": 1})
    doc = await store.find_one("things", {"n": 1})
    assert doc is not None
    assert doc["blob"] == blob and doc["text"] == text and doc["items"] == items
    await store.update_one("things", {"_id": 1}, {"$push": {"items": {"i": -1}}})
    assert await store.count("things", {"items.i": -1}) == 1

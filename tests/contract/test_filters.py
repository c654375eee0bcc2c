"""Every operator of the filter subset, on declared fields (SQL on SQLite) and undeclared ones (in process)."""

from __future__ import annotations

from typing import Any

import pytest
from storecases import day, ids, load_things

from turms.storage.errors import InvalidQueryError
from turms.storage.port import Store

INT_FIELDS = pytest.mark.parametrize("f", ["n", "fn"])
STR_FIELDS = pytest.mark.parametrize("f", ["s", "fs"])
DATE_FIELDS = pytest.mark.parametrize("f", ["d", "fd"])


async def find_ids(store: Store, flt: dict[str, Any]) -> list[Any]:
    docs = await store.find("things", flt)
    assert await store.count("things", flt) == len(docs)
    return ids(docs)


@INT_FIELDS
async def test_equality(store: Store, f: str) -> None:
    await load_things(store)
    assert await find_ids(store, {f: 2}) == [2]
    assert await find_ids(store, {f: {"$eq": 10}}) == [4]
    assert await find_ids(store, {f: 99}) == []


async def test_equality_matches_numbers_across_int_and_float(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"n": 2.0}) == [2]
    assert await find_ids(store, {"x": 2}) == [2]
    assert await find_ids(store, {"mixed": 1}) == [1, 4]


async def test_equality_tells_booleans_from_numbers_and_strings(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"mixed": True}) == [3]
    assert await find_ids(store, {"mixed": "1"}) == [2]
    assert await find_ids(store, {"b": True}) == [1]
    assert await find_ids(store, {"fb": False}) == [2]
    assert await find_ids(store, {"b": 1}) == []


@INT_FIELDS
async def test_null_equality_matches_missing(store: Store, f: str) -> None:
    await load_things(store)
    assert await find_ids(store, {f: None}) == [5]


async def test_null_equality_matches_explicit_null_and_missing(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"fnull": None}) == [1, 2, 3, 4, 5]
    assert await find_ids(store, {"fnull": {"$ne": None}}) == []
    assert await find_ids(store, {"fnull": {"$exists": True}}) == [4]


@INT_FIELDS
async def test_ne_includes_missing(store: Store, f: str) -> None:
    await load_things(store)
    assert await find_ids(store, {f: {"$ne": 2}}) == [1, 3, 4, 5]
    assert await find_ids(store, {f: {"$ne": None}}) == [1, 2, 3, 4]
    assert await find_ids(store, {f: {"$ne": "2"}}) == [1, 2, 3, 4, 5]


@INT_FIELDS
async def test_in(store: Store, f: str) -> None:
    await load_things(store)
    assert await find_ids(store, {f: {"$in": [1, 3, 77]}}) == [1, 3]
    assert await find_ids(store, {f: {"$in": [10, None]}}) == [4, 5]
    assert await find_ids(store, {f: {"$in": []}}) == []
    assert await find_ids(store, {f: {"$in": ["1"]}}) == []


@INT_FIELDS
async def test_nin_includes_missing(store: Store, f: str) -> None:
    await load_things(store)
    assert await find_ids(store, {f: {"$nin": [1, 2]}}) == [3, 4, 5]
    assert await find_ids(store, {f: {"$nin": [1, None]}}) == [2, 3, 4]
    assert await find_ids(store, {f: {"$nin": []}}) == [1, 2, 3, 4, 5]


@INT_FIELDS
@pytest.mark.parametrize(("op", "expected"), [("$gt", [3, 4]), ("$gte", [2, 3, 4]), ("$lt", [1]), ("$lte", [1, 2])])
async def test_range_on_numbers(store: Store, f: str, op: str, expected: list[int]) -> None:
    await load_things(store)
    assert await find_ids(store, {f: {op: 2}}) == expected


@INT_FIELDS
async def test_range_combined_and_float_bound(store: Store, f: str) -> None:
    await load_things(store)
    assert await find_ids(store, {f: {"$gt": 1, "$lte": 3}}) == [2, 3]
    assert await find_ids(store, {f: {"$gt": 2.5}}) == [3, 4]


@DATE_FIELDS
async def test_range_on_dates(store: Store, f: str) -> None:
    await load_things(store)
    assert await find_ids(store, {f: {"$gte": day(2)}}) == [2, 3]
    assert await find_ids(store, {f: {"$lt": day(2)}}) == [1]
    assert await find_ids(store, {f: day(3)}) == [3]


@STR_FIELDS
async def test_range_on_strings(store: Store, f: str) -> None:
    await load_things(store)
    assert await find_ids(store, {f: {"$gt": "banana"}}) == [3, 4]
    assert await find_ids(store, {f: {"$lte": "b"}}) == [1]


async def test_ranges_are_type_bracketed(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"n": {"$gt": "a"}}) == []
    assert await find_ids(store, {"s": {"$gt": 0}}) == []
    assert await find_ids(store, {"mixed": {"$gte": 1}}) == [1, 4]
    assert await find_ids(store, {"mixed": {"$gte": ""}}) == [2]
    assert await find_ids(store, {"d": {"$gt": 0}}) == []


async def test_range_with_null_bound(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"n": {"$gte": None}}) == [5]
    assert await find_ids(store, {"fn": {"$lte": None}}) == [5]
    assert await find_ids(store, {"n": {"$gt": None}}) == []


@pytest.mark.parametrize("f", ["n", "fn", "tags", "emb.k"])
async def test_exists(store: Store, f: str) -> None:
    await load_things(store)
    present = await find_ids(store, {f: {"$exists": True}})
    absent = await find_ids(store, {f: {"$exists": False}})
    assert sorted(present + absent) == [1, 2, 3, 4, 5]
    assert 5 in absent and 1 in present


async def test_and_or(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"$or": [{"n": 1}, {"fs": "date"}]}) == [1, 4]
    assert await find_ids(store, {"$and": [{"n": {"$gt": 1}}, {"fn": {"$lt": 10}}]}) == [2, 3]
    nested = {"$and": [{"$or": [{"n": 1}, {"n": 3}]}, {"$or": [{"s": "cherry"}, {"fs": "apple"}]}]}
    assert await find_ids(store, nested) == [1, 3]
    assert await find_ids(store, {"n": {"$gte": 2}, "$or": [{"s": "banana"}, {"s": "date"}]}) == [2, 4]


async def test_equality_on_array_elements(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"tags": "b"}) == [1, 2]
    assert await find_ids(store, {"tags": {"$in": ["c", "z"]}}) == [2]
    assert await find_ids(store, {"tags": {"$ne": "b"}}) == [3, 4, 5]
    assert await find_ids(store, {"tags": {"$nin": ["a"]}}) == [2, 3, 4, 5]


async def test_equality_on_whole_array(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"tags": ["a", "b"]}) == [1]
    assert await find_ids(store, {"tags": ["b", "a"]}) == []
    assert await find_ids(store, {"tags": []}) == [3]


async def test_range_on_array_elements(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"scores": {"$gt": 8}}) == [1]
    assert await find_ids(store, {"scores": {"$lt": 3}}) == [1, 2]
    # Each bound may be met by a different element, as in MongoDB.
    assert await find_ids(store, {"scores": {"$gt": 4, "$lt": 2}}) == [1]


async def test_equality_on_embedded_document_is_exact_and_ordered(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"emb": {"k": 1, "j": 2}}) == [1]
    assert await find_ids(store, {"emb": {"j": 2, "k": 1}}) == []
    assert await find_ids(store, {"emb": {"k": 1}}) == []
    assert await find_ids(store, {"emb": {"k": 2}}) == [2]


async def test_dotted_paths_into_embedded_documents(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"emb.k": 2}) == [2]
    assert await find_ids(store, {"emb.k": {"$gte": 2}}) == [2, 3]
    assert await find_ids(store, {"emb.j": {"$exists": True}}) == [1, 3]
    assert await find_ids(store, {"emb.j": {"$lt": 2}}) == [3]


async def test_dotted_paths_through_arrays_of_documents(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"items.sku": "p2"}) == [1]
    assert await find_ids(store, {"items.q": {"$gte": 2}}) == [1, 2]
    assert await find_ids(store, {"items.sku": {"$in": ["p3", "zz"]}}) == [2]
    assert await find_ids(store, {"items.0.sku": "p1"}) == [1]
    assert await find_ids(store, {"scores.1": 3}) == [2]


async def test_bytes(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"by": b"\x01\x03"}) == [2]
    assert await find_ids(store, {"by": {"$in": [b"\xff", b"\x00"]}}) == [3]
    # Binary orders by length first, then bytes.
    assert await find_ids(store, {"by": {"$gt": b"\x01\x02"}}) == [2]
    assert await find_ids(store, {"by": {"$lt": b"\x00\x00"}}) == [3]


async def test_compound_ids(store: Store) -> None:
    docs = [{"_id": {"o": o, "t": t}, "v": o * 10 + t} for o in (1, 2) for t in (1, 2, 3)]
    await store.insert_many("pairs", docs)
    one = await store.find("pairs", {"_id": {"o": 2, "t": 3}})
    assert [d["v"] for d in one] == [23]
    assert await store.find("pairs", {"_id": {"t": 3, "o": 2}}) == []
    by_owner = await store.find("pairs", {"_id.o": 1}, sort=[("_id.t", -1)])
    assert [d["v"] for d in by_owner] == [13, 12, 11]
    some = await store.find("pairs", {"_id": {"$in": [{"o": 1, "t": 1}, {"o": 2, "t": 2}]}}, sort=[("v", 1)])
    assert [d["v"] for d in some] == [11, 22]
    assert await store.count("pairs", {"_id.o": 2, "_id.t": {"$gt": 1}}) == 2
    assert await store.count("pairs", {"_id": {"$ne": {"o": 1, "t": 1}}}) == 5


async def test_id_range_and_in(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {"_id": {"$gt": 3}}) == [4, 5]
    assert await find_ids(store, {"_id": {"$in": [2, 5, 9]}}) == [2, 5]
    assert await find_ids(store, {"_id": {"$nin": [2, 5]}}) == [1, 3, 4]
    assert await find_ids(store, {"_id": "1"}) == []


async def test_empty_filter_and_count_limit(store: Store) -> None:
    await load_things(store)
    assert await find_ids(store, {}) == [1, 2, 3, 4, 5]
    assert await store.count("things") == 5
    assert await store.count("things", {"n": {"$gte": 1}}, limit=2) == 2
    assert await store.count("things", {"fn": {"$gte": 1}}, limit=3) == 3


@pytest.mark.parametrize(
    "flt",
    [
        {"n": {"$regex": "a"}},
        {"$nor": [{"n": 1}]},
        {"n": {"$in": 3}},
        {"n": {"$exists": 1}},
        {"n": {"$gt": 1, "k": 2}},
        {"$or": []},
        {"$where": "1"},
    ],
)
async def test_outside_the_subset_is_refused(store: Store, flt: dict[str, Any]) -> None:
    with pytest.raises(InvalidQueryError):
        await store.find("things", flt)


async def test_unknown_collection_is_refused(store: Store) -> None:
    with pytest.raises(InvalidQueryError):
        await store.find("nope", {})

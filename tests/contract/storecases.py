"""Shared fixtures data for the contract suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from turms.storage.port import Document, Store
from turms.storage.schema import SCHEMA, Collection, Field, Index, Kind, Schema


def day(n: int) -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=n)


def things() -> list[Document]:
    """`n`, `s`, `d` are declared (SQL on SQLite); `fn`, `fs`, `fd` hold the same values undeclared."""
    return [
        {
            "_id": 1,
            "n": 1,
            "fn": 1,
            "s": "apple",
            "fs": "apple",
            "d": day(1),
            "fd": day(1),
            "b": True,
            "fb": True,
            "x": 1.5,
            "tags": ["a", "b"],
            "emb": {"k": 1, "j": 2},
            "scores": [1, 5, 9],
            "items": [{"sku": "p1", "q": 1}, {"sku": "p2", "q": 5}],
            "mixed": 1,
            "by": b"\x01\x02",
        },
        {
            "_id": 2,
            "n": 2,
            "fn": 2,
            "s": "banana",
            "fs": "banana",
            "d": day(2),
            "fd": day(2),
            "b": False,
            "fb": False,
            "x": 2,
            "tags": ["b", "c"],
            "emb": {"k": 2},
            "scores": [2, 3],
            "items": [{"sku": "p3", "q": 2}],
            "mixed": "1",
            "by": b"\x01\x03",
        },
        {
            "_id": 3,
            "n": 3,
            "fn": 3,
            "s": "cherry",
            "fs": "cherry",
            "d": day(3),
            "fd": day(3),
            "tags": [],
            "emb": {"k": 3, "j": 1},
            "scores": [],
            "mixed": True,
            "by": b"\xff",
        },
        {"_id": 4, "n": 10, "fn": 10, "s": "date", "fs": "date", "fnull": None, "mixed": 1.0},
        {"_id": 5},
    ]


async def load_things(store: Store) -> None:
    await store.insert_many("things", things())


def ids(docs: list[Document]) -> list[Any]:
    return sorted(d["_id"] for d in docs)


def ordered_ids(docs: list[Document]) -> list[Any]:
    return [d["_id"] for d in docs]


TEST_SCHEMA = Schema.of(
    Collection(
        "things",
        (
            Field("_id", Kind.INT, True),
            Field("n", Kind.INT),
            Field("x", Kind.NUMBER),
            Field("s", Kind.STR),
            Field("b", Kind.BOOL),
            Field("d", Kind.DATE),
            Field("by", Kind.BYTES),
            Field("emb", Kind.OBJECT),
            Field("emb.k", Kind.INT),
            Field("tags", Kind.ARRAY),
        ),
        (Index((("n", 1),)), Index((("s", 1), ("d", -1))), Index((("emb.k", 1),))),
    ),
    Collection(
        "accounts",
        (Field("_id", Kind.INT, True), Field("email", Kind.STR, True), Field("name", Kind.STR)),
        (Index((("email", 1),), unique=True),),
    ),
    Collection(
        "pairs",
        (
            Field("_id", Kind.OBJECT, True),
            Field("_id.o", Kind.INT, True),
            Field("_id.t", Kind.INT, True),
            Field("v", Kind.INT),
        ),
        (Index((("_id.o", 1), ("_id.t", 1))),),
    ),
    Collection(
        "expiring",
        (Field("_id", Kind.INT, True), Field("cd", Kind.DATE, True)),
        (Index((("cd", 1),), ttl_s=60),),
    ),
    Collection(
        "msgs",
        (
            Field("_id", Kind.INT, True),
            Field("conv", Kind.STR, True),
            Field("seq", Kind.INT, True),
            Field("tomb", Kind.BOOL),
        ),
        (Index((("conv", 1), ("seq", 1)), unique=True),),
    ),
    SCHEMA["sequenceCounter"],
    SCHEMA["messagePurge"],
    # The domain's own collections, for the query shapes the domain code builds (test_domain_shapes.py).
    SCHEMA["message"],
    SCHEMA["meeting"],
    SCHEMA["groupMember"],
    # The files domain's collections (tests/contract/test_files_shapes.py).
    SCHEMA["messageAttachment"],
    SCHEMA["messageAttachmentShare"],
    SCHEMA["storageUsage"],
)

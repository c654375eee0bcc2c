"""The store port: the document vocabulary the domain layer uses, and nothing more.

Documents are plain ``dict``s whose values are ``None``, ``bool``, ``int`` (signed 64-bit), ``float`` (finite),
``str``, ``bytes``, ``datetime`` (UTC; stored and returned with millisecond precision, always timezone-aware),
``list`` and ``dict`` (``str`` keys not starting with ``$`` and without ``.``). Every document has an ``_id``:
the domain allocates ids (Snowflake ints or compound keys), the store never invents one.

Filters are the subset of MongoDB's query language documented in ``docs/storage.md``: equality (on scalars,
arrays and embedded documents, matching array elements as MongoDB does), ``$eq``, ``$ne``, ``$in``, ``$nin``,
``$gt``/``$gte``/``$lt``/``$lte`` (type-bracketed), ``$exists``, ``$and``, ``$or``, with dotted paths into
embedded documents and compound ``_id`` documents. Updates: ``$set``, ``$unset``, ``$setOnInsert``, ``$inc``,
``$min``, ``$max``, ``$push``/``$addToSet`` (with ``$each``) and ``$pull``. Anything else raises
:class:`~turms.storage.errors.InvalidQueryError` / :class:`~turms.storage.errors.InvalidUpdateError` on every
adapter, before reaching a database.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeAlias, runtime_checkable

Document: TypeAlias = dict[str, Any]
Filter: TypeAlias = Mapping[str, Any]
Update: TypeAlias = Mapping[str, Mapping[str, Any]]
#: ``[("field", 1), ("other", -1)]``
Sort: TypeAlias = Sequence[tuple[str, int]]
#: ``{"a": 1, "b.c": 1}`` (inclusion) or ``{"big": 0}`` (exclusion); ``_id`` is included unless ``"_id": 0``.
Projection: TypeAlias = Mapping[str, int | bool]


class ReturnDocument(enum.Enum):
    BEFORE = "before"
    AFTER = "after"


@dataclass(frozen=True)
class UpdateResult:
    matched: int
    modified: int
    #: The ``_id`` of the document an upsert inserted, else ``None``.
    upserted_id: Any = None


@dataclass(frozen=True)
class InsertOne:
    document: Document


@dataclass(frozen=True)
class UpdateOne:
    filter: Filter
    update: Update
    upsert: bool = False


@dataclass(frozen=True)
class UpdateMany:
    filter: Filter
    update: Update
    upsert: bool = False


@dataclass(frozen=True)
class DeleteOne:
    filter: Filter


@dataclass(frozen=True)
class DeleteMany:
    filter: Filter


WriteOp: TypeAlias = InsertOne | UpdateOne | UpdateMany | DeleteOne | DeleteMany


@dataclass
class BulkResult:
    inserted: int = 0
    matched: int = 0
    modified: int = 0
    deleted: int = 0
    #: ``_id``s of the documents that upserts inserted, in operation order.
    upserted_ids: list[Any] = field(default_factory=list)


@runtime_checkable
class Store(Protocol):
    """A document store. Every method is a coroutine that never blocks the event loop.

    Acknowledged means durable: a write's coroutine returns only after the write is committed as durably as the
    adapter is configured to (SQLite ``synchronous=FULL``; MongoDB write concern ``majority`` by default).
    """

    @property
    def engine(self) -> str:
        """``"sqlite"`` or ``"mongo"``: for logs and metrics, never for branching domain logic."""
        ...

    async def start(self) -> None:
        """Connect, and create every collection and index of the schema (idempotent)."""
        ...

    async def close(self) -> None: ...

    async def insert_one(self, collection: str, document: Document) -> None:
        """Insert one document; :class:`DuplicateKeyError` if a unique index (``_id`` included) refuses it."""
        ...

    async def insert_many(self, collection: str, documents: Sequence[Document]) -> int:
        """Insert in order, stopping at the first failure (earlier documents stay inserted); returns the count."""
        ...

    async def find(
        self,
        collection: str,
        filter: Filter | None = None,
        *,
        projection: Projection | None = None,
        sort: Sort | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        """Matching documents; ``limit=0`` means no limit. Without ``sort`` the order is unspecified."""
        ...

    async def find_one(
        self,
        collection: str,
        filter: Filter | None = None,
        *,
        projection: Projection | None = None,
        sort: Sort | None = None,
    ) -> Document | None: ...

    async def count(self, collection: str, filter: Filter | None = None, *, limit: int = 0) -> int: ...

    async def update_one(
        self, collection: str, filter: Filter, update: Update, *, upsert: bool = False
    ) -> UpdateResult: ...

    async def update_many(
        self, collection: str, filter: Filter, update: Update, *, upsert: bool = False
    ) -> UpdateResult: ...

    async def delete_one(self, collection: str, filter: Filter) -> int: ...

    async def delete_many(self, collection: str, filter: Filter) -> int: ...

    async def find_one_and_update(
        self,
        collection: str,
        filter: Filter,
        update: Update,
        *,
        upsert: bool = False,
        return_document: ReturnDocument = ReturnDocument.AFTER,
        projection: Projection | None = None,
        sort: Sort | None = None,
    ) -> Document | None:
        """Atomically update the first match (by ``sort``) and return it as it was before or after."""
        ...

    async def find_one_and_delete(
        self, collection: str, filter: Filter, *, sort: Sort | None = None
    ) -> Document | None:
        """Atomically delete the first match (by ``sort``) and return it (claims, work queues)."""
        ...

    async def bulk_write(self, collection: str, operations: Sequence[WriteOp]) -> BulkResult:
        """Apply the operations in order, stopping at the first failure (which is raised).

        Each operation is atomic on its own; the batch as a whole is not a transaction.
        """
        ...

    async def next_sequence(self, key: str) -> int:
        """Atomically advance the counter ``key`` (created at 0) by one and return its new value.

        Dense and atomic across processes: concurrent callers receive distinct consecutive values.
        """
        ...

    async def insert_with_sequence(
        self,
        collection: str,
        document: Document,
        *,
        counter_key: str,
        field: str,
        tombstone: Document,
        claim: tuple[str, Document] | None = None,
    ) -> int:
        """Allocate the next value of ``counter_key``, store it in ``document[field]``, insert, return it.

        ``claim`` (a collection and a document, e.g. an idempotency key): inserted first; if a unique index
        refuses it, :class:`DuplicateKeyError` is raised and nothing else is written. On SQLite the claim, the
        counter and the insert are one transaction (all or nothing). On MongoDB the claim is its own write
        before the counter: a writer that dies after it leaves the claim without the document.

        The sequence stays dense: on SQLite allocation and insert share one transaction (a failed insert
        rolls the counter back). On MongoDB the counter is incremented first; if the insert then fails,
        ``tombstone`` (with ``field`` set to the allocated value) is inserted in its place so readers see a
        tombstone, never a hole, and the insert's error is raised. A writer that dies between the two steps
        leaves a hole, which readers fill with a tombstone (``turms.service.message.holes``); a number that
        is already taken when the insert arrives (a unique index on the sequence field says so) is skipped
        and the next one allocated, on both adapters.
        """
        ...

    async def purge_expired(self, now: datetime | None = None) -> int:
        """Delete documents whose TTL index says they expired (at ``now``, default the store's clock).

        Adapters also run this periodically. Until it runs, expired documents may still be returned (as on
        MongoDB, whose TTL monitor runs about once a minute).
        """
        ...

    async def drop_all(self) -> None:
        """Delete every document of every collection (tests and ``turms`` admin tooling only)."""
        ...

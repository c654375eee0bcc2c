"""The MongoDB adapter, on PyMongo's native asyncio API (``pymongo.AsyncMongoClient``).

Every write uses the configured write concern (``majority`` and journaled by default: acknowledged means
durable on a majority) and retryable writes (effective on replica sets and sharded clusters). Collections belong
to Turms's URI groups (``admin``, ``user``, ``group``, ``conversation``, ``message``, ``conference``); each
group may name its own deployment and read preference. Only single-document atomic operations are used: no
multi-document transactions, so any MongoDB 6+ topology (and FerretDB) serves.

Filters, updates, projections and sorts are validated by :mod:`turms.storage.query` first, so an unsupported
operator fails here exactly as on SQLite; driver errors become :mod:`turms.storage.errors`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pymongo
import pymongo.errors as perr
from bson.codec_options import CodecOptions
from pymongo import AsyncMongoClient, ReadPreference
from pymongo import ReturnDocument as PyReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.write_concern import WriteConcern

from turms.storage import query as q
from turms.storage.errors import (
    InvalidQueryError,
    InvalidUpdateError,
    StorageError,
)
from turms.storage.mongo_errors import map_error
from turms.storage.mongo_sequences import MongoSequences, _SeqJob
from turms.storage.port import (
    BulkResult,
    DeleteMany,
    DeleteOne,
    Document,
    Filter,
    InsertOne,
    Projection,
    ReturnDocument,
    Sort,
    Update,
    UpdateMany,
    UpdateOne,
    UpdateResult,
    WriteOp,
)
from turms.storage.schema import SCHEMA, Collection, Index, Schema, check_declared, check_update_declared
from turms.storage.values import normalize_document

__all__ = ["MongoStore", "map_error", "utc_now"]

log = logging.getLogger("turms.storage.mongo")

T = TypeVar("T")
Clock = Callable[[], datetime]
_COUNTERS = "sequenceCounter"

_READ_PREFERENCES = {
    "primary": ReadPreference.PRIMARY,
    "primaryPreferred": ReadPreference.PRIMARY_PREFERRED,
    "secondary": ReadPreference.SECONDARY,
    "secondaryPreferred": ReadPreference.SECONDARY_PREFERRED,
    "nearest": ReadPreference.NEAREST,
}
#: Index options a server may not implement (FerretDB v1: TTL, partial, hashed): we degrade, and say so.
_NOT_IMPLEMENTED_CODES = frozenset({27, 67, 115, 238})
_INDEX_CONFLICT_CODES = frozenset({85, 86})


def utc_now() -> datetime:
    return datetime.now(UTC)


class MongoStore(MongoSequences):
    """The :class:`~turms.storage.port.Store` on a MongoDB deployment (or several, one per URI group)."""

    def __init__(
        self,
        uri: str,
        *,
        database: str = "turms",
        schema: Schema = SCHEMA,
        clock: Clock = utc_now,
        group_uris: Mapping[str, str] | None = None,
        read_preference: str = "primary",
        group_read_preferences: Mapping[str, str] | None = None,
        write_concern: str = "majority",
        journal: bool = True,
        read_concern: str = "majority",
        server_selection_timeout_ms: int = 10_000,
        max_pool_size: int = 100,
        ttl_purge_interval_s: float = 60.0,
    ) -> None:
        self.schema = schema
        self.clock = clock
        self._uri = uri
        self._database = database
        self._group_uris = {g: u for g, u in (group_uris or {}).items() if u}
        self._read_preference = read_preference
        self._group_read_preferences = {g: p for g, p in (group_read_preferences or {}).items() if p}
        w: int | str = int(write_concern) if write_concern.isdigit() else write_concern
        self._write_concern = WriteConcern(w=w, j=journal)
        self._client_options: dict[str, Any] = {
            "tz_aware": True,
            "tzinfo": UTC,
            "retryWrites": True,
            "retryReads": True,
            "readConcernLevel": read_concern,
            "serverSelectionTimeoutMS": server_selection_timeout_ms,
            "maxPoolSize": max_pool_size,
            "appname": "turms-server",
        }
        self._ttl_interval = ttl_purge_interval_s
        self._clients: dict[str, AsyncMongoClient[Document]] = {}
        self._collections: dict[str, AsyncCollection[Document]] = {}
        self._purge_task: asyncio.Task[None] | None = None
        self.degraded_indexes: list[str] = []
        self._atomic_updates: bool | None = None
        #: Claim counters: one allocation per key at a time in this process (losers of a claim race retry,
        #: so letting every local caller race makes a busy key quadratic). Entries live while in use.
        self._claim_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        #: Claim counters: the last number this process claimed per key, and when (monotonic seconds).
        self._claim_tops: dict[str, tuple[int, float]] = {}
        #: insert_with_sequence calls waiting for the next batch (group commit, turms.storage.mongo_sequences).
        self._seq_jobs: list[_SeqJob] = []
        self._seq_flush_scheduled = False
        #: Batches in flight, those of them that hold back the next one (see _SEQ_MAX_INFLIGHT and _SEQ_SLOW_FACTOR
        #: in turms.storage.mongo_sequences), and the moving average of how long a batch takes (seconds).
        self._seq_batches: set[asyncio.Future[None]] = set()
        self._seq_holding: set[asyncio.Future[None]] = set()
        self._seq_typical_s = 0.0
        self._seq_tasks: set[asyncio.Task[None]] = set()

    @property
    def engine(self) -> str:
        return "mongo"

    # -- lifecycle ---------------------------------------------------------------------------------------

    def _client(self, uri: str) -> AsyncMongoClient[Document]:
        client = self._clients.get(uri)
        if client is None:
            client = AsyncMongoClient(uri, **self._client_options)
            self._clients[uri] = client
        return client

    def _coll(self, name: str) -> AsyncCollection[Document]:
        coll = self._collections.get(name)
        if coll is None:
            spec = self.schema[name]
            uri = self._group_uris.get(spec.group, self._uri)
            pref = self._group_read_preferences.get(spec.group, self._read_preference)
            db = self._client(uri).get_default_database(default=self._database)
            coll = db.get_collection(
                name,
                codec_options=CodecOptions(document_class=dict, tz_aware=True, tzinfo=UTC),
                read_preference=_READ_PREFERENCES[pref],
                write_concern=self._write_concern,
            )
            self._collections[name] = coll
        return coll

    async def start(self) -> None:
        for spec in self.schema:
            for ix in spec.indexes:
                await self._create_index(spec, ix)
        if self._ttl_interval > 0:
            self._purge_task = asyncio.create_task(self._purge_loop(), name="turms-mongo-ttl")

    async def _create_index(self, spec: Collection, ix: Index) -> None:
        coll = self._coll(spec.name)
        keys = [(path, direction) for path, direction in ix.keys]
        options: dict[str, Any] = {"name": ix.name, "unique": ix.unique}
        if ix.ttl_s is not None:
            options["expireAfterSeconds"] = ix.ttl_s
        try:
            await coll.create_index(keys, **options)
        except perr.OperationFailure as exc:
            if exc.code in _INDEX_CONFLICT_CODES:
                log.warning("index %s.%s exists with other options; kept as is", spec.name, ix.name)
                return
            if exc.code not in _NOT_IMPLEMENTED_CODES:
                raise map_error(exc) from exc
            # The server lacks an option (FerretDB v1 has no TTL nor hashed indexes): create the plain index.
            # Expiry then relies on purge_expired(), which runs periodically on every adapter anyway.
            options.pop("expireAfterSeconds", None)
            keys = [(path, 1 if direction == "hashed" else direction) for path, direction in keys]
            log.warning("index %s.%s created without unsupported options", spec.name, ix.name)
            self.degraded_indexes.append(f"{spec.name}.{ix.name}")
            try:
                await coll.create_index(keys, **options)
            except perr.PyMongoError as exc2:
                raise map_error(exc2) from exc2
        except perr.PyMongoError as exc:
            raise map_error(exc) from exc

    async def close(self) -> None:
        if self._purge_task is not None:
            self._purge_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purge_task
            self._purge_task = None
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
        self._collections.clear()

    async def _purge_loop(self) -> None:
        while True:
            await asyncio.sleep(self._ttl_interval)
            try:
                await self.purge_expired()
            except StorageError:
                log.warning("TTL purge failed", exc_info=True)

    async def _call(self, make: Callable[[], Awaitable[T]], *, updating: bool = False) -> T:
        try:
            return await make()
        except perr.PyMongoError as exc:
            raise map_error(exc, updating=updating) from exc

    # -- reads -------------------------------------------------------------------------------------------

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
        coll = self._coll(collection)
        flt = q.validate_filter(filter)
        proj = _projection(q.validate_projection(projection))
        srt = q.validate_sort(sort)
        if skip < 0 or limit < 0:
            raise InvalidQueryError("skip and limit must not be negative")

        async def run() -> list[Document]:
            cursor = coll.find(flt, proj, sort=srt or None, skip=skip, limit=limit)
            return await cursor.to_list()

        return await self._call(run)

    async def find_one(
        self,
        collection: str,
        filter: Filter | None = None,
        *,
        projection: Projection | None = None,
        sort: Sort | None = None,
    ) -> Document | None:
        docs = await self.find(collection, filter, projection=projection, sort=sort, limit=1)
        return docs[0] if docs else None

    async def count(self, collection: str, filter: Filter | None = None, *, limit: int = 0) -> int:
        coll = self._coll(collection)
        flt = q.validate_filter(filter)
        if limit < 0:
            raise InvalidQueryError("limit must not be negative")
        kwargs: dict[str, Any] = {"limit": limit} if limit else {}
        return await self._call(lambda: coll.count_documents(flt, **kwargs))

    # -- writes ------------------------------------------------------------------------------------------

    def _prepare(self, spec: Collection, doc: Mapping[str, Any]) -> Document:
        norm = normalize_document(doc)
        check_declared(spec, norm)
        return norm

    def _prepare_update(
        self, spec: Collection, filter: Filter, update: Update, upsert: bool
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        flt = q.validate_filter(filter)
        upd = q.validate_update(update)
        check_update_declared(spec, upd)
        if "$pull" in upd:
            # Exact-value pulls; $pullAll says so on MongoDB and FerretDB alike.
            pulls = upd.pop("$pull")
            upd["$pullAll"] = {
                path: (v["$in"] if isinstance(v, dict) and set(v) == {"$in"} else [v]) for path, v in pulls.items()
            }
        if upsert:
            seed = q.upsert_seed(flt)
            if "_id" not in seed and not any("_id" in upd.get(op, {}) for op in ("$set", "$setOnInsert")):
                raise InvalidUpdateError("an upsert must determine `_id` through its filter, $set or $setOnInsert")
            # What SQLite checks on the document it builds, checked here on the same document.
            check_declared(spec, q.apply_update(seed, upd, inserting=True))
        return flt, upd

    async def insert_one(self, collection: str, document: Document) -> None:
        spec = self.schema[collection]
        doc = self._prepare(spec, document)
        coll = self._coll(collection)
        await self._call(lambda: coll.insert_one(doc))

    async def insert_many(self, collection: str, documents: Sequence[Document]) -> int:
        result = await self.bulk_write(collection, [InsertOne(d) for d in documents])
        return result.inserted

    async def _upsert_retrying(self, make: Callable[[], Awaitable[T]], upsert: bool) -> T:
        # Two concurrent upserts of one key: the loser gets a duplicate-key error, and its retry finds the
        # winner's document and updates it (MongoDB 4.2+ retries some of these itself; FerretDB does not).
        for attempt in range(3):
            try:
                return await make()
            except perr.DuplicateKeyError:
                if not upsert or attempt == 2:
                    raise
            except perr.OperationFailure as exc:
                if not upsert or exc.code != 11000 or attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def update_one(
        self, collection: str, filter: Filter, update: Update, *, upsert: bool = False
    ) -> UpdateResult:
        return await self._update(collection, filter, update, many=False, upsert=upsert)

    async def update_many(
        self, collection: str, filter: Filter, update: Update, *, upsert: bool = False
    ) -> UpdateResult:
        return await self._update(collection, filter, update, many=True, upsert=upsert)

    async def _update(
        self, collection: str, filter: Filter, update: Update, *, many: bool, upsert: bool
    ) -> UpdateResult:
        flt, upd = self._prepare_update(self.schema[collection], filter, update, upsert)
        coll = self._coll(collection)
        method = coll.update_many if many else coll.update_one
        r = await self._call(
            lambda: self._upsert_retrying(lambda: method(flt, upd, upsert=upsert), upsert), updating=True
        )
        return UpdateResult(r.matched_count, r.modified_count, r.upserted_id)

    async def delete_one(self, collection: str, filter: Filter) -> int:
        coll = self._coll(collection)
        flt = q.validate_filter(filter)
        r = await self._call(lambda: coll.delete_one(flt))
        return r.deleted_count

    async def delete_many(self, collection: str, filter: Filter) -> int:
        coll = self._coll(collection)
        flt = q.validate_filter(filter)
        r = await self._call(lambda: coll.delete_many(flt))
        return r.deleted_count

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
        flt, upd = self._prepare_update(self.schema[collection], filter, update, upsert)
        # Projected here rather than by the server: FerretDB v1 has no findAndModify `fields`.
        proj = q.validate_projection(projection)
        srt = q.validate_sort(sort) or None
        coll = self._coll(collection)
        after = return_document is ReturnDocument.AFTER

        def make() -> Awaitable[Document | None]:
            return coll.find_one_and_update(
                flt,
                upd,
                sort=srt,
                upsert=upsert,
                return_document=PyReturnDocument.AFTER if after else PyReturnDocument.BEFORE,
            )

        doc = await self._call(lambda: self._upsert_retrying(make, upsert), updating=True)
        return None if doc is None else q.project(doc, proj)

    async def find_one_and_delete(
        self, collection: str, filter: Filter, *, sort: Sort | None = None
    ) -> Document | None:
        coll = self._coll(collection)
        flt = q.validate_filter(filter)
        srt = q.validate_sort(sort) or None
        return await self._call(lambda: coll.find_one_and_delete(flt, sort=srt))

    async def bulk_write(self, collection: str, operations: Sequence[WriteOp]) -> BulkResult:
        spec = self.schema[collection]
        coll = self._coll(collection)
        requests: list[Any] = []
        for op in operations:
            if isinstance(op, InsertOne):
                requests.append(pymongo.InsertOne(self._prepare(spec, op.document)))
            elif isinstance(op, UpdateOne | UpdateMany):
                flt, upd = self._prepare_update(spec, op.filter, op.update, op.upsert)
                klass = pymongo.UpdateOne if isinstance(op, UpdateOne) else pymongo.UpdateMany
                requests.append(klass(flt, upd, upsert=op.upsert))
            elif isinstance(op, DeleteOne | DeleteMany):
                klass2 = pymongo.DeleteOne if isinstance(op, DeleteOne) else pymongo.DeleteMany
                requests.append(klass2(q.validate_filter(op.filter)))
            else:
                raise TypeError(f"not a write operation: {op!r}")
        if not requests:
            return BulkResult()
        r = await self._call(lambda: coll.bulk_write(requests, ordered=True), updating=True)
        return BulkResult(
            inserted=r.inserted_count,
            matched=r.matched_count,
            modified=r.modified_count,
            deleted=r.deleted_count,
            # Values only: FerretDB v1 numbers upserts within their batch, not the request.
            upserted_ids=[v for _, v in sorted((r.upserted_ids or {}).items())],
        )

    # -- counters ----------------------------------------------------------------------------------------

    # -- TTL and maintenance -----------------------------------------------------------------------------

    async def purge_expired(self, now: datetime | None = None) -> int:
        at = now or self.clock()
        total = 0
        for spec in self.schema:
            for ix in spec.ttl_indexes:
                assert ix.ttl_s is not None
                cutoff = at - timedelta(seconds=ix.ttl_s)
                coll = self._coll(spec.name)
                r = await self._call(functools.partial(coll.delete_many, {ix.paths[0]: {"$lt": cutoff}}))
                total += r.deleted_count
        return total

    async def drop_all(self) -> None:
        for spec in self.schema:
            coll = self._coll(spec.name)
            await self._call(functools.partial(coll.delete_many, {}))

    async def drop_databases(self) -> None:
        """Drop the databases this store uses (tests only)."""
        for client in self._clients.values():
            db = client.get_default_database(default=self._database)
            await client.drop_database(db.name)


def _projection(proj: dict[str, bool] | None) -> dict[str, int] | None:
    if not proj:
        return None
    return {k: int(v) for k, v in proj.items()}

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
import time
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
    DuplicateKeyError,
    InvalidQueryError,
    InvalidUpdateError,
    StorageError,
    StorageUnavailableError,
)
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
#: Server error codes of updates that cannot apply: type mismatch, bad value, path not viable, conflicting
#: operators, immutable field, cannot-apply-to-non-array …
_UPDATE_ERROR_CODES = frozenset({2, 9, 14, 28, 40, 52, 56, 66})
#: Index options a server may not implement (FerretDB v1: TTL, partial, hashed): we degrade, and say so.
_NOT_IMPLEMENTED_CODES = frozenset({27, 67, 115, 238})
_INDEX_CONFLICT_CODES = frozenset({85, 86})
#: Sequence ids one insert_with_sequence tries when a hole repair took its number (one is the usual).
_RENUMBER_ATTEMPTS = 5
_TOMBSTONE_ATTEMPTS = 5
_CLAIM_SEP = "\x1f"
_CLAIM_KEEP = 1024
_CLAIM_TTL = timedelta(hours=1)
#: How long a claimed number stays a safe place to probe upwards from: far below _CLAIM_TTL, so every claim
#: above it is younger than the cleanup's age limit.
_CLAIM_TOP_FRESH_S = 600.0
_CLAIM_TOPS_MAX = 100_000


def utc_now() -> datetime:
    return datetime.now(UTC)


def map_error(exc: Exception, *, updating: bool = False) -> Exception:
    """The storage error for a driver error (non-driver exceptions are returned unchanged)."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, perr.DuplicateKeyError):
        return DuplicateKeyError(f"duplicate key (code {exc.code})")
    if isinstance(exc, perr.BulkWriteError):
        errors = exc.details.get("writeErrors") or []
        if errors:
            code = errors[0].get("code")
            if code == 1 and "UNIQUE constraint failed" in str(errors[0].get("errmsg", "")):
                return DuplicateKeyError("duplicate key")
            return _by_code(code, str(errors[0].get("errmsg", "")), updating=True)
        return StorageError(f"bulk write failed: {exc}")
    if isinstance(exc, perr.ConnectionFailure | perr.ServerSelectionTimeoutError | perr.NetworkTimeout):
        return StorageUnavailableError(f"mongodb unreachable: {type(exc).__name__}")
    if isinstance(exc, perr.OperationFailure):
        if exc.code == 1 and "UNIQUE constraint failed" in str(exc):
            # FerretDB v1 reports a unique violation by an update as an internal error.
            return DuplicateKeyError("duplicate key")
        return _by_code(exc.code, str(exc.details.get("errmsg", exc) if exc.details else exc), updating=updating)
    if isinstance(exc, perr.PyMongoError):
        return StorageError(f"mongodb: {exc}")
    return exc


#: MongoDB's AuthenticationFailed error code.
_AUTHENTICATION_FAILED = 18


def _by_code(code: Any, message: str, *, updating: bool) -> StorageError:
    if code == _AUTHENTICATION_FAILED:
        # Wrong credentials, or (in a new deployment) a user not created yet: the database refuses service.
        return StorageUnavailableError(f"mongodb authentication failed: {message}")
    if code in (11000, 11001):
        return DuplicateKeyError("duplicate key")
    if updating and code in _UPDATE_ERROR_CODES:
        return InvalidUpdateError(f"update cannot apply: {message}")
    if code in (2, 9):
        return InvalidQueryError(message)
    return StorageError(f"mongodb error {code}: {message}")


class MongoStore:
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

    async def _has_atomic_updates(self) -> bool:
        """Whether the server applies an update atomically with its filter (MongoDB does; FerretDB v1 does not:
        it reads, then rewrites the document by ``_id``, so concurrent ``$inc``s can be lost)."""
        if self._atomic_updates is None:
            db = self._coll(_COUNTERS).database
            info = await self._call(lambda: db.command("buildInfo"))
            self._atomic_updates = "ferretdbVersion" not in info
            if not self._atomic_updates:
                log.warning("server is FerretDB: counters use insert-claims instead of atomic $inc")
        return self._atomic_updates

    async def next_sequence(self, key: str) -> int:
        if not isinstance(key, str) or not key or _CLAIM_SEP in key:
            raise InvalidUpdateError("a counter key is a non-empty string without \\x1f")
        if not await self._has_atomic_updates():
            lock, users = self._claim_locks.get(key) or (asyncio.Lock(), 0)
            self._claim_locks[key] = (lock, users + 1)
            try:
                async with lock:
                    return await self._next_by_claim(key)
            finally:
                lock, users = self._claim_locks[key]
                if users == 1:
                    del self._claim_locks[key]
                else:
                    self._claim_locks[key] = (lock, users - 1)
        coll = self._coll(_COUNTERS)

        def make() -> Awaitable[Document | None]:
            return coll.find_one_and_update(
                {"_id": key}, {"$inc": {"seq": 1}}, upsert=True, return_document=PyReturnDocument.AFTER
            )

        doc = await self._call(lambda: self._upsert_retrying(make, True), updating=True)
        assert doc is not None
        return int(doc["seq"])

    async def _next_by_claim(self, key: str) -> int:
        """A dense counter from unique inserts alone, for servers without atomic read-modify-write.

        Each number is a claim document ``<key>\\x1f<seq, zero-padded>``; the unique ``_id`` lets exactly one
        caller win each number, so no number is handed out twice or skipped. Claims are always 1..top without
        a gap. The next number is found by inserting upwards from the last top this process knew (a
        duplicate-key error means "taken, try the next"), because an insert is checked against the unique
        index while FerretDB v1 answers every read (even by ``_id``) by scanning the collection. The highest
        claim is read only when this process has no fresh top for the key (:data:`_CLAIM_TOP_FRESH_S`).
        Claims are deleted only when far behind and old (:data:`_CLAIM_KEEP`, :data:`_CLAIM_TTL`), which a
        fresh top never is, so probing upwards from it never lands on a deleted number.
        """
        coll = self._coll(_COUNTERS)
        prefix = key + _CLAIM_SEP
        now = time.monotonic()
        known = self._claim_tops.get(key)
        if known is not None and now - known[1] < _CLAIM_TOP_FRESH_S:
            seq = known[0] + 1
        else:
            window = {"_id": {"$gte": prefix, "$lt": prefix + "\x7f"}}
            top = await self._call(functools.partial(coll.find_one, window, sort=[("_id", -1)]))
            seq = (int(top["seq"]) if top is not None else 0) + 1
        while True:
            try:
                await coll.insert_one({"_id": f"{prefix}{seq:020d}", "seq": seq, "cd": self.clock()})
                break
            except perr.DuplicateKeyError:
                seq += 1  # taken by another process: the next one
            except perr.PyMongoError as exc:
                raise map_error(exc) from exc
        if len(self._claim_tops) >= _CLAIM_TOPS_MAX:
            self._claim_tops.clear()
        self._claim_tops[key] = (seq, now)
        if seq % _CLAIM_KEEP == 0:
            old = {
                "_id": {"$gte": prefix, "$lt": f"{prefix}{seq - _CLAIM_KEEP:020d}"},
                "cd": {"$lt": self.clock() - _CLAIM_TTL},
            }
            await self._call(functools.partial(coll.delete_many, old))
        return seq

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
        spec = self.schema[collection]
        self._prepare(spec, {**document, field: 0})
        tomb_check = self._prepare(spec, {**tombstone, field: 0})
        coll = self._coll(collection)
        if claim is not None:
            claim_doc = self._prepare(self.schema[claim[0]], claim[1])
            claim_coll = self._coll(claim[0])
            await self._call(functools.partial(claim_coll.insert_one, claim_doc))
        for _ in range(_RENUMBER_ATTEMPTS):
            seq = await self.next_sequence(counter_key)
            doc = self._prepare(spec, {**document, field: seq})
            try:
                await self._call(functools.partial(coll.insert_one, doc))
                return seq
            except DuplicateKeyError:
                mine = await self._call(functools.partial(coll.find_one, {"_id": doc["_id"]}, {field: 1}))
                if mine is not None:
                    if mine.get(field) == seq:
                        return seq  # a retried attempt of this very insert had been stored
                    # The _id itself is taken: the number is spent, as for any failed insert.
                    await self._write_tombstone(coll, {**tomb_check, field: seq})
                    raise
                # A reader filled this number as a hole (turms.service.message.holes): take the next one.
            except StorageError as exc:
                # The number is spent: fill it with a tombstone so readers never wait on a hole.
                await self._write_tombstone(coll, {**tomb_check, field: seq})
                raise exc from None
        raise StorageError(f"{collection}: every sequence id tried was taken ({_RENUMBER_ATTEMPTS} attempts)")

    async def _write_tombstone(self, coll: AsyncCollection[Document], tomb: Document) -> None:
        delay = 0.05
        for attempt in range(_TOMBSTONE_ATTEMPTS):
            try:
                await coll.insert_one(tomb)
                return
            except perr.DuplicateKeyError:
                return  # already there (a retried insert landed after all)
            except perr.PyMongoError:
                if attempt == _TOMBSTONE_ATTEMPTS - 1:
                    log.error("could not write the tombstone for %s; the sequence has a gap", tomb.get("_id"))
                    return
                await asyncio.sleep(delay)
                delay *= 2

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


def sharding_commands(schema: Schema = SCHEMA, database: str = "turms") -> list[dict[str, Any]]:
    """The ``shardCollection`` commands an operator runs once on a sharded cluster (documented, not automatic)."""
    out: list[dict[str, Any]] = []
    for spec in schema:
        if spec.shard_key is not None:
            out.append({"shardCollection": f"{database}.{spec.name}", "key": dict(spec.shard_key)})
    return out

"""The MongoDB adapter's counters and ``insert_with_sequence``, batched by group commit.

Each ``insert_with_sequence`` call joins the waiting batch; a batch is written in a few round trips instead of
two or three per call, and only :data:`_SEQ_MAX_INFLIGHT` batches of a process are in flight at once: calls
made while they are join the next batch, so a slower server gets fewer, larger batches rather than more round
trips (the driver's work per round trip, not per document, dominated the adapter's CPU per message,
docs/benchmarks.md). A batch in flight far longer than batches usually take no longer holds back the next
(:data:`_SEQ_SLOW_FACTOR`). A batch is written as:

1. idempotency claims: one ``insert_many`` (unordered) per collection; a refused claim fails its own caller;
2. sequence numbers: on MongoDB one ``findAndModify`` ``$inc`` by N per counter for the batch's N documents
   (numbers handed out in call order); on servers without atomic updates (FerretDB v1) one ``insert_many`` of
   counter claims for every counter whose top this process knows, and the rest one by one;
3. the documents: one ``insert_many`` (unordered) per collection.

A document whose insert fails takes the one-by-one path alone: a duplicate ``_id`` or a number a hole repair
took is resolved as before, any other failure fills the spent number with a tombstone and fails its caller.
The sequences stay dense and atomic: numbers are reserved before the inserts, and a gap left by a writer that
died between the two is repaired by readers, as before (``turms.service.message.holes``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pymongo.errors as perr
from pymongo import ReturnDocument as PyReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from turms.storage.errors import DuplicateKeyError, InvalidUpdateError, StorageError
from turms.storage.mongo_errors import _by_code, map_error
from turms.storage.port import Document
from turms.storage.schema import Collection, Schema

log = logging.getLogger("turms.storage.mongo")

T = TypeVar("T")
_COUNTERS = "sequenceCounter"
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
#: Batches of insert_with_sequence one process writes at once. One: each batch takes what arrived during the
#: previous one's round trips, and on FerretDB no two batches of a process race for the same counter claims.
_SEQ_MAX_INFLIGHT = 1
#: A batch in flight for much longer than batches usually take (:data:`_SEQ_SLOW_FACTOR` times their moving
#: average, and at least :data:`_SEQ_SLOW_MIN_S`) stops holding back the next one: a hung connection or a
#: failover touching one batch must not queue every send of the process behind it for longer. The bar follows
#: the usual duration so that a server slow for everyone (overloaded) is not sent more concurrent batches, and
#: its floor is above the hiccups of a busy server (measured on FerretDB, docs/benchmarks.md: a fixed 0.1 s bar
#: cut the throughput at saturation to a third; a 0.1 s floor still cost 5 % CPU per message at 800/s).
_SEQ_SLOW_FACTOR = 8.0
_SEQ_SLOW_MIN_S = 1.0
#: Batches in flight at most, slow ones included.
_SEQ_MAX_BATCHES = 4
#: The moving average of batch durations weighs the last batch this much (about the last eight batches count).
_SEQ_AVERAGE_WEIGHT = 1 / 8


class _SeqJob:
    """One ``insert_with_sequence`` call waiting for its batch."""

    __slots__ = ("claim", "collection", "counter_key", "document", "field", "future", "seq", "tomb")

    def __init__(
        self,
        collection: str,
        document: Document,
        counter_key: str,
        field: str,
        tomb: Document,
        claim: tuple[str, Document] | None,
    ) -> None:
        self.collection = collection
        self.document = document
        self.counter_key = counter_key
        self.field = field
        self.tomb = tomb
        self.claim = claim
        self.seq: int | None = None
        self.future: asyncio.Future[int]

    def succeed(self, seq: int) -> None:
        if not self.future.done():
            self.future.set_result(seq)

    def fail(self, exc: BaseException) -> None:
        self.seq = None
        if not self.future.done():
            self.future.set_exception(exc)


class MongoSequences:
    """Counters and sequenced inserts; mixed into :class:`~turms.storage.mongo.MongoStore`, which provides the
    collections, the error mapping and validation."""

    schema: Schema
    clock: Callable[[], datetime]
    _atomic_updates: bool | None
    _claim_locks: dict[str, tuple[asyncio.Lock, int]]
    _claim_tops: dict[str, tuple[int, float]]
    _seq_jobs: list[_SeqJob]
    _seq_flush_scheduled: bool
    _seq_holding: set[asyncio.Future[None]]
    _seq_batches: set[asyncio.Future[None]]
    _seq_typical_s: float
    _seq_tasks: set[asyncio.Task[None]]

    def _coll(self, name: str) -> AsyncCollection[Document]:
        raise NotImplementedError

    async def _call(self, make: Callable[[], Awaitable[T]], *, updating: bool = False) -> T:
        raise NotImplementedError

    def _prepare(self, spec: Collection, doc: Any) -> Document:
        raise NotImplementedError

    async def _upsert_retrying(self, make: Callable[[], Awaitable[T]], upsert: bool) -> T:
        raise NotImplementedError

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
            await self._trim_claims(key, seq)
        return seq

    async def _trim_claims(self, key: str, seq: int) -> None:
        """Delete the claims of ``key`` far below ``seq`` and old (never near a fresh top)."""
        prefix = key + _CLAIM_SEP
        old = {
            "_id": {"$gte": prefix, "$lt": f"{prefix}{seq - _CLAIM_KEEP:020d}"},
            "cd": {"$lt": self.clock() - _CLAIM_TTL},
        }
        await self._call(functools.partial(self._coll(_COUNTERS).delete_many, old))

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
        # Validated and normalised here, once, so a bad document fails its own caller before it joins a batch;
        # its number (an int, which normalisation keeps as it is) is set when allocated.
        spec = self.schema[collection]
        prepared = self._prepare(spec, {**document, field: 0})
        tomb_check = self._prepare(spec, {**tombstone, field: 0})
        if not isinstance(counter_key, str) or not counter_key or _CLAIM_SEP in counter_key:
            raise InvalidUpdateError("a counter key is a non-empty string without \\x1f")
        claim_doc = None if claim is None else (claim[0], self._prepare(self.schema[claim[0]], claim[1]))
        job = _SeqJob(collection, prepared, counter_key, field, tomb_check, claim_doc)
        loop = asyncio.get_running_loop()
        job.future = loop.create_future()
        self._seq_jobs.append(job)
        if not self._seq_flush_scheduled and len(self._seq_holding) < _SEQ_MAX_INFLIGHT:  # else: when it ends
            self._seq_flush_scheduled = True
            loop.call_soon(self._start_seq_flush)
        return await job.future

    # -- the batched sequence path: what arrived since the last batch started, in a few round trips --------------

    def _start_seq_flush(self) -> None:
        self._seq_flush_scheduled = False
        if (
            not self._seq_jobs
            or len(self._seq_holding) >= _SEQ_MAX_INFLIGHT
            or len(self._seq_batches) >= _SEQ_MAX_BATCHES
        ):
            return  # a batch in flight starts this one when it ends (or turns slow)
        jobs, self._seq_jobs = self._seq_jobs, []
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._flush_seq(jobs))
        self._seq_batches.add(task)
        self._seq_holding.add(task)
        slow_after = max(_SEQ_SLOW_MIN_S, _SEQ_SLOW_FACTOR * self._seq_typical_s)
        slow = loop.call_later(slow_after, self._seq_release, task)
        task.add_done_callback(functools.partial(self._seq_flush_done, slow, loop.time()))

    def _seq_flush_done(self, slow: asyncio.TimerHandle, started: float, task: asyncio.Future[None]) -> None:
        slow.cancel()
        took = asyncio.get_running_loop().time() - started
        self._seq_typical_s += (took - self._seq_typical_s) * _SEQ_AVERAGE_WEIGHT
        self._seq_batches.discard(task)
        self._seq_release(task)

    def _seq_release(self, batch: asyncio.Future[None]) -> None:
        """``batch`` no longer holds back the next one (it ended, or turned slow); start the next if one waits."""
        self._seq_holding.discard(batch)
        if self._seq_jobs and not self._seq_flush_scheduled:
            # After the callbacks of this loop turn, so the callers that wake now and send again join it.
            self._seq_flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._start_seq_flush)

    async def _flush_seq(self, jobs: list[_SeqJob]) -> None:
        """Claims (one ``insert_many`` per collection), sequence numbers (one ``$inc`` by N per counter, or one
        ``insert_many`` of counter claims on FerretDB), then the documents (one ``insert_many`` per collection);
        anything unusual (a duplicate, a failed insert) finishes on the one-by-one path for its job only."""
        try:
            jobs = await self._seq_claims(jobs)
            jobs = await self._seq_numbers(jobs)
            await self._seq_inserts(jobs)
        except BaseException as exc:  # pragma: no cover - a bug here must not strand the callers
            for job in jobs:
                job.fail(exc if isinstance(exc, Exception) else StorageError(repr(exc)))
            if not isinstance(exc, Exception):
                raise

    async def _seq_claims(self, jobs: list[_SeqJob]) -> list[_SeqJob]:
        by_coll: dict[str, list[_SeqJob]] = {}
        for job in jobs:
            if job.claim is not None:
                by_coll.setdefault(job.claim[0], []).append(job)
        failed: set[int] = set()
        for name, group in by_coll.items():
            errors = await self._insert_unordered(name, [j.claim[1] for j in group if j.claim is not None])
            for i, err in errors.items():
                group[i].fail(err)
                failed.add(id(group[i]))
        return [j for j in jobs if id(j) not in failed]

    async def _insert_unordered(self, collection: str, docs: list[Document]) -> dict[int, Exception]:
        """Insert ``docs`` in one round trip; the error of each document that failed, by index."""
        if not docs:
            return {}
        coll = self._coll(collection)
        try:
            if len(docs) == 1:
                await coll.insert_one(docs[0])
            else:
                await coll.insert_many(docs, ordered=False)
            return {}
        except perr.BulkWriteError as exc:
            out: dict[int, Exception] = {}
            for e in exc.details.get("writeErrors") or []:
                code, msg = e.get("code"), str(e.get("errmsg", ""))
                dup = code in (11000, 11001) or (code == 1 and "UNIQUE constraint failed" in msg)
                out[int(e["index"])] = (
                    DuplicateKeyError("duplicate key") if dup else _by_code(code, msg, updating=False)
                )
            return out
        except perr.PyMongoError as exc:
            err = map_error(exc)
            return dict.fromkeys(range(len(docs)), err)

    async def _seq_numbers(self, jobs: list[_SeqJob]) -> list[_SeqJob]:
        by_key: dict[str, list[_SeqJob]] = {}
        for job in jobs:
            by_key.setdefault(job.counter_key, []).append(job)
        if await self._has_atomic_updates():
            coll = self._coll(_COUNTERS)

            async def reserve(key: str, group: list[_SeqJob]) -> None:
                n = len(group)
                try:
                    doc = await self._call(
                        lambda: self._upsert_retrying(
                            lambda: coll.find_one_and_update(
                                {"_id": key}, {"$inc": {"seq": n}}, upsert=True, return_document=PyReturnDocument.AFTER
                            ),
                            True,
                        ),
                        updating=True,
                    )
                except Exception as exc:
                    for job in group:
                        job.fail(exc)
                    return
                assert doc is not None
                top = int(doc["seq"])
                for i, job in enumerate(group):
                    job.seq = top - n + 1 + i

            await asyncio.gather(*(reserve(k, g) for k, g in by_key.items()))
        else:
            await self._claim_numbers(by_key)
        return [j for j in jobs if j.seq is not None]

    async def _claim_numbers(self, by_key: dict[str, list[_SeqJob]]) -> None:
        """FerretDB: the next numbers of every key whose top this process knows, in one ``insert_many`` of
        counter claims; a number another process took, and keys without a fresh top, go one by one."""
        now = time.monotonic()
        docs: list[Document] = []
        owners: list[tuple[str, int]] = []
        for key, group in by_key.items():
            known = self._claim_tops.get(key)
            if known is None or now - known[1] >= _CLAIM_TOP_FRESH_S or key in self._claim_locks:
                continue
            for i in range(len(group)):
                seq = known[0] + 1 + i
                docs.append({"_id": f"{key}{_CLAIM_SEP}{seq:020d}", "seq": seq, "cd": self.clock()})
                owners.append((key, seq))
        got: dict[str, list[int]] = {}
        errors = await self._insert_unordered(_COUNTERS, docs)
        for i, (key, seq) in enumerate(owners):
            if i not in errors:
                got.setdefault(key, []).append(seq)
        for key, seqs in got.items():
            self._claim_tops[key] = (max(*seqs, self._claim_tops.get(key, (0, 0.0))[0]), now)
            for seq in seqs:
                if seq % _CLAIM_KEEP == 0:
                    await self._trim_claims(key, seq)

        async def rest(key: str, group: list[_SeqJob]) -> None:
            seqs = sorted(got.get(key, ()))
            for job in group:
                if seqs:
                    job.seq = seqs.pop(0)
                    continue
                try:
                    job.seq = await self.next_sequence(key)
                except Exception as exc:
                    job.fail(exc)

        await asyncio.gather(*(rest(k, g) for k, g in by_key.items()))

    async def _seq_inserts(self, jobs: list[_SeqJob]) -> None:
        by_coll: dict[str, list[_SeqJob]] = {}
        for job in jobs:
            by_coll.setdefault(job.collection, []).append(job)
        for name, group in by_coll.items():
            docs = [{**j.document, j.field: j.seq} for j in group]
            errors = await self._insert_unordered(name, docs)
            slow: list[Coroutine[Any, Any, None]] = []
            for i, job in enumerate(group):
                err = errors.get(i)
                if err is None:
                    assert job.seq is not None
                    job.succeed(job.seq)
                elif isinstance(err, DuplicateKeyError):
                    slow.append(self._finish_duplicate(job, docs[i]))
                else:
                    slow.append(self._finish_failed(job, err))
            for coro in slow:
                # Off the batch: a tombstone's retries must not hold back the batches that wait.
                task = asyncio.ensure_future(coro)
                self._seq_tasks.add(task)
                task.add_done_callback(self._seq_tasks.discard)

    async def _finish_duplicate(self, job: _SeqJob, doc: Document) -> None:
        """The batched insert met a duplicate: as the one-by-one path would (see :meth:`_insert_one_seq`)."""
        coll = self._coll(job.collection)
        try:
            mine = await self._call(functools.partial(coll.find_one, {"_id": doc["_id"]}, {job.field: 1}))
            if mine is not None:
                if mine.get(job.field) == job.seq:
                    job.succeed(mine[job.field])
                    return
                await self._write_tombstone(coll, {**job.tomb, job.field: job.seq})
                job.fail(DuplicateKeyError("duplicate key"))
                return
            # A reader filled this number as a hole: the one-by-one path takes the next numbers.
            job.succeed(await self._insert_one_seq(job, _RENUMBER_ATTEMPTS - 1))
        except Exception as exc:
            job.fail(exc)

    async def _finish_failed(self, job: _SeqJob, err: Exception) -> None:
        # The number is spent: fill it with a tombstone so readers never wait on a hole.
        await self._write_tombstone(self._coll(job.collection), {**job.tomb, job.field: job.seq})
        job.fail(err)

    async def _insert_one_seq(self, job: _SeqJob, attempts: int) -> int:
        """One insert at a time: allocate, insert; a number a hole repair took is skipped."""
        coll = self._coll(job.collection)
        for _ in range(attempts):
            seq = await self.next_sequence(job.counter_key)
            doc = {**job.document, job.field: seq}
            try:
                await self._call(functools.partial(coll.insert_one, doc))
                return seq
            except DuplicateKeyError:
                mine = await self._call(functools.partial(coll.find_one, {"_id": doc["_id"]}, {job.field: 1}))
                if mine is not None:
                    if mine.get(job.field) == seq:
                        return seq  # a retried attempt of this very insert had been stored
                    # The _id itself is taken: the number is spent, as for any failed insert.
                    await self._write_tombstone(coll, {**job.tomb, job.field: seq})
                    raise
                # A reader filled this number as a hole (turms.service.message.holes): take the next one.
            except StorageError as exc:
                # The number is spent: fill it with a tombstone so readers never wait on a hole.
                await self._write_tombstone(coll, {**job.tomb, job.field: seq})
                raise exc from None
        raise StorageError(f"{job.collection}: every sequence id tried was taken ({_RENUMBER_ATTEMPTS} attempts)")

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

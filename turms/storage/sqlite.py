"""The SQLite adapter: the embedded default store, one file shared by every worker process.

Layout: one table per collection, ``(rowid, id UNIQUE, doc TEXT)``, ``id`` holding the encoded ``_id`` and
``doc`` the whole document as JSON (see :mod:`turms.storage.values`); each declared index is a real SQLite
expression index on ``json_extract(doc, '$.path')``.

Threads talk to SQLite, except for point reads:

* **one writer thread** owns the only write connection of the process. Writes are queued; the thread takes
  every write waiting (up to ``max_batch``), opens one ``BEGIN IMMEDIATE`` transaction, runs each write inside
  its own ``SAVEPOINT`` (a failing write rolls back alone and fails only its caller), commits once, and only then
  resolves the callers' futures: *group commit*. With ``synchronous=FULL`` in WAL mode an acknowledged write is
  on disk. A database locked by another process is retried (``busy_timeout`` per attempt, then backoff) up to
  ``lock_timeout_s``; only then does the caller see :class:`StorageUnavailableError`.
  The workers of one server are several processes writing one file, and SQLite's own wait for its write lock
  is a sleep that grows (1, 2, 5, 10 … 100 ms) however soon the lock is free: the writers of one host take
  turns through an ``flock`` on ``<database>-writer.lock`` instead, held from ``BEGIN`` to ``COMMIT``, which the
  kernel hands to the next waiter the moment it is released. Every ``SqliteStore`` takes it (the ``turms``
  command's too); another program writing the file still meets SQLite's lock and the retry above.
* **a small reader pool**, each thread with its own connection. WAL readers never block the writer nor each
  other, and see every write that was acknowledged before the read started.
* **point reads** (at most one row, found through ``_id`` or a unique index) run on the event loop's own
  reader connection: microseconds, cheaper than the hop to a pool thread and back. That connection never
  waits: it is opened in a pool thread at start-up (opening may wait for a lock: switching to WAL, another
  process recovering the WAL index), its busy timeout is 0 so a lock surfaces at once as a busy error, and a
  point read that meets one goes to the pool instead, whose connections wait and retry. It is used only from
  the thread that started the store; point reads from any other thread go to the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import queue
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from turms.storage import query as q
from turms.storage.errors import (
    DuplicateKeyError,
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
from turms.storage.schema import SCHEMA, Collection, Schema, check_declared
from turms.storage.sqlplan import index_sql, json_expr, order_by, translate
from turms.storage.values import encode_id, encode_scalar, from_json, normalize_document, to_json

log = logging.getLogger("turms.storage.sqlite")

T = TypeVar("T")
Clock = Callable[[], datetime]
_COUNTERS = "sequenceCounter"
#: Sequence ids one insert_with_sequence tries when its number is already taken.
_RENUMBER_ATTEMPTS = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Job:
    __slots__ = ("fn", "future", "loop")

    def __init__(self, fn: Callable[[sqlite3.Connection], Any], loop: asyncio.AbstractEventLoop) -> None:
        self.fn = fn
        self.loop = loop
        self.future: asyncio.Future[Any] = loop.create_future()


def _deliver(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.cancelled():
        return  # the caller gave up waiting; the write itself may still have committed
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def _resolve(job: _Job, ok: bool, value: Any) -> None:
    """Hand a result from the writer thread to the caller's event loop (which may be gone)."""
    with contextlib.suppress(RuntimeError):
        job.loop.call_soon_threadsafe(_deliver, job.future, ok, value)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _map_error(exc: Exception) -> Exception:
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc):
        return DuplicateKeyError(f"duplicate key: {exc}")
    if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
        return StorageUnavailableError(f"database stayed locked: {exc}")
    if isinstance(exc, sqlite3.Error):
        return StorageError(f"sqlite: {exc}")
    return exc


class SqliteStore:
    """The :class:`~turms.storage.port.Store` on one SQLite file."""

    def __init__(
        self,
        path: str | Path,
        *,
        schema: Schema = SCHEMA,
        clock: Clock = utc_now,
        synchronous: str = "FULL",
        busy_timeout_ms: int = 5_000,
        lock_timeout_s: float = 30.0,
        group_commit: bool = True,
        max_batch: int = 256,
        readers: int = 2,
        ttl_purge_interval_s: float = 60.0,
    ) -> None:
        self.path = Path(path)
        self.schema = schema
        self.clock = clock
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._lock_timeout_s = lock_timeout_s
        self._max_batch = max_batch if group_commit else 1
        self._readers_count = readers
        self._ttl_interval = ttl_purge_interval_s
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        #: The event loop's own reader connection (busy timeout 0) and the thread that may use it.
        self._loop_conn: sqlite3.Connection | None = None
        self._loop_thread: int | None = None
        self._purge_task: asyncio.Task[None] | None = None
        self._closed = False
        #: Statistics for benchmarks and metrics: transactions committed and writes in them.
        self.commits = 0
        self.committed_writes = 0

    @property
    def engine(self) -> str:
        return "sqlite"

    # -- lifecycle ---------------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self._busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
        deadline = time.monotonic() + self._lock_timeout_s
        while True:
            try:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01 + random.random() * 0.05)
        if str(mode).lower() != "wal":
            raise StorageError(f"{self.path}: cannot switch to WAL (journal_mode={mode})")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        return conn

    async def start(self) -> None:
        # Made private: a directory made here is 0700 and a new database file 0600 (SQLite gives its -wal and
        # -shm files the database file's mode), whatever the umask, as the data may not be anyone else's to read.
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
        self._readers = ThreadPoolExecutor(self._readers_count, thread_name_prefix="turms-sqlite-read")
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._writer = threading.Thread(
            target=self._writer_main,
            args=(asyncio.get_running_loop(), ready),
            name="turms-sqlite-write",
            daemon=True,
        )
        self._writer.start()
        await ready
        await self._write(self._create_schema)
        try:
            conn = await asyncio.get_running_loop().run_in_executor(self._readers, self._open_loop_conn)
        except sqlite3.Error as exc:
            raise _map_error(exc) from exc
        with self._conns_lock:
            self._reader_conns.append(conn)
        self._loop_conn, self._loop_thread = conn, threading.get_ident()
        if self._ttl_interval > 0:
            self._purge_task = asyncio.create_task(self._purge_loop(), name="turms-sqlite-ttl")

    def _open_loop_conn(self) -> sqlite3.Connection:
        """The event loop's reader connection, opened in a pool thread: opening may wait, using it must not."""
        conn = self._connect()
        try:
            conn.execute("PRAGMA query_only=1")
            conn.execute("PRAGMA busy_timeout=0")
        except BaseException:
            conn.close()
            raise
        return conn

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        for coll in self.schema:
            conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{coll.name}" '
                "(rowid INTEGER PRIMARY KEY, id UNIQUE NOT NULL, doc TEXT NOT NULL)"
            )
            for stmt in index_sql(coll):
                conn.execute(stmt)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._purge_task is not None:
            self._purge_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purge_task
        if self._writer is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._writer.join)
        if self._readers is not None:
            await asyncio.to_thread(self._readers.shutdown, True)
        self._loop_conn = self._loop_thread = None
        # In a thread: closing the last connection to the file checkpoints the WAL.
        await asyncio.to_thread(self._close_reader_conns)

    def _close_reader_conns(self) -> None:
        with self._conns_lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()

    async def _purge_loop(self) -> None:
        while True:
            await asyncio.sleep(self._ttl_interval)
            try:
                await self.purge_expired()
            except StorageError:
                log.warning("TTL purge failed", exc_info=True)

    # -- the writer thread -------------------------------------------------------------------------------

    def _open_writer_lock(self) -> int:
        """The descriptor of the host-wide writer turn (see the module docstring): a file of its own, as closing
        any descriptor of the database file would drop the POSIX locks SQLite holds on it."""
        return os.open(f"{self.path}-writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def _writer_main(self, loop: asyncio.AbstractEventLoop, ready: asyncio.Future[None]) -> None:
        try:
            conn = self._connect()
            turn = self._open_writer_lock()
        except Exception as exc:
            loop.call_soon_threadsafe(_deliver, ready, False, _map_error(exc))
            return
        loop.call_soon_threadsafe(_deliver, ready, True, None)
        try:
            while True:
                job = self._queue.get()
                if job is None:
                    return
                batch = [job]
                while len(batch) < self._max_batch:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        self._queue.put(None)  # stop after this batch
                        break
                    batch.append(nxt)
                try:
                    self._run_batch(conn, batch, turn)
                except BaseException as exc:  # pragma: no cover - keep the writer alive for the next batch
                    log.exception("SQLite writer failed a batch")
                    for j in batch:
                        _resolve(j, False, StorageError(f"sqlite writer: {exc!r}"))
        finally:
            conn.close()
            os.close(turn)

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Job], turn: int) -> None:
        deadline = time.monotonic() + self._lock_timeout_s
        delay = 0.002
        while True:
            try:
                fcntl.flock(turn, fcntl.LOCK_EX)  # waits in the kernel, without the GIL
                try:
                    results = self._transaction(conn, batch)
                finally:
                    fcntl.flock(turn, fcntl.LOCK_UN)
            except sqlite3.OperationalError as exc:
                if _is_busy(exc) and time.monotonic() < deadline:
                    # Another process holds the write lock: the whole batch is re-run (jobs are pure
                    # functions of the database state), so callers never see "database is locked".
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 0.1)
                    continue
                err = _map_error(exc)
                for job in batch:
                    _resolve(job, False, err)
                return
            except Exception as exc:  # pragma: no cover - disk full, I/O error …
                err = _map_error(exc)
                for job in batch:
                    _resolve(job, False, err)
                return
            self.commits += 1
            self.committed_writes += len(batch)
            for job, (ok, value) in zip(batch, results, strict=True):
                _resolve(job, ok, value)
            return

    @staticmethod
    def _transaction(conn: sqlite3.Connection, batch: list[_Job]) -> list[tuple[bool, Any]]:
        """One ``BEGIN IMMEDIATE`` … ``COMMIT`` of ``batch``, each job in its own savepoint; each job's outcome.
        A busy error (another process holds SQLite's lock) rolls the whole transaction back and is raised."""
        results: list[tuple[bool, Any]] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for job in batch:
                conn.execute("SAVEPOINT op")
                try:
                    value = job.fn(conn)
                except sqlite3.OperationalError as exc:
                    if _is_busy(exc):
                        raise
                    conn.execute("ROLLBACK TO op")
                    results.append((False, _map_error(exc)))
                except Exception as exc:
                    conn.execute("ROLLBACK TO op")
                    results.append((False, _map_error(exc)))
                else:
                    results.append((True, value))
                conn.execute("RELEASE op")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return results

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed or self._writer is None:
            raise StorageUnavailableError("the store is closed")
        job = _Job(fn, asyncio.get_running_loop())
        self._queue.put(job)
        result: T = await job.future
        return result

    # -- readers -----------------------------------------------------------------------------------------

    def _reader_conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only=1")
            self._local.conn = conn
            with self._conns_lock:
                self._reader_conns.append(conn)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T], *, point: bool = False) -> T:
        """Run ``fn`` on a reader connection: in the reader pool, or for a ``point`` read (at most one row
        found through a unique index) right here on the event loop, where the round trip to a thread and
        back costs more than the read (a fifth of the CPU per message of the 1:1 benchmark). The loop's
        connection has no busy timeout: a point read that meets a lock goes to the pool, whose retries may
        wait."""
        if self._closed or self._readers is None:
            raise StorageUnavailableError("the store is closed")
        conn = self._loop_conn
        if point and conn is not None and threading.get_ident() == self._loop_thread:
            try:
                return fn(conn)
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise _map_error(exc) from exc
            except sqlite3.Error as exc:
                raise _map_error(exc) from exc

        def run() -> T:
            deadline = time.monotonic() + self._lock_timeout_s
            while True:
                try:
                    return fn(self._reader_conn())
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc) or time.monotonic() > deadline:
                        raise _map_error(exc) from exc
                    time.sleep(0.005)
                except sqlite3.Error as exc:
                    raise _map_error(exc) from exc

        return await asyncio.get_running_loop().run_in_executor(self._readers, run)

    # -- shared synchronous pieces (run in a reader or the writer) ----------------------------------------

    def _select(
        self,
        conn: sqlite3.Connection,
        coll: Collection,
        flt: dict[str, Any],
        sort: list[tuple[str, int]],
        skip: int,
        limit: int,
        *,
        with_rowid: bool = False,
    ) -> list[tuple[int, Document]]:
        plan = translate(coll, flt)
        order = order_by(coll, sort)
        sql = f'SELECT rowid, doc FROM "{coll.name}" WHERE {plan.where}'
        params = list(plan.params)
        if plan.exact and order is not None:
            if order:
                sql += f" ORDER BY {order}"
            if limit or skip:
                sql += " LIMIT ? OFFSET ?"
                params += [limit if limit else -1, skip]
            return [(r[0], from_json(r[1])) for r in conn.execute(sql, params)]
        out: list[tuple[int, Document]] = []
        early = skip + limit if (limit and not sort) else 0
        for rowid, text in conn.execute(sql, params):
            doc = from_json(text)
            if plan.exact or q.matches(doc, flt):
                out.append((rowid, doc))
                if early and len(out) >= early:
                    break
        if sort:
            order_of = {id(d): r for r, d in out}
            docs = q.sort_documents([d for _, d in out], sort)
            out = [(order_of[id(d)], d) for d in docs]
        end = skip + limit if limit else None
        return out[skip:end]

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
        coll = self.schema[collection]
        flt = q.validate_filter(filter)
        proj = q.validate_projection(projection)
        srt = q.validate_sort(sort)
        _check_window(skip, limit)

        def run(conn: sqlite3.Connection) -> list[Document]:
            return [q.project(d, proj) for _, d in self._select(conn, coll, flt, srt, skip, limit)]

        return await self._read(run, point=not skip and _is_point_lookup(coll, flt))

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
        coll = self.schema[collection]
        flt = q.validate_filter(filter)
        _check_window(0, limit)

        def run(conn: sqlite3.Connection) -> int:
            plan = translate(coll, flt)
            if plan.exact:
                inner = f'SELECT 1 FROM "{coll.name}" WHERE {plan.where}'
                if limit:
                    inner += f" LIMIT {int(limit)}"
                row = conn.execute(f"SELECT COUNT(*) FROM ({inner})", plan.params).fetchone()
                return int(row[0])
            return len(self._select(conn, coll, flt, [], 0, limit))

        return await self._read(run)

    # -- writes ------------------------------------------------------------------------------------------

    def _prepare(self, coll: Collection, doc: Mapping[str, Any]) -> Document:
        norm = normalize_document(doc)
        check_declared(coll, norm)
        return norm

    @staticmethod
    def _insert_sync(conn: sqlite3.Connection, coll: Collection, doc: Document) -> None:
        conn.execute(f'INSERT INTO "{coll.name}" (id, doc) VALUES (?, ?)', (encode_id(doc["_id"]), to_json(doc)))

    async def insert_one(self, collection: str, document: Document) -> None:
        coll = self.schema[collection]
        doc = self._prepare(coll, document)
        await self._write(lambda conn: self._insert_sync(conn, coll, doc))

    async def insert_many(self, collection: str, documents: Sequence[Document]) -> int:
        result = await self.bulk_write(collection, [InsertOne(d) for d in documents])
        return result.inserted

    def _update_sync(
        self,
        conn: sqlite3.Connection,
        coll: Collection,
        flt: dict[str, Any],
        upd: dict[str, dict[str, Any]],
        *,
        many: bool,
        upsert: bool,
        sort: list[tuple[str, int]] | None = None,
    ) -> tuple[UpdateResult, Document | None, Document | None]:
        """Returns (result, first document before, first document after)."""
        rows = self._select(conn, coll, flt, sort or [], 0, 0 if many else 1)
        if not rows:
            if not upsert:
                return UpdateResult(0, 0), None, None
            new = q.apply_update(q.upsert_seed(flt), upd, inserting=True)
            new = self._prepare(coll, _require_id(new))
            self._insert_sync(conn, coll, new)
            return UpdateResult(0, 0, new["_id"]), None, new
        modified = 0
        first_before: Document | None = None
        first_after: Document | None = None
        for rowid, before in rows:
            after = q.apply_update(before, upd, inserting=False)
            if first_before is None:
                first_before, first_after = before, after
            if q.strictly_equal(before, after):
                continue
            check_declared(coll, after)
            conn.execute(f'UPDATE "{coll.name}" SET doc = ? WHERE rowid = ?', (to_json(after), rowid))
            modified += 1
        return UpdateResult(len(rows), modified), first_before, first_after

    async def _update(
        self, collection: str, filter: Filter, update: Update, *, many: bool, upsert: bool
    ) -> UpdateResult:
        coll = self.schema[collection]
        flt = q.validate_filter(filter)
        upd = q.validate_update(update)
        if upsert:
            _require_id(q.upsert_seed(flt), upd)
        result, _, _ = await self._write(lambda conn: self._update_sync(conn, coll, flt, upd, many=many, upsert=upsert))
        return result

    async def update_one(
        self, collection: str, filter: Filter, update: Update, *, upsert: bool = False
    ) -> UpdateResult:
        return await self._update(collection, filter, update, many=False, upsert=upsert)

    async def update_many(
        self, collection: str, filter: Filter, update: Update, *, upsert: bool = False
    ) -> UpdateResult:
        return await self._update(collection, filter, update, many=True, upsert=upsert)

    def _delete_sync(
        self,
        conn: sqlite3.Connection,
        coll: Collection,
        flt: dict[str, Any],
        *,
        many: bool,
        sort: list[tuple[str, int]] | None = None,
    ) -> tuple[int, Document | None]:
        rows = self._select(conn, coll, flt, sort or [], 0, 0 if many else 1)
        for rowid, _ in rows:
            conn.execute(f'DELETE FROM "{coll.name}" WHERE rowid = ?', (rowid,))
        return len(rows), (rows[0][1] if rows else None)

    async def delete_one(self, collection: str, filter: Filter) -> int:
        coll = self.schema[collection]
        flt = q.validate_filter(filter)
        n, _ = await self._write(lambda conn: self._delete_sync(conn, coll, flt, many=False))
        return n

    async def delete_many(self, collection: str, filter: Filter) -> int:
        coll = self.schema[collection]
        flt = q.validate_filter(filter)
        n, _ = await self._write(lambda conn: self._delete_sync(conn, coll, flt, many=True))
        return n

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
        coll = self.schema[collection]
        flt = q.validate_filter(filter)
        upd = q.validate_update(update)
        proj = q.validate_projection(projection)
        srt = q.validate_sort(sort)
        if upsert:
            _require_id(q.upsert_seed(flt), upd)
        _, before, after = await self._write(
            lambda conn: self._update_sync(conn, coll, flt, upd, many=False, upsert=upsert, sort=srt)
        )
        doc = before if return_document is ReturnDocument.BEFORE else after
        return None if doc is None else q.project(doc, proj)

    async def find_one_and_delete(
        self, collection: str, filter: Filter, *, sort: Sort | None = None
    ) -> Document | None:
        coll = self.schema[collection]
        flt = q.validate_filter(filter)
        srt = q.validate_sort(sort)
        _, doc = await self._write(lambda conn: self._delete_sync(conn, coll, flt, many=False, sort=srt))
        return doc

    async def bulk_write(self, collection: str, operations: Sequence[WriteOp]) -> BulkResult:
        coll = self.schema[collection]
        prepared: list[tuple[WriteOp, Any]] = []
        for op in operations:
            if isinstance(op, InsertOne):
                prepared.append((op, self._prepare(coll, op.document)))
            elif isinstance(op, UpdateOne | UpdateMany):
                flt, upd = q.validate_filter(op.filter), q.validate_update(op.update)
                if op.upsert:
                    _require_id(q.upsert_seed(flt), upd)
                prepared.append((op, (flt, upd)))
            elif isinstance(op, DeleteOne | DeleteMany):
                prepared.append((op, q.validate_filter(op.filter)))
            else:
                raise TypeError(f"not a write operation: {op!r}")

        def run(conn: sqlite3.Connection) -> tuple[BulkResult, Exception | None]:
            # Ordered, stopping at the first failure, which rolls back alone: earlier operations stay.
            result = BulkResult()
            for op, arg in prepared:
                conn.execute("SAVEPOINT bulk_op")
                try:
                    if isinstance(op, InsertOne):
                        self._insert_sync(conn, coll, arg)
                        result.inserted += 1
                    elif isinstance(op, UpdateOne | UpdateMany):
                        r, _, _ = self._update_sync(
                            conn, coll, arg[0], arg[1], many=isinstance(op, UpdateMany), upsert=op.upsert
                        )
                        result.matched += r.matched
                        result.modified += r.modified
                        if r.upserted_id is not None:
                            result.upserted_ids.append(r.upserted_id)
                    else:
                        n, _ = self._delete_sync(conn, coll, arg, many=isinstance(op, DeleteMany))
                        result.deleted += n
                except sqlite3.OperationalError as exc:
                    if _is_busy(exc):
                        raise
                    conn.execute("ROLLBACK TO bulk_op")
                    conn.execute("RELEASE bulk_op")
                    return result, _map_error(exc)
                except Exception as exc:
                    conn.execute("ROLLBACK TO bulk_op")
                    conn.execute("RELEASE bulk_op")
                    return result, _map_error(exc)
                conn.execute("RELEASE bulk_op")
            return result, None

        result, error = await self._write(run)
        if error is not None:
            raise error
        return result

    # -- counters ----------------------------------------------------------------------------------------

    def _next_sequence_sync(self, conn: sqlite3.Connection, key: str) -> int:
        row = conn.execute(
            f"UPDATE \"{_COUNTERS}\" SET doc = json_set(doc, '$.seq', json_extract(doc, '$.seq') + ?) "
            "WHERE id = ? RETURNING json_extract(doc, '$.seq')",
            (1, encode_scalar(key)),
        ).fetchone()
        if row is not None:
            return int(row[0])
        self._insert_sync(conn, self.schema[_COUNTERS], {"_id": key, "seq": 1})
        return 1

    async def next_sequence(self, key: str) -> int:
        _check_counter(key)
        return await self._write(lambda conn: self._next_sequence_sync(conn, key))

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
        # One transaction: if the insert fails its savepoint also rolls the counter (and the claim) back, so no
        # hole and no tombstone are ever needed here. A number already taken (only possible if a document was
        # put there by hand) is skipped, as on MongoDB.
        _check_counter(counter_key)
        coll = self.schema[collection]
        doc = self._prepare(coll, {**document, field: 0})
        claimed: tuple[Collection, Document] | None = None
        if claim is not None:
            claim_coll = self.schema[claim[0]]
            claimed = (claim_coll, self._prepare(claim_coll, claim[1]))

        def run(conn: sqlite3.Connection) -> int:
            if claimed is not None:
                self._insert_sync(conn, claimed[0], claimed[1])  # a duplicate fails the whole job
            for _ in range(_RENUMBER_ATTEMPTS):
                seq = self._next_sequence_sync(conn, counter_key)
                try:
                    self._insert_sync(conn, coll, {**doc, field: seq})
                    return seq
                except sqlite3.IntegrityError:
                    if conn.execute(f'SELECT 1 FROM "{coll.name}" WHERE id = ?', (encode_id(doc["_id"]),)).fetchone():
                        raise  # the _id itself is taken
                    # The number holds another document (a hole repair's tombstone): take the next one.
            raise StorageError(f"{collection}: every sequence id tried was taken ({_RENUMBER_ATTEMPTS} attempts)")

        return await self._write(run)

    # -- TTL and maintenance -----------------------------------------------------------------------------

    async def purge_expired(self, now: datetime | None = None) -> int:
        at = now or self.clock()

        def run(conn: sqlite3.Connection) -> int:
            total = 0
            for coll in self.schema:
                for ix in coll.ttl_indexes:
                    assert ix.ttl_s is not None
                    cutoff = encode_scalar(at - timedelta(seconds=ix.ttl_s))
                    cur = conn.execute(f'DELETE FROM "{coll.name}" WHERE {json_expr(ix.paths[0])} < ?', (cutoff,))
                    total += cur.rowcount
            return total

        return await self._write(run)

    async def drop_all(self) -> None:
        def run(conn: sqlite3.Connection) -> None:
            for coll in self.schema:
                conn.execute(f'DELETE FROM "{coll.name}"')

        await self._write(run)


def _check_window(skip: int, limit: int) -> None:
    if skip < 0 or limit < 0:
        from turms.storage.errors import InvalidQueryError

        raise InvalidQueryError("skip and limit must not be negative")


def _check_counter(key: str) -> None:
    # \x1f is reserved: the MongoDB adapter's insert-claim counters use it as a separator.
    if not isinstance(key, str) or not key or "\x1f" in key:
        raise InvalidUpdateError("a counter key is a non-empty string without \\x1f")


def _require_id(seed: Document, update: Mapping[str, Mapping[str, Any]] | None = None) -> Document:
    """Upserts must determine ``_id`` (from the filter or ``$set``/``$setOnInsert``): no store invents one."""
    if "_id" in seed:
        return seed
    if update is not None and any("_id" in update.get(op, {}) for op in ("$set", "$setOnInsert")):
        return seed
    raise InvalidUpdateError("an upsert must determine `_id` through its filter, $set or $setOnInsert")


def _is_point_lookup(coll: Collection, flt: Mapping[str, Any]) -> bool:
    """Whether ``flt`` pins at most one document through a unique key: equality on ``_id``, on every field of
    a compound ``_id``, or on every path of a unique index."""

    def pinned(path: str) -> bool:
        value = flt.get(path, _UNSET)
        return value is not _UNSET and not (isinstance(value, dict) and any(k.startswith("$") for k in value))

    if pinned("_id"):
        return True
    id_parts = [f.path for f in coll.fields if f.path.startswith("_id.")]
    if id_parts and all(pinned(p) for p in id_parts):
        return True
    return any(ix.unique and all(pinned(p) for p in ix.paths) for ix in coll.indexes)


_UNSET = object()

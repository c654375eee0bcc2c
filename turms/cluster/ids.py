"""64-bit Snowflake ids, unique across the cluster, monotonic per worker.

Layout (most significant first), Turms's widths with the data-centre and worker fields merged::

    0 | 41 bits: milliseconds since 2020-10-13T00:00:00Z | 12 bits: worker id | 10 bits: sequence

* the sign bit stays 0, so ids are positive signed 64-bit integers (BSON int64, SQLite INTEGER);
* 41 bits of milliseconds last until 2090;
* 12 bits: 4096 workers, each leasing its id from Redis (:mod:`turms.cluster.worker_id`);
* 10 bits: 1024 ids per millisecond per worker (about a million per second).

Ids of one worker strictly increase. If the wall clock steps back, or the sequence of a millisecond runs out,
the generator *borrows* the next millisecond instead of waiting: ids stay unique and increasing while their
timestamps run ahead of the wall clock, by at most ``max_borrow_ms``; beyond that it raises
:class:`ClockSkewError` rather than blocking the event loop. The highest millisecond used is reported
(:attr:`Snowflake.last_ms`) so the next holder of the worker id can start after it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode

EPOCH_MS = 1_602_547_200_000  # 2020-10-13T00:00:00Z, Turms's epoch
TIMESTAMP_BITS = 41
WORKER_BITS = 12
SEQUENCE_BITS = 10
MAX_WORKER_ID = (1 << WORKER_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
MAX_TIMESTAMP = (1 << TIMESTAMP_BITS) - 1
_WORKER_SHIFT = SEQUENCE_BITS
_TIMESTAMP_SHIFT = SEQUENCE_BITS + WORKER_BITS


class ClockSkewError(TurmsError):
    """The clock is too far behind the ids already issued (or the worker id lease was lost)."""

    def __init__(self, reason: str) -> None:
        super().__init__(ResponseStatusCode.SERVER_UNAVAILABLE, reason)


class IdParts(NamedTuple):
    unix_ms: int
    worker_id: int
    sequence: int


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def compose(unix_ms: int, worker_id: int, sequence: int) -> int:
    ts = unix_ms - EPOCH_MS
    if not 0 <= ts <= MAX_TIMESTAMP:
        raise ValueError("timestamp outside the id range")
    if not 0 <= worker_id <= MAX_WORKER_ID or not 0 <= sequence <= MAX_SEQUENCE:
        raise ValueError("worker id or sequence out of range")
    return (ts << _TIMESTAMP_SHIFT) | (worker_id << _WORKER_SHIFT) | sequence


def decompose(snowflake: int) -> IdParts:
    return IdParts(
        (snowflake >> _TIMESTAMP_SHIFT) + EPOCH_MS,
        (snowflake >> _WORKER_SHIFT) & MAX_WORKER_ID,
        snowflake & MAX_SEQUENCE,
    )


def min_id_at(unix_ms: int) -> int:
    """The smallest id of a millisecond: for range queries by time on ``_id``."""
    return compose(unix_ms, 0, 0)


class Snowflake:
    """The id generator of one worker. Not thread-safe: use it from the worker's event loop."""

    def __init__(
        self,
        worker_id: int,
        *,
        now_ms: Callable[[], int] = wall_ms,
        start_after_ms: int = 0,
        max_borrow_ms: int = 10_000,
        fence: Callable[[], bool] | None = None,
    ) -> None:
        if not 0 <= worker_id <= MAX_WORKER_ID:
            raise ValueError(f"worker id must be within 0..{MAX_WORKER_ID}")
        self.worker_id = worker_id
        self._now_ms = now_ms
        self._max_borrow_ms = max_borrow_ms
        self._fence = fence
        #: The millisecond of the last id issued (never decreases).
        self.last_ms = max(start_after_ms, EPOCH_MS)
        self._sequence = MAX_SEQUENCE  # so that the first id moves to a fresh millisecond
        self.borrowed = 0

    def rebase(self, worker_id: int, start_after_ms: int) -> None:
        """Switch to ``worker_id`` (a new lease) and never issue a millisecond at or before ``start_after_ms``."""
        if not 0 <= worker_id <= MAX_WORKER_ID:
            raise ValueError(f"worker id must be within 0..{MAX_WORKER_ID}")
        if worker_id != self.worker_id or start_after_ms >= self.last_ms:
            self.worker_id = worker_id
            self.last_ms = max(self.last_ms, start_after_ms)
            self._sequence = MAX_SEQUENCE  # the next id moves to a fresh millisecond

    def next_id(self) -> int:
        if self._fence is not None and not self._fence():
            raise ClockSkewError("the worker id lease is not held: no ids can be issued")
        now = self._now_ms()
        if now > self.last_ms:
            self.last_ms = now
            self._sequence = 0
        elif self._sequence < MAX_SEQUENCE:
            self._sequence += 1
        else:
            # This millisecond is used up, or the clock went back: borrow the next one.
            if self.last_ms + 1 - now > self._max_borrow_ms:
                raise ClockSkewError(f"clock is {self.last_ms - now} ms behind the ids issued")
            self.last_ms += 1
            self._sequence = 0
            self.borrowed += 1
        return compose(self.last_ms, self.worker_id, self._sequence)

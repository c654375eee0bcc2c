"""Token buckets with lazy refill on an injected clock, and a keyed table of them.

No timer runs per bucket: a bucket remembers when it was last refilled and, on each attempt, adds the tokens
of the whole refill intervals that have passed since (the remainder of an unfinished interval is kept, so
refills stay on their grid). The configuration is read per attempt from a :class:`BucketConfig`, so a live
settings change applies to every bucket at once.

A :class:`RateLimiter` keeps one bucket per key (an IP, a session id, (session, kind)). Buckets that have been
idle long enough to be full again carry no information, so :meth:`RateLimiter.evict_idle` drops them; that
keeps the table bounded by the clients active within one refill period instead of every address ever seen.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

#: A monotonic clock in seconds (``time.monotonic``, or a fake clock's ``monotonic`` in tests).
Monotonic = Callable[[], float]


@dataclass(frozen=True, slots=True)
class BucketConfig:
    capacity: int
    initial_tokens: int
    refill_tokens: int
    refill_interval_s: float

    @property
    def full_after_s(self) -> float:
        """Time after which an idle, empty bucket is full again."""
        intervals = -(-self.capacity // self.refill_tokens)  # ceil
        return intervals * self.refill_interval_s


class TokenBucket:
    __slots__ = ("last_refill", "tokens")

    def __init__(self, config: BucketConfig, now: float) -> None:
        self.tokens = min(config.initial_tokens, config.capacity)
        self.last_refill = now

    def refill(self, config: BucketConfig, now: float) -> None:
        elapsed = now - self.last_refill
        if elapsed < config.refill_interval_s:
            if elapsed < 0:  # a clock that went backwards: restart the grid rather than wait forever
                self.last_refill = now
            return
        intervals = int(elapsed // config.refill_interval_s)
        self.tokens = min(config.capacity, self.tokens + intervals * config.refill_tokens)
        self.last_refill += intervals * config.refill_interval_s

    def try_acquire(self, config: BucketConfig, now: float, tokens: int = 1) -> bool:
        self.refill(config, now)
        self.tokens = min(self.tokens, config.capacity)  # the capacity may have been lowered live
        if self.tokens >= tokens:
            self.tokens -= tokens
            return True
        return False


class RateLimiter(Generic[K]):
    """One token bucket per key; ``config`` is a callable so live settings changes apply immediately."""

    def __init__(self, config: Callable[[], BucketConfig], clock: Monotonic) -> None:
        self.config = config
        self.clock = clock
        self._buckets: dict[K, TokenBucket] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def try_acquire(self, key: K, now: float | None = None) -> bool:
        config = self.config()
        t = self.clock() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(config, t)
        return bucket.try_acquire(config, t)

    def tokens(self, key: K) -> int:
        """Tokens ``key`` could spend now (for tests and diagnostics)."""
        config = self.config()
        bucket = self._buckets.get(key)
        if bucket is None:
            return min(config.initial_tokens, config.capacity)
        bucket.refill(config, self.clock())
        return min(bucket.tokens, config.capacity)

    def forget(self, key: K) -> None:
        self._buckets.pop(key, None)

    def evict_idle(self) -> int:
        """Drop buckets idle long enough to be full again; return how many."""
        config = self.config()
        deadline = self.clock() - config.full_after_s
        stale = [k for k, b in self._buckets.items() if b.last_refill <= deadline]
        for k in stale:
            del self._buckets[k]
        return len(stale)


def bucket_config(capacity: int, initial_tokens: int, refill_tokens: int, refill_interval_ms: int) -> BucketConfig:
    return BucketConfig(capacity, initial_tokens, refill_tokens, refill_interval_ms / 1000.0)

"""Failed-login throttling for the admin API: lazy token buckets per client IP and per login name.

Only failures take a token; a success costs nothing. While either bucket of a request is empty, the request is
answered 429 before any password is checked, so guessing costs the attacker time without costing us a password
hash. Buckets refill continuously on the injected clock (no timers) and live per worker; the table is bounded,
dropping full buckets first (a full bucket is the same as no bucket).
"""

from __future__ import annotations

from dataclasses import dataclass

from turms.clock import Clock

MAX_TRACKED_KEYS = 100_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """Buckets of ``burst`` tokens, one more every ``refill_s`` seconds, keyed by any string."""

    def __init__(self, clock: Clock, max_keys: int = MAX_TRACKED_KEYS) -> None:
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def _level(self, key: str, burst: int, refill_s: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return float(burst)
        now = self.clock.monotonic()
        return min(float(burst), bucket.tokens + (now - bucket.at) / refill_s)

    def allows(self, key: str, burst: int, refill_s: float) -> bool:
        return self._level(key, burst, refill_s) >= 1.0

    def retry_after_s(self, key: str, burst: int, refill_s: float) -> float:
        missing = 1.0 - self._level(key, burst, refill_s)
        return max(0.0, missing * refill_s)

    def take(self, key: str, burst: int, refill_s: float) -> None:
        level = self._level(key, burst, refill_s)
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._prune(burst, refill_s)
        self._buckets[key] = _Bucket(max(0.0, level - 1.0), self.clock.monotonic())

    def _prune(self, burst: int, refill_s: float) -> None:
        full = [k for k in self._buckets if self._level(k, burst, refill_s) >= burst]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= self.max_keys:
            # Still full of throttled keys: forget the oldest half rather than grow without bound.
            for k in sorted(self._buckets, key=lambda k: self._buckets[k].at)[: self.max_keys // 2]:
                del self._buckets[k]

    def __len__(self) -> int:
        return len(self._buckets)


class FailedLoginLimiter:
    """Per-IP and per-account buckets of failed admin logins."""

    def __init__(self, clock: Clock) -> None:
        self.buckets = TokenBuckets(clock)

    def check(self, ip: str, account: str | None, burst: int, refill_s: float) -> float | None:
        """None when the attempt may proceed, else the seconds until it may."""
        keys = [f"ip:{ip}"] + ([f"acct:{account}"] if account else [])
        waits = [
            self.buckets.retry_after_s(k, burst, refill_s) for k in keys if not self.buckets.allows(k, burst, refill_s)
        ]
        return max(waits) if waits else None

    def failed(self, ip: str, account: str | None, burst: int, refill_s: float) -> None:
        self.buckets.take(f"ip:{ip}", burst, refill_s)
        if account:
            self.buckets.take(f"acct:{account}", burst, refill_s)

"""Failed logins throttled per account and per client IP, cluster-wide: client logins (per user id) and admin
logins (per login name).

Only a failed login (wrong password, unknown user, a token that does not verify) takes a token; every login
first reads its buckets (one Redis call each, for the account and the IP, in parallel), and a success writes
nothing. While either bucket of a login is empty, the login is answered ``CLIENT_REQUESTS_TOO_FREQUENT`` (1101)
before any password is hashed, so guessing costs the attacker time and costs us nothing. The buckets
live in Redis (:class:`turms.cluster.login_throttle.RedisFailureBuckets`), so an attacker gains nothing by
spreading attempts over workers and hosts; :class:`LocalFailureBuckets` is the same arithmetic in one process.

A bucket holds ``burst`` tokens and gains one every ``refill_s``. The IPv6 key is the address's /64 network,
the smallest block one subscriber is usually given, so one host cannot rotate through its own addresses.
:class:`FailedLogins` is the mechanism (buckets named by the caller); :class:`LoginThrottle` applies it to
client logins with the ``gateway.auth.failed_login.*`` settings, and the admin API applies it with its own.

The per-user bucket lets anyone slow down the logins of a user id they know, by failing on purpose: the price
of making guessing slow. Its defaults are generous enough for a user mistyping and it refills within a minute.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
from dataclasses import dataclass
from typing import Protocol

from turms.clock import Clock
from turms.security.blocklist import normalize_ip
from turms.settings import Settings
from turms.settings import auth as auth_settings


class FailureBuckets(Protocol):
    """Token buckets of failures, keyed by text, shared by every worker that uses the same store."""

    async def wait_ms(self, key: str, burst: int, refill_ms: int, now_ms: int, *, take: bool) -> int:
        """Milliseconds until ``key``'s bucket holds a token (0: it holds one now); with ``take``, one token is
        taken first (never below zero)."""
        ...


@dataclass
class _Level:
    tokens: float
    at_ms: int
    burst: int
    refill_ms: int

    def now(self, now_ms: int) -> float:
        return min(float(self.burst), self.tokens + (now_ms - self.at_ms) / self.refill_ms)


class LocalFailureBuckets:
    """:class:`FailureBuckets` in this process only (tests, tools), bounded: when the table is full, buckets that
    are full again go first (a full bucket is the same as none), then the oldest half."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._levels: dict[str, _Level] = {}

    def __len__(self) -> int:
        return len(self._levels)

    async def wait_ms(self, key: str, burst: int, refill_ms: int, now_ms: int, *, take: bool) -> int:
        level = self._levels.get(key)
        tokens = float(burst) if level is None else min(float(burst), level.now(now_ms))
        if take:
            if len(self._levels) >= self.max_keys and key not in self._levels:
                self._prune(now_ms)
            tokens = max(0.0, tokens - 1.0)
            self._levels[key] = _Level(tokens, now_ms, burst, refill_ms)
        return 0 if tokens >= 1.0 else math.ceil((1.0 - tokens) * refill_ms)

    def _prune(self, now_ms: int) -> None:
        for k in [k for k, level in self._levels.items() if level.now(now_ms) >= level.burst]:
            del self._levels[k]
        if len(self._levels) >= self.max_keys:
            for k in sorted(self._levels, key=lambda k: self._levels[k].at_ms)[: self.max_keys // 2]:
                del self._levels[k]


#: One bucket of an attempt: (key, burst, refill ms).
Bucket = tuple[str, int, int]


class FailedLogins:
    """Buckets of failed logins over a :class:`FailureBuckets` store, on the injected clock."""

    def __init__(self, clock: Clock, buckets: FailureBuckets) -> None:
        self.clock = clock
        self.buckets = buckets

    async def retry_after_s(self, buckets: list[Bucket]) -> float | None:
        """None when every bucket holds a token, else the seconds until all do."""
        now_ms = self.clock.now_ms()
        waits = await asyncio.gather(*(self.buckets.wait_ms(k, b, r, now_ms, take=False) for k, b, r in buckets))
        wait = max(waits, default=0)
        return wait / 1000 if wait > 0 else None

    async def failed(self, buckets: list[Bucket]) -> None:
        """Take one token from each bucket."""
        now_ms = self.clock.now_ms()
        await asyncio.gather(*(self.buckets.wait_ms(k, b, r, now_ms, take=True) for k, b, r in buckets))


def throttle_key(ip: str) -> str:
    """The key of a client address: the IPv4 address, or the /64 network of an IPv6 one."""
    try:
        ip = normalize_ip(ip)
    except ValueError:
        return ip
    return str(ipaddress.IPv6Network((ip, 64), strict=False)) if ":" in ip else ip


class LoginThrottle:
    """The failed-login throttle of client logins (settings ``gateway.auth.failed_login.*``, read per login)."""

    def __init__(self, settings: Settings, clock: Clock, buckets: FailureBuckets) -> None:
        self.settings = settings
        self.failures = FailedLogins(clock, buckets)

    def _buckets(self, user_id: int, ip: str) -> list[Bucket]:
        s = self.settings
        out: list[Bucket] = [
            (
                f"user:{user_id}",
                s.get(auth_settings.FAILED_LOGIN_USER_BURST),
                round(s.get(auth_settings.FAILED_LOGIN_USER_REFILL_S) * 1000),
            )
        ]
        if ip:
            out.append(
                (
                    f"ip:{throttle_key(ip)}",
                    s.get(auth_settings.FAILED_LOGIN_IP_BURST),
                    round(s.get(auth_settings.FAILED_LOGIN_IP_REFILL_S) * 1000),
                )
            )
        return out

    @property
    def enabled(self) -> bool:
        return bool(self.settings.get(auth_settings.FAILED_LOGIN_ENABLED))

    async def retry_after_s(self, user_id: int, ip: str) -> float | None:
        """None when a login of ``user_id`` from ``ip`` may be tried now, else the seconds until it may."""
        if not self.enabled:
            return None
        return await self.failures.retry_after_s(self._buckets(user_id, ip))

    async def failed(self, user_id: int, ip: str) -> None:
        """Count one failed login of ``user_id`` from ``ip``."""
        if self.enabled:
            await self.failures.failed(self._buckets(user_id, ip))

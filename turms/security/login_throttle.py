"""Failed client logins throttled per user id and per client IP, cluster-wide.

Only a failed login (wrong password, unknown user, a token that does not verify) takes a token; a success
costs nothing. While either bucket of a login is empty, the login is answered ``CLIENT_REQUESTS_TOO_FREQUENT``
(1101) before any password is hashed, so guessing costs the attacker time and costs us nothing. The buckets
live in Redis (:class:`turms.cluster.login_throttle.RedisFailureBuckets`), so an attacker gains nothing by
spreading attempts over workers and hosts; :class:`LocalFailureBuckets` is the same arithmetic in one process.

A bucket holds ``burst`` tokens and gains one every ``refill_s``. The IPv6 key is the address's /64 network,
the smallest block one subscriber is usually given, so one host cannot rotate through its own addresses.

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


class LocalFailureBuckets:
    """:class:`FailureBuckets` in this process only (tests, tools); bounded like the admin throttle's table."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._levels: dict[str, _Level] = {}

    async def wait_ms(self, key: str, burst: int, refill_ms: int, now_ms: int, *, take: bool) -> int:
        level = self._levels.get(key)
        tokens = float(burst) if level is None else min(float(burst), level.tokens + (now_ms - level.at_ms) / refill_ms)
        if take:
            if len(self._levels) >= self.max_keys and key not in self._levels:
                self._levels.clear()  # a flood of distinct keys: forget everyone rather than grow
            tokens = max(0.0, tokens - 1.0)
            self._levels[key] = _Level(tokens, now_ms)
        return 0 if tokens >= 1.0 else math.ceil((1.0 - tokens) * refill_ms)


def throttle_key(ip: str) -> str:
    """The key of a client address: the IPv4 address, or the /64 network of an IPv6 one."""
    try:
        addr = ipaddress.ip_address(ip.strip().strip("[]"))
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


class LoginThrottle:
    """The failed-login throttle of client logins (settings ``gateway.auth.failed_login.*``, read per login)."""

    def __init__(self, settings: Settings, clock: Clock, buckets: FailureBuckets) -> None:
        self.settings = settings
        self.clock = clock
        self.buckets = buckets

    def _buckets(self, user_id: int, ip: str) -> list[tuple[str, int, int]]:
        s = self.settings
        out = [
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
        now_ms = self.clock.now_ms()
        waits = await asyncio.gather(
            *(self.buckets.wait_ms(k, b, r, now_ms, take=False) for k, b, r in self._buckets(user_id, ip))
        )
        wait = max(waits)
        return wait / 1000 if wait > 0 else None

    async def failed(self, user_id: int, ip: str) -> None:
        """Count one failed login of ``user_id`` from ``ip``."""
        if not self.enabled:
            return
        now_ms = self.clock.now_ms()
        await asyncio.gather(
            *(self.buckets.wait_ms(k, b, r, now_ms, take=True) for k, b, r in self._buckets(user_id, ip))
        )

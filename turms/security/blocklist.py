"""The IP and user-id blocklist: the worker's local view, auto-block escalation, and the service functions.

* :class:`LocalBlocklist` is what the hot paths ask: one dict lookup and a comparison with the expiry, so the
  transports can refuse a blocked IP at accept. It is fed by the cluster sync (``turms.cluster.blocklist``),
  which applies every change of the cluster-wide log in order, and it calls listeners for newly blocked
  clients so the gateway closes their sessions with USER_IS_BLOCKED (701).
* :class:`AutoBlocker` counts violations of one kind (requests over the rate limit, corrupted frames,
  corrupted requests) per client and decides when and for how long to block it, escalating through levels.
* :class:`BlocklistService` is what the admin API and auto-block call: block, unblock and query, with
  expiry, stored through a :class:`BlocklistBackend` (Redis in production).

Every IP or user id blocked through the service is counted in ``turms_blocks`` by target and cause
(``manual`` for the admin API, the violation for auto-block), once, by the worker that blocked it.

May import the standard library, ``turms.clock``, ``turms.errors``, ``turms.protocol.status``,
``turms.settings`` and ``turms.observability.metrics``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from turms.clock import Clock
from turms.errors import TurmsError
from turms.observability import metrics
from turms.protocol.status import ResponseStatusCode
from turms.settings import Settings
from turms.settings import security as sec

log = logging.getLogger("turms.security.blocklist")

K = TypeVar("K", bound=Hashable)

#: Longest block accepted (about 100 years): expiries stay well inside 64-bit milliseconds.
MAX_BLOCK_S = 100 * 365 * 24 * 3600
#: The ``cause`` label of blocks made through the admin API (auto-blocks carry their :class:`Violation`).
MANUAL = "manual"


class BlockTarget(StrEnum):
    IP = "ip"
    USER = "user"


class Violation(StrEnum):
    """What auto-block counts, separately for each kind (as Turms does)."""

    FREQUENT_REQUEST = "frequent_request"
    CORRUPTED_FRAME = "corrupted_frame"
    CORRUPTED_REQUEST = "corrupted_request"


def normalize_ip(text: str) -> str:
    """The canonical text of an IPv4 or IPv6 address (IPv4-mapped IPv6 becomes IPv4); ValueError if invalid."""
    addr = ipaddress.ip_address(text.strip().strip("[]"))
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


# -- the local view ---------------------------------------------------------------------------------------


class LocalBlocklist:
    """Blocked IPs and user ids with their expiry (epoch ms), as this worker knows them."""

    def __init__(self) -> None:
        self.ips: dict[str, int] = {}
        self.users: dict[int, int] = {}
        #: Called with an IP / a user id that became blocked here (not for a mere extension of a block).
        self.on_ip_blocked: list[Callable[[str], None]] = []
        self.on_user_blocked: list[Callable[[int], None]] = []

    def is_ip_blocked(self, ip: str, now_ms: int) -> bool:
        expiry = self.ips.get(ip)
        return expiry is not None and expiry > now_ms

    def is_user_blocked(self, user_id: int, now_ms: int) -> bool:
        expiry = self.users.get(user_id)
        return expiry is not None and expiry > now_ms

    def _table(self, target: BlockTarget) -> dict[Any, int]:
        return self.ips if target is BlockTarget.IP else self.users

    def block(self, target: BlockTarget, ids: Iterable[str | int], expiry_ms: int, now_ms: int) -> None:
        table = self._table(target)
        for raw in ids:
            key = raw if target is BlockTarget.IP else int(raw)
            previous = table.get(key)
            table[key] = expiry_ms
            if expiry_ms > now_ms and (previous is None or previous <= now_ms):
                self._notify(target, key)

    def unblock(self, target: BlockTarget, ids: Iterable[str | int]) -> None:
        table = self._table(target)
        for raw in ids:
            table.pop(raw if target is BlockTarget.IP else int(raw), None)

    def replace(self, ips: dict[str, int], users: dict[int, int], now_ms: int) -> None:
        """Replace the whole view (a full sync); listeners hear of the clients that were not blocked before."""
        old_ips, old_users = self.ips, self.users
        self.ips, self.users = dict(ips), dict(users)
        for ip, expiry in ips.items():
            if expiry > now_ms and old_ips.get(ip, 0) <= now_ms:
                self._notify(BlockTarget.IP, ip)
        for uid, expiry in users.items():
            if expiry > now_ms and old_users.get(uid, 0) <= now_ms:
                self._notify(BlockTarget.USER, uid)

    def evict_expired(self, now_ms: int) -> int:
        removed = 0
        for target in BlockTarget:
            table = self._table(target)
            stale = [k for k, expiry in table.items() if expiry <= now_ms]
            for k in stale:
                del table[k]
            removed += len(stale)
        return removed

    def _notify(self, target: BlockTarget, key: str | int) -> None:
        listeners: list[Callable[[str], None]] | list[Callable[[int], None]] = (
            self.on_ip_blocked if target is BlockTarget.IP else self.on_user_blocked
        )
        for listener in listeners:
            try:
                listener(key)  # type: ignore[arg-type]
            except Exception:  # a failing listener must not stop the sync
                log.exception("blocklist listener failed for %s %s", target.value, key)


# -- auto-block -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockLevel:
    block_s: int
    #: One counted violation is forgiven per this many ms of good behaviour (0: never).
    forgive_one_trigger_ms: int
    #: Violations while at this level that move the client to the next level (0: never).
    next_level_triggers: int


@dataclass(frozen=True, slots=True)
class AutoBlockConfig:
    enabled: bool
    trigger_times: int
    levels: tuple[BlockLevel, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> AutoBlockConfig:
        levels = tuple(BlockLevel(*sec.parse_block_level(v)) for v in settings.get(sec.AUTO_BLOCK_LEVELS))
        return cls(settings.get(sec.AUTO_BLOCK_ENABLED), settings.get(sec.AUTO_BLOCK_TRIGGER_TIMES), levels)


class _Status:
    __slots__ = ("blocked_until_ms", "last_trigger_ms", "level", "triggers")

    def __init__(self, now_ms: int) -> None:
        self.level = -1
        self.triggers = 0
        self.last_trigger_ms = now_ms
        self.blocked_until_ms = 0


class AutoBlocker(Generic[K]):
    """Counts one kind of violation per client and says when to block it, and for how long.

    A client becomes blocked for the first level's duration after ``trigger_times`` violations. Once it has
    been blocked, each further violation blocks it again; ``next_level_triggers`` of them move it up one
    level (longer blocks). Violations while its block is still running are not counted: requests already on
    their way when the block was decided (a burst read in one go, another worker's share) must not block it
    again and again, each time a Redis write and a log line, and escalate it to the top level within one
    burst (issue 22 measured 147 re-blocks for one). Counted violations are forgiven one per
    ``forgive_one_trigger_ms``. Unlike
    Turms, which forgets a client as soon as its counter decays (so its level resets right after a block),
    a client is forgotten only once its counter is back to zero *and* it has stayed out of trouble for as
    long as its last block lasted.
    """

    def __init__(self, config: Callable[[], AutoBlockConfig]) -> None:
        self.config = config
        self._status: dict[K, _Status] = {}

    def __len__(self) -> int:
        return len(self._status)

    def level_of(self, key: K) -> int:
        status = self._status.get(key)
        return -1 if status is None else status.level

    def trigger(self, key: K, now_ms: int) -> int | None:
        """Count one violation of ``key``; return the block duration in seconds if it is to be blocked now."""
        config = self.config()
        if not config.enabled or not config.levels:
            return None
        status = self._status.get(key)
        if status is None:
            status = self._status[key] = _Status(now_ms)
        elif now_ms < status.blocked_until_ms:
            return None  # blocked already: this block fires once
        level = config.levels[min(max(status.level, 0), len(config.levels) - 1)]
        if level.forgive_one_trigger_ms > 0:
            forgiven = (now_ms - status.last_trigger_ms) // level.forgive_one_trigger_ms
            status.triggers = max(0, status.triggers - int(forgiven))
        status.last_trigger_ms = now_ms
        status.triggers += 1
        if status.level < 0:
            if status.triggers < config.trigger_times:
                return None
            status.level = 0
            status.triggers = 0
        else:
            status.level = min(status.level, len(config.levels) - 1)
            current = config.levels[status.level]
            if (
                current.next_level_triggers > 0
                and status.triggers >= current.next_level_triggers
                and status.level < len(config.levels) - 1
            ):
                status.level += 1
                status.triggers = 0
        block_s = config.levels[status.level].block_s
        status.blocked_until_ms = now_ms + block_s * 1000
        return block_s

    def forget(self, key: K) -> None:
        self._status.pop(key, None)

    def evict(self, now_ms: int) -> int:
        """Forget clients that have been forgiven everything; return how many."""
        config = self.config()
        stale = []
        for key, status in self._status.items():
            level = config.levels[min(max(status.level, 0), len(config.levels) - 1)] if config.levels else None
            forgive = level.forgive_one_trigger_ms if level is not None else 0
            if forgive <= 0:
                continue  # never forgiven: kept, as Turms keeps it, until the process ends or an unblock
            decayed = status.triggers - (now_ms - status.last_trigger_ms) // forgive <= 0
            quiet_since = status.blocked_until_ms + (level.block_s * 1000 if status.level >= 0 and level else 0)
            if decayed and now_ms >= quiet_since:
                stale.append(key)
        for key in stale:
            del self._status[key]
        return len(stale)


# -- the service ------------------------------------------------------------------------------------------


class BlocklistBackend(Protocol):
    """Cluster-wide storage of the blocklist (``turms.cluster.blocklist.RedisBlocklist``)."""

    async def block(self, target: BlockTarget, ids: list[str] | list[int], expiry_ms: int) -> None:
        """Block ``ids`` until ``expiry_ms`` everywhere (replacing earlier expiries) and announce it."""
        ...

    async def unblock(self, target: BlockTarget, ids: list[str] | list[int] | None) -> None:
        """Unblock ``ids`` (all when None) everywhere and announce it."""
        ...

    async def query(self, target: BlockTarget, ids: list[str] | list[int] | None, now_ms: int) -> dict[str, int]:
        """Blocked ids (as text) → expiry ms, of ``ids`` or of everyone."""
        ...


@dataclass(frozen=True, slots=True)
class BlockedClient:
    id: str | int
    expiry_ms: int


class BlocklistService:
    """Block, unblock and query IPs and user ids; auto-block clients that misbehave.

    These are the functions the admin API calls. A disabled blocklist raises ``IP_BLOCKLIST_IS_DISABLED``
    (1400) or ``USER_ID_BLOCKLIST_IS_DISABLED`` (1401), as Turms does.
    """

    def __init__(self, settings: Settings, clock: Clock, local: LocalBlocklist, backend: BlocklistBackend) -> None:
        self.settings = settings
        self.clock = clock
        self.local = local
        self.backend = backend
        self._auto_config = AutoBlockConfig.from_settings(settings)
        self._auto_key: tuple[object, ...] = ()
        self.auto: dict[tuple[BlockTarget, Violation], AutoBlocker[str] | AutoBlocker[int]] = {
            (target, v): AutoBlocker(self.auto_config) for target in BlockTarget for v in Violation
        }
        self._tasks: set[asyncio.Task[None]] = set()

    def auto_config(self) -> AutoBlockConfig:
        s = self.settings
        levels: list[str] = s.get(sec.AUTO_BLOCK_LEVELS)
        key = (s.get(sec.AUTO_BLOCK_ENABLED), s.get(sec.AUTO_BLOCK_TRIGGER_TIMES), tuple(levels))
        if key != self._auto_key:  # parsed again only after a live change
            self._auto_key = key
            self._auto_config = AutoBlockConfig.from_settings(s)
        return self._auto_config

    @property
    def ip_enabled(self) -> bool:
        return bool(self.settings.get(sec.IP_BLOCKLIST_ENABLED))

    @property
    def user_enabled(self) -> bool:
        return bool(self.settings.get(sec.USER_BLOCKLIST_ENABLED))

    def _check(self, target: BlockTarget) -> None:
        if target is BlockTarget.IP and not self.ip_enabled:
            raise TurmsError(ResponseStatusCode.IP_BLOCKLIST_IS_DISABLED)
        if target is BlockTarget.USER and not self.user_enabled:
            raise TurmsError(ResponseStatusCode.USER_ID_BLOCKLIST_IS_DISABLED)

    # Admin functions --------------------------------------------------------------------------------

    async def block_ips(self, ips: Iterable[str], duration_s: float) -> list[str]:
        """Block ``ips`` for ``duration_s``; return their canonical form. ILLEGAL_ARGUMENT for a bad address."""
        self._check(BlockTarget.IP)
        normalized = _parse_ips(ips)
        await self._block(BlockTarget.IP, normalized, duration_s, MANUAL)
        return normalized

    async def block_user_ids(self, user_ids: Iterable[int], duration_s: float) -> list[int]:
        self._check(BlockTarget.USER)
        ids = _parse_user_ids(user_ids)
        await self._block(BlockTarget.USER, ids, duration_s, MANUAL)
        return ids

    async def unblock_ips(self, ips: Iterable[str] | None = None) -> None:
        """Unblock ``ips``, or every IP when None."""
        self._check(BlockTarget.IP)
        normalized = None if ips is None else _parse_ips(ips)
        await self.backend.unblock(BlockTarget.IP, normalized)

    async def unblock_user_ids(self, user_ids: Iterable[int] | None = None) -> None:
        self._check(BlockTarget.USER)
        ids = None if user_ids is None else _parse_user_ids(user_ids)
        await self.backend.unblock(BlockTarget.USER, ids)

    async def query_blocked_ips(self, ips: Iterable[str] | None = None) -> list[BlockedClient]:
        self._check(BlockTarget.IP)
        found = await self.backend.query(BlockTarget.IP, None if ips is None else _parse_ips(ips), self.clock.now_ms())
        return [BlockedClient(k, v) for k, v in sorted(found.items())]

    async def query_blocked_user_ids(self, user_ids: Iterable[int] | None = None) -> list[BlockedClient]:
        self._check(BlockTarget.USER)
        found = await self.backend.query(
            BlockTarget.USER, None if user_ids is None else _parse_user_ids(user_ids), self.clock.now_ms()
        )
        return [BlockedClient(int(k), v) for k, v in sorted(found.items(), key=lambda kv: int(kv[0]))]

    async def _block(self, target: BlockTarget, ids: list[str] | list[int], duration_s: float, cause: str) -> None:
        if not 0 < duration_s <= MAX_BLOCK_S:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"the block duration must be in (0, {MAX_BLOCK_S}] s")
        if not ids:
            return
        now_ms = self.clock.now_ms()
        expiry_ms = now_ms + int(duration_s * 1000)
        await self.backend.block(target, ids, expiry_ms)
        # Counted here, by the worker that blocked; the others only apply the block (no double count).
        metrics.clients_blocked(target.value, cause, len(ids))
        # Applied here at once; the other workers apply it from the cluster log within milliseconds.
        self.local.block(target, ids, expiry_ms, now_ms)

    # Auto-block -------------------------------------------------------------------------------------

    def report(self, violation: Violation, ip: str | None, user_id: int | None = None) -> None:
        """Count one violation by ``ip`` (and ``user_id``); block the client in the background if due.

        Called from the gateway's synchronous paths; cheap when auto-block is off.
        """
        if not self.auto_config().enabled:
            return
        now_ms = self.clock.now_ms()
        # A client the cluster blocked already (maybe through another worker) is not counted here either.
        if ip and self.ip_enabled and not self.local.is_ip_blocked(ip, now_ms):
            duration = self.auto[(BlockTarget.IP, violation)].trigger(ip, now_ms)  # type: ignore[arg-type]
            if duration is not None:
                log.warning("auto-blocking IP %s for %d s (%s)", ip, duration, violation.value)
                self._spawn(BlockTarget.IP, [ip], duration, violation)
        if user_id is not None and self.user_enabled and not self.local.is_user_blocked(user_id, now_ms):
            duration = self.auto[(BlockTarget.USER, violation)].trigger(user_id, now_ms)  # type: ignore[arg-type]
            if duration is not None:
                log.warning("auto-blocking user %d for %d s (%s)", user_id, duration, violation.value)
                self._spawn(BlockTarget.USER, [user_id], duration, violation)

    def _spawn(self, target: BlockTarget, ids: list[str] | list[int], duration_s: int, violation: Violation) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous unit test): apply locally only
            now_ms = self.clock.now_ms()
            metrics.clients_blocked(target.value, violation.value, len(ids))
            self.local.block(target, ids, now_ms + duration_s * 1000, now_ms)
            return
        task = loop.create_task(self._auto_block(target, ids, duration_s, violation))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _auto_block(
        self, target: BlockTarget, ids: list[str] | list[int], duration_s: int, violation: Violation
    ) -> None:
        try:
            await self._block(target, ids, duration_s, violation.value)
        except Exception as e:
            log.warning("auto-block of %s %s failed: %s", target.value, ids, e)

    def evict(self) -> None:
        """Periodic housekeeping: forget forgiven clients and expired local entries."""
        now_ms = self.clock.now_ms()
        for blocker in self.auto.values():
            blocker.evict(now_ms)
        self.local.evict_expired(now_ms)

    async def flush(self) -> None:
        """Wait for auto-blocks in progress (tests, drain)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _parse_ips(ips: Iterable[str]) -> list[str]:
    out: list[str] = []
    for ip in ips:
        try:
            out.append(normalize_ip(ip))
        except (ValueError, AttributeError):
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"not an IP address: {ip!r}") from None
    return sorted(set(out))


def _parse_user_ids(user_ids: Iterable[int]) -> list[int]:
    out: set[int] = set()
    for uid in user_ids:
        if isinstance(uid, bool) or not isinstance(uid, int) or not -(2**63) <= uid < 2**63:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"not a user id: {uid!r}")
        out.add(uid)
    return sorted(out)

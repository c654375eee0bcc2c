"""The abuse checks the gateway and the transports make, in one object per worker.

* At accept (:meth:`AbuseGuard.admit`): a blocked IP, or an IP with too many connections that have not
  logged in, is refused. The transport closes the socket without a reply, as Turms drops blocked clients.
* Per request (:meth:`AbuseGuard.check`): the per-IP bucket, the per-connection bucket and any per-kind
  bucket; then the list of disabled request kinds. Heartbeats are not counted (Turms does not either).
* Violations (:meth:`AbuseGuard.report`): requests over a limit, corrupted frames and corrupted requests go to
  auto-block, which may block the IP and the user cluster-wide.

Refusals are counted here, where they are decided: ``turms_rate_limit_refusals`` by scope (``ip``,
``session``, ``request_type``, ``unauthenticated_connections``) and ``turms_blocked_connections_refused`` by
target (``ip`` at accept, ``user`` when :meth:`AbuseGuard.user_blocked` refuses a login).

Everything here is synchronous and O(1) per call; time comes from an injected :class:`~turms.clock.Clock`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from turms.clock import Clock, SystemClock
from turms.observability import metrics
from turms.protocol.status import ResponseStatusCode
from turms.security.blocklist import BlocklistService, LocalBlocklist, Violation, normalize_ip
from turms.security.ratelimit import BucketConfig, RateLimiter, bucket_config
from turms.settings import Settings
from turms.settings import security as sec

log = logging.getLogger("turms.security.guard")

#: Request kinds handled by the gateway itself: never disabled (a client must be able to log in and out).
SESSION_KINDS = frozenset({"create_session_request", "delete_session_request"})


def ip_of(remote: str) -> str:
    """The canonical IP of a transport's ``remote`` text (``host:port``, ``[v6]:port``), or ``remote``."""
    host, sep, _ = remote.rpartition(":")
    try:
        return normalize_ip(host if sep else remote)
    except ValueError:
        return remote


def address_key(address: str) -> str:
    """The canonical IP of a bare address (a socket's peer host), or the address itself."""
    try:
        return normalize_ip(address)
    except ValueError:
        return address


def _constant(config: BucketConfig) -> Callable[[], BucketConfig]:
    return lambda: config


class AbuseGuard:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.blocklist = LocalBlocklist()
        #: Set by the worker once the cluster blocklist is up; without it violations are only counted.
        self.service: BlocklistService | None = None
        mono = self.clock.monotonic
        self.ip_limiter: RateLimiter[str] = RateLimiter(self._ip_config, mono)
        self.session_limiter: RateLimiter[int] = RateLimiter(self._session_config, mono)
        self._kind_limiters: dict[str, RateLimiter[int]] = {}
        self._kind_rules: tuple[str, ...] = ()
        self._disabled_key: tuple[str, ...] = ()
        self._disabled: frozenset[str] = frozenset()
        #: session id -> (ip, logged in)
        self._sessions: dict[int, tuple[str, bool]] = {}
        #: ip -> connections from it that have not logged in yet
        self._unauthenticated: dict[str, int] = {}
        self.refused_at_accept = 0

    # Configuration (read per call, so live changes apply at once) ------------------------------------

    def _ip_config(self) -> BucketConfig:
        s = self.settings
        return bucket_config(
            s.get(sec.IP_RATE_CAPACITY),
            s.get(sec.IP_RATE_INITIAL),
            s.get(sec.IP_RATE_REFILL_TOKENS),
            s.get(sec.IP_RATE_REFILL_INTERVAL_MS),
        )

    def _session_config(self) -> BucketConfig:
        s = self.settings
        return bucket_config(
            s.get(sec.SESSION_RATE_CAPACITY),
            s.get(sec.SESSION_RATE_INITIAL),
            s.get(sec.SESSION_RATE_REFILL_TOKENS),
            s.get(sec.SESSION_RATE_REFILL_INTERVAL_MS),
        )

    def _kind_limiter(self, kind: str) -> RateLimiter[int] | None:
        configured: list[str] = self.settings.get(sec.REQUEST_TYPE_RATES)
        rules = tuple(configured)
        if rules != self._kind_rules:
            self._kind_rules = rules
            self._kind_limiters = {}
            for rule in rules:
                name, capacity, interval_ms = sec.parse_request_type_rule(rule)
                config = bucket_config(capacity, capacity, 1, interval_ms)
                self._kind_limiters[name] = RateLimiter(_constant(config), self.clock.monotonic)
        return self._kind_limiters.get(kind)

    def disabled_kinds(self) -> frozenset[str]:
        configured: list[str] = self.settings.get(sec.DISABLED_REQUEST_TYPES)
        key = tuple(configured)
        if key != self._disabled_key:
            self._disabled_key = key
            self._disabled = frozenset(key) - SESSION_KINDS
        return self._disabled

    # Connections --------------------------------------------------------------------------------------

    def admit(self, ip: str) -> bool:
        """Whether a new connection from ``ip`` (as the socket reports it) may be served."""
        try:
            ip = normalize_ip(ip)
        except ValueError:
            return True  # not an IP socket (e.g. a Unix socket in tests): nothing to check
        if self.blocklist.ips and self.blocklist.is_ip_blocked(ip, self.clock.now_ms()):
            self.refused_at_accept += 1
            metrics.blocked_connection_refused("ip")
            return False
        cap = self.settings.get(sec.MAX_UNAUTHENTICATED_PER_IP)
        if cap and self._unauthenticated.get(ip, 0) >= cap:
            self.refused_at_accept += 1
            metrics.rate_limit_refused("unauthenticated_connections")
            return False
        return True

    def ip_blocked(self, address: str) -> bool:
        """Whether ``address`` is on the blocklist now (counted as a refused connection when it is)."""
        try:
            ip = normalize_ip(address)
        except ValueError:
            return False
        if self.blocklist.ips and self.blocklist.is_ip_blocked(ip, self.clock.now_ms()):
            self.refused_at_accept += 1
            metrics.blocked_connection_refused("ip")
            return True
        return False

    def admit_pending(self, address: str) -> str | None:
        """:meth:`admit`, then count the connection as one that has not logged in until :meth:`release_pending`
        (a WebSocket before its upgrade, which the gateway does not know yet). None when refused, else the key
        to release."""
        if not self.admit(address):
            return None
        ip = address_key(address)
        self._unauthenticated[ip] = self._unauthenticated.get(ip, 0) + 1
        return ip

    def release_pending(self, ip: str) -> None:
        self._release(ip)

    def opened(self, session_id: int, remote: str) -> str:
        """A connection was accepted; return its IP."""
        ip = ip_of(remote)
        self._sessions[session_id] = (ip, False)
        self._unauthenticated[ip] = self._unauthenticated.get(ip, 0) + 1
        return ip

    def authenticated(self, session_id: int) -> None:
        entry = self._sessions.get(session_id)
        if entry is not None and not entry[1]:
            self._sessions[session_id] = (entry[0], True)
            self._release(entry[0])

    def closed(self, session_id: int) -> None:
        entry = self._sessions.pop(session_id, None)
        if entry is None:
            return
        if not entry[1]:
            self._release(entry[0])
        self.session_limiter.forget(session_id)
        for limiter in self._kind_limiters.values():
            limiter.forget(session_id)

    def _release(self, ip: str) -> None:
        left = self._unauthenticated.get(ip, 0) - 1
        if left > 0:
            self._unauthenticated[ip] = left
        else:
            self._unauthenticated.pop(ip, None)

    def ip_of_session(self, session_id: int) -> str | None:
        entry = self._sessions.get(session_id)
        return None if entry is None else entry[0]

    def unauthenticated(self, ip: str) -> int:
        return self._unauthenticated.get(ip, 0)

    def user_blocked(self, user_id: int) -> bool:
        """Whether a login of ``user_id`` is refused because the user is blocked (counted when it is: the
        gateway asks this only for a login it refuses on a True answer)."""
        if self.blocklist.users and self.blocklist.is_user_blocked(user_id, self.clock.now_ms()):
            metrics.blocked_connection_refused("user")
            return True
        return False

    # Requests -----------------------------------------------------------------------------------------

    def check(self, session_id: int, user_id: int | None, kind: str) -> tuple[ResponseStatusCode, str] | None:
        """None when the request is within the rate limits, else the code and reason to answer it with."""
        s = self.settings
        entry = self._sessions.get(session_id)
        ip = entry[0] if entry is not None else None
        # The first bucket that is empty refuses (the later ones are not charged).
        if ip is not None and s.get(sec.IP_RATE_ENABLED) and not self.ip_limiter.try_acquire(ip):
            scope = "ip"
        elif s.get(sec.SESSION_RATE_ENABLED) and not self.session_limiter.try_acquire(session_id):
            scope = "session"
        elif not self._kind_allows(kind, session_id):
            scope = "request_type"
        else:
            return None
        metrics.rate_limit_refused(scope)
        self.report(Violation.FREQUENT_REQUEST, session_id, user_id)
        return ResponseStatusCode.CLIENT_REQUESTS_TOO_FREQUENT, "too many requests; slow down"

    def _kind_allows(self, kind: str, session_id: int) -> bool:
        limiter = self._kind_limiter(kind)
        return limiter is None or limiter.try_acquire(session_id)

    def is_disabled(self, kind: str) -> bool:
        """Whether ``kind`` is in ``security.client_api.disabled_request_types`` (Turms answers those
        ILLEGAL_ARGUMENT, "the request type is unsupported")."""
        return kind in self.disabled_kinds()

    def report(self, violation: Violation, session_id: int, user_id: int | None) -> None:
        if self.service is not None:
            self.service.report(violation, self.ip_of_session(session_id), user_id)

    def evict(self) -> None:
        """Periodic housekeeping: drop idle buckets (and, through the service, forgiven auto-block state)."""
        self.ip_limiter.evict_idle()
        self.session_limiter.evict_idle()
        for limiter in self._kind_limiters.values():
            limiter.evict_idle()
        if self.service is not None:
            self.service.evict()
        else:
            self.blocklist.evict_expired(self.clock.now_ms())


class PendingClients:
    """The client WebSocket listener's admission (:class:`turms.transport.gate.Admission`): the guard's checks
    at accept; a connection counts against ``security.connections.max_unauthenticated_per_ip`` from accept,
    as a TCP connection does, not only once its upgrade request is complete."""

    def __init__(self, guard: AbuseGuard) -> None:
        self.guard = guard

    def admit(self, address: str) -> str | None:
        return self.guard.admit_pending(address)

    def release(self, key: str) -> None:
        self.guard.release_pending(key)


class ConnectionCap:
    """Open connections per IP on one listener (the admin HTTP port), and optionally the IP blocklist.

    ``cap`` and ``check_blocklist`` are read per connection (live settings). Refusals are counted as
    ``turms_rate_limit_refusals{scope}`` and, for blocked IPs, ``turms_blocked_connections_refused{target="ip"}``.
    """

    def __init__(
        self,
        guard: AbuseGuard,
        cap: Callable[[], int],
        check_blocklist: Callable[[], bool],
        scope: str,
    ) -> None:
        self.guard = guard
        self.cap = cap
        self.check_blocklist = check_blocklist
        self.scope = scope
        self._open: dict[str, int] = {}

    def admit(self, address: str) -> str | None:
        if self.check_blocklist() and self.guard.ip_blocked(address):
            return None
        ip = address_key(address)
        cap = self.cap()
        if cap and self._open.get(ip, 0) >= cap:
            metrics.rate_limit_refused(self.scope)
            return None
        self._open[ip] = self._open.get(ip, 0) + 1
        return ip

    def release(self, key: str) -> None:
        left = self._open.get(key, 0) - 1
        if left > 0:
            self._open[key] = left
        else:
            self._open.pop(key, None)

    def open_from(self, ip: str) -> int:
        return self._open.get(ip, 0)

"""Every Prometheus metric of the server, defined in one place.

Domain code increments what it owns (``from turms.observability import metrics``;
``metrics.GROUPS_CREATED.inc()``) and never defines metrics elsewhere: :func:`turms.observability.
multiprocess.enable` re-binds exactly the metrics listed in :data:`ALL` to the per-process files that
``/metrics`` merges, so a metric defined in another module would silently stay private to one process.

Gauges carry a multiprocess mode: ``livesum`` for counts that add up across workers (connections,
sessions, online users), ``liveall`` for per-process values (lag, memory; the collector adds a ``pid``
label), ``livemax`` for the supervisor's own view. ``live`` modes make a dead process's gauges vanish at
once (its files are removed by ``mark_process_dead``); counters and histograms of dead processes are kept,
so a total never goes backwards when a worker is replaced.

Hot-path recorders (:func:`record_request`, :func:`connection_opened` …) cache the labelled children per
label values: a dict lookup instead of prometheus-client's validating ``labels()`` call. The per-request ones
write through :mod:`turms.observability.tick` (once per metric per event-loop tick).
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

from turms.observability import tick
from turms.protocol.pb import constant_pb2
from turms.protocol.status import ResponseStatusCode

#: Client request latency: sub-millisecond cached answers up to multi-second store stalls.
REQUEST_BUCKETS: Final = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Redis and store operations: mostly well under a millisecond on loopback.
IO_BUCKETS: Final = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)
#: Event-loop lag: 1 ms is healthy, 100 ms is felt by every client of the worker.
LAG_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# -- gateway --------------------------------------------------------------------------------------------

CONNECTIONS = Gauge(
    "turms_gateway_connections",
    "Open client connections, by transport (tcp, ws).",
    ["transport"],
    multiprocess_mode="livesum",
)
CONNECTIONS_OPENED = Counter(
    "turms_gateway_connections_opened", "Client connections accepted, by transport.", ["transport"]
)
SESSIONS = Gauge(
    "turms_gateway_sessions",
    "Logged-in sessions, by transport and device type.",
    ["transport", "device_type"],
    multiprocess_mode="livesum",
)
LOGINS = Counter(
    "turms_gateway_logins",
    "Login attempts (CreateSessionRequest) by outcome (ok, failed) and reason (the response status name).",
    ["outcome", "reason"],
)
REQUESTS = Counter(
    "turms_client_requests",
    "Client requests answered, by request type and response status code.",
    ["type", "code"],
)
REQUEST_DURATION = Histogram(
    "turms_client_request_duration_seconds",
    "Time from a decoded client request to its response, by request type.",
    ["type"],
    buckets=REQUEST_BUCKETS,
)

# -- notifications and the routing bus ------------------------------------------------------------------

NOTIFICATIONS_DELIVERED = Counter(
    "turms_notifications_delivered",
    "Notification copies written to client sessions, by route: local (the sender's worker held the "
    "session), routed (arrived over Redis), broadcast (arrived on the broadcast channel).",
    ["route"],
)
NOTIFICATIONS_PUBLISHED = Counter(
    "turms_notifications_published",
    "Notification messages published to Redis for other workers, by kind (unicast: one per target worker; "
    "broadcast: one for all workers).",
    ["kind"],
)
NOTIFICATIONS_DROPPED = Counter(
    "turms_notifications_dropped",
    "Notifications that reached no session: publish_failed (Redis refused the publish; counted per target "
    "worker), no_session (a routed message found none of its recipients on the worker any more), "
    "bad_message (a bus message that could not be decoded or handled).",
    ["reason"],
)

# -- dependencies ---------------------------------------------------------------------------------------

REDIS_DURATION = Histogram(
    "turms_redis_command_duration_seconds",
    "Redis round trips, by command (PIPELINE and MULTI for batches), retries included.",
    ["command"],
    buckets=IO_BUCKETS,
)
REDIS_ERRORS = Counter(
    "turms_redis_command_errors", "Redis commands that failed, by command and error type.", ["command", "error"]
)
STORE_DURATION = Histogram(
    "turms_store_operation_duration_seconds",
    "Store (SQLite or MongoDB) operations, by port method.",
    ["operation"],
    buckets=IO_BUCKETS,
)
STORE_ERRORS = Counter(
    "turms_store_operation_errors",
    "Store operations that raised, by port method and error type (DuplicateKeyError is usually a normal "
    "outcome; StorageUnavailableError is not).",
    ["operation", "error"],
)

# -- abuse protection (incremented by turms.security) ---------------------------------------------------

RATE_LIMIT_REFUSALS = Counter(
    "turms_rate_limit_refusals",
    "Client requests and connections refused by a rate limit or cap, by scope: ip, session and request_type "
    "(requests answered CLIENT_REQUESTS_TOO_FREQUENT, 1101, by the per-IP, per-connection or per-request-type "
    "bucket), unauthenticated_connections (connections closed at accept by the cap on connections per IP "
    "that have not logged in), handshake_timeout (WebSocket or admin connections reset for not completing "
    "their handshake in time), admin_connections and health_connections (admin or health-listener connections "
    "reset at accept by the per-IP cap), "
    "client_login (client logins answered 1101 by the failed-login throttle), password_hashing (logins "
    "answered 1201 because the password-hashing queue was full), admin_login (admin requests answered 429 by "
    "the failed-login throttle).",
    ["scope"],
)
#: Every scope of :data:`RATE_LIMIT_REFUSALS`.
RATE_LIMIT_SCOPES: Final = (
    "ip",
    "session",
    "request_type",
    "unauthenticated_connections",
    "handshake_timeout",
    "admin_connections",
    "health_connections",
    "client_login",
    "password_hashing",
    "admin_login",
)
BLOCKS = Counter(
    "turms_blocks",
    "Clients put on the blocklist, counted once per IP or user id by the worker that blocked them, by target "
    "(ip, user) and cause (manual: the admin API; frequent_request, corrupted_frame, corrupted_request: "
    "auto-block).",
    ["target", "cause"],
)
BLOCKED_CONNECTIONS = Counter(
    "turms_blocked_connections_refused",
    "Connections or logins refused because the client is on the blocklist, by target (ip: dropped at accept; "
    "user: a login refused).",
    ["target"],
)

# -- processes ------------------------------------------------------------------------------------------

WORKER_RESTARTS = Counter(
    "turms_worker_restarts",
    "Workers that died while serving and were replaced, by cause (exit: non-zero exit code; signal: killed "
    "from outside, e.g. the OOM killer; hung: killed by the supervisor for missing heartbeats).",
    ["cause"],
)
WORKER_BOOT_FAILURES = Counter(
    "turms_worker_boot_failures", "Workers that died before they were ready (after the first start)."
)
WORKER_DATASTORE_WAITS = Counter(
    "turms_worker_datastore_unavailable",
    "Workers that could not boot because Redis or the store did not answer; the supervisor waits and tries "
    "again with backoff instead of halting.",
)
WORKERS = Gauge(
    "turms_workers",
    "Worker processes of this host as the supervisor sees them, by state (ready, booting, draining).",
    ["state"],
    multiprocess_mode="livemax",
)
LOOP_LAG = Histogram(
    "turms_event_loop_lag_seconds",
    "How late each worker's lag-probe timer fired: time its event loop could not run anything.",
    buckets=LAG_BUCKETS,
)
LOOP_LAG_MAX = Gauge(
    "turms_event_loop_lag_max_seconds",
    "Largest event-loop lag a worker measured in the last minute (one series per worker pid).",
    multiprocess_mode="liveall",
)
PROCESS_CPU = Counter(
    "turms_process_cpu_seconds", "CPU time (user + system) used, by role (supervisor, worker).", ["role"]
)
PROCESS_MEMORY = Gauge(
    "turms_process_resident_memory_bytes",
    "Resident memory of each process (one series per pid), by role.",
    ["role"],
    multiprocess_mode="liveall",
)
PROCESS_FDS = Gauge(
    "turms_process_open_fds",
    "Open file descriptors of each process (one series per pid), by role.",
    ["role"],
    multiprocess_mode="liveall",
)

# -- plugins (turms/plugins/) ---------------------------------------------------------------------------

PLUGIN_CALLS = Counter(
    "turms_plugin_calls",
    "Calls of plugins' extension points, by plugin, point and outcome: ok, timeout (the point's time budget "
    "ran out), error (the plugin raised), dropped (an event not handed to the plugin because the worker already "
    "held plugins.max_pending_events), failed (the plugin is enabled but did not start: fail-closed points "
    "refuse, the others skip it).",
    ["plugin", "point", "outcome"],
)
PLUGIN_CALL_DURATION = Histogram(
    "turms_plugin_call_duration_seconds",
    "Time plugins' extension-point calls took (timeouts included, at their budget), by plugin and point.",
    ["plugin", "point"],
    buckets=IO_BUCKETS,
)
PLUGIN_EVENTS = Counter(
    "turms_plugin_events",
    "What plugins count themselves (PluginContext.count), by plugin and event; the webhook plugin: delivered, "
    "retried, rejected, gave_up, dropped_queue_full, dropped_shutdown (docs/plugins.md).",
    ["plugin", "event"],
)
PLUGIN_GAUGE = Gauge(
    "turms_plugin_gauge",
    "Values plugins report (PluginContext.gauge), summed over the host's workers; the webhook plugin: queue_depth.",
    ["plugin", "name"],
    multiprocess_mode="livesum",
)

# -- business (Turms's turms.business.* meters) ---------------------------------------------------------

USERS_LOGGED_IN = Counter("turms_business_user_logged_in", "Successful user logins.")
USERS_ONLINE = Gauge(
    "turms_business_user_online", "Distinct users with a session on this host.", multiprocess_mode="livesum"
)
USERS_REGISTERED = Counter("turms_business_user_registered", "Users created.")
USERS_DELETED = Counter("turms_business_user_deleted", "Users deleted.")
GROUPS_CREATED = Counter("turms_business_group_created", "Groups created.")
GROUPS_DELETED = Counter("turms_business_group_deleted", "Groups deleted.")
MESSAGES_SENT = Counter(
    "turms_business_message_sent", "Messages sent: CreateMessageRequests answered OK (forwards included)."
)

#: Every metric of the server; :func:`turms.observability.multiprocess.enable` re-binds exactly these.
ALL: Final[tuple[MetricWrapperBase, ...]] = (
    CONNECTIONS,
    CONNECTIONS_OPENED,
    SESSIONS,
    LOGINS,
    REQUESTS,
    REQUEST_DURATION,
    NOTIFICATIONS_DELIVERED,
    NOTIFICATIONS_PUBLISHED,
    NOTIFICATIONS_DROPPED,
    REDIS_DURATION,
    REDIS_ERRORS,
    STORE_DURATION,
    STORE_ERRORS,
    RATE_LIMIT_REFUSALS,
    BLOCKS,
    BLOCKED_CONNECTIONS,
    WORKER_RESTARTS,
    WORKER_BOOT_FAILURES,
    WORKER_DATASTORE_WAITS,
    WORKERS,
    LOOP_LAG,
    LOOP_LAG_MAX,
    PROCESS_CPU,
    PROCESS_MEMORY,
    PROCESS_FDS,
    USERS_LOGGED_IN,
    USERS_ONLINE,
    USERS_REGISTERED,
    USERS_DELETED,
    GROUPS_CREATED,
    GROUPS_DELETED,
    MESSAGES_SENT,
    PLUGIN_CALLS,
    PLUGIN_CALL_DURATION,
    PLUGIN_EVENTS,
    PLUGIN_GAUGE,
)

# -- cached children for the hot path -------------------------------------------------------------------

_request_counters: dict[tuple[str, int], Counter] = {}
_request_histograms: dict[str, Histogram] = {}
_connection_gauges: dict[str, tuple[Gauge, Counter]] = {}
_session_gauges: dict[tuple[str, int | None], Gauge] = {}
_redis_histograms: dict[str, Histogram] = {}
_store_histograms: dict[str, Histogram] = {}
_delivered: dict[str, Counter] = {}
_logins: dict[str, Counter] = {}
_refusals: dict[str, Counter] = {}
_blocked_connections: dict[str, Counter] = {}
_plugin_calls: dict[tuple[str, str, str], Counter] = {}
_plugin_durations: dict[tuple[str, str], Histogram] = {}

CREATE_MESSAGE_KIND = "create_message_request"
LOGIN_KIND = "create_session_request"


def reset_caches() -> None:
    """Forget the cached children (after :func:`~turms.observability.multiprocess.enable` re-binds them)."""
    for cache in (
        _request_counters,
        _request_histograms,
        _connection_gauges,
        _session_gauges,
        _redis_histograms,
        _store_histograms,
        _delivered,
        _logins,
        _refusals,
        _blocked_connections,
        _plugin_calls,
        _plugin_durations,
    ):
        cache.clear()


#: The login outcomes a dashboard or alert selects on, present at 0 from the start.
_LOGIN_REASONS: Final = (
    ResponseStatusCode.OK,
    ResponseStatusCode.UNSUPPORTED_CLIENT_VERSION,
    ResponseStatusCode.LOGIN_TIMEOUT,
    ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED,
    ResponseStatusCode.LOGGING_IN_USER_NOT_ACTIVE,
    ResponseStatusCode.LOGIN_FROM_FORBIDDEN_DEVICE_TYPE,
    ResponseStatusCode.SESSION_SIMULTANEOUS_CONFLICTS_DECLINE,
    ResponseStatusCode.CLIENT_REQUESTS_TOO_FREQUENT,
    ResponseStatusCode.SERVER_UNAVAILABLE,
    ResponseStatusCode.SERVER_INTERNAL_ERROR,
)


def preinitialize_worker() -> None:
    """Create, at 0, the labelled series that docs/operations.md names for alerting, in a worker.

    A labelled metric has no series until something increments it, and an alert over a series that does not
    exist reads "no data", not 0 (the error counters in particular). So every closed label set is created here
    once: transports, device types, login outcomes, every request type (answered OK, and answered with the
    server-error code the request-error alert selects on), notification routes, abuse scopes and causes, and
    one series per error counter.
    """
    from turms.protocol.pb import turms_request_pb2

    kinds = [f.name for f in turms_request_pb2.TurmsRequest.DESCRIPTOR.oneofs_by_name["kind"].fields]
    for transport in ("tcp", "ws"):
        _connection_children(transport)
        for device in constant_pb2.DeviceType.values():
            _session_gauge(transport, device)
    for code in _LOGIN_REASONS:
        LOGINS.labels("ok" if code == ResponseStatusCode.OK else "failed", code.name)
    for kind in kinds:
        for code in (ResponseStatusCode.OK, ResponseStatusCode.SERVER_INTERNAL_ERROR):
            REQUESTS.labels(kind, str(int(code)))
        REQUEST_DURATION.labels(kind)
    for route in ("local", "routed", "broadcast"):
        NOTIFICATIONS_DELIVERED.labels(route)
    for kind in ("unicast", "broadcast"):
        NOTIFICATIONS_PUBLISHED.labels(kind)
    for reason in ("publish_failed", "no_session", "bad_message"):
        NOTIFICATIONS_DROPPED.labels(reason)
    for error in ("ConnectionError", "TimeoutError"):
        REDIS_ERRORS.labels("PIPELINE", error)
    STORE_ERRORS.labels("find", "StorageUnavailableError")
    for scope in RATE_LIMIT_SCOPES:
        RATE_LIMIT_REFUSALS.labels(scope)
    for target in ("ip", "user"):
        BLOCKED_CONNECTIONS.labels(target)
        for cause in ("manual", "frequent_request", "corrupted_frame", "corrupted_request"):
            BLOCKS.labels(target, cause)


#: How a plugin call can end (``turms_plugin_calls_total``'s ``outcome``).
PLUGIN_OUTCOMES = ("ok", "timeout", "error", "dropped", "failed", "disabled")


def preinitialize_plugin(plugin: str, points: tuple[str, ...]) -> None:
    """Create, at 0, a started plugin's call series, so alerts over its timeouts and errors read 0, not "no data"
    (plugin names are not a closed set, so :func:`preinitialize_worker` cannot)."""
    for point in points:
        for outcome in PLUGIN_OUTCOMES:
            PLUGIN_CALLS.labels(plugin, point, outcome)
        PLUGIN_CALL_DURATION.labels(plugin, point)


def preinitialize_supervisor() -> None:
    """The supervisor's share of :func:`preinitialize_worker`: restart causes and worker states."""
    for cause in ("exit", "signal", "hung"):
        WORKER_RESTARTS.labels(cause)
    for state in ("ready", "booting", "draining"):
        WORKERS.labels(state)


def code_name(code: int) -> str:
    try:
        return ResponseStatusCode(code).name
    except ValueError:
        return str(code)


def device_name(device_type: int | None) -> str:
    if device_type is None:
        return "NONE"
    try:
        return constant_pb2.DeviceType.Name(device_type)
    except ValueError:
        return str(device_type)


def record_request(kind: str, code: int, seconds: float) -> None:
    """One answered client request: counts by (type, code), latency by type, logins and messages sent."""
    counter = _request_counters.get((kind, code))
    if counter is None:
        counter = _request_counters[(kind, code)] = REQUESTS.labels(kind, str(code))
    tick.inc(counter)
    histogram = _request_histograms.get(kind)
    if histogram is None:
        histogram = _request_histograms[kind] = REQUEST_DURATION.labels(kind)
    tick.observe(histogram, seconds)
    if kind == LOGIN_KIND:
        login = _logins.get(code_name(code))
        if login is None:
            reason = code_name(code)
            login = _logins[reason] = LOGINS.labels("ok" if code == ResponseStatusCode.OK else "failed", reason)
        tick.inc(login)
        if code == ResponseStatusCode.OK:
            tick.inc(USERS_LOGGED_IN)
    elif kind == CREATE_MESSAGE_KIND and code == ResponseStatusCode.OK:
        tick.inc(MESSAGES_SENT)


def _connection_children(transport: str) -> tuple[Gauge, Counter]:
    children = _connection_gauges.get(transport)
    if children is None:
        children = _connection_gauges[transport] = (
            CONNECTIONS.labels(transport),
            CONNECTIONS_OPENED.labels(transport),
        )
    return children


def connection_opened(transport: str) -> None:
    gauge, opened = _connection_children(transport)
    gauge.inc()
    opened.inc()


def connection_closed(transport: str) -> None:
    _connection_children(transport)[0].dec()


def _session_gauge(transport: str, device_type: int | None) -> Gauge:
    gauge = _session_gauges.get((transport, device_type))
    if gauge is None:
        gauge = _session_gauges[(transport, device_type)] = SESSIONS.labels(transport, device_name(device_type))
    return gauge


def session_opened(transport: str, device_type: int | None) -> None:
    _session_gauge(transport, device_type).inc()


def session_closed(transport: str, device_type: int | None) -> None:
    _session_gauge(transport, device_type).dec()


def notifications_delivered(route: str, sessions: int) -> None:
    if sessions:
        counter = _delivered.get(route)
        if counter is None:
            counter = _delivered[route] = NOTIFICATIONS_DELIVERED.labels(route)
        tick.inc(counter, sessions)


def redis_command(command: str) -> Histogram:
    """The latency histogram child of a Redis command (cached)."""
    histogram = _redis_histograms.get(command)
    if histogram is None:
        histogram = _redis_histograms[command] = REDIS_DURATION.labels(command)
    return histogram


def store_operation(operation: str) -> Histogram:
    """The latency histogram child of a store method (cached)."""
    histogram = _store_histograms.get(operation)
    if histogram is None:
        histogram = _store_histograms[operation] = STORE_DURATION.labels(operation)
    return histogram


def rate_limit_refused(scope: str) -> None:
    """One request (or connection) refused by the rate limit or cap of ``scope``; cheap under a flood."""
    counter = _refusals.get(scope)
    if counter is None:
        counter = _refusals[scope] = RATE_LIMIT_REFUSALS.labels(scope)
    counter.inc()


def blocked_connection_refused(target: str) -> None:
    """A connection (``ip``) or login (``user``) refused because the client is on the blocklist."""
    counter = _blocked_connections.get(target)
    if counter is None:
        counter = _blocked_connections[target] = BLOCKED_CONNECTIONS.labels(target)
    counter.inc()


def clients_blocked(target: str, cause: str, count: int) -> None:
    """``count`` IPs or user ids put on the blocklist (rare: not cached)."""
    if count:
        BLOCKS.labels(target, cause).inc(count)


def plugin_call(plugin: str, point: str, outcome: str, seconds: float | None = None) -> None:
    """One extension-point call of ``plugin`` and how it ended; ``seconds`` is its duration when it ran."""
    counter = _plugin_calls.get((plugin, point, outcome))
    if counter is None:
        counter = _plugin_calls[(plugin, point, outcome)] = PLUGIN_CALLS.labels(plugin, point, outcome)
    counter.inc()
    if seconds is not None:
        histogram = _plugin_durations.get((plugin, point))
        if histogram is None:
            histogram = _plugin_durations[(plugin, point)] = PLUGIN_CALL_DURATION.labels(plugin, point)
        histogram.observe(seconds)

"""Settings of the client-facing gateway: listeners, framing limits, session timeouts."""

from __future__ import annotations

from turms.settings.registry import at_least, between, port, setting

TCP_ENABLED = setting("gateway.tcp.enabled", bool, True, "Accept clients over TCP (varint32-framed protobuf).")
TCP_HOST = setting("gateway.tcp.host", str, "0.0.0.0", "Address the client TCP listener binds.")
TCP_PORT = setting("gateway.tcp.port", int, 11510, "Client TCP port (Turms's default).", validator=port)
WS_ENABLED = setting("gateway.websocket.enabled", bool, True, "Accept clients over WebSocket.")
WS_HOST = setting("gateway.websocket.host", str, "0.0.0.0", "Address the client WebSocket listener binds.")
WS_PORT = setting(
    "gateway.websocket.port", int, 10510, "Client WebSocket port (Turms's default); path `/`.", validator=port
)
BACKLOG = setting("gateway.backlog", int, 4096, "Listen backlog of each client listener.", validator=between(16, 65535))
MAX_FRAME_BYTES = setting(
    "gateway.client_api.max_frame_bytes",
    int,
    16384,
    "Largest client frame accepted (TCP length prefix or WebSocket message), checked before buffering.",
    validator=between(64, 64 * 1024 * 1024),
)
MAX_VALUE_DEPTH = setting(
    "gateway.client_api.max_value_depth",
    int,
    4,
    "Deepest `Value` a client may send (custom attributes, user-defined attributes, settings): a scalar is "
    "depth 1, a list of scalars depth 2. A deeper one answers ILLEGAL_ARGUMENT (1102). Values are relayed "
    "and stored, wrapped in more levels; without a bound one crafted request made pushes that no Turms client "
    "could decode (protobuf's limit is 100 levels).",
    validator=between(1, 32),
    live=True,
)
MAX_VALUES_PER_REQUEST = setting(
    "gateway.client_api.max_values_per_request",
    int,
    256,
    "Most `Value` messages (counting every list element) one client request may carry; more answers "
    "ILLEGAL_ARGUMENT (1102).",
    validator=between(1, 1_000_000),
    live=True,
)
LOGIN_TIMEOUT_S = setting(
    "gateway.session.login_timeout_s",
    float,
    10.0,
    "A connection that has not logged in within this time is closed with LOGIN_TIMEOUT (111).",
    validator=at_least(0.05),
    live=True,
)
HEARTBEAT_TIMEOUT_S = setting(
    "gateway.session.heartbeat_timeout_s",
    float,
    180.0,
    "A session that has sent nothing (not even a heartbeat) for this long is closed with HEARTBEAT_TIMEOUT (110).",
    validator=at_least(0.05),
    live=True,
)
CLOSE_RECONNECT_JITTER_MS = setting(
    "gateway.session.close_reconnect_jitter_ms",
    int,
    5000,
    "On a server-initiated close, clients are told to wait a random delay up to this long before "
    "reconnecting, so a restart does not cause a thundering herd.",
    validator=between(0, 600_000),
)
MAX_OUTBOUND_BYTES = setting(
    "gateway.client_api.max_outbound_bytes",
    int,
    1024 * 1024,
    "Bytes queued for one client and not yet taken by its socket before the client is disconnected as a "
    "slow consumer (it reconnects and re-syncs).",
    validator=between(4096, 1024 * 1024 * 1024),
)
MAX_IN_FLIGHT_REQUESTS = setting(
    "gateway.client_api.max_in_flight_requests",
    int,
    64,
    "Requests of one session being handled at once. At the limit the server stops reading from the "
    "connection until one finishes (the client's writes wait in the socket buffers), so one client cannot "
    "queue unbounded work: a sender of 11,000 messages/s into one conversation had 55,000 requests in "
    "flight, every one slowed by all the others, and none acknowledged within 8 s.",
    validator=between(1, 100_000),
    live=True,
)
DRAIN_REQUESTS_TIMEOUT_S = setting(
    "gateway.drain.requests_timeout_s",
    float,
    10.0,
    "During a graceful drain, how long requests already being handled may run before they are cancelled "
    "and every session is sent SERVER_CLOSED. Keep it below `server.drain_timeout_s`.",
    validator=at_least(0.0),
)
DRAIN_FLUSH_TIMEOUT_S = setting(
    "gateway.drain.flush_timeout_s",
    float,
    3.0,
    "During a graceful drain, how long closing connections may take to flush their last notifications "
    "before they are reset.",
    validator=at_least(0.0),
)
DEBUG_EXPOSE_WORKER_PID = setting(
    "gateway.debug.expose_worker_pid",
    bool,
    False,
    "Debugging aid: append `[worker <pid>]` to the `reason` of every notification the gateway itself "
    "builds (error responses, close notifications), so a client can tell which worker process serves it. "
    "Off in production: it discloses process ids.",
)

"""The load generator: lean protocol clients driven on open-loop schedules, one asyncio loop per process.

Each :class:`BenchClient` is an ``asyncio.Protocol`` (no task per connection) that logs in with a
pre-encoded frame, answers nothing, and records what arrives: login results, acks of its sends, and pushed
messages. A message's text carries the monotonic nanosecond at which it was *scheduled* to be sent, so
send→delivery latency is measured from the schedule, not from when the generator got round to it (no
coordinated omission). ``time.monotonic_ns`` is the system-wide CLOCK_MONOTONIC, comparable across the
generator's processes.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from turms.protocol.framing import FrameDecoder, encode_frame
from turms.protocol.pb import request_message_pb2, request_session_pb2, turms_notification_pb2, turms_request_pb2
from turms.protocol.requests import to_enum

LOGIN_REQUEST_ID = 1
#: The server's idempotency-key attribute (turms.service.message.model.IDEMPOTENCY_TAG).
IDEMPOTENCY_TAG = "turms:idempotency_key"
TurmsNotification = turms_notification_pb2.TurmsNotification


def login_frame(user_id: int, password: str, device_type: int = 0) -> bytes:
    from turms.protocol.pb import constant_pb2

    req = turms_request_pb2.TurmsRequest(request_id=LOGIN_REQUEST_ID)
    req.create_session_request.CopyFrom(
        request_session_pb2.CreateSessionRequest(
            version=1,
            user_id=user_id,
            password=password,
            device_type=to_enum(constant_pb2.DeviceType, device_type, strict=False),
        )
    )
    return encode_frame(req.SerializeToString())


def message_frame(
    request_id: int, text: str, *, recipient_id: int = 0, group_id: int = 0, idempotency_key: str | None = None
) -> bytes:
    req = turms_request_pb2.TurmsRequest(request_id=request_id)
    if idempotency_key is not None:
        # As the SDK sends every message (turms.client.message): the server stores a claim for the key.
        attr = req.custom_attributes.add()
        attr.list_value.add(string_value=IDEMPOTENCY_TAG)
        attr.list_value.add(string_value=idempotency_key)
    body = request_message_pb2.CreateMessageRequest(text=text)
    if group_id:
        body.group_id = group_id
    else:
        body.recipient_id = recipient_id
    req.create_message_request.CopyFrom(body)
    return encode_frame(req.SerializeToString())


def request_frame(request_id: int, kind: str, message: Any) -> bytes:
    req = turms_request_pb2.TurmsRequest(request_id=request_id)
    getattr(req, kind).CopyFrom(message)
    return encode_frame(req.SerializeToString())


HEARTBEAT = b"\x00"


@dataclass
class Stats:
    """What one generator process observed; merged across processes by the runner."""

    logins_ok: int = 0
    logins_failed: dict[int, int] = field(default_factory=dict)
    login_latency_ms: list[float] = field(default_factory=list)
    connect_errors: int = 0
    sent: int = 0
    acked: int = 0
    ack_failed: dict[int, int] = field(default_factory=dict)
    ack_latency_ms: list[float] = field(default_factory=list)
    #: When the last successful ack arrived (monotonic ns; 0: none).
    last_ack_ns: int = 0
    delivered: int = 0
    delivery_latency_ms: list[float] = field(default_factory=list)
    #: (sender id, schedule ns) of every acked message, to prove zero loss against deliveries.
    acked_keys: set[tuple[int, int]] = field(default_factory=set)
    #: Deliveries per message key (a group message reaches several members of one process).
    delivered_counts: dict[tuple[int, int], int] = field(default_factory=dict)
    closed: dict[int, int] = field(default_factory=dict)
    responses: dict[int, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "logins_ok": self.logins_ok,
            "logins_failed": self.logins_failed,
            "login_latency_ms": self.login_latency_ms,
            "connect_errors": self.connect_errors,
            "sent": self.sent,
            "acked": self.acked,
            "ack_failed": self.ack_failed,
            "ack_latency_ms": self.ack_latency_ms,
            "last_ack_ns": self.last_ack_ns,
            "delivered": self.delivered,
            "delivery_latency_ms": self.delivery_latency_ms,
            "acked_keys": sorted(self.acked_keys),
            "delivered_counts": sorted([*key, n] for key, n in self.delivered_counts.items()),
            "closed": self.closed,
            "responses": self.responses,
        }


class BenchClient(asyncio.Protocol):
    __slots__ = (
        "_decoder",
        "_login_sent_ns",
        "_next_rid",
        "_pending",
        "gen",
        "logged_in",
        "on_response",
        "transport",
        "user_id",
    )

    def __init__(self, gen: Generator, user_id: int) -> None:
        self.gen = gen
        self.user_id = user_id
        self.transport: asyncio.Transport | None = None
        self._decoder = FrameDecoder(1 << 24)
        self.logged_in: asyncio.Future[int] = gen.loop.create_future()
        self._login_sent_ns = 0
        self._next_rid = itertools.count(2)
        #: request id → (schedule ns, sender key)
        self._pending: dict[int, int] = {}
        self.on_response: Callable[[BenchClient, Any], None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._login_sent_ns = time.monotonic_ns()
        self.transport.write(self.gen.login_frames(self.user_id))  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        for payload in self._decoder.feed(data):
            if payload:
                self._on_notification(TurmsNotification.FromString(payload))

    def _on_notification(self, n: Any) -> None:
        stats = self.gen.stats
        now = time.monotonic_ns()
        if n.HasField("relayed_request"):  # a push (checked first: the common case, a group push)
            text = n.relayed_request.create_message_request.text
            try:
                scheduled = int(text.partition(":")[0])
            except ValueError:
                return
            stats.delivered += 1
            stats.delivery_latency_ms.append((now - scheduled) / 1e6)
            key = (n.requester_id, scheduled)
            counts = stats.delivered_counts
            counts[key] = counts.get(key, 0) + 1
            return
        if n.HasField("request_id"):
            rid = n.request_id
            if rid == LOGIN_REQUEST_ID:
                if n.code == 1000:
                    stats.logins_ok += 1
                    stats.login_latency_ms.append((now - self._login_sent_ns) / 1e6)
                else:
                    stats.logins_failed[n.code] = stats.logins_failed.get(n.code, 0) + 1
                if not self.logged_in.done():
                    self.logged_in.set_result(n.code)
                return
            sent_for = self._pending.pop(rid, None)
            if sent_for is not None:
                if n.code == 1000:
                    stats.acked += 1
                    stats.ack_latency_ms.append((now - sent_for) / 1e6)
                    stats.last_ack_ns = now
                    stats.acked_keys.add((self.user_id, sent_for))
                else:
                    stats.ack_failed[n.code] = stats.ack_failed.get(n.code, 0) + 1
                return
            stats.responses[n.code] = stats.responses.get(n.code, 0) + 1
            if self.on_response is not None:
                self.on_response(self, n)
            return
        if n.HasField("close_status"):
            stats.closed[n.close_status] = stats.closed.get(n.close_status, 0) + 1

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.logged_in.done():
            self.logged_in.set_result(-1)
        self.gen.lost(self)

    def send_message(self, scheduled_ns: int, *, recipient_id: int = 0, group_id: int = 0) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        rid = next(self._next_rid)
        self._pending[rid] = scheduled_ns
        self.gen.stats.sent += 1
        text = f"{scheduled_ns}:{self.user_id}"
        key = text if self.gen.idempotency_keys else None
        self.transport.write(
            message_frame(rid, text, recipient_id=recipient_id, group_id=group_id, idempotency_key=key)
        )

    def send_request(self, kind: str, message: Any) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(request_frame(next(self._next_rid), kind, message))

    def heartbeat(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(HEARTBEAT)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class Generator:
    """Connections of one generator process, spread over several loopback source addresses."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        passwords: Callable[[int], str],
        source_addresses: list[str],
        device_type: int = 0,
        idempotency_keys: bool = False,
    ) -> None:
        """``idempotency_keys``: every message carries one, as the SDK's sends do."""
        self.loop = asyncio.get_running_loop()
        self.idempotency_keys = idempotency_keys
        self.host = host
        self.port = port
        self.passwords = passwords
        self.sources = itertools.cycle(source_addresses)
        self.device_type = device_type
        self.stats = Stats()
        self.clients: dict[int, BenchClient] = {}

    def login_frames(self, user_id: int) -> bytes:
        return login_frame(user_id, self.passwords(user_id), self.device_type)

    def lost(self, client: BenchClient) -> None:
        if self.clients.get(client.user_id) is client:
            del self.clients[client.user_id]

    async def connect(self, user_id: int) -> BenchClient | None:
        try:
            _, client = await self.loop.create_connection(
                lambda: BenchClient(self, user_id), self.host, self.port, local_addr=(next(self.sources), 0)
            )
        except OSError:
            self.stats.connect_errors += 1
            return None
        self.clients[user_id] = client
        return client

    async def ramp(self, user_ids: list[int], rate_per_s: float, *, timeout_s: float = 60.0) -> float:
        """Log ``user_ids`` in at ``rate_per_s`` (open loop); return the achieved logins per second."""
        started = time.monotonic()
        waiting: list[asyncio.Future[int]] = []
        tasks: list[asyncio.Task[BenchClient | None]] = []
        for i, uid in enumerate(user_ids):
            due = started + i / rate_per_s
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(self.loop.create_task(self.connect(uid)))
        for client in await asyncio.gather(*tasks):
            if client is not None:
                waiting.append(client.logged_in)
        if waiting:
            await asyncio.wait(waiting, timeout=timeout_s)
        elapsed = time.monotonic() - started
        return self.stats.logins_ok / elapsed if elapsed > 0 else 0.0

    def heartbeat_all(self) -> None:
        for client in list(self.clients.values()):
            client.heartbeat()

    def close_all(self) -> None:
        for client in list(self.clients.values()):
            client.close()

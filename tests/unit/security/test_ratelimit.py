"""Token buckets and the gateway's per-request check, on a fake clock (no sleeping)."""

from __future__ import annotations

from typing import Any

import pytest

from turms.clock import FakeClock
from turms.gateway import ClientSession, Gateway
from turms.protocol.pb import turms_notification_pb2, turms_request_pb2
from turms.protocol.status import ResponseStatusCode
from turms.security.guard import AbuseGuard
from turms.security.ratelimit import RateLimiter, TokenBucket, bucket_config
from turms.settings import load_settings

pytestmark = pytest.mark.timeout(10)

TURMS = bucket_config(capacity=50, initial_tokens=50, refill_tokens=1, refill_interval_ms=1000)


def test_200_requests_in_one_second_then_ten_more_after_ten_seconds() -> None:
    clock = FakeClock()
    bucket = TokenBucket(TURMS, clock.monotonic())
    outcomes = []
    for _ in range(200):
        outcomes.append(bucket.try_acquire(TURMS, clock.monotonic()))
        clock.advance(1 / 200)  # spread over one second: no whole refill interval passes
    assert outcomes.count(True) == 50
    assert outcomes[:50] == [True] * 50 and outcomes[50:] == [False] * 150
    clock.advance(10)
    assert [bucket.try_acquire(TURMS, clock.monotonic()) for _ in range(11)] == [True] * 10 + [False]


def test_refill_stays_on_its_grid_and_caps_at_capacity() -> None:
    clock = FakeClock()
    config = bucket_config(capacity=3, initial_tokens=0, refill_tokens=1, refill_interval_ms=1000)
    bucket = TokenBucket(config, clock.monotonic())
    assert not bucket.try_acquire(config, clock.monotonic())
    clock.advance(1.5)
    assert bucket.try_acquire(config, clock.monotonic())
    clock.advance(0.5)  # 2.0 s after start: the second interval completes although only 0.5 s passed
    assert bucket.try_acquire(config, clock.monotonic())
    clock.advance(3600)
    assert [bucket.try_acquire(config, clock.monotonic()) for _ in range(4)] == [True, True, True, False]


def test_limiter_keys_are_independent_and_idle_buckets_are_evicted() -> None:
    clock = FakeClock()
    limiter: RateLimiter[str] = RateLimiter(lambda: TURMS, clock.monotonic)
    assert all(limiter.try_acquire("10.0.0.1") for _ in range(50))
    assert not limiter.try_acquire("10.0.0.1")
    assert limiter.try_acquire("10.0.0.2")
    clock.advance(49)
    assert limiter.evict_idle() == 0  # not full again yet
    clock.advance(2)
    assert limiter.evict_idle() == 2 and len(limiter) == 0
    assert limiter.tokens("10.0.0.1") == 50


def test_a_live_capacity_change_applies_to_existing_buckets() -> None:
    clock = FakeClock()
    current = [TURMS]
    limiter: RateLimiter[str] = RateLimiter(lambda: current[0], clock.monotonic)
    limiter.try_acquire("ip")
    current[0] = bucket_config(5, 5, 1, 1000)
    assert [limiter.try_acquire("ip") for _ in range(6)] == [True] * 5 + [False]


# -- the gateway's per-request check ----------------------------------------------------------------------


class FakeConnection:
    transport_name = "fake"

    def __init__(self, remote: str) -> None:
        self.remote = remote
        self.sent: list[bytes] = []

    def send(self, payload: bytes) -> bool:
        self.sent.append(payload)
        return True

    def close(self, ws_code: int = 1000) -> None:
        pass

    def abort(self) -> None:
        pass

    def codes(self) -> list[int]:
        out = []
        for payload in self.sent:
            n = turms_notification_pb2.TurmsNotification()
            n.ParseFromString(payload)
            out.append(n.code)
        return out


class OkHandler:
    async def handle(self, session: ClientSession, request: Any) -> bytes | None:
        n = turms_notification_pb2.TurmsNotification(request_id=request.request_id, code=1000)
        return bytes(n.SerializeToString())


def request(i: int, kind: str = "query_conversations_request") -> bytes:
    r = turms_request_pb2.TurmsRequest(request_id=i)
    getattr(r, kind).SetInParent()
    return bytes(r.SerializeToString())


def gateway(clock: FakeClock, **flags: str) -> Gateway:
    settings = load_settings(None, env={}, flags=list(flags.items()))
    gw = Gateway(settings, OkHandler(), clock=clock.monotonic)
    gw.guard = AbuseGuard(settings, clock)
    return gw


async def settle(gw: Gateway) -> None:
    import asyncio

    for _ in range(1000):  # the handler answers at once: a few loop turns drain every task
        if not gw.in_flight:
            return
        await asyncio.sleep(0)


async def test_gateway_answers_1101_beyond_the_ip_bucket_and_recovers_on_the_fake_clock() -> None:
    clock = FakeClock()
    gw = gateway(clock)
    conn = FakeConnection("203.0.113.7:5000")
    session = gw.connection_made(conn)
    gw.session_logged_in(session, 42, 0)
    for i in range(1, 201):
        gw.frame_received(session, request(i))
        clock.advance(1 / 200)
    await settle(gw)
    codes = conn.codes()
    assert codes.count(1000) == 50
    assert codes.count(int(ResponseStatusCode.CLIENT_REQUESTS_TOO_FREQUENT)) == 150
    conn.sent.clear()
    clock.advance(10)
    for i in range(201, 212):
        gw.frame_received(session, request(i))
    await settle(gw)
    assert sorted(conn.codes()) == [1000] * 10 + [1101]
    # Heartbeats are never rate limited.
    conn.sent.clear()
    for _ in range(100):
        gw.frame_received(session, b"")
    assert conn.sent == [b""] * 100


async def test_the_ip_bucket_is_shared_by_connections_from_one_ip() -> None:
    clock = FakeClock()
    gw = gateway(clock, **{"security.rate_limit.session.enabled": "false"})
    a, b = FakeConnection("198.51.100.1:1"), FakeConnection("198.51.100.1:2")
    other = FakeConnection("198.51.100.2:1")
    sa, sb, so = gw.connection_made(a), gw.connection_made(b), gw.connection_made(other)
    for s in (sa, sb, so):
        gw.session_logged_in(s, s.id, 0)
    for i in range(30):
        gw.frame_received(sa, request(i + 1))
        gw.frame_received(sb, request(i + 1))
        gw.frame_received(so, request(i + 1))
    await settle(gw)
    assert (a.codes() + b.codes()).count(1000) == 50
    assert other.codes().count(1000) == 30


async def test_session_bucket_and_per_kind_limits() -> None:
    clock = FakeClock()
    gw = gateway(
        clock,
        **{
            "security.rate_limit.ip.enabled": "false",
            "security.rate_limit.session.capacity": "5",
            "security.rate_limit.session.initial_tokens": "5",
            "security.rate_limit.request_types": "create_message_request=2/1000",
        },
    )
    conn = FakeConnection("192.0.2.1:1")
    s = gw.connection_made(conn)
    gw.session_logged_in(s, 1, 0)
    for i in range(3):
        gw.frame_received(s, request(i + 1, "create_message_request"))
    await settle(gw)
    assert sorted(conn.codes()) == [1000, 1000, 1101]  # refusals are answered before dispatched requests
    conn.sent.clear()
    for i in range(4):
        gw.frame_received(s, request(i + 10))
    await settle(gw)
    assert sorted(conn.codes()) == [1000, 1000, 1101, 1101]  # 5 session tokens: 3 spent above


async def test_disabled_request_types_answer_illegal_argument_but_login_cannot_be_disabled() -> None:
    clock = FakeClock()
    gw = gateway(
        clock,
        **{"security.client_api.disabled_request_types": "query_conversations_request,create_session_request"},
    )
    conn = FakeConnection("192.0.2.2:1")
    s = gw.connection_made(conn)
    gw.frame_received(s, request(1, "create_session_request"))
    gw.session_logged_in(s, 7, 0)
    gw.frame_received(s, request(2))
    gw.frame_received(s, request(3, "query_messages_request"))
    await settle(gw)
    assert sorted(conn.codes()) == [1000, 1000, int(ResponseStatusCode.ILLEGAL_ARGUMENT)]


def test_unauthenticated_connections_per_ip_are_capped() -> None:
    clock = FakeClock()
    settings = load_settings(None, env={}, flags=[("security.connections.max_unauthenticated_per_ip", "3")])
    gw = Gateway(settings, OkHandler(), clock=clock.monotonic)
    guard = gw.guard
    sessions = []
    for port in range(3):
        assert guard.admit("::ffff:10.1.1.1")  # an IPv4-mapped address counts as the IPv4 one
        sessions.append(gw.connection_made(FakeConnection(f"10.1.1.1:{port}")))
    assert not guard.admit("10.1.1.1")
    assert guard.admit("10.1.1.2")
    gw.session_logged_in(sessions[0], 1, 0)  # logged in: no longer counted
    assert guard.admit("10.1.1.1")
    gw.connection_lost(sessions[1])
    assert guard.unauthenticated("10.1.1.1") == 1

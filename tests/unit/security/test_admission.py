"""Admission at accept for the HTTP listeners: the client WebSocket's share of the unauthenticated cap, and the
admin port's own per-IP cap and blocklist check."""

from __future__ import annotations

from turms.clock import FakeClock
from turms.security.blocklist import BlockTarget
from turms.security.guard import AbuseGuard, ConnectionCap, PendingClients
from turms.settings import load_settings


def guard(**flags: str) -> AbuseGuard:
    settings = load_settings(None, env={}, flags=list(flags.items()))
    return AbuseGuard(settings, FakeClock())


def test_a_websocket_counts_as_unauthenticated_from_accept_until_its_upgrade() -> None:
    g = guard(**{"security.connections.max_unauthenticated_per_ip": "3"})
    pending = PendingClients(g)
    keys = [pending.admit("::ffff:10.0.0.1") for _ in range(3)]
    assert keys == ["10.0.0.1"] * 3
    assert pending.admit("10.0.0.1") is None  # the cap, before any upgrade request arrived
    assert g.admit("10.0.0.1") is False  # and TCP shares it
    pending.release("10.0.0.1")  # one upgraded: the gateway counts it from now on
    g.opened(1, "10.0.0.1:5000")
    assert pending.admit("10.0.0.1") is None
    g.authenticated(1)
    assert pending.admit("10.0.0.1") == "10.0.0.1"
    assert pending.admit("10.0.0.2") == "10.0.0.2"  # other IPs are not affected


def test_a_blocked_ip_is_refused_at_accept_on_every_listener() -> None:
    g = guard()
    clock = g.clock
    assert isinstance(clock, FakeClock)
    g.blocklist.block(BlockTarget.IP, ["10.0.0.9"], clock.now_ms() + 60_000, clock.now_ms())
    assert PendingClients(g).admit("10.0.0.9") is None
    cap = ConnectionCap(g, lambda: 10, lambda: True, "admin_connections")
    assert cap.admit("10.0.0.9") is None
    lenient = ConnectionCap(g, lambda: 10, lambda: False, "admin_connections")
    assert lenient.admit("10.0.0.9") == "10.0.0.9"  # admin.http.refuse_blocked_ips = false
    assert g.ip_blocked("10.0.0.9") and not g.ip_blocked("10.0.0.8")


def test_the_admin_cap_counts_open_connections_per_ip() -> None:
    limit = [2]
    cap = ConnectionCap(guard(), lambda: limit[0], lambda: True, "admin_connections")
    assert [cap.admit("10.0.0.1") for _ in range(3)] == ["10.0.0.1", "10.0.0.1", None]
    cap.release("10.0.0.1")
    assert cap.admit("10.0.0.1") == "10.0.0.1"
    limit[0] = 0  # 0 turns it off (read live)
    assert cap.admit("10.0.0.1") == "10.0.0.1"
    assert cap.open_from("10.0.0.1") == 3

"""Refusals and blocks are counted where they are decided: rate-limit refusals by scope, blocked connections
and logins by target, blocks by target and cause (admin API or auto-block), once per blocked client."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from turms.clock import FakeClock
from turms.protocol.status import ResponseStatusCode
from turms.security.blocklist import BlocklistService, BlockTarget, Violation
from turms.security.guard import AbuseGuard
from turms.settings import load_settings

pytestmark = pytest.mark.timeout(10)

REFUSALS = "turms_rate_limit_refusals_total"
BLOCKED_CONNECTIONS = "turms_blocked_connections_refused_total"
BLOCKS = "turms_blocks_total"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def guard_with(clock: FakeClock, **settings: str) -> AbuseGuard:
    return AbuseGuard(load_settings(None, env={}, flags=list(settings.items())), clock)


def test_refusals_are_counted_by_the_scope_of_the_bucket_that_refused() -> None:
    clock = FakeClock()
    guard = guard_with(
        clock,
        **{
            "security.rate_limit.ip.capacity": "3",
            "security.rate_limit.ip.initial_tokens": "3",
            "security.rate_limit.session.capacity": "2",
            "security.rate_limit.session.initial_tokens": "2",
            "security.rate_limit.request_types": "create_message_request=1/60000",
        },
    )
    before = {scope: value(REFUSALS, scope=scope) for scope in ("ip", "session", "request_type")}

    def refused(session_id: int, kind: str = "query_conversations_request") -> bool:
        outcome = guard.check(session_id, None, kind)
        assert outcome is None or outcome[0] is ResponseStatusCode.CLIENT_REQUESTS_TOO_FREQUENT
        return outcome is not None

    # Session 1: its own bucket (2) empties first -> session; the kind bucket (1) refuses a second message.
    guard.opened(1, "192.0.2.1:1000")
    assert [refused(1, "create_message_request"), refused(1, "create_message_request")] == [False, True]
    assert refused(1)  # the session bucket is empty now (the refused message took its token)
    # Session 2 from the same IP: the IP bucket (3) is empty, every check of session 1 took one of its tokens.
    guard.opened(2, "192.0.2.1:1001")
    assert [refused(2), refused(2)] == [True, True]
    after = {scope: value(REFUSALS, scope=scope) - before[scope] for scope in before}
    assert after == {"ip": 2, "session": 1, "request_type": 1}


def test_the_unauthenticated_connection_cap_and_a_blocked_ip_are_counted_at_accept() -> None:
    clock = FakeClock()
    guard = guard_with(clock, **{"security.connections.max_unauthenticated_per_ip": "2"})
    capped = value(REFUSALS, scope="unauthenticated_connections")
    blocked = value(BLOCKED_CONNECTIONS, target="ip")
    for port in range(2):
        assert guard.admit("10.2.0.1")
        guard.opened(port, f"10.2.0.1:{port}")
    assert not guard.admit("10.2.0.1")
    assert not guard.admit("10.2.0.1")
    assert value(REFUSALS, scope="unauthenticated_connections") == capped + 2
    assert value(BLOCKED_CONNECTIONS, target="ip") == blocked
    guard.blocklist.block(BlockTarget.IP, ["10.2.0.9"], clock.now_ms() + 60_000, clock.now_ms())
    assert not guard.admit("::ffff:10.2.0.9")
    assert guard.admit("10.2.0.8")
    assert value(BLOCKED_CONNECTIONS, target="ip") == blocked + 1
    assert value(REFUSALS, scope="unauthenticated_connections") == capped + 2


def test_a_login_refused_for_a_blocked_user_is_counted_and_an_allowed_one_is_not() -> None:
    clock = FakeClock()
    guard = guard_with(clock)
    before = value(BLOCKED_CONNECTIONS, target="user")
    assert not guard.user_blocked(41)
    guard.blocklist.block(BlockTarget.USER, [42], clock.now_ms() + 1000, clock.now_ms())
    assert guard.user_blocked(42)
    assert not guard.user_blocked(41)
    clock.advance(1)  # the block ran out
    assert not guard.user_blocked(42)
    assert value(BLOCKED_CONNECTIONS, target="user") == before + 1


class Memory:
    """An in-memory blocklist backend; ``fail`` makes the next block raise (Redis down)."""

    def __init__(self) -> None:
        self.blocked: dict[str, int] = {}
        self.fail = False

    async def block(self, target: BlockTarget, ids: list[str] | list[int], expiry_ms: int) -> None:
        if self.fail:
            raise ConnectionError("redis is down")
        self.blocked.update({str(i): expiry_ms for i in ids})

    async def unblock(self, target: BlockTarget, ids: list[str] | list[int] | None) -> None:
        for i in ids or list(self.blocked):
            self.blocked.pop(str(i), None)

    async def query(self, target: BlockTarget, ids: object, now_ms: int) -> dict[str, int]:
        return {k: v for k, v in self.blocked.items() if v > now_ms}


async def test_blocks_are_counted_per_client_by_target_and_cause() -> None:
    clock = FakeClock()
    settings = load_settings(
        None,
        env={},
        flags=[
            ("security.blocklist.auto_block.enabled", "true"),
            ("security.blocklist.auto_block.trigger_times", "2"),
        ],
    )
    guard = AbuseGuard(settings, clock)
    backend = Memory()
    service = BlocklistService(settings, clock, guard.blocklist, backend)
    guard.service = service
    keys = [
        ("ip", "manual"),
        ("user", "manual"),
        ("ip", "corrupted_frame"),
        ("user", "corrupted_frame"),
        ("ip", "frequent_request"),
    ]
    before = {k: value(BLOCKS, target=k[0], cause=k[1]) for k in keys}

    # The admin API: two distinct IPs (the duplicate is one client), one user.
    assert await service.block_ips(["10.3.0.1", "::ffff:10.3.0.1", "10.3.0.2"], 60) == ["10.3.0.1", "10.3.0.2"]
    assert await service.block_user_ids([7], 60) == [7]
    # Auto-block: the second corrupted frame of session 1 blocks its IP and its user.
    guard.opened(1, "10.3.0.5:1")
    guard.report(Violation.CORRUPTED_FRAME, 1, 8)
    await service.flush()
    assert not guard.blocklist.is_ip_blocked("10.3.0.5", clock.now_ms())
    guard.report(Violation.CORRUPTED_FRAME, 1, 8)
    await service.flush()
    assert guard.blocklist.is_ip_blocked("10.3.0.5", clock.now_ms()) and guard.user_blocked(8)
    # A block the backend could not store is not counted.
    backend.fail = True
    with pytest.raises(ConnectionError):
        await service.block_ips(["10.3.0.3"], 60)
    guard.opened(2, "10.3.0.6:1")
    for _ in range(2):
        guard.report(Violation.FREQUENT_REQUEST, 2, None)
    await service.flush()
    assert not guard.blocklist.is_ip_blocked("10.3.0.6", clock.now_ms())

    counted = {k: value(BLOCKS, target=k[0], cause=k[1]) - before[k] for k in keys}
    assert counted == {
        ("ip", "manual"): 2,
        ("user", "manual"): 1,
        ("ip", "corrupted_frame"): 1,
        ("user", "corrupted_frame"): 1,
        ("ip", "frequent_request"): 0,
    }

"""A broadcast is published before this worker writes its own share; if the publish fails, its local sessions
still get the push and the caller sees the error (turms.cluster.bus.RoutingBus.deliver_broadcast)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import redis.asyncio as aioredis

from turms.cluster.bus import RoutingBus
from turms.cluster.keys import Keys
from turms.cluster.membership import Membership
from turms.cluster.sessions import SessionRegistry

from testlib import free_port

pytestmark = pytest.mark.timeout(30)


class LocalShare:
    def __init__(self) -> None:
        self.delivered: list[tuple[list[int], bytes]] = []

    def deliver_local(
        self, user_ids: Sequence[int], payload: bytes, exclude_session: str | None, trace_id: str | None
    ) -> int:
        self.delivered.append((list(user_ids), payload))
        return len(user_ids)


async def test_a_failed_publish_still_delivers_locally_and_raises() -> None:
    dead = aioredis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)  # nothing listens there
    keys = Keys("tbcast:")
    local = LocalShare()
    bus = RoutingBus(dead, dead, keys, "a", SessionRegistry(dead, keys, Membership(dead, keys, "a")), local)  # type: ignore[arg-type]
    try:
        with pytest.raises((aioredis.RedisError, OSError)):
            await bus.deliver_broadcast([1, 2, 3], b"hello")
        assert local.delivered == [([1, 2, 3], b"hello")]
    finally:
        await dead.aclose()

"""A request flood: throttled (1101), its address auto-blocked once, and everyone else served meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter

import pytest

from turms.protocol.framing import encode_frame
from turms.protocol.status import ResponseStatusCode as Code
from turms.protocol.status import SessionCloseStatus

from hostile_support import Target, honest_served, new_source, request, tcp
from integration_support import parse_notification, sample, scrape

pytestmark = pytest.mark.slow

FLOOD = 5000


async def test_a_flood_is_throttled_and_its_address_blocked_once_while_others_are_served(target: Target) -> None:
    """LOW 7: every extra over-limit request while the address was already blocked blocked it again (147 log
    lines and Redis writes for one burst), escalating straight to the top level."""
    source = new_source()
    before = await scrape(target.server)
    log_before = len(target.server.log())
    async with tcp(target.tcp, source) as flooder:
        burst = b"".join(
            encode_frame(request("query_user_online_statuses_request", user_ids=[1]).SerializeToString())
            for _ in range(FLOOD)
        )
        flooder.send_raw(burst)  # one write: the server reads it in a few large chunks
        honest = asyncio.create_task(_honest_meanwhile(target))
        codes: Counter[int] = Counter()
        closed_with = None
        while True:
            try:
                frame = await flooder.recv(within=5)
            except ConnectionResetError:
                break
            if frame is None:
                break
            n = parse_notification(frame)
            if n.HasField("close_status"):
                closed_with = n.close_status
            else:
                codes[int(n.code)] += 1
        await honest
    # Throttled: the per-IP bucket of 50 answered the rest 1101 (requests before login are answered 1105).
    assert codes[Code.SEND_REQUEST_FROM_NONEXISTENT_SESSION] <= 50 + 5
    assert codes[Code.CLIENT_REQUESTS_TOO_FREQUENT] >= 5
    # Auto-blocked after 5 violations, and told so (701) when the block arrived.
    assert closed_with == SessionCloseStatus.USER_IS_BLOCKED
    await asyncio.sleep(1.0)  # every worker has applied the block
    lines = [line for line in target.server.log()[log_before:].splitlines() if f"auto-blocking IP {source} " in line]
    assert len(lines) == 1, lines
    after = await scrape(target.server)
    labels = {"target": "ip", "cause": "frequent_request"}
    assert sample(after, "turms_blocks_total", **labels) - sample(before, "turms_blocks_total", **labels) == 1
    # Still blocked (at the first level), on every listener of every worker.
    for _ in range(4):
        async with tcp(target.tcp, source) as again:
            again.send_raw(b"\x00")
            with contextlib.suppress(ConnectionResetError):
                assert await again.recv(within=2) is None


async def _honest_meanwhile(target: Target) -> None:
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        await honest_served(target, "during a request flood")
        await asyncio.sleep(0.2)

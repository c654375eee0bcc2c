"""Announcing that cached data changed: a failed broadcast is retried in the background until the cache's TTL
has passed (then every entry loaded before the change has expired), and the caller waits for the first attempt only."""

from __future__ import annotations

import asyncio
import logging

import pytest
from test_group_member_cache import Hub

from turms.service import invalidation
from turms.service.invalidation import announce


async def test_the_first_attempt_is_awaited_and_a_failure_is_retried_until_it_gets_through() -> None:
    hub = Hub()
    await announce(hub, "k", {"x": 1}, retry_for_s=60, what="x changed")
    assert hub.sent == [{"x": 1}]
    hub.failing = 3
    await announce(hub, "k", {"x": 2}, retry_for_s=60, what="x changed")
    assert hub.sent == [{"x": 1}] and len(invalidation._retrying) == 1  # returned; the retries go on
    await asyncio.wait_for(asyncio.gather(*invalidation._retrying), 5)  # after 0.1, 0.2 and 0.4 s
    assert hub.sent == [{"x": 1}, {"x": 2}] and hub.failing == 0
    assert not invalidation._retrying


async def test_retries_stop_once_the_ttl_has_passed(caplog: pytest.LogCaptureFixture) -> None:
    hub = Hub()
    hub.failing = 1_000
    with caplog.at_level(logging.WARNING, "turms.service"):
        await announce(hub, "k", {"x": 1}, retry_for_s=0.5, what="x changed")
        tasks = set(invalidation._retrying)
        assert len(tasks) == 1
        await asyncio.wait_for(asyncio.gather(*tasks), 2)
    tries = 1_000 - hub.failing
    # The first, then after 0.1, 0.3 and 0.5 s (the last at the deadline); fewer if a sleep overran.
    assert 2 <= tries <= 4
    assert hub.sent == [] and "gave up telling other workers that x changed" in caplog.text


async def test_without_a_ttl_a_failure_is_only_logged() -> None:
    hub = Hub()
    hub.failing = 1
    await announce(hub, "k", {"x": 1}, retry_for_s=0, what="x changed")
    assert hub.sent == [] and not invalidation._retrying

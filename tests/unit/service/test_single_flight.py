"""SingleFlight: one running call per key; the others share its outcome, or retry after it failed."""

from __future__ import annotations

import asyncio

import pytest

from turms.service.single_flight import SingleFlight


async def test_callers_with_the_same_key_share_one_call() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    release = asyncio.Event()
    calls = 0

    async def slow() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return calls

    tasks = [asyncio.create_task(flights.run("k", slow)) for _ in range(5)]
    other = asyncio.create_task(flights.run("other", slow))
    await asyncio.sleep(0.01)
    assert calls == 2 and len(flights) == 2
    release.set()
    assert sorted([await t for t in tasks]) in ([1] * 5, [2] * 5)
    assert await other in (1, 2)
    assert len(flights) == 0
    # Done: the next caller makes a new call.
    assert await flights.run("k", slow) == 3


async def test_a_failed_call_is_its_callers_error_and_the_waiters_try_themselves() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    release = asyncio.Event()
    attempts: list[str] = []

    async def first() -> str:
        attempts.append("first")
        await release.wait()
        raise RuntimeError("store down")

    async def retry() -> str:
        attempts.append("retry")
        return "stored"

    leader = asyncio.create_task(flights.run("k", first))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(flights.run("k", retry))
    await asyncio.sleep(0.01)
    assert attempts == ["first"]
    release.set()
    with pytest.raises(RuntimeError, match="store down"):
        await leader
    assert await waiter == "stored"
    assert attempts == ["first", "retry"]


async def test_a_cancelled_leader_leaves_the_work_to_the_waiter() -> None:
    flights: SingleFlight[str, str] = SingleFlight()

    async def never() -> str:
        await asyncio.Event().wait()
        return "unreachable"

    async def quick() -> str:
        return "done"

    leader = asyncio.create_task(flights.run("k", never))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(flights.run("k", quick))
    await asyncio.sleep(0)
    leader.cancel()
    assert await waiter == "done"
    assert leader.cancelled()
    assert len(flights) == 0

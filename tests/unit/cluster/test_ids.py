"""Snowflake ids and the worker-id lease (against a real redis-server)."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from turms.cluster.ids import (
    EPOCH_MS,
    MAX_SEQUENCE,
    MAX_WORKER_ID,
    ClockSkewError,
    Snowflake,
    compose,
    decompose,
    min_id_at,
)
from turms.cluster.keys import Keys
from turms.cluster.worker_id import WorkerIdLease, WorkerIdUnavailableError

T0 = 1_750_000_000_000


class Ms:
    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def test_layout_round_trips_and_fits_int64() -> None:
    sid = compose(T0, MAX_WORKER_ID, MAX_SEQUENCE)
    assert decompose(sid) == (T0, MAX_WORKER_ID, MAX_SEQUENCE)
    assert 0 < sid < 2**63
    assert compose(EPOCH_MS + 2**41 - 1, 0, 0) < 2**63
    assert min_id_at(T0) < compose(T0, 0, 1) < min_id_at(T0 + 1)
    with pytest.raises(ValueError):
        compose(T0, MAX_WORKER_ID + 1, 0)


def test_ids_increase_and_carry_the_worker() -> None:
    clock = Ms()
    gen = Snowflake(7, now_ms=clock)
    ids = [gen.next_id() for _ in range(3000)]
    assert ids == sorted(set(ids))
    assert {decompose(i).worker_id for i in ids} == {7}
    clock.now += 5
    nxt = gen.next_id()
    assert gen.borrowed == 2  # 3000 ids in one millisecond borrowed two more
    assert decompose(nxt) == (T0 + 5, 7, 0)


def test_sequence_exhaustion_borrows_the_next_millisecond() -> None:
    gen = Snowflake(1, now_ms=Ms())
    ids = [gen.next_id() for _ in range(MAX_SEQUENCE + 2)]
    assert decompose(ids[MAX_SEQUENCE]).unix_ms == T0
    assert decompose(ids[-1]) == (T0 + 1, 1, 0)
    assert gen.borrowed == 1


def test_clock_going_backwards_keeps_ids_monotonic() -> None:
    clock = Ms()
    gen = Snowflake(3, now_ms=clock)
    before = gen.next_id()
    clock.now -= 500
    after = [gen.next_id() for _ in range(2000)]
    assert all(a > before for a in after)
    assert after == sorted(set(after))
    clock.now += 600  # the clock catches up: fresh milliseconds again
    assert decompose(gen.next_id()).unix_ms == T0 + 100


def test_too_much_skew_raises_instead_of_blocking() -> None:
    clock = Ms()
    gen = Snowflake(3, now_ms=clock, max_borrow_ms=10)
    gen.next_id()
    clock.now -= 60_000
    with pytest.raises(ClockSkewError):
        for _ in range((MAX_SEQUENCE + 1) * 20):
            gen.next_id()


def test_start_after_and_fence() -> None:
    gen = Snowflake(2, now_ms=Ms(), start_after_ms=T0 + 50)
    assert decompose(gen.next_id()).unix_ms == T0 + 51
    held = [True]
    fenced = Snowflake(2, now_ms=Ms(), fence=lambda: held[0])
    fenced.next_id()
    held[0] = False
    with pytest.raises(ClockSkewError):
        fenced.next_id()


async def test_two_workers_never_hold_the_same_id(redis_client: aioredis.Redis) -> None:
    leases = [
        WorkerIdLease(redis_client, prefix="t:", max_worker_id=15, ttl_s=5, renew_interval_s=1) for _ in range(16)
    ]
    ids = await asyncio.gather(*(lease.acquire() for lease in leases))
    assert sorted(ids) == list(range(16))
    extra = WorkerIdLease(redis_client, prefix="t:", max_worker_id=15, ttl_s=5, renew_interval_s=1)
    with pytest.raises(WorkerIdUnavailableError):
        await extra.acquire()
    await leases[3].release()
    assert await extra.acquire() == ids[3]
    for lease in leases:
        await lease.release()
    await extra.release()
    assert await redis_client.keys("t:{wid:*}:holder") == []


async def test_lease_renewal_and_loss(redis_client: aioredis.Redis) -> None:
    now = [100.0]
    lease = WorkerIdLease(
        redis_client,
        prefix="r:",
        max_worker_id=0,
        ttl_s=3,
        renew_interval_s=1,
        monotonic=lambda: now[0],
        safety_margin_s=0.5,
    )
    n = await lease.acquire()
    assert lease.is_held()
    ttl = await redis_client.pttl(Keys("r:").worker_id_lease(n))
    assert 0 < ttl <= 3000
    now[0] += 2.4
    assert lease.is_held()
    now[0] += 0.2
    assert not lease.is_held()  # TTL minus margin ran out without a renewal
    assert await lease.renew()
    assert lease.is_held()
    # Someone else owns the key now (our lease had expired): renewal fails and the fence closes.
    await redis_client.set(Keys("r:").worker_id_lease(n), "intruder")
    assert not await lease.renew()
    assert not lease.is_held()
    await lease.release()
    assert await redis_client.get(Keys("r:").worker_id_lease(n)) == b"intruder"


async def test_renewal_task_keeps_the_lease(redis_client: aioredis.Redis) -> None:
    lease = WorkerIdLease(
        redis_client, prefix="k:", max_worker_id=3, ttl_s=0.6, renew_interval_s=0.1, safety_margin_s=0.1
    )
    n = await lease.acquire()
    await asyncio.sleep(1.0)  # longer than the TTL: only renewals keep the key
    assert lease.is_held()
    assert await redis_client.get(Keys("k:").worker_id_lease(n)) is not None
    await lease.release()


async def test_next_holder_starts_after_the_high_water_mark(redis_client: aioredis.Redis) -> None:
    first = WorkerIdLease(redis_client, prefix="h:", max_worker_id=0, ttl_s=5, renew_interval_s=1)
    n = await first.acquire()
    gen = Snowflake(n, now_ms=Ms(T0 + 10_000), start_after_ms=first.start_after_ms)
    first.high_water_mark = lambda: gen.last_ms
    gen.next_id()
    await first.release()
    second = WorkerIdLease(redis_client, prefix="h:", max_worker_id=0, ttl_s=5, renew_interval_s=1)
    assert await second.acquire() == n
    assert second.start_after_ms == T0 + 10_000
    late = Snowflake(n, now_ms=Ms(T0), start_after_ms=second.start_after_ms, max_borrow_ms=60_000)
    assert decompose(late.next_id()).unix_ms > T0 + 10_000
    await second.release()


async def test_lease_is_reclaimed_after_redis_lost_its_data(redis_client: aioredis.Redis) -> None:
    lease = WorkerIdLease(redis_client, prefix="q:", max_worker_id=3, ttl_s=3, renew_interval_s=1)
    n = await lease.acquire()
    gen = Snowflake(n, start_after_ms=lease.start_after_ms, fence=lease.is_held)
    lease.high_water_mark = lambda: gen.last_ms
    lease.on_change = gen.rebase
    before = gen.next_id()
    await redis_client.flushall()  # a restarted Redis without persistence
    assert await lease.renew()
    assert await redis_client.get(Keys("q:").worker_id_lease(n)) is not None
    assert lease.is_held()
    assert gen.next_id() > before
    await lease.release()


async def test_taken_over_lease_is_replaced_by_another_id(redis_client: aioredis.Redis) -> None:
    lease = WorkerIdLease(redis_client, prefix="p:", max_worker_id=3, ttl_s=3, renew_interval_s=1)
    n = await lease.acquire()
    gen = Snowflake(n, start_after_ms=lease.start_after_ms, fence=lease.is_held)
    lease.on_change = gen.rebase
    first = gen.next_id()
    # Another worker took our id after a Redis restart; its last millisecond is far ahead.
    await redis_client.set(Keys("p:").worker_id_lease(n), "intruder")
    assert not await lease.renew()
    await lease._replace()
    assert lease.worker_id is not None and lease.worker_id != n
    assert gen.worker_id == lease.worker_id
    second = gen.next_id()
    assert second > first
    assert decompose(second).worker_id == lease.worker_id
    await lease.release()

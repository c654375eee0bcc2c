"""The webhook sender against a real aiohttp receiver on loopback: signatures, retries with backoff through a
receiver that answers 500, is slow, or is down; rejections; the bounded queue that drops the oldest; the drain."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import orjson
import pytest

from turms.plugins.webhook.sender import Sender, signature

from testlib import free_port
from webhook_receiver import Receiver

SECRET = b"s3cret"


class Counts(Counter[str]):
    """What the sender counts (its ``count`` callback)."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def __call__(self, event: str, n: int = 1) -> None:
        self[event] += n
        self.changed.set()

    async def reach(self, event: str, n: int) -> None:
        while self[event] < n:
            self.changed.clear()
            await self.changed.wait()


def sender(url: str, counts: Counts, **kw: object) -> Sender:
    options: dict[str, object] = {
        "timeout_s": 2.0,
        "max_attempts": 5,
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.05,
        "concurrency": 1,
        "count": counts,
        **kw,
    }
    return Sender(url, SECRET, **options)  # type: ignore[arg-type]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


def body(n: int) -> bytes:
    return orjson.dumps({"id": f"k{n}", "n": n})


async def test_a_call_is_signed_with_timestamp_and_idempotency_key(receiver: Receiver) -> None:
    counts = Counts()
    s = sender(receiver.url, counts)
    await s.start()
    s.submit("offline_push", "offline_push:1", body(1))
    (hit,) = await receiver.wait_for(lambda h: len(h) == 1)
    await s.stop(1.0)
    assert hit.signed_with(SECRET) and not hit.signed_with(b"other")
    assert hit.headers["X-Turms-Event"] == "offline_push"
    assert hit.key == "offline_push:1" and hit.attempt == 1
    assert hit.headers["Content-Type"] == "application/json"
    assert hit.json == {"id": "k1", "n": 1}
    assert hit.headers["X-Turms-Signature"] == signature(SECRET, hit.headers["X-Turms-Timestamp"], hit.body)
    assert counts == {"delivered": 1}


async def test_500s_are_retried_with_the_same_key_until_delivered(receiver: Receiver) -> None:
    counts = Counts()
    receiver.plan(500, 503)
    s = sender(receiver.url, counts)
    await s.start()
    s.submit("offline_push", "offline_push:2", body(2))
    hits = await receiver.wait_for(lambda h: len(h) == 3)
    await s.stop(1.0)
    assert [h.attempt for h in hits] == [1, 2, 3]
    assert {h.key for h in hits} == {"offline_push:2"} and all(h.signed_with(SECRET) for h in hits)
    assert hits[1].at - hits[0].at >= 0.005  # a backoff separates the attempts
    assert counts == {"retried": 2, "delivered": 1}


async def test_a_slow_receiver_times_out_and_gets_the_call_again(receiver: Receiver) -> None:
    counts = Counts()
    receiver.plan("slow:1.5")
    s = sender(receiver.url, counts, timeout_s=0.2)
    await s.start()
    s.submit("offline_push", "offline_push:3", body(3))
    hits = await receiver.wait_for(lambda h: len(h) == 2)
    await s.stop(1.0)
    # The receiver may have handled the first one too: the key lets it drop the repeat.
    assert [h.key for h in hits] == ["offline_push:3"] * 2 and [h.attempt for h in hits] == [1, 2]
    assert counts == {"retried": 1, "delivered": 1}


async def test_a_receiver_that_is_down_gets_the_call_when_it_is_back() -> None:
    counts = Counts()
    receiver = Receiver(free_port())  # nothing listens there yet
    s = sender(receiver.url, counts, max_attempts=100)
    await s.start()
    s.submit("offline_push", "offline_push:4", body(4))
    await asyncio.wait_for(counts.reach("retried", 2), 10)
    await receiver.start()
    try:
        (hit,) = await receiver.wait_for(lambda h: len(h) == 1)
        await s.stop(1.0)
    finally:
        await receiver.stop()
    assert hit.key == "offline_push:4" and hit.attempt >= 3 and hit.signed_with(SECRET)
    assert counts["delivered"] == 1


async def test_4xx_is_not_retried_and_attempts_are_bounded(receiver: Receiver) -> None:
    counts = Counts()
    receiver.plan(400, 500, 500, 500)
    s = sender(receiver.url, counts, max_attempts=3)
    await s.start()
    s.submit("offline_push", "rejected", body(5))
    s.submit("offline_push", "given-up", body(6))
    hits = await receiver.wait_for(lambda h: len(h) == 4)
    await s.stop(1.0)
    assert [h.key for h in hits] == ["rejected", "given-up", "given-up", "given-up"]
    assert counts == {"rejected": 1, "retried": 2, "gave_up": 1}


async def test_a_full_queue_drops_its_oldest_call_and_counts_it(receiver: Receiver) -> None:
    counts = Counts()
    receiver.plan("hang")
    s = sender(receiver.url, counts, queue_size=2)
    await s.start()
    s.submit("offline_push", "a", body(1))
    await receiver.wait_for(lambda h: len(h) == 1)  # "a" is being delivered; the queue is empty
    for key in ("b", "c", "d"):
        s.submit("offline_push", key, body(2))  # never waits, even with the receiver stuck
    assert counts == {"dropped_queue_full": 1} and s.backlog == 3
    receiver.release()
    hits = await receiver.wait_for(lambda h: len(h) == 3)
    await s.stop(1.0)
    assert [h.key for h in hits] == ["a", "c", "d"]
    assert counts == {"dropped_queue_full": 1, "delivered": 3}


async def test_stop_delivers_what_is_queued_then_drops_the_rest(receiver: Receiver) -> None:
    counts = Counts()
    s = sender(receiver.url, counts, concurrency=2)
    await s.start()
    for n in range(5):
        s.submit("offline_push", f"k{n}", body(n))
    await s.stop(5.0)
    assert sorted(h.key for h in receiver.hits) == [f"k{n}" for n in range(5)]
    assert counts == {"delivered": 5}
    s.submit("offline_push", "late", body(9))  # after stop: counted, never sent
    assert counts["dropped_shutdown"] == 1

    receiver.plan("hang", "hang")
    stuck = Counts()
    s = sender(receiver.url, stuck)
    await s.start()
    s.submit("offline_push", "x", body(1))
    s.submit("offline_push", "y", body(2))
    await receiver.wait_for(lambda h: len(h) == 6)
    await s.stop(0.1)
    assert stuck == {"dropped_shutdown": 2}


def test_backoff_doubles_with_jitter_honours_retry_after_and_is_capped() -> None:
    full = Sender("http://x", SECRET, backoff_initial_s=0.5, backoff_max_s=10.0, rng=lambda: 1.0)
    half = Sender("http://x", SECRET, backoff_initial_s=0.5, backoff_max_s=10.0, rng=lambda: 0.0)
    assert [full.backoff(n) for n in (1, 2, 3, 4, 10)] == [0.5, 1.0, 2.0, 4.0, 10.0]
    assert [half.backoff(n) for n in (1, 2, 3)] == [0.25, 0.5, 1.0]
    assert full.backoff(1, retry_after=3.0) == 3.0
    assert full.backoff(1, retry_after=300.0) == 10.0

"""TTL semantics: expired documents disappear when purge_expired runs (periodically on every adapter).

Until the purge they may still be read, as on MongoDB, whose TTL monitor runs about once a minute; the
contract only promises absence after a purge at or after the expiry, measured with the injected clock.
"""

from __future__ import annotations

from datetime import timedelta

from conftest import FakeClock
from storecases import ids

from turms.storage.port import Store


async def test_purge_removes_only_expired_documents(store: Store, clock: FakeClock) -> None:
    now = clock()
    await store.insert_many(
        "expiring",
        [
            {"_id": 1, "cd": now - timedelta(seconds=120)},
            {"_id": 2, "cd": now - timedelta(seconds=61)},
            {"_id": 3, "cd": now - timedelta(seconds=30)},
            {"_id": 4, "cd": now + timedelta(seconds=30)},
        ],
    )
    assert await store.purge_expired() == 2
    assert ids(await store.find("expiring")) == [3, 4]
    assert await store.purge_expired() == 0


async def test_purge_follows_the_injected_clock(store: Store, clock: FakeClock) -> None:
    await store.insert_one("expiring", {"_id": 1, "cd": clock()})
    clock.advance(59)
    assert await store.purge_expired() == 0
    assert await store.count("expiring") == 1
    clock.advance(2)
    assert await store.purge_expired() == 1
    assert await store.count("expiring") == 0


async def test_purge_with_an_explicit_time_and_other_collections_untouched(store: Store, clock: FakeClock) -> None:
    await store.insert_one("expiring", {"_id": 1, "cd": clock()})
    await store.insert_one("things", {"_id": 1, "d": clock() - timedelta(days=365)})
    assert await store.purge_expired(clock() + timedelta(hours=1)) == 1
    assert await store.count("things") == 1

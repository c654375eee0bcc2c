"""Client login defences: the failed-login throttle (local and in real Redis), the bounded hashing queue, and the
dummy verification that makes an unknown user id as slow to refuse as a wrong password."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from turms.clock import FakeClock
from turms.cluster.keys import Keys
from turms.cluster.login_throttle import RedisFailureBuckets
from turms.gateway.auth import PasswordAuthenticator, authenticate_login
from turms.plugins.api import LoginAttempt
from turms.protocol.status import ResponseStatusCode as Code
from turms.security import passwords
from turms.security.login_throttle import FailureBuckets, LocalFailureBuckets, LoginThrottle, throttle_key
from turms.service.accounts import check_password, create_user
from turms.settings import load_settings
from turms.storage.factory import open_store
from turms.storage.port import Store

FLAGS = {
    "gateway.auth.failed_login.user_burst": "3",
    "gateway.auth.failed_login.user_refill_s": "10",
    "gateway.auth.failed_login.ip_burst": "5",
    "gateway.auth.failed_login.ip_refill_s": "2",
}


@pytest.fixture(params=["local", "redis"])
async def buckets(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[FailureBuckets]:
    if request.param == "local":
        yield LocalFailureBuckets()
        return
    client = aioredis.Redis.from_url(redis_url)
    try:
        yield RedisFailureBuckets(client, "t:")
    finally:
        await client.aclose()


def attempt(user_id: int, password: str, ip: str) -> LoginAttempt:
    return LoginAttempt(user_id, password, 0, ip, 0)


def throttle(buckets: FailureBuckets, **flags: str) -> tuple[LoginThrottle, FakeClock]:
    settings = load_settings(None, env={}, flags=list({**FLAGS, **flags}.items()))
    clock = FakeClock()
    return LoginThrottle(settings, clock, buckets), clock


async def test_failures_per_user_then_one_per_refill(buckets: FailureBuckets) -> None:
    t, clock = throttle(buckets)
    for _ in range(3):
        assert await t.retry_after_s(7, "10.0.0.1") is None
        await t.failed(7, "10.0.0.1")
    wait = await t.retry_after_s(7, "10.0.0.2")  # another IP: the user's bucket is empty
    assert wait is not None and 9.0 < wait <= 10.0
    assert await t.retry_after_s(8, "10.0.0.1") is None  # another user from the same IP is fine
    clock.advance(10.0)
    assert await t.retry_after_s(7, "10.0.0.2") is None
    await t.failed(7, "10.0.0.2")
    assert await t.retry_after_s(7, "10.0.0.2") is not None


async def test_failures_per_ip_across_user_ids(buckets: FailureBuckets) -> None:
    t, clock = throttle(buckets)
    for uid in range(5):
        await t.failed(100 + uid, "2001:db8::1")
    # The same /64: another address of it is throttled too; another /64 is not.
    wait = await t.retry_after_s(999, "2001:db8::ffff")
    assert wait is not None and 1.0 < wait <= 2.0
    assert await t.retry_after_s(999, "2001:db8:0:1::1") is None
    clock.advance(2.0)
    assert await t.retry_after_s(999, "2001:db8::ffff") is None


async def test_a_throttle_shared_through_redis_counts_every_worker(redis_url: str) -> None:
    a_client, b_client = aioredis.Redis.from_url(redis_url), aioredis.Redis.from_url(redis_url)
    try:
        a, clock = throttle(RedisFailureBuckets(a_client, "t:"))
        b = LoginThrottle(a.settings, clock, RedisFailureBuckets(b_client, "t:"))
        await asyncio.gather(*(x.failed(5, "10.0.0.9") for x in (a, b, a)))
        assert await b.retry_after_s(5, "10.0.0.1") is not None
        assert await a_client.ttl(Keys("t:").login_failures("user:5")) > 0  # gone once full again
    finally:
        await a_client.aclose()
        await b_client.aclose()


async def test_disabled_throttle_neither_counts_nor_refuses(buckets: FailureBuckets) -> None:
    t, _ = throttle(buckets, **{"gateway.auth.failed_login.enabled": "false"})
    for _ in range(10):
        await t.failed(7, "10.0.0.1")
    assert await t.retry_after_s(7, "10.0.0.1") is None


def test_throttle_keys() -> None:
    assert throttle_key("10.0.0.1") == "10.0.0.1"
    assert throttle_key("::ffff:10.0.0.1") == "10.0.0.1"
    assert throttle_key("[2001:db8::1]") == "2001:db8::/64"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = open_store(load_settings(None, env={}, flags=[("storage.sqlite.path", str(tmp_path / "u.db"))]))
    await s.start()
    try:
        yield s
    finally:
        await s.close()


async def test_logins_are_throttled_before_any_hash_and_only_failures_count(store: Store) -> None:
    clock = FakeClock()
    await create_user(store, 1, "right-password", clock.now())
    t, _ = throttle(LocalFailureBuckets())
    auth = PasswordAuthenticator(store)
    refusals = [await authenticate_login(auth, t, attempt(1, "wrong", "10.0.0.1")) for _ in range(3)]
    assert [r.code if r else None for r in refusals] == [Code.LOGIN_AUTHENTICATION_FAILED] * 3
    throttled = await authenticate_login(auth, t, attempt(1, "right-password", "10.0.0.1"))
    assert throttled is not None and throttled.code is Code.CLIENT_REQUESTS_TOO_FREQUENT
    assert throttled.reason is not None and "retry in" in throttled.reason
    # Successes take no tokens: a user with the right password logs in as often as it likes.
    fresh, _ = throttle(LocalFailureBuckets())
    for _ in range(5):
        assert await authenticate_login(auth, fresh, attempt(1, "right-password", "10.0.0.3")) is None


@pytest.fixture
def tight_queue() -> Any:
    passwords.set_max_pending(1)
    yield
    passwords.set_max_pending(passwords.DEFAULT_MAX_PENDING)


async def test_a_full_hashing_queue_refuses_fast_with_server_unavailable(store: Store, tight_queue: Any) -> None:
    clock = FakeClock()
    await create_user(store, 1, "pw", clock.now())
    stored = passwords.hash_password("pw", log2_n=16)  # slow enough to still be running below
    running = asyncio.create_task(passwords.verify_password_async("pw", stored))
    await asyncio.sleep(0)
    assert passwords.pending() == 1
    refused = await authenticate_login(PasswordAuthenticator(store), None, attempt(1, "pw", "10.0.0.1"))
    assert refused is not None and refused.code is Code.SERVER_UNAVAILABLE
    # An unknown user id goes through the same queue (a dummy verification), so it is refused the same way:
    # without the dummy it would answer at once, and its speed would tell that the id does not exist.
    with pytest.raises(passwords.HashingBusy):
        await check_password(store, 424242, "pw")
    assert await running
    assert passwords.pending() == 0
    assert (await check_password(store, 424242, "pw")).code is Code.LOGIN_AUTHENTICATION_FAILED


async def test_the_admin_throttle_is_shared_by_every_worker(store: Store, redis_url: str) -> None:
    """Like the client throttle: failed admin logins on one worker count on the others (in Redis)."""
    from turms.admin.auth import AdminAuthenticator
    from turms.admin.root import ensure_root_admin
    from turms.admin.routes import ApiError

    settings = load_settings(
        None, env={}, flags=[("admin.root.password", "root-pw"), ("admin.auth.failed_login.burst", "2")]
    )
    clock = FakeClock()
    await ensure_root_admin(store, settings, clock)
    a_client, b_client = aioredis.Redis.from_url(redis_url), aioredis.Redis.from_url(redis_url)
    try:
        a = AdminAuthenticator(settings, store, clock, RedisFailureBuckets(a_client, "t:"))
        b = AdminAuthenticator(settings, store, clock, RedisFailureBuckets(b_client, "t:"))
        bad = "Basic " + base64.b64encode(b"turms:wrong").decode()
        good = "Basic " + base64.b64encode(b"turms:root-pw").decode()
        for worker in (a, b):
            with pytest.raises(ApiError) as refused:
                await worker.authenticate(bad, "10.0.0.1")
            assert refused.value.http_status == 401
        with pytest.raises(ApiError) as throttled:
            await a.authenticate(good, "10.0.0.2")  # another IP, the same login name: throttled on worker a
        assert throttled.value.http_status == 429 and throttled.value.headers["Retry-After"]
        clock.advance(10)
        assert (await b.authenticate(good, "10.0.0.2")).login_name == "turms"
    finally:
        await a_client.aclose()
        await b_client.aclose()

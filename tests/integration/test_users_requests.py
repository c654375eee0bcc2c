"""Every user request kind through a real 2-worker server (profiles, settings, locations, online statuses), a
block that takes effect at once across workers for profile access and private messages, and the user lifecycle
through the same server's admin API (registration, physical deletion). Each test reads the stored state
directly (the store, or Redis for locations and statuses), checks the response codes, and compares who
received which push with exact lists per client."""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from user_rel_support import Member, code_of, connect, settle

from turms.cluster.keys import Keys
from turms.protocol.pb import model_common_pb2, request_message_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.protocol.status import SessionCloseStatus
from turms.service.user import users
from turms.settings import load_settings
from turms.storage.port import Store

from integration_support import Server, running
from session_support import set_live_settings, shared_store

pytestmark = pytest.mark.slow
_ids = itertools.count(80_000)
ALL_EXCEPT_BLOCKED_USERS = 1
AVAILABLE, OFFLINE, BUSY = 0, 1, 3
DESKTOP, ANDROID = 0, 3
ROOT = {"Authorization": "Basic " + base64.b64encode(b"turms:root-pw").decode()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("users"),
        workers=2,
        settings={
            "gateway.auth.type": "none",
            "service.user.settings.allowed": "theme:string,volume:int32",
            "admin.root.password": "root-pw",
            "service.user.registration.enabled": "true",
        },
    )
    with running(srv):
        asyncio.run(srv.wait_ready())
        yield srv


@pytest.fixture
async def store(server: Server) -> AsyncIterator[Store]:
    async with shared_store(Path(server.data_dir) / "turms.sqlite3") as s:
        yield s


def redis_url(server: Server) -> str:
    """The server's embedded Redis (the supervisor starts it in the data directory)."""
    return f"unix://{server.data_dir / 'redis' / 'redis.sock'}"


@pytest.fixture
async def redis(server: Server) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url(server))
    yield client
    await client.aclose()


async def admin(server: Server, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{server.admin_port}{path}"
        async with http.request(method, url, json=body, headers=ROOT) as resp:
            return resp.status, await resp.json()


@pytest.fixture
async def members(server: Server, store: Store) -> AsyncIterator[Any]:
    """Users created as the admin API does (``users.create_user``), logged in on the chosen worker."""
    made: list[Member] = []
    pids = sorted(server.worker_pids())
    settings = load_settings(None, env={})

    async def make(uid: int | None = None, *, device: int = 0, worker: int = 0) -> Member:
        if uid is None:
            uid = next(_ids)
            await users.create_user(store, settings, uid, None, datetime.now(UTC), name=f"user{uid}")
        m = await connect(server.tcp_port, uid, device=device, on_worker=pids[worker])
        made.append(m)
        return m

    yield make
    for m in made:
        await m.client.close()


async def test_profiles_update_and_versions(members: Any, store: Store) -> None:
    a = await members(worker=0)
    a_phone = await members(a.id, device=3, worker=1)
    b = await members(worker=1)
    (info,) = await b.users.query_profiles([a.id]) or []
    assert info.name == f"user{a.id}"
    version = info.last_updated_date
    assert await b.users.query_profiles([a.id], last_updated_date=version) is None  # 1002
    await asyncio.sleep(0.002)
    await a.users.update_profile(name="Alice", intro="hi", profile_picture="a.png")
    doc = await store.find_one("user", {"_id": a.id})
    assert doc is not None and (doc["n"], doc["intro"], doc["pp"]) == ("Alice", "hi", "a.png")
    changed = await b.users.query_profiles([a.id], last_updated_date=version)
    assert changed is not None and changed[0].name == "Alice" and changed[0].last_updated_date > version
    assert [u.id for u in await b.users.query_profiles(name="Alice") or []] == [a.id]
    assert await code_of(a.users.update_profile(name="x" * 50)) == Code.ILLEGAL_ARGUMENT
    await settle(a, a_phone, b)
    assert (a.take(), a_phone.take(), b.take()) == ([], ["update_user_request"], [])


async def test_user_settings(members: Any, store: Store) -> None:
    a = await members(worker=0)
    a_phone = await members(a.id, device=3, worker=1)
    assert await a.users.query_settings() == ({}, 0)  # NO_CONTENT: nothing stored yet
    await a.users.update_settings({"theme": "dark"})
    await a.users.update_settings({"volume": model_common_pb2.Value(int32_value=3)})
    got = await a.users.query_settings()
    assert got is not None and got[0] == {"theme": "dark", "volume": 3}
    assert await a.users.query_settings(last_updated_date_start=got[1] + 1) is None  # 1002
    assert await code_of(a.users.update_settings({"volume": "loud"})) == Code.ILLEGAL_ARGUMENT
    assert await code_of(a.users.update_settings({"unknown": 1})) == Code.ILLEGAL_ARGUMENT
    await a.users.delete_settings(["theme"])
    doc = await store.find_one("userSettings", {"_id": a.id})
    assert doc is not None and doc["s"] == {"volume": 3}
    await settle(a, a_phone)
    assert a_phone.take() == ["update_user_settings_request"] * 2 + ["delete_user_settings_request"]
    assert a.take() == []


async def geo_state(redis: aioredis.Redis, *uids: int) -> dict[int, tuple[float, float] | None]:
    """Each user's stored (longitude, latitude) in the Redis GEO set, read directly."""
    positions = await redis.geopos(Keys().geo_locations, *[str(u) for u in uids])
    times = await redis.zmscore(Keys().geo_times, [str(u) for u in uids])
    out: dict[int, tuple[float, float] | None] = {}
    for uid, pos, updated in zip(uids, positions, times, strict=True):
        assert (pos is None) == (updated is None), (uid, pos, updated)
        out[uid] = None if pos is None else (round(pos[0], 4), round(pos[1], 4))
    return out


async def test_locations_and_nearby_users(members: Any, redis: aioredis.Redis) -> None:
    a, b, c = await members(worker=0), await members(worker=1), await members(worker=1)
    a_phone = await members(a.id, device=ANDROID, worker=1)
    assert await geo_state(redis, a.id, b.id, c.id) == {a.id: None, b.id: None, c.id: None}
    await a.users.update_location(31.2304, 121.4737)
    await b.users.update_location(31.2310, 121.4737)
    await c.users.update_location(31.2304, 121.5737)  # ~9.5 km east
    assert await geo_state(redis, a.id, b.id, c.id) == {
        a.id: (121.4737, 31.2304),
        b.id: (121.4737, 31.231),
        c.id: (121.5737, 31.2304),
    }
    assert await code_of(a.users.update_location(120.0, 0.0)) == Code.ILLEGAL_ARGUMENT
    assert (await geo_state(redis, a.id))[a.id] == (121.4737, 31.2304)  # the refused update changed nothing
    near = await a.users.query_nearby_users(31.2304, 121.4737, with_distance=True, with_user_info=True)
    assert [n.user_id for n in near] == [b.id, c.id]
    assert near[0].info.name == f"user{b.id}" and 50 <= near[0].distance <= 80
    assert [n.user_id for n in await a.users.query_nearby_users(31.2304, 121.4737, max_distance=1_000)] == [b.id]
    assert await code_of(a.users.query_nearby_users(31.2304, 121.4737, max_count=0)) == Code.ILLEGAL_ARGUMENT
    # Nobody is told of a location or of a search (Turms), not even the requester's other device.
    await settle(a, a_phone, b, c)
    assert (a.take(), a_phone.take(), b.take(), c.take()) == ([], [], [], [])
    await b.client.close()  # offline users are not reported (once the registry has dropped the session)
    for _ in range(100):
        if [n.user_id for n in await a.users.query_nearby_users(31.2304, 121.4737)] == [c.id]:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("a user who went offline is still reported nearby")
    assert (await geo_state(redis, b.id))[b.id] == (121.4737, 31.231)  # kept until it expires (ttl_s)


async def session_hash(redis: aioredis.Redis, uid: int) -> dict[str, str]:
    """The user's session hash, read directly: device type → session, ``$`` → status."""
    raw = await redis.hgetall(Keys().session(uid))
    return {k.decode(): v.decode() for k, v in raw.items()}


async def statuses(member: Member, *uids: int) -> dict[int, tuple[int, list[int]]]:
    """QueryUserOnlineStatusesRequest's answer, device types sorted."""
    return {u: (s, sorted(d)) for u, (s, d) in (await member.users.query_online_statuses(uids)).items()}


async def test_online_statuses_stored_and_queried(members: Any, redis: aioredis.Redis) -> None:
    a = await members(worker=0)
    a_phone = await members(a.id, device=ANDROID, worker=1)
    b = await members(worker=1)
    offline = next(_ids)
    stored = await session_hash(redis, a.id)
    assert sorted(stored) == sorted(["$", str(DESKTOP), str(ANDROID)]) and stored["$"] == str(AVAILABLE)
    assert await statuses(b, a.id, offline) == {a.id: (AVAILABLE, [DESKTOP, ANDROID]), offline: (OFFLINE, [])}
    assert await code_of(b.users.query_online_statuses([])) == Code.ILLEGAL_ARGUMENT
    await a.users.update_online_status(BUSY)
    assert (await session_hash(redis, a.id))["$"] == str(BUSY)
    assert (await b.users.query_online_statuses([a.id]))[a.id][0] == BUSY  # asked on the other worker
    # OFFLINE for one device type closes that device's session only.
    await a.users.update_online_status(OFFLINE, device_types=[ANDROID])
    await asyncio.wait_for(a_phone.client.closed.wait(), 5)
    for _ in range(100):
        if sorted(await session_hash(redis, a.id)) == sorted(["$", str(DESKTOP)]):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"the closed device is still registered: {await session_hash(redis, a.id)}")
    assert await statuses(b, a.id) == {a.id: (BUSY, [DESKTOP])}
    # A query tells nobody.
    await settle(a, b)
    assert (a.take(), b.take()) == ([], [])


async def test_online_status_update_audience(members: Any, server: Server, store: Store) -> None:
    a = await members(worker=0)
    a_phone = await members(a.id, device=ANDROID, worker=1)
    friend, blocked, stranger = await members(worker=1), await members(worker=0), await members(worker=1)
    await a.rel.create_relationship(friend.id)
    await a.rel.create_relationship(blocked.id, blocked=True)
    await stranger.rel.create_relationship(a.id)  # the stranger relates to a, not a to the stranger
    await settle(a, a_phone, friend, blocked, stranger)
    for m in (a, a_phone, friend, blocked, stranger):
        m.take()
    # Turms's defaults: the requester's other devices only.
    await a.users.update_online_status(BUSY)
    await settle(a, a_phone, friend, blocked, stranger)
    (push,) = a_phone.pushes
    assert push.requester_id == a.id and push.relayed_request.update_user_online_status_request.user_status == BUSY
    assert [m.take() for m in (a, a_phone, friend, blocked, stranger)] == [
        [],
        ["update_user_online_status_request"],
        [],
        [],
        [],
    ]
    key = "service.notification.user_online_status_updated.notify_non_blocked_related_users"
    await set_live_settings(store, redis_url(server), {key: True})
    try:
        await a.users.update_online_status(AVAILABLE)
        await settle(a, a_phone, friend, blocked, stranger)
        assert [m.take() for m in (a, a_phone, friend, blocked, stranger)] == [
            [],
            ["update_user_online_status_request"],
            ["update_user_online_status_request"],
            [],
            [],
        ]
        # OFFLINE for the phone: the audience hears of it before the phone's session is closed.
        await a.users.update_online_status(OFFLINE, device_types=[ANDROID])
        await asyncio.wait_for(a_phone.client.closed.wait(), 5)
        await settle(a, friend, blocked, stranger)
        (push,) = friend.pushes
        assert push.relayed_request.update_user_online_status_request.user_status == OFFLINE
        assert [m.take() for m in (a, a_phone, friend, blocked, stranger)] == [
            [],
            ["update_user_online_status_request"],
            ["update_user_online_status_request"],
            [],
            [],
        ]
    finally:
        await set_live_settings(store, redis_url(server), {key: False})


async def test_block_hides_profile_and_refuses_messages_across_workers(members: Any, store: Store) -> None:
    owner = await members(worker=0)
    blocked = await members(worker=1)
    assert owner.pid != blocked.pid
    await owner.users.update_profile(profile_access_strategy=ALL_EXCEPT_BLOCKED_USERS)
    assert [u.id for u in await blocked.users.query_profiles([owner.id]) or []] == [owner.id]
    message = request_message_pb2.CreateMessageRequest(recipient_id=owner.id, text="hi")
    await blocked.client.request("create_message_request", message)
    await owner.rel.block(blocked.id)
    # The very next request on the other worker sees the block: no cache to expire.
    assert await code_of(blocked.users.query_profiles([owner.id])) == Code.BLOCKED_USER_TO_QUERY_USER_PROFILE
    assert await code_of(blocked.client.request("create_message_request", message)) == (
        Code.BLOCKED_USER_SEND_PRIVATE_MESSAGE
    )
    await owner.rel.unblock(blocked.id)
    assert [u.id for u in await blocked.users.query_profiles([owner.id]) or []] == [owner.id]


async def test_admin_registration_and_physical_deletion(members: Any, server: Server, store: Store) -> None:
    """The app backend registers a user through the admin API; a deletion without ``deleteLogically`` follows
    the live setting, and a physical one removes what the user owned and closes their session with 700."""
    uid = next(_ids)
    status, reply = await admin(server, "POST", "/users/registrations", {"id": uid, "password": "pw", "name": "reg"})
    assert status == 200 and reply["code"] == 1000, reply
    doc = await store.find_one("user", {"_id": uid})
    assert doc is not None and (doc["n"], doc["pgid"], doc["act"]) == ("reg", 0, True) and doc["pw"]
    status, reply = await admin(server, "POST", "/users/registrations", {"id": next(_ids), "name": "x" * 21})
    assert (status, reply["code"]) == (400, 1102)
    user = await members(uid, worker=1)
    friend = await members(worker=0)
    await user.rel.create_relationship(friend.id)
    await friend.rel.create_relationship(user.id)
    await user.rel.create_group("work")
    await user.users.update_settings({"theme": "dark"})
    owned = {
        ("user", "_id"): 1,
        ("userRelationship", "_id.oid"): 1,
        ("userRelationship", "_id.rid"): 1,
        ("userRelationshipGroup", "_id.oid"): 2,
        ("userRelationshipGroupMember", "_id.oid"): 1,
        ("userRelationshipGroupMember", "_id.ruid"): 1,
        ("userSettings", "_id"): 1,
        ("userVersion", "_id"): 1,
    }
    assert {k: await store.count(k[0], {k[1]: uid}) for k in owned} == owned
    await settle(user, friend)
    user.take(), friend.take()
    key = "service.user.delete_user_logically"
    await set_live_settings(store, redis_url(server), {key: False})
    try:
        status, reply = await admin(server, "DELETE", f"/users?ids={uid}")
        assert status == 200 and reply["data"]["deletedCount"] == 1, reply
    finally:
        await set_live_settings(store, redis_url(server), {key: True})
    await asyncio.wait_for(user.client.closed.wait(), 5)
    assert user.client.close_status == SessionCloseStatus.USER_IS_DELETED_OR_INACTIVATED
    assert {k: await store.count(k[0], {k[1]: uid}) for k in owned} == dict.fromkeys(owned, 0)
    assert await friend.rel.query_related_user_ids() == []
    # An admin deletion is not pushed to anyone (Turms); the friend learns it by pulling.
    await settle(friend)
    assert friend.take() == []

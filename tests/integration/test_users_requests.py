"""Every user request kind through a real 2-worker server (profiles, settings, locations), and a block that
takes effect at once across workers for profile access and private messages."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from user_rel_support import Member, code_of, connect, settle

from turms.protocol.pb import model_common_pb2, request_message_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.user import users
from turms.settings import load_settings
from turms.storage.port import Store

from integration_support import Server, running
from session_support import shared_store

pytestmark = pytest.mark.slow
_ids = itertools.count(80_000)
ALL_EXCEPT_BLOCKED_USERS = 1


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("users"),
        workers=2,
        settings={
            "gateway.auth.type": "none",
            "service.user.settings.allowed": "theme:string,volume:int32",
        },
    )
    with running(srv):
        asyncio.run(srv.wait_ready())
        yield srv


@pytest.fixture
async def store(server: Server) -> AsyncIterator[Store]:
    async with shared_store(Path(server.data_dir) / "turms.sqlite3") as s:
        yield s


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


async def test_locations_and_nearby_users(members: Any) -> None:
    a, b, c = await members(worker=0), await members(worker=1), await members(worker=1)
    await a.users.update_location(31.2304, 121.4737)
    await b.users.update_location(31.2310, 121.4737)
    await c.users.update_location(31.2304, 121.5737)  # ~9.5 km east
    assert await code_of(a.users.update_location(120.0, 0.0)) == Code.ILLEGAL_ARGUMENT
    near = await a.users.query_nearby_users(31.2304, 121.4737, with_distance=True, with_user_info=True)
    assert [n.user_id for n in near] == [b.id, c.id]
    assert near[0].info.name == f"user{b.id}" and 50 <= near[0].distance <= 80
    assert [n.user_id for n in await a.users.query_nearby_users(31.2304, 121.4737, max_distance=1_000)] == [b.id]
    await b.client.close()  # offline users are not reported (once the registry has dropped the session)
    for _ in range(100):
        if [n.user_id for n in await a.users.query_nearby_users(31.2304, 121.4737)] == [c.id]:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("a user who went offline is still reported nearby")


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

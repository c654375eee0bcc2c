"""``turms serve --demo``: a real server started on the demo dataset, used through the Python SDK over WebSocket
and through the admin API, as someone trying the playground would."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from turms.client import TurmsClient
from turms.client.group import GroupService
from turms.client.message import ChatMessage, ConversationKey, MessageService
from turms.client.relationship import RelationshipService
from turms.service import accounts
from turms.settings import load_settings
from turms.storage.factory import open_store

from integration_support import Server, running

pytestmark = pytest.mark.slow
BROWSER = 1


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("demo"), workers=2, extra_args=("--demo",))
    with running(srv):
        asyncio.run(srv.wait_ready(within=30))
        yield srv


async def login(server: Server, user_id: int) -> TurmsClient:
    client = TurmsClient(url=f"ws://127.0.0.1:{server.ws_port}", request_timeout_s=10)
    await client.connect()
    await client.login(user_id, "123", device_type=BROWSER)
    return client


@pytest.fixture
async def user2(server: Server) -> AsyncIterator[TurmsClient]:
    client = await login(server, 2)
    yield client
    await client.close()


async def admin(server: Server, method: str, path: str, login: str, password: str) -> tuple[int, Any]:
    auth = {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{server.admin_port}{path}"
        async with http.request(method, url, headers=auth) as resp:
            return resp.status, await resp.json(content_type=None)


async def test_user_2_sees_its_friend_group_and_messages(server: Server, user2: TurmsClient) -> None:
    relationships = await RelationshipService(user2).query_relationships([1])
    assert relationships is not None and [r.related_user_id for r in relationships] == [1]
    assert not relationships[0].HasField("block_date")

    groups = GroupService(user2)
    assert 1 in (await groups.query_joined_group_ids() or [])
    joined = await groups.query_joined_groups() or []
    assert [(g.id, g.name, g.owner_id) for g in joined] == [(1, "Turms Developers Group", 1)]

    messages = MessageService(user2, 2)
    try:
        private = await messages.query(from_ids=[1], are_group_messages=False, max_count=100)
        # The conversation with user 1: rounds 9, 18 … 99 (2 + round % 9 == 2), each a message from user 1 and
        # user 2's answer, with dense sequence ids 1..22, user 1's first in each round.
        from_1 = sorted(m.sequence_id for m in private if m.sender_id == 1)
        assert len(private) == 22 and from_1 == list(range(1, 22, 2))
        assert sorted(m.sequence_id for m in private) == list(range(1, 23))
        assert all(m.text.startswith("private-message-text") for m in private)
        in_group = await messages.query(from_ids=[1], are_group_messages=True, max_count=100)
        assert len(in_group) == 100 and {m.group_id for m in in_group} == {1}
    finally:
        await messages.close()


async def test_user_1_messages_reach_user_2_privately_and_in_group_1(server: Server, user2: TurmsClient) -> None:
    user1 = await login(server, 1)
    sender = MessageService(user1, 1)
    receiver = MessageService(user2, 2)
    try:
        sent_private = await sender.send_private(2, "hello from the playground")
        sent_group = await sender.send_group(1, "hello, developers")
        # The existing conversations continue their dense sequences: 22 private and 100 group messages.
        assert (sent_private.sequence_id, sent_group.sequence_id) == (23, 101)

        wanted = {"hello from the playground", "hello, developers"}
        got: dict[str, ChatMessage] = {}
        while wanted - set(got):
            m = await receiver.next_message(timeout_s=10)  # history first (synced from sequence 1), then ours
            if m.text in wanted:
                got[m.text or ""] = m
        private, group = got["hello from the playground"], got["hello, developers"]
        assert private.conversation == ConversationKey(False, 1) and private.sender_id == 1
        assert (private.message_id, private.sequence_id) == (sent_private.message_id, 23)
        assert group.conversation == ConversationKey(True, 1) and group.sequence_id == 101
    finally:
        await sender.close()
        await receiver.close()
        await user1.close()


async def test_guest_admin_reads_but_cannot_delete(server: Server) -> None:
    status, body = await admin(server, "GET", "/users?ids=1,2", "guest", "guest")
    assert status == 200, body
    assert sorted(u["id"] for u in body["data"]["records"]) == [1, 2]
    status, body = await admin(server, "DELETE", "/users?ids=3", "guest", "guest")
    assert status == 403, body
    # Turms's other admins are named `my-login-name:<n>`: a colon cannot be sent in an HTTP Basic user id
    # (RFC 7617 splits at the first one), so they are unreachable through Basic, as in Turms.
    status, _ = await admin(server, "GET", "/users?ids=1", "guest", "wrong")
    assert status == 401


def demo_load(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "turms.cli", "demo", "load", "--data-dir", str(data_dir), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def totals(server: Server) -> list[int]:
    out = []
    for path in ("/users?size=1", "/admins?size=1", "/admins/roles?size=1"):
        status, body = await admin(server, "GET", path, "guest", "guest")
        assert status == 200, body
        out.append(body["data"]["total"])
    return out


async def test_loading_again_into_the_running_server_store_changes_nothing(server: Server) -> None:
    before = await totals(server)
    assert before[:2] == [1000, 12]  # the root admin, guest, my-login-name:1..10
    result = await asyncio.to_thread(demo_load, server.data_dir)
    assert result.returncode == 0, result.stderr
    assert "already holds the demo dataset (1000 users); nothing to do" in result.stderr
    assert await totals(server) == before


async def test_serve_demo_on_a_store_with_other_data_refuses_to_start(tmp_path: Path) -> None:
    refused = Server(tmp_path, workers=1, extra_args=("--demo",))
    settings = load_settings(None, env={}, flags=[("server.data_dir", str(refused.data_dir))])
    store = open_store(settings)
    await store.start()
    try:
        await accounts.create_user(store, 4242, None, datetime(2024, 1, 1, tzinfo=UTC))
    finally:
        await store.close()
    with running(refused):
        code = await refused.wait_exit(within=30)
        assert refused.notify.count("READY=1") == 0
    log = refused.log()
    assert code == 5, log
    assert "cannot start with --demo: the store is not empty (data in: user, userRelationshipGroup)" in log
    assert "turms demo load --clear" in log

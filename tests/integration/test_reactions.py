"""Reactions through real processes: a 2-worker server and SDK clients (user 1 on two devices, one on each worker).

A reaction by user 2 on user 1's message reaches both of user 1's online devices; one made while a device is cut
off reaches it by the catch-up that follows its reconnect; and it shows in user 1's history when user 1 comes back
after being offline. The admin API reads and removes reactions, and the removal is pushed like a user's.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from user_rel_support import worker_pid

from turms.client import TurmsClient
from turms.client.message import ConversationKey, MessageService, reactions_of
from turms.client.reactions import ReactionService, ReactionState
from turms.service.message import model as server_model

from integration_support import Server, running
from messaging_support import SERVER_SETTINGS, CuttingProxy, connect

pytestmark = pytest.mark.slow
A, B = 1, 2
DESKTOP, ANDROID = 0, 3
ROOT = {"Authorization": "Basic " + base64.b64encode(b"turms:root-pw").decode()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("reactions"), workers=2, settings={**SERVER_SETTINGS, "admin.root.password": "root-pw"}
    )
    with running(srv):
        asyncio.run(srv.wait_ready())
        yield srv


def test_client_tags_equal_the_servers() -> None:
    from turms.client import message as client_message
    from turms.client import reactions as client_reactions

    assert client_message.OWN_REACTION_TAG == server_model.OWN_REACTION_TAG
    for name in ("REACTION_TAG", "REACTION_COUNTS_TAG", "REACTIONS_SINCE_TAG", "REACTIONS_CHANGED_TAG"):
        assert getattr(client_reactions, name) == getattr(server_model, name)


async def on_worker(port: int, user_id: int, device: int, pid: int | None, avoid: int | None = None) -> TurmsClient:
    """A logged-in client on the worker ``pid`` (or on any worker but ``avoid``); the kernel places connections,
    so this connects until it lands there."""
    for _ in range(100):
        client = TurmsClient("127.0.0.1", port, request_timeout_s=10, reconnect_base_delay_s=0.05)
        await client.connect()
        got = await worker_pid(client)
        if (pid is None or got == pid) and got != avoid:
            await client.login(user_id, device_type=device)
            return client
        await client.close()
    raise AssertionError("the kernel never placed a connection on the wanted worker")


class Listener:
    def __init__(self, client: TurmsClient, user_id: int) -> None:
        self.messages = MessageService(client, user_id)
        self.reactions = ReactionService(client, self.messages)
        self.states: asyncio.Queue[ReactionState] = asyncio.Queue()
        self.reactions.on_reactions(self.states.put_nowait)

    async def next(self, within: float = 10.0) -> ReactionState:
        return await asyncio.wait_for(self.states.get(), within)

    async def close(self) -> None:
        await self.messages.close()


async def admin(server: Server, method: str, path: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, f"http://127.0.0.1:{server.admin_port}{path}", headers=ROOT) as resp,
    ):
        return resp.status, (await resp.json())["data"]


async def test_reactions_reach_every_device_and_survive_being_away(server: Server) -> None:
    proxy = CuttingProxy(server.tcp_port)
    await proxy.start()
    # User 1's desktop goes through the proxy (so it can be cut off); its android is on the other worker.
    desktop = TurmsClient("127.0.0.1", proxy.port, request_timeout_s=10, reconnect_base_delay_s=0.05)
    await desktop.connect()
    desktop_worker = await worker_pid(desktop)
    await desktop.login(A, device_type=DESKTOP)
    android = await on_worker(server.tcp_port, A, ANDROID, None, avoid=desktop_worker)
    bob = await connect(server.tcp_port, B)
    a1, a2, b = Listener(desktop, A), Listener(android, A), Listener(bob, B)
    try:
        sent = await a1.messages.send_private(B, "react to this")
        mid = sent.message_id
        conversation = ConversationKey(False, B)

        # User 2 reacts: both of user 1's devices hear it at once.
        state = await b.reactions.react(mid, [1])
        assert state.counts == {1: 1} and state.conversation == ConversationKey(False, A)
        for device in (a1, a2):
            heard = await device.next()
            assert (heard.message_id, heard.user_id, heard.added, heard.counts) == (mid, B, (1,), {1: 1})
            assert heard.conversation == conversation
        # User 1 reacts from the desktop: its android and user 2 hear it (the desktop has the answer).
        mine = await a1.reactions.react(mid, [2])
        assert mine.counts == {1: 1, 2: 1}
        for device in (a2, b):
            assert (await device.next()).user_id == A

        # The desktop is cut off; meanwhile user 2 changes its reactions. The reconnect's catch-up tells it.
        await proxy.close()
        await b.reactions.react(mid, [3])
        await b.reactions.unreact(mid, [1])
        assert [(await a2.next()).counts for _ in range(2)] == [{1: 1, 2: 1, 3: 1}, {2: 1, 3: 1}]
        assert a1.states.empty()
        restarted = CuttingProxy(server.tcp_port)
        restarted.port = proxy.port
        await restarted.start()
        caught_up = await a1.next(20)
        while caught_up.user_id is not None:  # a push that raced the cut, if any; the catch-up follows
            caught_up = await a1.next(20)
        assert (caught_up.message_id, caught_up.counts, caught_up.mine) == (mid, {2: 1, 3: 1}, frozenset({2}))

        # User 1 goes offline altogether; user 2 reacts again; user 1 comes back and reads its history.
        await a1.close()
        await a2.close()
        await desktop.close()
        await android.close()
        await restarted.close()
        await b.reactions.react(mid, [4])
        back = await connect(server.tcp_port, A)
        history = MessageService(back, A)
        try:
            (message,) = await history.query(from_ids=[B], are_group_messages=False)
            assert reactions_of(message) == ({2: 1, 3: 1, 4: 1}, frozenset({2}))
            found = await history.catch_up(history=5)
            (latest,) = found[conversation]
            assert (latest.reactions, latest.my_reactions) == ({2: 1, 3: 1, 4: 1}, frozenset({2}))
            since_before = ReactionService(back, history, since={conversation: sent.delivery_date or 0})
            (synced,) = await since_before.sync(conversation)
            assert (synced.counts, synced.mine) == ({2: 1, 3: 1, 4: 1}, frozenset({2}))
            assert since_before.cursors[conversation] > (sent.delivery_date or 0)
            await since_before.sync_all()

            # An operator removes user 2's reactions: user 1 hears of it as user 2's removal.
            status, listed = await admin(server, "GET", f"/messages/reactions?messageIds={mid}")
            assert status == 200 and listed[0]["reactions"][0] == {"type": 2, "count": 1, "userIds": [A]}
            heard: asyncio.Queue[ReactionState] = asyncio.Queue()
            since_before.on_reactions(heard.put_nowait)
            status, result = await admin(server, "DELETE", f"/messages/reactions?messageIds={mid}&userIds={B}")
            assert (status, result) == (200, {"deletedCount": 2})
            removal = await asyncio.wait_for(heard.get(), 10)
            assert (removal.user_id, sorted(removal.removed), removal.counts) == (B, [3, 4], {2: 1})
            await since_before.unreact(mid, [2])
        finally:
            await history.close()
            await back.close()
    finally:
        await b.close()
        await bob.close()
        for c in (desktop, android):
            await c.close()
        await proxy.close()

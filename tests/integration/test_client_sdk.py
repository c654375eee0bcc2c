"""The Python SDK against a real server: presence, notifications iteration, raw requests, reconnect hooks,
explicit syncs, and a guard that every public SDK method is exercised by some integration test."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
from unit.client.sdk_calls import SdkCalls

from turms.client import ResponseError, TurmsClient
from turms.client.conference import ConferenceService
from turms.client.conversation import ConversationService
from turms.client.group import GroupService
from turms.client.message import ConversationKey, MessageService
from turms.client.reactions import ReactionService
from turms.client.relationship import RelationshipService
from turms.client.storage import StorageService
from turms.client.user import UserService
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.status import ResponseStatusCode

from integration_support import Server, running

pytestmark = pytest.mark.slow
SETTINGS = {
    "gateway.auth.type": "none",
    "security.rate_limit.ip.enabled": "false",
    "security.rate_limit.session.enabled": "false",
}
SDK = [
    TurmsClient,
    MessageService,
    ConversationService,
    UserService,
    RelationshipService,
    GroupService,
    StorageService,
    ConferenceService,
    ReactionService,
]


def test_every_public_sdk_method_is_exercised_by_an_integration_test() -> None:
    """Each public method of each SDK class is called, on an instance of that class, somewhere in
    tests/integration.

    Matching the text ``.name(`` would be satisfied by a same-named method of any other object, so the calls
    are found by a small static type inference over the modules of tests/integration
    (:class:`unit.client.sdk_calls.SdkCalls`, with its own tests): a call ``receiver.name(...)`` counts for
    class C only when the receiver is established to be a C (a constructor call, an annotated parameter or
    helper, a fixture, an attribute assigned in its class, an element of a list of C ...); a receiver the
    inference cannot establish counts for nothing. It is static rather than recorded at run time so that it
    holds whichever tests are selected. What it cannot tell: whether a helper holding a call is itself used.
    """
    sources = {p.stem: p.read_text() for p in Path(__file__).parent.glob("*.py")}
    found = SdkCalls(sources, {cls.__name__ for cls in SDK}).found
    missing = [
        f"{cls.__name__}.{name}"
        for cls in SDK
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and inspect.isfunction(member) and (cls.__name__, name) not in found
    ]
    assert missing == []


async def test_presence_notifications_and_reconnect(tmp_path: Path) -> None:
    server = Server(tmp_path, workers=1, settings=SETTINGS)
    with running(server):
        await server.wait_ready()
        alice = TurmsClient("127.0.0.1", server.tcp_port, reconnect_base_delay_s=0.05)
        bob = TurmsClient(url=f"ws://127.0.0.1:{server.ws_port}")
        await alice.connect()
        await bob.connect()
        await alice.login(1, None)
        await bob.login(2, None, device_type=3)
        await alice.wait_connected(1)
        users = UserService(alice)
        statuses = await users.query_online_statuses([1, 2, 3])
        assert statuses[2] == (0, [3]) and statuses[3] == (1, [])
        await UserService(bob).update_online_status(3)  # BUSY
        assert (await users.query_online_statuses([2]))[2][0] == 3
        # A raw request: the client assigns the request id and returns the response whatever its code, where
        # ``request`` raises for a non-success code.
        raw = TurmsRequest()
        raw.query_user_online_statuses_request.user_ids.append(2)
        answer = await alice.send_raw(raw)
        assert raw.request_id > 0 and answer.request_id == raw.request_id and answer.code == ResponseStatusCode.OK
        assert [(s.user_id, s.user_status) for s in answer.data.user_online_statuses.statuses] == [(2, 3)]
        nowhere = TurmsRequest()
        nowhere.create_message_request.recipient_id = 0
        nowhere.create_message_request.text = "to nobody"
        refused = await alice.send_raw(nowhere)
        assert nowhere.request_id > raw.request_id and refused.request_id == nowhere.request_id
        assert refused.code == ResponseStatusCode.ILLEGAL_ARGUMENT
        with pytest.raises(ResponseError) as error:
            await alice.request("create_message_request", nowhere.create_message_request)
        assert error.value.code == ResponseStatusCode.ILLEGAL_ARGUMENT

        await RelationshipService(alice).create_relationship(2)
        await RelationshipService(alice).update_relationship(2, name="Bob")
        assert [r.name for r in await RelationshipService(alice).query_relationships([2]) or []] == ["Bob"]

        # Explicit syncs and the async iterators.
        alice_messages = MessageService(alice, 1)
        bob_messages = MessageService(bob, 2)
        await alice_messages.send_private(2, "one")
        await bob_messages.wait_synced()
        await bob_messages.sync_conversation(ConversationKey(False, 1))
        received = await asyncio.wait_for(anext(aiter(bob_messages.messages())), 5)
        assert received.text == "one"
        kinds = []
        async for n in bob.notifications():  # the UserSession notification after login comes first
            kinds.append("push" if n.HasField("relayed_request") else "other")
            if n.relayed_request.HasField("create_message_request"):
                break
        assert kinds[-1] == "push"

        # A reconnect runs the hooks; the message service resyncs what was missed meanwhile.
        reconnected = asyncio.Event()

        async def hook() -> None:
            reconnected.set()

        alice.on_reconnected(hook)
        for pid in server.worker_pids():
            import os
            import signal

            os.kill(pid, signal.SIGKILL)
        await asyncio.wait_for(reconnected.wait(), 20)
        await bob.wait_connected(20)
        await asyncio.sleep(0.2)
        await bob_messages.send_private(1, "while you were away")
        while (m := await alice_messages.next_message(timeout_s=10)).sender_id != 2:
            pass
        assert m.text == "while you were away"
        assert alice.reconnects >= 1
        await UserService(alice).update_online_status(1)  # OFFLINE closes alice's own session
        await asyncio.wait_for(alice.closed.wait(), 5)
        assert alice.close_status == 500
        for s in (alice_messages, bob_messages):
            await s.close()
        await alice.close()
        await bob.close()


def test_docs_name_every_public_sdk_method() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs/client.md").read_text()
    missing = [
        f"{cls.__name__}.{name}"
        for cls in SDK
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and inspect.isfunction(member) and f"`{name}(" not in doc
    ]
    assert missing == []

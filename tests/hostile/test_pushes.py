"""Attacks through what the server pushes to other users: forged group updates, undecodable pushes, read
receipts as a way to reach anyone. Each is refused or harmless, and no member receives anything from it."""

from __future__ import annotations

from typing import Any

import pytest

from turms.protocol.pb import model_common_pb2
from turms.protocol.status import ResponseStatusCode as Code

from hostile_support import (
    BLOCKER,
    HONEST,
    MEMBER,
    OWNER,
    PASSWORDS,
    STRANGER,
    Target,
    admin,
    call,
    decode,
    login,
    new_source,
    pushes,
    request,
    tcp,
)

pytestmark = pytest.mark.slow


def nested(depth: int) -> Any:
    v = model_common_pb2.Value(string_value="x")
    for _ in range(depth - 1):
        outer = model_common_pb2.Value()
        outer.list_value.append(v)
        v = outer
    return v


async def test_a_stranger_cannot_forge_a_group_update_by_naming_itself_successor(target: Target) -> None:
    """HIGH 1: answered 1000 and pushed, from the attacker, to the owner and every member."""
    before = (await admin(target, "GET", f"/groups?ids={target.group_id}"))[1]["data"]["records"]
    async with tcp(target.tcp, new_source()) as attacker, tcp(target.tcp) as member:
        assert (await login(member, MEMBER, PASSWORDS[MEMBER], device=2)).code == 1000
        assert (await login(attacker, STRANGER, PASSWORDS[STRANGER])).code == 1000
        forged = request(
            "update_group_request",
            group_id=target.group_id,
            successor_id=STRANGER,
            name="pwned",
            announcement="send your password to pwned.example",
        )
        answer = await call(attacker, forged)
        assert answer.code == Code.NOT_GROUP_OWNER_TO_TRANSFER_GROUP
        assert await pushes(member, within=0.5) == []
    after = (await admin(target, "GET", f"/groups?ids={target.group_id}"))[1]["data"]["records"]
    assert after == before


async def test_a_value_too_deep_for_clients_is_never_relayed(target: Target) -> None:
    """HIGH 2: custom attributes nested 98 deep were relayed in a push no Turms client could decode, so every
    online member dropped its connection (as a read receipt too, even to a user who had blocked the sender)."""
    async with tcp(target.tcp, new_source()) as attacker, tcp(target.tcp) as member:
        assert (await login(member, MEMBER, PASSWORDS[MEMBER], device=2)).code == 1000
        assert (await login(attacker, OWNER, PASSWORDS[OWNER])).code == 1000
        message = request("create_message_request", group_id=target.group_id, text="hi")
        message.create_message_request.custom_attributes.append(nested(98))
        receipt = request("update_conversation_request", group_id=target.group_id)
        receipt.custom_attributes.append(nested(98))
        attributes = request("update_group_request", group_id=target.group_id)
        attributes.update_group_request.user_defined_attributes["a"].CopyFrom(nested(98))
        for attack in (message, receipt, attributes):
            answer = await call(attacker, attack)
            assert answer.code == Code.ILLEGAL_ARGUMENT, answer
            assert "nested deeper than" in answer.reason
        assert await pushes(member, within=0.5) == []
        # What is accepted is relayed, and the member's client decodes it.
        fine = request("create_message_request", group_id=target.group_id, text="fine")
        fine.create_message_request.custom_attributes.append(nested(4))
        assert (await call(attacker, fine)).code == 1000
        (push,) = await pushes(member, within=3.0)
        relayed = decode(push.SerializeToString()).relayed_request.create_message_request
        assert relayed.text == "fine"


async def test_read_receipts_reach_no_stranger_and_no_user_who_blocked_the_reader(target: Target) -> None:
    """LOW: a read receipt was a push to any user id named, and reached users who had blocked the reader."""
    status, body = await admin(
        target,
        "POST",
        "/users/relationships",
        {"ownerId": BLOCKER, "relatedUserId": STRANGER, "blockDate": "2026-01-01T00:00:00Z"},
    )
    assert status == 200, body
    async with tcp(target.tcp, new_source()) as attacker, tcp(target.tcp) as blocker, tcp(target.tcp) as honest:
        assert (await login(blocker, BLOCKER, PASSWORDS[BLOCKER])).code == 1000
        assert (await login(honest, HONEST, PASSWORDS[HONEST], device=3)).code == 1000
        assert (await login(attacker, STRANGER, PASSWORDS[STRANGER])).code == 1000
        for victim in (BLOCKER, HONEST):
            assert (await call(attacker, request("update_conversation_request", user_id=victim))).code == 1000
        assert await pushes(blocker, within=0.5) == [] and await pushes(honest, within=0.2) == []

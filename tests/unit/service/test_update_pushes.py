"""Update paths authorise before anything is stored or pushed, and push only what changed, as stored.

The forged-notification attack (issue 22): a non-member sent ``UpdateGroupRequest`` naming itself successor,
with a new name and announcement; it was answered 1000 and the update was pushed, from the attacker, to the
owner and every member, while nothing was stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from turms.protocol.status import ResponseStatusCode as Code
from turms.service.accounts import create_user
from turms.service.registry import build_router

from message_world import World, world

OWNER, MEMBER, STRANGER = 1, 2, 66


@pytest.fixture
async def w(tmp_path: Path) -> AsyncIterator[World]:
    async with world(tmp_path) as w:
        w.router = build_router(w.s)
        yield w


async def _group(w: World) -> int:
    r = await w.ok(OWNER, "create_group_request", name="g", announcement="hello")
    gid = int(r.data.long)
    await w.add_member(gid, MEMBER)
    w.notes.clear()
    return gid


def _relayed(w: World) -> list[Any]:
    return [n.relayed_request for _, n, _, _ in w.notes.sent]


async def test_a_stranger_naming_itself_successor_is_refused_and_nobody_is_told(w: World) -> None:
    gid = await _group(w)
    before = await w.store.find_one("group", {"_id": gid})
    r = await w.call(
        STRANGER, "update_group_request", group_id=gid, successor_id=STRANGER, name="pwned", announcement="pwned"
    )
    assert r.code is Code.NOT_GROUP_OWNER_TO_TRANSFER_GROUP
    assert w.notes.sent == []
    assert await w.store.find_one("group", {"_id": gid}) == before
    # A member (not the owner) gets the same answer.
    r = await w.call(MEMBER, "update_group_request", group_id=gid, successor_id=MEMBER, name="pwned")
    assert r.code is Code.NOT_GROUP_OWNER_TO_TRANSFER_GROUP
    assert w.notes.sent == []


async def test_the_owner_naming_itself_successor_changes_nothing_and_tells_nobody(w: World) -> None:
    gid = await _group(w)
    await w.ok(OWNER, "update_group_request", group_id=gid, successor_id=OWNER, name="ignored")
    assert w.notes.sent == []
    group = await w.store.find_one("group", {"_id": gid})
    assert group is not None and group["n"] == "g" and group["oid"] == OWNER


async def test_a_transfer_relays_the_transfer_only(w: World) -> None:
    gid = await _group(w)
    await w.ok(OWNER, "update_group_request", group_id=gid, successor_id=MEMBER, name="not applied")
    (relay,) = _relayed(w)
    body = relay.update_group_request
    assert (body.group_id, body.successor_id) == (gid, MEMBER)
    # The name travels with a transfer only in the request, never in what was stored: not in the push.
    assert not body.HasField("name")
    group = await w.store.find_one("group", {"_id": gid})
    assert group is not None and group["oid"] == MEMBER and group["n"] == "g"


async def test_an_info_update_relays_only_the_fields_that_changed(w: World) -> None:
    gid = await _group(w)
    await w.ok(OWNER, "update_group_request", group_id=gid, name="g", announcement="hello")
    assert w.notes.sent == []  # nothing differs from the stored group
    await w.ok(OWNER, "update_group_request", group_id=gid, name="g", announcement="news")
    (relay,) = _relayed(w)
    body = relay.update_group_request
    assert body.announcement == "news" and not body.HasField("name")
    assert not relay.custom_attributes


async def test_a_member_without_the_right_is_refused_before_anything_is_stored(w: World) -> None:
    gid = await _group(w)
    r = await w.call(MEMBER, "update_group_request", group_id=gid, name="x")
    assert r.code is Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_INFO
    r = await w.call(STRANGER, "update_group_request", group_id=gid, name="x")
    assert r.code in (Code.NOT_GROUP_MEMBER_TO_UPDATE_GROUP_INFO, Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_INFO)
    assert w.notes.sent == []
    group = await w.store.find_one("group", {"_id": gid})
    assert group is not None and group["n"] == "g"


async def test_a_member_update_that_changes_nothing_tells_nobody(w: World) -> None:
    gid = await _group(w)
    await w.ok(OWNER, "update_group_member_request", group_id=gid, member_id=MEMBER, name="bob")
    assert len(w.notes.sent) == 1
    w.notes.clear()
    await w.ok(OWNER, "update_group_member_request", group_id=gid, member_id=MEMBER, name="bob")
    await w.ok(OWNER, "update_group_member_request", group_id=gid, member_id=MEMBER, role=2)
    assert w.notes.sent == []


async def test_a_profile_update_that_changes_nothing_tells_nobody(w: World) -> None:
    await create_user(w.store, 8, None, w.clock.now(), name="ann")
    await w.ok(8, "update_user_request", name="ann")
    assert w.notes.sent == []
    await w.ok(8, "update_user_request", name="ann", intro="hi")
    (relay,) = _relayed(w)
    assert relay.update_user_request.intro == "hi" and not relay.update_user_request.HasField("name")


async def test_deleting_a_relationship_that_does_not_exist_tells_nobody(tmp_path: Path) -> None:
    event = "service.notification.one_sided_relationship_group_member_removed"
    settings = {f"{event}.notify_removed_relationship_group_member": "true"}
    async with world(tmp_path, settings) as w:
        w.router = build_router(w.s)
        await w.ok(8, "delete_relationship_request", user_id=STRANGER)
        assert w.notes.sent == []

"""Admin writes stay inside the value domains of client writes (issue 22: ``POST /groups/members`` stored role 99
and a second OWNER; afterwards every remove, mute, update or invite on that group failed with 1200)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from turms.service.group.model import Role

from admin_support import AdminEnv, admin_env, call


@pytest.fixture
async def env(tmp_path: Path, redis_url: str) -> AsyncIterator[AdminEnv]:
    async with admin_env(tmp_path, redis_url) as env:
        for uid in (1, 2, 3):
            status, body = await call(env, "POST", "/users", json={"id": uid, "password": f"pw-{uid}"})
            assert status == 200, body
        yield env


async def new_group(env: AdminEnv, owner: int = 1, **fields: Any) -> int:
    status, body = await call(env, "POST", "/groups", json={"ownerId": owner, "name": "g", **fields})
    assert status == 200, body
    return int(body["data"]["id"])


async def members(env: AdminEnv, gid: int) -> dict[int, int]:
    docs = await env.deps.store.find("groupMember", {"_id.gid": gid})
    return {int(d["_id"]["uid"]): int(d["role"]) for d in docs}


async def test_a_group_created_by_an_admin_has_its_owner_as_a_member(env: AdminEnv) -> None:
    gid = await new_group(env)
    assert await members(env, gid) == {1: Role.OWNER}
    status, body = await call(env, "POST", "/groups", json={"name": "ownerless"})
    assert status == 400 and "owner" in body["reason"]
    status, body = await call(env, "POST", "/groups", json={"ownerId": 1, "typeId": 77})
    assert status == 400 and "group type 77" in body["reason"]


@pytest.mark.parametrize("role", [99, -1, 2**40, int(Role.OWNER)])
async def test_member_roles_outside_the_domain_or_owner_are_refused(env: AdminEnv, role: int) -> None:
    gid = await new_group(env)
    status, body = await call(env, "POST", "/groups/members", json={"groupId": gid, "userId": 2, "role": role})
    assert status == 400 and body["code"] == 1102, body
    assert await members(env, gid) == {1: Role.OWNER}


async def test_members_join_live_groups_only(env: AdminEnv) -> None:
    gid = await new_group(env)
    status, body = await call(env, "POST", "/groups/members", json={"groupId": 9999, "userId": 2})
    assert status == 400 and "group 9999" in body["reason"]
    status, body = await call(env, "POST", "/groups/members", json={"groupId": gid, "userId": 2, "role": 1})
    assert status == 200, body
    status, body = await call(env, "POST", "/groups/members", json={"groupId": gid, "userId": 3})
    assert status == 200, body
    assert await members(env, gid) == {1: Role.OWNER, 2: Role.MANAGER, 3: Role.MEMBER}


async def test_ownership_changes_only_by_a_transfer(env: AdminEnv) -> None:
    gid = await new_group(env)
    await call(env, "POST", "/groups/members", json={"groupId": gid, "userId": 2})
    # Not through the group record, the owner's member record, or deleting the owner.
    status, body = await call(env, "PUT", f"/groups?ids={gid}", json={"ownerId": 2})
    assert status == 400 and "ownerId" in body["reason"]
    status, body = await call(env, "PUT", f"/groups/members?groupIds={gid}", json={"role": 1})
    assert status == 400 and "transfer" in body["reason"]
    status, body = await call(env, "DELETE", f"/groups/members?groupIds={gid}&userIds=1")
    assert status == 400 and "transfer it first" in body["reason"]
    assert await members(env, gid) == {1: Role.OWNER, 2: Role.MEMBER}
    # The transfer: to a member only.
    status, body = await call(env, "PUT", f"/groups/owner?ids={gid}", json={"successorId": 3})
    assert (status, body["code"]) == (403, 3203), body
    status, body = await call(env, "PUT", f"/groups/owner?ids={gid}", json={"successorId": 2})
    assert status == 200 and body["data"]["updatedCount"] == 1
    assert await members(env, gid) == {1: Role.MEMBER, 2: Role.OWNER}
    group = await env.deps.store.find_one("group", {"_id": gid})
    assert group is not None and group["oid"] == 2
    # Members other than the owner can be managed as before.
    status, _ = await call(env, "PUT", f"/groups/members?groupIds={gid}&userIds=1", json={"role": 3})
    assert status == 200
    status, _ = await call(env, "DELETE", f"/groups/members?groupIds={gid}&userIds=1")
    assert status == 200
    assert await members(env, gid) == {2: Role.OWNER}


async def test_enums_and_attributes_are_bounded(env: AdminEnv) -> None:
    status, body = await call(env, "POST", "/groups/types", json={"name": "t", "joinStrategy": 9})
    assert status == 400, body
    status, body = await call(env, "POST", "/groups/types", json={"name": "t", "invitationStrategy": 7})
    assert status == 200, body
    status, body = await call(
        env, "POST", "/users/relationships/friend-requests", json={"requesterId": 1, "recipientId": 2, "status": 99}
    )
    assert status == 400, body
    deep: Any = [["x"]]  # lists of scalars only, as the store keeps a client's attributes
    status, body = await call(env, "POST", "/groups", json={"ownerId": 1, "userDefinedAttributes": {"a": deep}})
    assert status == 400, body
    status, body = await call(env, "POST", "/groups", json={"ownerId": 1, "userDefinedAttributes": {"a": deep[0]}})
    assert status == 200, body


async def test_the_published_schema_names_the_domains(env: AdminEnv) -> None:
    async with env.client.get("/openapi.json") as resp:
        doc = await resp.json()
    create = doc["paths"]["/groups/members"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create["properties"]["role"]["enum"] == [1, 2, 3, 4]
    update = doc["paths"]["/groups"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert "ownerId" not in update["properties"]


async def test_a_member_change_named_by_user_ids_alone_drops_every_cached_group(env: AdminEnv) -> None:
    """``DELETE /groups/members?userIds=2`` may touch any group: no group's cached member ids may outlive it."""
    from dataclasses import replace

    from turms.admin.content_rules import member_rules

    changed: list[list[int] | None] = []

    class Members:
        async def changed(self, group_ids: list[int] | None) -> None:
            changed.append(group_ids)

    class Services:
        group_members = Members()

    rules = member_rules(replace(env.deps, services=Services()))  # type: ignore[arg-type]
    assert rules.after_write is not None
    await rules.after_write(None, {"_id.uid": {"$in": [2]}})  # type: ignore[arg-type]
    await rules.after_write(None, {"_id.gid": {"$in": [5, 6]}, "_id.uid": {"$in": [2]}})  # type: ignore[arg-type]
    await rules.after_write(None, {"_id": {"gid": 7, "uid": 2}})  # type: ignore[arg-type]
    assert changed == [None, [5, 6], [7]]

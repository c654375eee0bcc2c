"""Relationships and relationship groups at service level: create/update/delete/query, blocks, moving between
groups, two-sided deletion, versions and audiences. Real SQLite store, FakeClock."""

from __future__ import annotations

from pathlib import Path

from user_world import World, world

from turms.protocol.status import ResponseStatusCode as Code

A, B, C, D = 201, 202, 203, 204


async def groups_of(w: World, owner: int, related: int) -> list[int]:
    docs = await w.store.find("userRelationshipGroupMember", {"_id.oid": owner, "_id.ruid": related})
    return sorted(d["_id"]["gidx"] for d in docs)


async def related(w: World, owner: int, **fields: object) -> list[int]:
    r = await w.call(owner, "query_related_user_ids_request", **fields)
    return [] if r.code == Code.NO_CONTENT else list(r.data.longs_with_version.longs)


async def test_create_relationship_block_and_duplicates(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.ok(A, "create_relationship_request", user_id=B, name="bee")
        assert w.notes.audiences() == [("create_relationship_request", {A})]  # owner's other devices only
        # The relay carries the group the relationship went to.
        assert w.notes.sent[0][2].create_relationship_request.group_index == 0
        assert await w.code(A, "create_relationship_request", user_id=B) == Code.CREATE_EXISTING_RELATIONSHIP
        assert await w.code(A, "create_relationship_request", user_id=A, blocked=True) == Code.CANNOT_BLOCK_ONESELF
        assert await w.code(A, "create_relationship_request", user_id=A) == Code.ILLEGAL_ARGUMENT
        await w.ok(A, "create_relationship_request", user_id=C, blocked=True)
        rel = await w.store.find_one("userRelationship", {"_id.oid": A, "_id.rid": C})
        assert rel is not None and rel["bd"] == w.clock.now() and rel["ed"] == w.clock.now()
        assert await related(w, A) == [B, C]
        assert await related(w, A, blocked=True) == [C]
        assert await related(w, A, blocked=False) == [B]
        assert await groups_of(w, A, B) == [0]


async def test_update_blocks_unblocks_and_keeps_unmentioned_fields(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.ok(A, "create_relationship_request", user_id=B, name="bee")
        w.notes.clear()
        w.clock.advance(5)
        await w.ok(A, "update_relationship_request", user_id=B, blocked=True)
        assert w.notes.audiences() == [("update_relationship_request", {A})]
        rel = await w.store.find_one("userRelationship", {"_id.oid": A, "_id.rid": B})
        assert rel is not None and rel["bd"] == w.clock.now() and rel["n"] == "bee"
        blocked_at = rel["bd"]
        w.clock.advance(5)
        await w.ok(A, "update_relationship_request", user_id=B, name="B", note="met at work")
        rel = await w.store.find_one("userRelationship", {"_id.oid": A, "_id.rid": B})
        assert rel is not None and rel["bd"] == blocked_at and rel["n"] == "B" and rel["nt"] == "met at work"
        await w.ok(A, "update_relationship_request", user_id=B, blocked=False)
        rel = await w.store.find_one("userRelationship", {"_id.oid": A, "_id.rid": B})
        assert rel is not None and "bd" not in rel
        # Updating an unknown relationship creates it (Turms upserts), in the default group.
        await w.ok(A, "update_relationship_request", user_id=D, blocked=True)
        assert await groups_of(w, A, D) == [0]
        assert await w.code(A, "update_relationship_request", user_id=A, blocked=True) == Code.CANNOT_BLOCK_ONESELF


async def test_related_user_is_told_when_enabled(tmp_path: Path) -> None:
    async with world(
        tmp_path, {"service.notification.one_sided_relationship_updated.notify_related_user": "true"}
    ) as w:
        await w.ok(A, "update_relationship_request", user_id=B, blocked=True)
        assert w.notes.audiences() == [("update_relationship_request", {A, B})]


async def test_groups_create_rename_move_delete(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        r = await w.call(A, "create_relationship_group_request", name="work")
        work = int(r.data.long)
        assert work > 0 and w.notes.sent == []  # Turms tells nobody of a new group
        await w.ok(A, "create_relationship_request", user_id=B, group_index=work)
        await w.ok(A, "create_relationship_request", user_id=C)
        assert await groups_of(w, A, B) == [work]
        # Move C from the default group to work; then B out of work (back to the default group).
        await w.ok(A, "update_relationship_request", user_id=C, new_group_index=work, delete_group_index=0)
        assert await groups_of(w, A, C) == [work]
        assert await related(w, A, group_indexes=[work]) == [B, C]
        await w.ok(A, "update_relationship_request", user_id=B, delete_group_index=work)
        assert await groups_of(w, A, B) == [0]
        code = await w.code(A, "update_relationship_request", user_id=B, new_group_index=work, delete_group_index=work)
        assert code == Code.ILLEGAL_ARGUMENT
        w.notes.clear()
        await w.ok(A, "update_relationship_group_request", group_index=work, new_name="office")
        assert w.notes.audiences() == [("update_relationship_group_request", {A})]
        r = await w.call(A, "query_relationship_groups_request")
        groups = r.data.user_relationship_groups_with_version.user_relationship_groups
        assert [(g.index, g.name) for g in groups] == [(0, ""), (work, "office")]
        # Deleting a group moves its members to the default group; the default group stays.
        assert await w.code(A, "delete_relationship_group_request", group_index=0) == Code.ILLEGAL_ARGUMENT
        # Moving a group into itself is a no-op answered OK (as Turms): the group and its members stay.
        w.notes.clear()
        await w.ok(A, "delete_relationship_group_request", group_index=work, target_group_index=work)
        assert await groups_of(w, A, C) == [work] and w.notes.sent == []
        assert await w.store.count("userRelationshipGroup", {"_id.oid": A}) == 2
        await w.ok(A, "delete_relationship_group_request", group_index=work)
        assert await groups_of(w, A, C) == [0]
        assert await w.store.count("userRelationshipGroup", {"_id.oid": A}) == 1
        ((recipients, kind, relayed, _),) = w.notes.sent
        assert kind == "delete_relationship_group_request" and recipients == {A}
        assert relayed.delete_relationship_group_request.target_group_index == 0
        assert await w.code(A, "create_relationship_group_request", name="x" * 101) == Code.ILLEGAL_ARGUMENT


async def test_delete_from_one_group_then_entirely(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        work = int((await w.call(A, "create_relationship_group_request", name="work")).data.long)
        await w.ok(A, "create_relationship_request", user_id=B)
        await w.ok(A, "update_relationship_request", user_id=B, new_group_index=work)
        assert await groups_of(w, A, B) == [0, work]
        await w.ok(A, "delete_relationship_request", user_id=B, group_index=work)
        assert await groups_of(w, A, B) == [0]
        assert await w.store.count("userRelationship", {"_id.oid": A}) == 1
        w.notes.clear()
        await w.ok(A, "delete_relationship_request", user_id=B, group_index=0)
        assert await w.store.count("userRelationship", {"_id.oid": A}) == 0
        assert await groups_of(w, A, B) == []
        assert w.notes.audiences() == [("delete_relationship_request", {A})]


async def test_two_sided_deletion_spares_blocks(tmp_path: Path) -> None:
    async with world(tmp_path, {"service.user.delete_two_sided_relationships": "true"}) as w:
        for x, y in ((A, B), (B, A), (A, C)):
            await w.ok(x, "create_relationship_request", user_id=y)
        await w.ok(C, "create_relationship_request", user_id=A, blocked=True)
        await w.ok(A, "delete_relationship_request", user_id=B)
        assert await w.store.count("userRelationship", {"_id.oid": B}) == 0
        await w.ok(A, "delete_relationship_request", user_id=C)
        assert await w.store.count("userRelationship", {"_id.oid": C}) == 1  # C's block stays
    async with world(tmp_path / "one-sided") as w:
        for x, y in ((A, B), (B, A)):
            await w.ok(x, "create_relationship_request", user_id=y)
        await w.ok(A, "delete_relationship_request", user_id=B)
        assert await w.store.count("userRelationship", {"_id.oid": B}) == 1


async def test_query_relationships_filters_and_versions(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        assert await w.code(A, "query_relationships_request", last_updated_date=1) == Code.ALREADY_UP_TO_DATE
        await w.ok(A, "create_relationship_request", user_id=B, name="b")
        await w.ok(A, "create_relationship_request", user_id=C, blocked=True)
        r = await w.call(A, "query_relationships_request")
        rels = r.data.user_relationships_with_version.user_relationships
        assert [(x.owner_id, x.related_user_id, x.name, x.HasField("block_date")) for x in rels] == [
            (A, B, "b", False),
            (A, C, "", True),
        ]
        version = r.data.user_relationships_with_version.last_updated_date
        assert version == w.clock.now_ms()
        r = await w.call(A, "query_relationships_request", blocked=True)
        assert [x.related_user_id for x in r.data.user_relationships_with_version.user_relationships] == [C]
        r = await w.call(A, "query_relationships_request", user_ids=[B, D])
        assert [x.related_user_id for x in r.data.user_relationships_with_version.user_relationships] == [B]
        for kind in ("query_relationships_request", "query_related_user_ids_request"):
            assert await w.code(A, kind, last_updated_date=version) == Code.ALREADY_UP_TO_DATE
        w.clock.advance(1)
        await w.ok(A, "update_relationship_request", user_id=C, blocked=False)
        r = await w.call(A, "query_relationships_request", last_updated_date=version)
        assert r.code == Code.OK and r.data.user_relationships_with_version.last_updated_date == version + 1000
        assert await w.code(A, "query_relationships_request", user_ids=[D]) == Code.NO_CONTENT
        # Groups have their own version.
        g = await w.call(A, "query_relationship_groups_request")
        gv = g.data.user_relationship_groups_with_version.last_updated_date
        assert await w.code(A, "query_relationship_groups_request", last_updated_date=gv) == Code.ALREADY_UP_TO_DATE
        w.clock.advance(1)
        await w.ok(A, "create_relationship_group_request", name="new")
        g = await w.call(A, "query_relationship_groups_request", last_updated_date=gv)
        assert len(g.data.user_relationship_groups_with_version.user_relationship_groups) == 2


async def test_group_indexes_that_name_no_group_yet_are_accepted_as_in_turms(tmp_path: Path) -> None:
    """Turms records a relationship under any group index: create, update and a group deletion's target may name
    a group that does not exist yet; the relation is recorded under it and the group appears (empty name)."""
    async with world(tmp_path) as w:

        async def group_list() -> list[tuple[int, str]]:
            r = await w.call(A, "query_relationship_groups_request")
            groups = r.data.user_relationship_groups_with_version.user_relationship_groups
            return [(g.index, g.name) for g in groups]

        await w.ok(A, "create_relationship_request", user_id=B, group_index=1)
        assert await groups_of(w, A, B) == [1]
        assert await related(w, A, group_indexes=[1]) == [B]
        assert await group_list() == [(0, ""), (1, "")]
        # The groups version moved with the new group: a client that synced before sees it changed.
        version = (await w.call(A, "query_relationship_groups_request")).data.user_relationship_groups_with_version
        w.clock.advance(5)
        await w.ok(A, "update_relationship_request", user_id=C, new_group_index=2)
        assert await groups_of(w, A, C) == [2]
        stale = await w.code(A, "query_relationship_groups_request", last_updated_date=version.last_updated_date)
        assert stale == Code.OK
        assert await group_list() == [(0, ""), (1, ""), (2, "")]
        await w.ok(A, "update_relationship_request", user_id=B, new_group_index=3, delete_group_index=1)
        assert await groups_of(w, A, B) == [3]
        # A deleted group's members move to a target that does not exist yet, which then appears.
        await w.ok(A, "delete_relationship_group_request", group_index=3, target_group_index=4)
        assert await groups_of(w, A, B) == [4]
        assert [i for i, _ in await group_list()] == [0, 1, 2, 4]
        # Renaming a group that does not exist changes nothing and answers OK (as Turms).
        w.notes.clear()
        await w.ok(A, "update_relationship_group_request", group_index=99, new_name="ghost")
        assert w.notes.sent == [] and [i for i, _ in await group_list()] == [0, 1, 2, 4]

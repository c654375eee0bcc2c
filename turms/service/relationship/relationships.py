"""One-sided relationships: create, update (block, rename, move between groups), delete, query."""

from __future__ import annotations

from typing import Any

from turms.errors import TurmsError
from turms.protocol.pb import model_common_pb2, model_user_pb2, turms_notification_pb2
from turms.protocol.status import ResponseStatusCode
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.push import push
from turms.service.relationship import relations
from turms.service.relationship.relations import DEFAULT_GROUP_INDEX, RELATIONSHIP
from turms.service.user import versions
from turms.settings import relationship as rs

#: The most related users one query names or returns.
MAX_LISTED = 10_000


def _to_proto(doc: dict[str, Any]) -> Any:
    out = model_user_pb2.UserRelationship(
        owner_id=int(doc["_id"]["oid"]),
        related_user_id=int(doc["_id"]["rid"]),
    )
    if doc.get("bd") is not None:
        out.block_date = versions.to_ms(doc["bd"])
    if doc.get("ed") is not None:
        out.establishment_date = versions.to_ms(doc["ed"])
    if doc.get("n") is not None:
        out.name = str(doc["n"])
    if doc.get("nt") is not None:
        out.note = str(doc["nt"])
    return out


def _optional_bool(message: Any, field: str) -> bool | None:
    return bool(getattr(message, field)) if message.HasField(field) else None


class Relationships:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    def _check_related(self, owner: int, related: int, blocked: bool | None) -> None:
        if related == owner:
            code = ResponseStatusCode.CANNOT_BLOCK_ONESELF if blocked else ResponseStatusCode.ILLEGAL_ARGUMENT
            raise TurmsError(code, "the related user must be another user")
        if related <= 0:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, "the related user id must be positive")

    async def create(self, req: ServiceRequest) -> Response:
        body = req.body
        owner, related = req.requester.user_id, body.user_id
        self._check_related(owner, related, body.blocked)
        now = versions.ms_floor(req.now)
        # As in Turms, a group index that names no group yet is accepted: the group is created with it.
        index = body.group_index if body.HasField("group_index") else DEFAULT_GROUP_INDEX
        await relations.upsert_relationship(
            self.store,
            owner,
            related,
            now,
            name=body.name if body.HasField("name") else None,
            blocked=body.blocked,
            create_only=True,
        )
        await self.s.relationships.changed([owner])
        await relations.add_member(self.store, owner, related, index, now)
        await versions.bump(self.store, [owner], relations.RELATIONSHIP_VERSIONS, now)
        relayed = req.request
        if not body.HasField("group_index"):
            relayed = type(req.request)()
            relayed.CopyFrom(req.request)
            relayed.create_relationship_request.group_index = index
        await push(
            self.s.notifier,
            req,
            [related] if self.s.settings.get(rs.MEMBER_ADDED_NEW_MEMBER) else [],
            request=relayed,
            include_own_other_sessions=self.s.settings.get(rs.MEMBER_ADDED_OWN),
        )
        return OK

    async def update(self, req: ServiceRequest) -> Response:
        body = req.body
        owner, related = req.requester.user_id, body.user_id
        blocked = _optional_bool(body, "blocked")
        self._check_related(owner, related, blocked)
        now = versions.ms_floor(req.now)
        new_index = body.new_group_index if body.HasField("new_group_index") else None
        delete_index = body.delete_group_index if body.HasField("delete_group_index") else None
        if new_index is not None and new_index == delete_index:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, "new_group_index equals delete_group_index")
        # As in Turms, updating a relationship that does not exist creates it.
        created = await relations.upsert_relationship(
            self.store,
            owner,
            related,
            now,
            name=body.name if body.HasField("name") else None,
            note=body.note if body.HasField("note") else None,
            blocked=blocked,
        )
        await self.s.relationships.changed([owner])
        if new_index is not None and delete_index is not None:
            await relations.move_member(self.store, owner, related, delete_index, new_index, now)
        elif new_index is not None:
            await relations.add_member(self.store, owner, related, new_index, now)
        elif delete_index is not None and delete_index != DEFAULT_GROUP_INDEX:
            await relations.move_member(self.store, owner, related, delete_index, DEFAULT_GROUP_INDEX, now)
        if created and not await relations.member_group_indexes(self.store, owner, related):
            await relations.add_member(self.store, owner, related, DEFAULT_GROUP_INDEX, now)
        await versions.bump(self.store, [owner], relations.RELATIONSHIP_VERSIONS, now)
        await push(
            self.s.notifier,
            req,
            [related] if self.s.settings.get(rs.REL_UPDATED_RELATED) else [],
            include_own_other_sessions=self.s.settings.get(rs.REL_UPDATED_OWN),
        )
        return OK

    async def delete(self, req: ServiceRequest) -> Response:
        body = req.body
        owner, related = req.requester.user_id, body.user_id
        self._check_related(owner, related, None)
        now = versions.ms_floor(req.now)
        group_index = body.group_index if body.HasField("group_index") else None
        deleted = await relations.delete_relationship(self.store, owner, related, group_index, now)
        # With two-sided deletion the other side goes too, unless it is a block: a blocklist is its owner's.
        if (
            deleted
            and self.s.settings.get(rs.DELETE_TWO_SIDED_RELATIONSHIPS)
            and not await relations.is_blocked(self.store, related, owner)
        ):
            await relations.delete_relationship(self.store, related, owner, None, now)
            await self.s.relationships.changed([owner, related])
        elif deleted:
            await self.s.relationships.changed([owner])
        if not deleted:
            return OK  # nothing stored changed: nobody is told (a stranger is never pushed to)
        await push(
            self.s.notifier,
            req,
            [related] if self.s.settings.get(rs.MEMBER_REMOVED_MEMBER) else [],
            include_own_other_sessions=self.s.settings.get(rs.MEMBER_REMOVED_OWN),
        )
        return OK

    async def query(self, req: ServiceRequest) -> Response:
        body = req.body
        owner = req.requester.user_id
        last = versions.optional_ms(body, "last_updated_date")
        version = await versions.check_version(self.store, owner, last, *relations.RELATIONSHIP_QUERY_VERSIONS)
        if len(body.user_ids) > MAX_LISTED:
            raise TurmsError(ResponseStatusCode.REQUESTED_RECORDS_TOO_MANY)
        flt: dict[str, Any] = {"_id.oid": owner}
        if body.user_ids:
            flt["_id.rid"] = {"$in": sorted(set(body.user_ids))}
        blocked = _optional_bool(body, "blocked")
        if blocked is not None:
            flt["bd"] = {"$exists": blocked}
        docs = await self.store.find(RELATIONSHIP, flt, sort=[("_id.rid", 1)], limit=MAX_LISTED)
        if body.group_indexes:
            members = set(await relations.group_member_ids(self.store, owner, body.group_indexes))
            docs = [d for d in docs if int(d["_id"]["rid"]) in members]
        if not docs:
            return Response(ResponseStatusCode.NO_CONTENT)
        result = model_user_pb2.UserRelationshipsWithVersion()
        for doc in docs:
            result.user_relationships.append(_to_proto(doc))
        if version is not None:
            result.last_updated_date = versions.to_ms(version)
        return Response(data=turms_notification_pb2.TurmsNotification.Data(user_relationships_with_version=result))

    async def query_related_ids(self, req: ServiceRequest) -> Response:
        body = req.body
        owner = req.requester.user_id
        last = versions.optional_ms(body, "last_updated_date")
        version = await versions.check_version(self.store, owner, last, *relations.RELATIONSHIP_QUERY_VERSIONS)
        ids = await relations.related_user_ids(
            self.store,
            owner,
            blocked=_optional_bool(body, "blocked"),
            group_indexes=list(body.group_indexes) or None,
        )
        if not ids:
            return Response(ResponseStatusCode.NO_CONTENT)
        result = model_common_pb2.LongsWithVersion(longs=ids[:MAX_LISTED])
        if version is not None:
            result.last_updated_date = versions.to_ms(version)
        return Response(data=turms_notification_pb2.TurmsNotification.Data(longs_with_version=result))

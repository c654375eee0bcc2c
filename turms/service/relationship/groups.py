"""Relationship groups: a user's own folders of contacts (create, rename, delete and move, query)."""

from __future__ import annotations

import secrets

from turms.errors import TurmsError
from turms.protocol.pb import model_user_pb2, turms_notification_pb2
from turms.protocol.status import ResponseStatusCode
from turms.security.antispam import TextType, check_text
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.push import push, stored_relay
from turms.service.relationship import relations
from turms.service.relationship.relations import DEFAULT_GROUP_INDEX, GROUP, GROUP_MEMBER
from turms.service.user import versions
from turms.settings import relationship as rs
from turms.storage.errors import DuplicateKeyError

#: Group indexes are random positive int32s, as in Turms; a collision is retried with a new index.
_MAX_INDEX = 2**31 - 1
_CREATE_ATTEMPTS = 5


class RelationshipGroups:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    def _check_name(self, name: str) -> None:
        limit = self.s.settings.get(rs.RELATIONSHIP_GROUP_MAX_NAME_LENGTH)
        if len(name) > limit:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"the group name is longer than {limit}")

    async def create(self, req: ServiceRequest) -> Response:
        body = req.body
        self._check_name(body.name)
        name = check_text(self.s.moderator, TextType.RELATIONSHIP_GROUP_NAME, body.name)
        owner = req.requester.user_id
        now = versions.ms_floor(req.now)
        await relations.ensure_default_group(self.store, owner, now)
        for _ in range(_CREATE_ATTEMPTS):
            index = secrets.randbelow(_MAX_INDEX) + 1
            try:
                await self.store.insert_one(GROUP, {"_id": relations.group_key(owner, index), "n": name, "cd": now})
            except DuplicateKeyError:
                continue
            await versions.bump(self.store, [owner], [versions.RELATIONSHIP_GROUPS], now)
            # Turms notifies nobody of a new (empty) group.
            return Response(data=turms_notification_pb2.TurmsNotification.Data(long=index))
        raise TurmsError(ResponseStatusCode.SERVER_INTERNAL_ERROR, "no free relationship group index")

    async def update(self, req: ServiceRequest) -> Response:
        body = req.body
        self._check_name(body.new_name)
        owner = req.requester.user_id
        now = versions.ms_floor(req.now)
        name = check_text(self.s.moderator, TextType.RELATIONSHIP_GROUP_NAME, body.new_name)
        result = await self.store.update_one(
            GROUP, {"_id": relations.group_key(owner, body.group_index)}, {"$set": {"n": name}}
        )
        if result.modified == 0:
            # Unknown group, or the same name: nothing changed, nobody to tell (as Turms).
            return OK
        await versions.bump(self.store, [owner], [versions.RELATIONSHIP_GROUPS], now)
        recipients: list[int] = []
        if self.s.settings.get(rs.GROUP_UPDATED_MEMBERS):
            recipients = await relations.group_member_ids(self.store, owner, [body.group_index])
        await push(
            self.s.notifier,
            req,
            recipients,
            request=stored_relay(req.request, {"group_index": body.group_index, "new_name": name}),
            include_own_other_sessions=self.s.settings.get(rs.GROUP_UPDATED_OWN),
        )
        return OK

    async def delete(self, req: ServiceRequest) -> Response:
        body = req.body
        owner = req.requester.user_id
        now = versions.ms_floor(req.now)
        index = body.group_index
        target = body.target_group_index if body.HasField("target_group_index") else DEFAULT_GROUP_INDEX
        if index == DEFAULT_GROUP_INDEX:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, "the default relationship group cannot be deleted")
        if index == target:
            # Turms answers OK and changes nothing when a group would move its members into itself.
            return OK
        members = await relations.group_member_ids(self.store, owner, [index])
        # Members first join the target group, then the old group goes: a crash in between leaves them in
        # both groups, never in none. As in Turms, the target need not exist yet: it is created with its first
        # member (relations.add_member).
        for member in members:
            await relations.add_member(self.store, owner, member, target, now)
        await self.store.delete_many(GROUP_MEMBER, {"_id.oid": owner, "_id.gidx": index})
        await self.store.delete_one(GROUP, {"_id": relations.group_key(owner, index)})
        await versions.bump(
            self.store,
            [owner],
            [versions.RELATIONSHIP_GROUPS, versions.RELATIONSHIP_GROUP_MEMBERS],
            now,
        )
        relayed = req.request
        if not body.HasField("target_group_index"):
            # Turms relays the request with the target it used, so other devices can move members alike.
            relayed = type(req.request)()
            relayed.CopyFrom(req.request)
            relayed.delete_relationship_group_request.target_group_index = target
        recipients = members if self.s.settings.get(rs.GROUP_DELETED_MEMBERS) else []
        await push(
            self.s.notifier,
            req,
            recipients,
            request=relayed,
            include_own_other_sessions=self.s.settings.get(rs.GROUP_DELETED_OWN),
        )
        return OK

    async def query(self, req: ServiceRequest) -> Response:
        body = req.body
        owner = req.requester.user_id
        last = versions.optional_ms(body, "last_updated_date")
        version = await versions.check_version(self.store, owner, last, versions.RELATIONSHIP_GROUPS)
        docs = await self.store.find(GROUP, {"_id.oid": owner}, sort=[("_id.gidx", 1)])
        result = model_user_pb2.UserRelationshipGroupsWithVersion()
        if not docs or docs[0]["_id"]["gidx"] != DEFAULT_GROUP_INDEX:
            # The default group always exists, stored or not (a query does not write).
            result.user_relationship_groups.add(index=DEFAULT_GROUP_INDEX, name="")
        for doc in docs:
            result.user_relationship_groups.add(index=int(doc["_id"]["gidx"]), name=str(doc.get("n", "")))
        if version is not None:
            result.last_updated_date = versions.to_ms(version)
        return Response(
            data=turms_notification_pb2.TurmsNotification.Data(user_relationship_groups_with_version=result)
        )

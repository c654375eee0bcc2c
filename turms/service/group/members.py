"""Group members: add (or join directly), remove (or quit), update (name, role, mute) and query."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from turms.clock import ms_to_datetime
from turms.errors import TurmsError
from turms.protocol.pb import constant_pb2, model_group_pb2
from turms.protocol.requests import to_enum
from turms.protocol.status import ResponseStatusCode as Code
from turms.security.antispam import TextType
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.group import access, permissions
from turms.service.group.groups import check_length, transfer_ownership
from turms.service.group.model import GROUP_MEMBER, GroupType, Role
from turms.service.group.notify import Audience
from turms.service.group.proto import Data, member_to_proto
from turms.service.push import stored_relay
from turms.settings import group as gs
from turms.storage.errors import DuplicateKeyError

USER_STATUS_OFFLINE = 1


def _role(value: int) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"unknown group member role {value}") from None


async def add_members(
    services: Services,
    group_id: int,
    group_type: GroupType,
    user_ids: list[int],
    role: Role,
    now: datetime,
    *,
    name: str | None = None,
    mute_end: datetime | None = None,
) -> None:
    """Insert members after the checks every path shares: not blocked, not members yet, size limit."""
    store = services.store
    blocked = await access.blocked_among(store, group_id, user_ids)
    if blocked:
        raise TurmsError(Code.ADD_BLOCKED_USER_TO_GROUP, "blocked user ids: " + ", ".join(map(str, blocked)))
    existing = await access.existing_members(store, group_id, user_ids)
    if existing:
        raise TurmsError(
            Code.RECORD_CONTAINS_DUPLICATE_KEY, "already members: " + ", ".join(map(str, sorted(existing)))
        )
    if await access.count_members(store, group_id) + len(user_ids) > group_type.size_limit:
        raise TurmsError(Code.ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED)
    docs: list[dict[str, Any]] = []
    for uid in user_ids:
        doc: dict[str, Any] = {"_id": access.member_key(group_id, uid), "role": int(role), "jd": now}
        if name is not None:
            doc["n"] = name
        if mute_end is not None:
            doc["med"] = mute_end
        docs.append(doc)
    try:
        await store.insert_many(GROUP_MEMBER, docs)
    except DuplicateKeyError:
        # A concurrent request added one of them first; the ones before it stay inserted.
        await _members_changed(services, group_id, user_ids, now)
        raise TurmsError(Code.RECORD_CONTAINS_DUPLICATE_KEY, "a user is already a member") from None
    await _members_changed(services, group_id, user_ids, now)


async def _members_changed(services: Services, group_id: int, user_ids: Iterable[int], now: datetime) -> None:
    await services.group_members.changed([group_id])
    await access.touch_group_version(services.store, group_id, now, "mbr")
    await access.touch_user_versions(services.store, user_ids, now, access.JOINED_GROUPS)


async def remove_members(services: Services, group_id: int, user_ids: list[int], now: datetime) -> int:
    store = services.store
    deleted = await store.delete_many(GROUP_MEMBER, {"_id.gid": group_id, "_id.uid": {"$in": user_ids}})
    if deleted:
        await _members_changed(services, group_id, user_ids, now)
    return deleted


class Members:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    async def create(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        group_id = body.group_id
        user_ids = list(dict.fromkeys(body.user_ids))
        if len(user_ids) > self.s.settings.get(gs.MAX_MEMBERS_PER_REQUEST):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "too many user ids")
        joining_self = uid in user_ids
        role = _role(body.role) if body.HasField("role") else Role.MEMBER
        if joining_self:
            if len(user_ids) > 1:
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "cannot add oneself and other users in one request")
            if role is not Role.MEMBER:
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "a user joining by itself must be a MEMBER")
        if role in (Role.OWNER, Role.GUEST):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, f"the role of new members must not be {role.name}")
        if not user_ids:
            return OK
        name = (
            check_length(body.name, gs.MAX_MEMBER_NAME_LENGTH, self.s, "name", TextType.GROUP_MEMBER_NAME)
            if body.HasField("name")
            else None
        )
        found = await access.active_group_and_type(self.store, group_id)
        if found is None:
            raise TurmsError(Code.ADD_USER_TO_INACTIVE_GROUP)
        _, group_type = found
        if joining_self:
            code = permissions.self_join_code(group_type.join_strategy)
        else:
            requester_role = await access.member_role(self.store, group_id, uid)
            code = permissions.add_members_code(requester_role, group_type.invitation_strategy, role)
        if code is not Code.OK:
            raise TurmsError(code)
        mute_end = ms_to_datetime(body.mute_end_date) if body.HasField("mute_end_date") else None
        await add_members(self.s, group_id, group_type, user_ids, role, req.now, name=name, mute_end=mute_end)
        audience = Audience(self.s, "group_member_added", group_id)
        added = set(user_ids)
        await audience.add_members(
            "notify_other_group_members", known=[m for m in await audience.members() if m not in added]
        )
        audience.add("notify_added_group_member", added)
        relay: dict[str, Any] = {"group_id": group_id, "user_ids": user_ids}
        if body.HasField("role"):
            relay["role"] = body.role
        if name is not None:
            relay["name"] = name  # as stored (antispam may have masked it)
        if body.HasField("mute_end_date"):
            relay["mute_end_date"] = body.mute_end_date
        await audience.send(req, stored_relay(req.request, relay))
        return OK

    async def delete(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        group_id = body.group_id
        targets = list(dict.fromkeys(body.member_ids))
        if len(targets) > self.s.settings.get(gs.MAX_MEMBERS_PER_REQUEST):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "too many member ids")
        if body.HasField("successor_id"):
            if targets and targets != [uid]:
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "cannot transfer the ownership while removing other members")
            transferred = await transfer_ownership(
                self.s, uid, group_id, body.successor_id, body.quit_after_transfer, req.now
            )
            removed = [uid] if transferred and body.quit_after_transfer else []
        elif not targets:
            return OK
        elif uid in targets:
            if len(targets) > 1:
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "cannot quit a group while removing other members")
            role = await access.member_role(self.store, group_id, uid)
            if role is Role.OWNER:
                raise TurmsError(Code.GROUP_OWNER_QUIT_WITHOUT_SPECIFYING_SUCCESSOR)
            removed = [uid] if role is not None and await remove_members(self.s, group_id, [uid], req.now) else []
        else:
            requester_role = await access.member_role(self.store, group_id, uid)
            if not permissions.is_owner_or_manager(requester_role):
                raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_GROUP_MEMBER)
            docs = await self.store.find(
                GROUP_MEMBER, {"_id.gid": group_id, "_id.uid": {"$in": targets}}, projection={"role": 1}
            )
            for d in docs:
                assert requester_role is not None
                code = permissions.remove_member_code(requester_role, Role(int(d.get("role", Role.MEMBER))))
                if code is not Code.OK:
                    raise TurmsError(code, f"no permission to remove member {d['_id']['uid']}")
            removed = [int(d["_id"]["uid"]) for d in docs]
            if removed:
                await remove_members(self.s, group_id, removed, req.now)
        if not removed:
            return OK
        audience = Audience(self.s, "group_member_removed", group_id)
        await audience.add_members("notify_other_group_members")
        audience.add("notify_removed_group_member", removed)
        await audience.send(req)
        return OK

    async def update(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        group_id, target = body.group_id, body.member_id
        role = _role(body.role) if body.HasField("role") else None
        name = (
            check_length(body.name, gs.MAX_MEMBER_NAME_LENGTH, self.s, "name", TextType.GROUP_MEMBER_NAME)
            if body.HasField("name")
            else None
        )
        mute_end = ms_to_datetime(body.mute_end_date) if body.HasField("mute_end_date") else None
        if role is Role.OWNER:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "transfer the ownership with UpdateGroupRequest.successor_id")
        if role is None and name is None and mute_end is None:
            return OK
        found = await access.active_group_and_type(self.store, group_id)
        requester_role = await access.member_role(self.store, group_id, uid)
        target_role = await access.member_role(self.store, group_id, target)
        if role is not None:
            if found is None:
                raise TurmsError(Code.UPDATE_GROUP_MEMBER_ROLE_OF_NONEXISTENT_GROUP)
            if requester_role is not Role.OWNER:
                raise TurmsError(Code.NOT_GROUP_OWNER_TO_UPDATE_GROUP_MEMBER_ROLE)
            if target_role is None:
                raise TurmsError(Code.UPDATE_INFO_OF_NONEXISTENT_GROUP_MEMBER)
            if target == uid:
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "the owner's role changes only by a transfer")
        if mute_end is not None:
            if target == uid:
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "cannot mute oneself")
            if found is None:
                raise TurmsError(Code.MUTE_GROUP_MEMBER_OF_NONEXISTENT_GROUP)
            code = permissions.mute_member_code(requester_role, target_role)
            if code is not Code.OK:
                raise TurmsError(code)
        if name is not None:
            if found is None:
                raise TurmsError(Code.UPDATE_GROUP_MEMBER_INFO_OF_NONEXISTENT_GROUP)
            if target_role is None:
                raise TurmsError(Code.UPDATE_INFO_OF_NONEXISTENT_GROUP_MEMBER)
            group_type = found[1]
            if not (group_type.self_info_updatable and target == uid):
                code = permissions.update_member_info_code(requester_role, group_type.member_info_update_strategy)
                if code is not Code.OK:
                    raise TurmsError(code)
        changes: dict[str, Any] = {}
        relay: dict[str, Any] = {"group_id": group_id, "member_id": target}
        if role is not None:
            changes["role"] = int(role)
            relay["role"] = body.role
        if name is not None:
            changes["n"] = name
            relay["name"] = name  # as stored (antispam may have masked it)
        if mute_end is not None:
            changes["med"] = mute_end
            relay["mute_end_date"] = body.mute_end_date
        result = await self.store.update_one(
            GROUP_MEMBER, {"_id": access.member_key(group_id, target)}, {"$set": changes}
        )
        if result.modified == 0:
            return OK  # not a member (any more), or nothing differs: nothing stored, nobody told
        await access.touch_group_version(self.store, group_id, req.now, "mbr")
        audience = Audience(self.s, "group_member_info_updated", group_id)
        await audience.add_members("notify_other_group_members")
        if not audience.on("notify_updated_group_member"):
            audience.recipients.discard(target)
        else:
            audience.recipients.add(target)
        await audience.send(req, stored_relay(req.request, relay))
        return OK

    async def query(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        group_id = body.group_id
        if await access.member_role(self.store, group_id, uid) is None:
            raise TurmsError(Code.NOT_GROUP_MEMBER_TO_QUERY_GROUP_MEMBER_INFO)
        version = None
        if body.member_ids:
            ids = list(dict.fromkeys(body.member_ids))
            docs = await self.store.find(GROUP_MEMBER, {"_id.gid": group_id, "_id.uid": {"$in": ids}})
        else:
            version = await access.group_version(self.store, group_id, "mbr")
            lud = body.last_updated_date if body.HasField("last_updated_date") else None
            if access.up_to_date(lud, version):
                return Response(Code.ALREADY_UP_TO_DATE)
            docs = await self.store.find(GROUP_MEMBER, {"_id.gid": group_id})
        if not docs:
            return Response(Code.NO_CONTENT)
        result = model_group_pb2.GroupMembersWithVersion()
        members = [member_to_proto(d) for d in docs]
        if body.with_status:
            statuses = await self.s.presence.statuses([m.user_id for m in members])
            for m in members:
                status, devices = statuses.get(m.user_id, (None, []))
                m.user_status = to_enum(
                    constant_pb2.UserStatus, USER_STATUS_OFFLINE if status is None else status, strict=False
                )
                for device in devices:
                    m.using_device_types.append(to_enum(constant_pb2.DeviceType, device, strict=False))
        result.group_members.extend(members)
        if version is not None:
            result.last_updated_date = int(version.timestamp() * 1000)
        return Response(data=Data(group_members_with_version=result))

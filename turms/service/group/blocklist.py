"""The group blocklist: block (which also removes a member), unblock, and query ids or user infos."""

from __future__ import annotations

from datetime import datetime

from turms.errors import TurmsError
from turms.protocol.pb import model_user_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.group import access, permissions
from turms.service.group.members import remove_members
from turms.service.group.model import GROUP_BLOCKED_USER, USER
from turms.service.group.notify import Audience
from turms.service.group.proto import Data, longs_with_version, user_info
from turms.storage.errors import DuplicateKeyError


class Blocklist:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    async def block(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        group_id, target = body.group_id, body.user_id
        requester_role = await access.member_role(self.store, group_id, uid)
        if not permissions.is_owner_or_manager(requester_role):
            raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_BLOCKED_USER)
        if target == uid:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "cannot block oneself")
        target_role = await access.member_role(self.store, group_id, target)
        if target_role is not None:
            # Turms lets a manager block (and so remove) the owner; we apply the removal rule instead.
            assert requester_role is not None
            code = permissions.remove_member_code(requester_role, target_role)
            if code is not Code.OK:
                raise TurmsError(code)
        try:
            await self.store.insert_one(
                GROUP_BLOCKED_USER, {"_id": access.member_key(group_id, target), "bd": req.now, "rid": uid}
            )
        except DuplicateKeyError:
            raise TurmsError(Code.RECORD_CONTAINS_DUPLICATE_KEY, "the user is already blocked") from None
        audience = Audience(self.s, "group_blocked_user_added", group_id)
        if target_role is not None:
            await remove_members(self.s, group_id, [target], req.now)
        await access.touch_group_version(self.store, group_id, req.now, "bl")
        await audience.add_members("notify_group_members")
        audience.add("notify_blocked_user", [target])
        await audience.send(req)
        return OK

    async def unblock(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        group_id, target = body.group_id, body.user_id
        if not permissions.is_owner_or_manager(await access.member_role(self.store, group_id, uid)):
            raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_BLOCKED_USER)
        deleted = await self.store.delete_one(GROUP_BLOCKED_USER, {"_id": access.member_key(group_id, target)})
        if not deleted:
            return OK
        await access.touch_group_version(self.store, group_id, req.now, "bl")
        audience = Audience(self.s, "group_blocked_user_removed", group_id)
        await audience.add_members("notify_group_members")
        audience.add("notify_unblocked_user", [target])
        await audience.send(req)
        return OK

    async def _blocked_ids(self, req: ServiceRequest) -> tuple[Response | None, list[int], datetime | None]:
        body = req.body
        # Turms lets anyone read a group's blocklist; so do we (it holds only ids and dates).
        version = await access.group_version(self.store, body.group_id, "bl")
        lud = body.last_updated_date if body.HasField("last_updated_date") else None
        if access.up_to_date(lud, version):
            return Response(Code.ALREADY_UP_TO_DATE), [], version
        docs = await self.store.find(GROUP_BLOCKED_USER, {"_id.gid": body.group_id}, projection={"_id": 1})
        ids = [int(d["_id"]["uid"]) for d in docs]
        if not ids:
            return Response(Code.NO_CONTENT), [], version
        return None, ids, version

    async def query_ids(self, req: ServiceRequest) -> Response:
        early, ids, version = await self._blocked_ids(req)
        if early is not None:
            return early
        return Response(data=longs_with_version(ids, version))

    async def query_infos(self, req: ServiceRequest) -> Response:
        early, ids, version = await self._blocked_ids(req)
        if early is not None:
            return early
        users = await self.store.find(USER, {"_id": {"$in": ids}})
        known = {int(u["_id"]) for u in users}
        result = model_user_pb2.UserInfosWithVersion()
        result.user_infos.extend(user_info(u) for u in users)
        # Users unknown to the store (e.g. with `gateway.auth.type = none`) are still listed by id.
        result.user_infos.extend(model_user_pb2.UserInfo(id=i) for i in ids if i not in known)
        if version is not None:
            result.last_updated_date = int(version.timestamp() * 1000)
        return Response(data=Data(user_infos_with_version=result))

"""Groups themselves: create, delete, update (info, mute, type, ownership transfer) and query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from turms.clock import ms_to_datetime
from turms.errors import TurmsError
from turms.observability import metrics
from turms.protocol.pb import model_group_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.security.antispam import TextType, check_text
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.group import access, permissions
from turms.service.group.model import DEFAULT_GROUP_TYPE_ID, GROUP, GROUP_MEMBER, GROUP_VERSION, Role
from turms.service.group.notify import Audience
from turms.service.group.proto import Data, attribute_values, group_to_proto, longs_with_version, value_to_python
from turms.service.push import stored_relay
from turms.settings import group as gs
from turms.settings.registry import Setting

_VERSION_FIELDS = ("mbr", "bl", "jr", "jq", "invt")


def check_length(
    value: str, limit: Setting[int], services: Services, what: str, text_type: TextType | None = None
) -> str:
    """``value`` within its length limit and, for an antispam text type, moderated (masked or refused)."""
    maximum = services.settings.get(limit)
    if len(value) > maximum:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"the {what} must be at most {maximum} characters")
    return value if text_type is None else check_text(services.moderator, text_type, value)


def _attributes(mapping: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        if not key or key.startswith("$") or "." in key:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, f"illegal attribute name {key!r}")
        converted = value_to_python(value)
        if converted is not None:
            out[key] = converted
    return out


class Groups:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    # Create and delete ----------------------------------------------------------------------------

    async def create(self, req: ServiceRequest) -> Response:
        body = req.body
        uid = req.requester.user_id
        now = req.now
        name = check_length(body.name, gs.MAX_NAME_LENGTH, self.s, "name", TextType.GROUP_NAME)
        type_id = body.type_id if body.HasField("type_id") else DEFAULT_GROUP_TYPE_ID
        if body.HasField("min_score") and body.min_score < 0:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "min_score must be >= 0")
        await access.check_group_quota(self.store, uid, type_id)
        group_id = self.s.ids.next_id()
        doc: dict[str, Any] = {
            "_id": group_id,
            "tid": type_id,
            "cid": uid,
            "oid": uid,
            "n": name,
            "ms": body.min_score if body.HasField("min_score") else 0,
            "cd": now,
            "lud": now,
            "ac": self.s.settings.get(gs.ACTIVATE_GROUP_WHEN_CREATED),
        }
        if body.HasField("intro"):
            doc["intro"] = check_length(body.intro, gs.MAX_INTRO_LENGTH, self.s, "intro", TextType.GROUP_INTRO)
        if body.HasField("announcement"):
            doc["annt"] = check_length(
                body.announcement, gs.MAX_ANNOUNCEMENT_LENGTH, self.s, "announcement", TextType.GROUP_ANNOUNCEMENT
            )
        if body.HasField("mute_end_date"):
            doc["med"] = ms_to_datetime(body.mute_end_date)
        if body.user_defined_attributes:
            doc["uda"] = _attributes(body.user_defined_attributes)
        await self.store.insert_one(GROUP, doc)
        metrics.GROUPS_CREATED.inc()
        await self.store.insert_one(
            GROUP_MEMBER, {"_id": access.member_key(group_id, uid), "role": int(Role.OWNER), "jd": now}
        )
        await self.s.group_members.changed([group_id])  # a group id reused after a physical delete
        await self.store.insert_one(GROUP_VERSION, {"_id": group_id, **dict.fromkeys(_VERSION_FIELDS, now)})
        await access.touch_user_versions(self.store, [uid], now, access.JOINED_GROUPS)
        relay: dict[str, Any] = {"name": name}  # texts as stored (antispam may mask them)
        for field, key in (("intro", "intro"), ("announcement", "annt"), ("min_score", "ms"), ("type_id", "tid")):
            if key in doc and body.HasField(field):
                relay[field] = doc[key]
        if body.HasField("mute_end_date"):
            relay["mute_end_date"] = body.mute_end_date
        if doc.get("uda"):
            relay["user_defined_attributes"] = attribute_values(doc["uda"])
        await Audience(self.s, "group_created", group_id).send(req, stored_relay(req.request, relay))
        return Response(data=Data(long=group_id))

    async def delete(self, req: ServiceRequest) -> Response:
        group_id = req.body.group_id
        uid = req.requester.user_id
        if await access.member_role(self.store, group_id, uid) is not Role.OWNER:
            raise TurmsError(Code.NOT_GROUP_OWNER_TO_DELETE_GROUP)
        audience = Audience(self.s, "group_deleted", group_id)
        members = await audience.members()
        await delete_groups(self.s, [group_id], req.now, members)
        await audience.add_members("notify_group_members")
        await audience.send(req)
        return OK

    # Update ---------------------------------------------------------------------------------------

    async def update(self, req: ServiceRequest) -> Response:
        """``UpdateGroupRequest``: an ownership transfer (``successor_id``; the other fields are ignored, as in
        Turms) or an info update. Authorised before anything is stored; the push relays only what changed, as
        stored, and there is no push when nothing changed."""
        body = req.body
        if body.HasField("successor_id"):
            transferred = await transfer_ownership(
                self.s, req.requester.user_id, body.group_id, body.successor_id, body.quit_after_transfer, req.now
            )
            if not transferred:
                return OK
            fields: dict[str, Any] = {"group_id": body.group_id, "successor_id": body.successor_id}
            if body.HasField("quit_after_transfer"):
                fields["quit_after_transfer"] = body.quit_after_transfer
        else:
            changed = await self._update_info(req)
            if not changed:
                return OK
            fields = {"group_id": body.group_id, **changed}
        audience = Audience(self.s, "group_updated", body.group_id)
        await audience.add_members("notify_group_members")
        await audience.send(req, stored_relay(req.request, fields))
        return OK

    async def _update_info(self, req: ServiceRequest) -> dict[str, Any]:
        """Authorise, then store the info changes that differ from the stored group. Returns them as request
        fields with the stored values (for the push); empty when the request changes nothing."""
        body = req.body
        uid = req.requester.user_id
        # (request field, stored key, value to store, value to relay)
        wanted: list[tuple[str, str, Any, Any]] = []
        if body.HasField("name"):
            name = check_length(body.name, gs.MAX_NAME_LENGTH, self.s, "name", TextType.GROUP_NAME)
            wanted.append(("name", "n", name, name))
        if body.HasField("intro"):
            intro = check_length(body.intro, gs.MAX_INTRO_LENGTH, self.s, "intro", TextType.GROUP_INTRO)
            wanted.append(("intro", "intro", intro, intro))
        if body.HasField("announcement"):
            annt = check_length(
                body.announcement, gs.MAX_ANNOUNCEMENT_LENGTH, self.s, "announcement", TextType.GROUP_ANNOUNCEMENT
            )
            wanted.append(("announcement", "annt", annt, annt))
        if body.HasField("min_score"):
            if body.min_score < 0:
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "min_score must be >= 0")
            wanted.append(("min_score", "ms", body.min_score, body.min_score))
        if body.HasField("mute_end_date"):
            wanted.append(("mute_end_date", "med", ms_to_datetime(body.mute_end_date), body.mute_end_date))
        attributes = _attributes(body.user_defined_attributes)
        if body.HasField("type_id"):
            if not self.s.settings.get(gs.ALLOW_OWNER_CHANGE_GROUP_TYPE):
                raise TurmsError(Code.UPDATING_GROUP_TYPE_IS_DISABLED)
            if await access.member_role(self.store, body.group_id, uid) is not Role.OWNER:
                raise TurmsError(Code.NOT_GROUP_OWNER_TO_UPDATE_GROUP_TYPE)
            await access.check_group_quota(self.store, uid, body.type_id, updating=True)
            wanted.append(("type_id", "tid", body.type_id, body.type_id))
        if not wanted and not attributes:
            return {}
        found = await access.active_group_and_type(self.store, body.group_id)
        if found is None:
            raise TurmsError(Code.UPDATE_INFO_OF_NONEXISTENT_GROUP)
        group, group_type = found
        role = await access.member_role(self.store, body.group_id, uid)
        code = permissions.update_group_info_code(role, group_type.group_info_update_strategy)
        if code is not Code.OK:
            raise TurmsError(code)
        changes: dict[str, Any] = {}
        relay: dict[str, Any] = {}
        for field, key, value, shown in wanted:
            if group.get(key) != value:
                changes[key] = value
                relay[field] = shown
        stored_attributes: dict[str, Any] = group.get("uda") or {}
        changed_attributes = {k: v for k, v in attributes.items() if stored_attributes.get(k) != v}
        for key, value in changed_attributes.items():
            changes[f"uda.{key}"] = value
        if not changes:
            return {}
        changes["lud"] = req.now
        await self.store.update_one(GROUP, {"_id": body.group_id}, {"$set": changes})
        if changed_attributes:
            relay["user_defined_attributes"] = attribute_values(changed_attributes)
        return relay

    # Queries --------------------------------------------------------------------------------------

    async def query(self, req: ServiceRequest) -> Response:
        body = req.body
        if body.HasField("name") and body.name.strip():
            raise TurmsError(Code.SEARCHING_GROUP_IS_DISABLED)
        ids = list(dict.fromkeys(body.group_ids))
        if not ids:
            return Response(Code.NO_CONTENT)
        query: dict[str, Any] = {"_id": {"$in": ids}, "dd": None}
        if body.HasField("last_updated_date"):
            query["lud"] = {"$gt": ms_to_datetime(body.last_updated_date)}
        docs = await self.store.find(GROUP, query)
        if not docs:
            return Response(Code.ALREADY_UP_TO_DATE if body.HasField("last_updated_date") else Code.NO_CONTENT)
        data = Data(groups_with_version=model_group_pb2.GroupsWithVersion())
        data.groups_with_version.groups.extend(group_to_proto(d) for d in docs)
        return Response(data=data)

    async def _joined(self, req: ServiceRequest) -> tuple[list[int], datetime | None]:
        uid = req.requester.user_id
        ids = await access.joined_group_ids(self.store, uid)
        others = set(req.body.user_ids_for_common_groups) - {uid}
        for other in others:
            theirs = set(await access.joined_group_ids(self.store, other))
            ids = [g for g in ids if g in theirs]
        return ids, await access.user_version(self.store, uid, access.JOINED_GROUPS)

    async def query_joined_ids(self, req: ServiceRequest) -> Response:
        lud = req.body.last_updated_date if req.body.HasField("last_updated_date") else None
        ids, version = await self._joined(req)
        if access.up_to_date(lud, version):
            return Response(Code.ALREADY_UP_TO_DATE)
        if not ids:
            return Response(Code.NO_CONTENT)
        return Response(data=longs_with_version(ids, version))

    async def query_joined_infos(self, req: ServiceRequest) -> Response:
        lud = req.body.last_updated_date if req.body.HasField("last_updated_date") else None
        ids, version = await self._joined(req)
        docs = await self.store.find(GROUP, {"_id": {"$in": ids}}) if ids else []
        # Unlike Turms (joined-groups version only), info changes of a joined group also count as news.
        for d in docs:
            changed = d.get("lud")
            if isinstance(changed, datetime) and (version is None or changed > version):
                version = changed
        if access.up_to_date(lud, version):
            return Response(Code.ALREADY_UP_TO_DATE)
        if not docs:
            return Response(Code.NO_CONTENT)
        data = Data(groups_with_version=model_group_pb2.GroupsWithVersion())
        data.groups_with_version.groups.extend(group_to_proto(d) for d in docs)
        if version is not None:
            data.groups_with_version.last_updated_date = int(version.timestamp() * 1000)
        return Response(data=data)


async def delete_groups(services: Services, group_ids: list[int], now: datetime, members: list[int]) -> None:
    """Delete groups (logically unless configured otherwise) and all their members.

    ``members`` are the member ids of the groups, read before, whose joined-groups version changes.
    """
    store = services.store
    if services.settings.get(gs.DELETE_GROUP_LOGICALLY):
        result = await store.update_many(
            GROUP, {"_id": {"$in": group_ids}, "dd": None}, {"$set": {"dd": now, "lud": now}}
        )
        metrics.GROUPS_DELETED.inc(result.modified)
    else:
        metrics.GROUPS_DELETED.inc(await store.delete_many(GROUP, {"_id": {"$in": group_ids}}))
    await store.delete_many(GROUP_MEMBER, {"_id.gid": {"$in": group_ids}})
    await services.group_members.changed(group_ids)
    await store.delete_many(GROUP_VERSION, {"_id": {"$in": group_ids}})
    await access.touch_user_versions(store, members, now, access.JOINED_GROUPS)


async def transfer_ownership(
    services: Services, requester: int, group_id: int, successor: int, quit_after: bool, now: datetime
) -> bool:
    """Make ``successor`` the owner; the old owner becomes a member, or leaves with ``quit_after``.

    Returns whether anything changed: the owner naming itself changes nothing. The requester is checked to be
    the owner before anything else, so a non-member naming itself is refused, never a silent success.
    """
    store = services.store
    if await access.member_role(store, group_id, requester) is not Role.OWNER:
        raise TurmsError(Code.NOT_GROUP_OWNER_TO_TRANSFER_GROUP)
    group = await access.find_group(store, group_id)
    if group is None or group.get("dd") is not None:
        raise TurmsError(Code.TRANSFER_NONEXISTENT_GROUP)
    if successor == requester:
        return False
    if await access.member_role(store, group_id, successor) is None:
        raise TurmsError(Code.GROUP_SUCCESSOR_NOT_GROUP_MEMBER)
    await access.check_group_quota(store, successor, int(group.get("tid", DEFAULT_GROUP_TYPE_ID)))
    key = access.member_key
    if quit_after:
        await store.delete_one(GROUP_MEMBER, {"_id": key(group_id, requester)})
        await services.group_members.changed([group_id])
        await access.touch_user_versions(store, [requester], now, access.JOINED_GROUPS)
    else:
        await store.update_one(GROUP_MEMBER, {"_id": key(group_id, requester)}, {"$set": {"role": int(Role.MEMBER)}})
    await store.update_one(GROUP_MEMBER, {"_id": key(group_id, successor)}, {"$set": {"role": int(Role.OWNER)}})
    await store.update_one(GROUP, {"_id": group_id}, {"$set": {"oid": successor, "lud": now}})
    await access.touch_group_version(store, group_id, now, "mbr")
    return True

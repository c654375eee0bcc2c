"""The five storage request kinds, with Turms's semantics and status codes (its ``StorageService`` and MinIO plugin).

Who may do what:

* user profile picture: upload and delete one's own; anyone may ask for anyone's (public) URL;
* group profile picture: upload and delete by the group's owner or a manager (else UNAUTHORIZED, 1300, as
  Turms); anyone may ask for the URL;
* message attachment: uploaded into a private conversation (``id_num`` = the other user, who must have a
  relationship with the uploader that is not a block: else 6100), into a group (``id_num`` = minus the group id;
  membership, else 6101) or, unlike Turms's plugin, into no conversation (only the uploader may read it until it
  is shared). Downloadable by the uploader, the users it is shared with and the members of the groups it is shared
  with (else 6107). Shared only by the uploader (6102); unshared from a user by the uploader (6104), from a group by
  the uploader or the group's owner or managers (6103); deleted by the uploader, or by an owner or manager of a
  group it is shared with (6105 when it is shared with groups, else 6106). Sharing follows the upload rules
  (the user must be related to the uploader, the uploader a member of the group), which Turms's plugin does not
  check: without them anyone could push a file into any group's attachment list.

No backend: every request answers STORAGE_NOT_IMPLEMENTED (6000), as Turms without a storage plugin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from turms.clock import ms_to_datetime
from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.resource import access
from turms.service.resource.attachments import Attachments
from turms.service.resource.model import (
    GROUP_TARGET,
    ID_KEY,
    URL_KEY,
    USER_TARGET,
    infos,
    media_range,
    parse_media_type,
    strings,
)
from turms.service.resource.port import (
    MediaRange,
    ObjectStore,
    ObjectStoreError,
    ResourceType,
    StoredObject,
    UploadPolicy,
)
from turms.settings import files as fs

_PICTURES = (ResourceType.USER_PROFILE_PICTURE, ResourceType.GROUP_PROFILE_PICTURE)


def _type(value: int) -> ResourceType:
    try:
        return ResourceType(value)
    except ValueError:
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"unknown resource type {value}") from None


def _id_num(body: Any, what: str) -> int:
    if not body.HasField("id_num"):
        raise TurmsError(Code.ILLEGAL_ARGUMENT, f"the {what} id must not be null")
    return int(body.id_num)


def _date_range(body: Any) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    if body.HasField("creation_date_start"):
        out["$gte"] = ms_to_datetime(body.creation_date_start)
    if body.HasField("creation_date_end"):
        out["$lte"] = ms_to_datetime(body.creation_date_end)
    return out


class FileService:
    def __init__(self, services: Services, backend: ObjectStore) -> None:
        self.s = services
        self.store = services.store
        self.backend = backend
        self.attachments = Attachments(services.store, services.settings, backend)
        backend.on_stored = self.stored

    def _item(self, type: ResourceType, name: str) -> Any:
        return self.s.settings.get(fs.ITEMS[type.setting_key][name])

    async def stored(self, type: ResourceType, key: str, obj: StoredObject) -> None:
        if type is ResourceType.MESSAGE_ATTACHMENT:
            await self.attachments.stored(key, obj)

    async def _backend(self, call: Any) -> Any:
        try:
            return await call
        except ObjectStoreError as e:
            raise TurmsError(Code.SERVER_UNAVAILABLE, f"the file store failed: {e}") from None

    async def _form(self, type: ResourceType, key: str, content_type: MediaRange) -> dict[str, str]:
        max_bytes = int(self._item(type, "max_size_bytes"))
        min_bytes = int(self._item(type, "min_size_bytes"))
        if max_bytes and min_bytes > max_bytes:
            raise TurmsError(Code.SERVER_INTERNAL_ERROR, f"{type.setting_key}: min_size_bytes > max_size_bytes")
        policy = UploadPolicy(
            type, key, content_type, min_bytes, max_bytes, int(self._item(type, "upload_url_expire_after_s"))
        )
        form = await self._backend(self.backend.upload_form(policy))
        return {ID_KEY: key, URL_KEY: form.url, **form.fields}

    def _content_rule(self, type: ResourceType, declared: str | None) -> MediaRange:
        allowed = media_range(str(self._item(type, "allowed_content_type")))
        if declared is None:
            return allowed
        media_type = parse_media_type(declared)
        if not allowed.matches(media_type):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, f"the media type {media_type} is not allowed for {type.bucket}")
        return MediaRange(media_type, prefix=False)

    async def _require_manager(self, group_id: int, user_id: int) -> None:
        if not await access.managed_among(self.store, [group_id], user_id):
            raise TurmsError(Code.UNAUTHORIZED, "only the group's owner and managers may change its picture")

    # -- QueryResourceUploadInfoRequest ---------------------------------------------------------------------

    async def upload_info(self, req: ServiceRequest) -> Response:
        body = req.body
        type = _type(body.type)
        requester = req.requester.user_id
        declared = body.media_type if body.HasField("media_type") else None
        if type is ResourceType.USER_PROFILE_PICTURE:
            pairs = await self._form(type, str(requester), self._content_rule(type, declared))
        elif type is ResourceType.GROUP_PROFILE_PICTURE:
            group_id = _id_num(body, "group")
            rule = self._content_rule(type, declared)
            await self._require_manager(group_id, requester)
            pairs = await self._form(type, str(group_id), rule)
        else:
            pairs = await self._attachment_upload_info(req, declared)
        return Response(data=strings(pairs))

    async def _attachment_upload_info(self, req: ServiceRequest, declared: str | None) -> dict[str, str]:
        body = req.body
        requester = req.requester.user_id
        name = body.name if body.HasField("name") else ""
        if not name.strip():
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "the resource name must not be null or blank")
        limit = int(self.s.settings.get(fs.MAX_NAME_LENGTH))
        if len(name) > limit:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, f"the resource name is longer than {limit} characters")
        if declared is None:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "the resource media type must be a concrete media type")
        rule = self._content_rule(ResourceType.MESSAGE_ATTACHMENT, declared)
        target: tuple[int, int] | None = None
        if body.HasField("id_num"):
            target = await self._check_upload_target(requester, int(body.id_num))
        attachment_id = self.s.ids.next_id()
        now = req.now
        await self.attachments.create(attachment_id, requester, name, rule.value, now, target)
        try:
            return await self._form(ResourceType.MESSAGE_ATTACHMENT, str(attachment_id), rule)
        except BaseException:
            doc = await self.attachments.find(attachment_id)
            if doc is not None:
                await self.attachments.delete(doc)
            raise

    async def _check_upload_target(self, requester: int, id_num: int) -> tuple[int, int]:
        """Turms's encoding: ``id_num >= 0`` a user (private conversation), ``< 0`` minus a group id."""
        if id_num < 0:
            group_id = -id_num
            if not await access.is_member(self.store, group_id, requester):
                raise TurmsError(Code.NOT_GROUP_MEMBER_TO_UPLOAD_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION)
            return GROUP_TARGET, group_id
        if not await access.related_and_not_blocked(self.store, id_num, requester):
            raise TurmsError(Code.NOT_FRIEND_TO_UPLOAD_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION)
        return USER_TARGET, id_num

    # -- QueryResourceDownloadInfoRequest -------------------------------------------------------------------

    async def download_info(self, req: ServiceRequest) -> Response:
        body = req.body
        type = _type(body.type)
        if type in _PICTURES:
            key = str(_id_num(body, "user" if type is ResourceType.USER_PROFILE_PICTURE else "group"))
            url = await self._backend(self.backend.public_url(type, key))
            return Response(data=strings({URL_KEY: url}))
        attachment_id = _id_num(body, "message attachment")
        requester = req.requester.user_id
        refused = TurmsError(Code.NOT_UPLOADER_OR_SHARED_WITH_USER_TO_DOWNLOAD_MESSAGE_ATTACHMENT)
        doc = await self.attachments.find(attachment_id)
        if doc is None:
            raise refused
        if int(doc["uid"]) != requester:
            users, groups = await self.attachments.shared_with(attachment_id)
            if requester not in users and not await access.member_of_any(self.store, groups, requester):
                raise refused
        if await self.attachments.settle(doc, req.now) is None:
            raise refused  # never uploaded, and its form has expired
        expires_in = int(self._item(type, "download_url_expire_after_s"))
        url = await self._backend(self.backend.download_url(type, str(attachment_id), expires_in))
        return Response(data=strings({URL_KEY: url}))

    # -- DeleteResourceRequest ------------------------------------------------------------------------------

    async def delete(self, req: ServiceRequest) -> Response:
        body = req.body
        type = _type(body.type)
        requester = req.requester.user_id
        if type is ResourceType.USER_PROFILE_PICTURE:
            await self._backend(self.backend.delete(type, str(requester)))
            return OK
        if type is ResourceType.GROUP_PROFILE_PICTURE:
            group_id = _id_num(body, "group")
            await self._require_manager(group_id, requester)
            await self._backend(self.backend.delete(type, str(group_id)))
            return OK
        doc = await self.attachments.find(_id_num(body, "message attachment"))
        if doc is None:
            return OK  # nothing to delete; nothing revealed
        if int(doc["uid"]) != requester:
            _, groups = await self.attachments.shared_with(int(doc["_id"]))
            if not groups:
                raise TurmsError(Code.NOT_UPLOADER_TO_DELETE_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION)
            if not await access.managed_among(self.store, groups, requester):
                raise TurmsError(Code.NOT_UPLOADER_OR_GROUP_MANAGER_TO_DELETE_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION)
        await self._backend(self.attachments.delete(doc))
        return OK

    # -- UpdateMessageAttachmentInfoRequest -----------------------------------------------------------------

    async def update_attachment(self, req: ServiceRequest) -> Response:
        body = req.body
        requester = req.requester.user_id
        # Turms takes the first of these that is set; none is a no-op.
        for field in ("user_id_to_share_with", "group_id_to_share_with", "user_id_to_unshare_with"):
            if body.HasField(field):
                break
        else:
            field = "group_id_to_unshare_with" if body.HasField("group_id_to_unshare_with") else ""
        if not field:
            return OK
        if not body.HasField("attachment_id_num"):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "the message attachment id must not be null")
        doc = await self.attachments.find(int(body.attachment_id_num))
        uploader = None if doc is None else int(doc["uid"])
        target_id = int(getattr(body, field))
        if field == "user_id_to_share_with":
            if uploader != requester:
                raise TurmsError(Code.NOT_UPLOADER_TO_SHARE_MESSAGE_ATTACHMENT)
            if target_id < 0:
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "the user id must not be negative")
            assert doc is not None
            await self.attachments.share(doc, *await self._check_upload_target(requester, target_id), req.now)
        elif field == "group_id_to_share_with":
            if uploader != requester:
                raise TurmsError(Code.NOT_UPLOADER_TO_SHARE_MESSAGE_ATTACHMENT)
            if target_id <= 0:
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "the group id must be positive")
            assert doc is not None
            await self.attachments.share(doc, *await self._check_upload_target(requester, -target_id), req.now)
        elif field == "user_id_to_unshare_with":
            if uploader != requester:
                raise TurmsError(Code.NOT_UPLOADER_TO_UNSHARE_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION)
            await self.attachments.unshare(int(body.attachment_id_num), USER_TARGET, target_id)
        else:
            if uploader != requester and (
                doc is None or not await access.managed_among(self.store, [target_id], requester)
            ):
                raise TurmsError(Code.NOT_UPLOADER_OR_GROUP_MANAGER_TO_UNSHARE_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION)
            await self.attachments.unshare(int(body.attachment_id_num), GROUP_TARGET, target_id)
        return OK

    # -- QueryMessageAttachmentInfosRequest -----------------------------------------------------------------

    async def query_infos(self, req: ServiceRequest) -> Response:
        body = req.body
        requester = req.requester.user_id
        dates = _date_range(body)
        user_ids = list(dict.fromkeys(body.user_ids))
        group_ids = list(dict.fromkeys(body.group_ids))
        if body.HasField("in_private_conversation"):
            private = body.in_private_conversation
        elif group_ids:
            private = False
        elif user_ids:
            private = True
        else:
            return Response(data=infos(await self.attachments.uploaded_by(requester, dates, req.now)))
        if private:
            if len(user_ids) != 1:
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "the size of user IDs must be 1")
            by_me = body.are_shared_by_me if body.HasField("are_shared_by_me") else None
            return Response(data=infos(await self._private_infos(requester, user_ids[0], by_me, dates, req.now)))
        if len(group_ids) != 1:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "the size of group IDs must be 1")
        group_id = group_ids[0]
        if not await access.is_member(self.store, group_id, requester):
            raise TurmsError(Code.NOT_GROUP_MEMBER_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_GROUP_CONVERSATION)
        flt: dict[str, Any] = {"_id.t": GROUP_TARGET, "_id.tid": group_id}
        if user_ids:
            flt["uid"] = {"$in": sorted(user_ids)}
        return Response(data=infos(await self.attachments.shared(flt, dates, req.now)))

    async def _private_infos(
        self, requester: int, user_id: int, by_me: bool | None, dates: dict[str, datetime], now: datetime
    ) -> list[dict[str, Any]]:
        if user_id == requester:
            flt: dict[str, Any] = {"_id.t": USER_TARGET, "_id.tid": requester, "uid": requester}
            return await self.attachments.shared(flt, dates, now)
        if not await access.related_and_not_blocked(self.store, user_id, requester):
            raise TurmsError(Code.NOT_FRIEND_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_PRIVATE_CONVERSATION)
        mine = {"_id.tid": user_id, "uid": requester}
        theirs = {"_id.tid": requester, "uid": user_id}
        if by_me is None:
            flt = {"_id.t": USER_TARGET, "$or": [mine, theirs]}
        else:
            flt = {"_id.t": USER_TARGET, **(mine if by_me else theirs)}
        return await self.attachments.shared(flt, dates, now)

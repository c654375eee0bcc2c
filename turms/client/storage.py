"""Files for the Python client: profile pictures and message attachments (Turms's storage service).

The server never carries file bytes: it hands out upload information (a URL and form fields, Turms's map in
``strings_with_version``) and download URLs, and the client talks HTTP to the file store directly: a
``multipart/form-data`` POST of the fields, ``Content-Type`` and the file (S3's browser upload, which both of our
backends and Turms's MinIO plugin accept), and a GET of the download URL. HTTP runs on aiohttp.

Attachments in messages. Turms leaves it to applications how a message refers to an attachment; this SDK puts a
serialized ``StorageResourceInfo`` (id, name, media type, uploader, date) in the message's records after the tag
:data:`ATTACHMENT_RECORD_TAG` (:meth:`StorageService.attachment_record` and :meth:`StorageService.attachments_in`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import aiohttp

from turms.client.client import TurmsClient
from turms.client.errors import ClientStatusCode, TurmsClientError
from turms.protocol.pb import model_storage_pb2, request_storage_pb2

log = logging.getLogger("turms.client.storage")

USER_PROFILE_PICTURE = 0
GROUP_PROFILE_PICTURE = 1
MESSAGE_ATTACHMENT = 2
ID_KEY = "id"
URL_KEY = "url"
#: Prefix of a message record that carries a ``StorageResourceInfo`` (see the module docstring).
ATTACHMENT_RECORD_TAG = b"turms:attachment\x00"


def _to_map(strings: Sequence[str]) -> dict[str, str]:
    if len(strings) % 2:
        raise TurmsClientError(ClientStatusCode.INVALID_RESPONSE, "the upload information has an odd length")
    return {strings[i]: strings[i + 1] for i in range(0, len(strings), 2)}


class StorageService:
    def __init__(self, client: TurmsClient, *, http_timeout_s: float = 60.0) -> None:
        self.client = client
        self.http_timeout_s = http_timeout_s
        self._http: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP connections (the Turms connection stays)."""
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.http_timeout_s))
        return self._http

    # -- the protocol requests ------------------------------------------------------------------------------

    async def query_upload_info(
        self, type: int, *, id_num: int | None = None, name: str | None = None, media_type: str | None = None
    ) -> dict[str, str]:
        """``QueryResourceUploadInfoRequest``: ``id`` (the object key), ``url`` and the form fields."""
        body = request_storage_pb2.QueryResourceUploadInfoRequest(type=type)  # type: ignore[arg-type]
        if id_num is not None:
            body.id_num = id_num
        if name is not None:
            body.name = name
        if media_type is not None:
            body.media_type = media_type
        n = await self.client.request("query_resource_upload_info_request", body)
        return _to_map(n.data.strings_with_version.strings)

    async def query_download_info(self, type: int, id_num: int) -> dict[str, str]:
        """``QueryResourceDownloadInfoRequest``: ``url`` (signed and expiring for attachments)."""
        body = request_storage_pb2.QueryResourceDownloadInfoRequest(type=type, id_num=id_num)  # type: ignore[arg-type]
        n = await self.client.request("query_resource_download_info_request", body)
        return _to_map(n.data.strings_with_version.strings)

    async def delete_resource(self, type: int, id_num: int | None = None) -> None:
        """``DeleteResourceRequest``: one's own profile picture, a group's, or an attachment."""
        body = request_storage_pb2.DeleteResourceRequest(type=type)  # type: ignore[arg-type]
        if id_num is not None:
            body.id_num = id_num
        await self.client.request("delete_resource_request", body)

    # -- HTTP -----------------------------------------------------------------------------------------------

    async def upload(self, info: dict[str, str], data: bytes, *, media_type: str | None = None, name: str = "") -> str:
        """POST ``data`` as upload ``info`` allows; returns the object key (``info["id"]``)."""
        fields = dict(info)
        url, key = fields.pop(URL_KEY, None), fields.pop(ID_KEY, None)
        if url is None or key is None:
            raise TurmsClientError(ClientStatusCode.DATA_NOT_FOUND, f"no {URL_KEY!r} or {ID_KEY!r} in {sorted(info)}")
        form = aiohttp.FormData()
        fields.setdefault("key", key)
        if media_type is not None and not any(k.lower() == "content-type" for k in fields):
            fields["Content-Type"] = media_type
        for k, v in fields.items():
            form.add_field(k, v)
        form.add_field("file", data, filename=name or key, content_type=media_type or "application/octet-stream")
        await self._http_call("POST", url, data=form)
        return key

    async def download(self, url: str) -> bytes:
        """GET ``url`` (a download URL from the server)."""
        return await self._http_call("GET", url)

    async def _http_call(self, method: str, url: str, **kwargs: Any) -> bytes:
        try:
            async with self._session().request(method, url, **kwargs) as resp:
                body = await resp.read()
                if not 200 <= resp.status < 300:
                    raise TurmsClientError(
                        ClientStatusCode.HTTP_NOT_SUCCESSFUL_RESPONSE,
                        f"{method} {url.partition('?')[0]} answered {resp.status}: {body[:300]!r}",
                    )
                return bytes(body)
        except (aiohttp.ClientError, TimeoutError) as e:
            raise TurmsClientError(ClientStatusCode.HTTP_ERROR, f"{method} {url.partition('?')[0]}: {e!r}") from None

    # -- profile pictures -----------------------------------------------------------------------------------

    async def upload_user_profile_picture(self, data: bytes, media_type: str) -> None:
        info = await self.query_upload_info(USER_PROFILE_PICTURE, media_type=media_type)
        await self.upload(info, data, media_type=media_type)

    async def upload_group_profile_picture(self, group_id: int, data: bytes, media_type: str) -> None:
        info = await self.query_upload_info(GROUP_PROFILE_PICTURE, id_num=group_id, media_type=media_type)
        await self.upload(info, data, media_type=media_type)

    async def download_user_profile_picture(self, user_id: int) -> bytes:
        return await self.download((await self.query_download_info(USER_PROFILE_PICTURE, user_id))[URL_KEY])

    async def download_group_profile_picture(self, group_id: int) -> bytes:
        return await self.download((await self.query_download_info(GROUP_PROFILE_PICTURE, group_id))[URL_KEY])

    async def delete_user_profile_picture(self) -> None:
        await self.delete_resource(USER_PROFILE_PICTURE)

    async def delete_group_profile_picture(self, group_id: int) -> None:
        await self.delete_resource(GROUP_PROFILE_PICTURE, group_id)

    # -- message attachments --------------------------------------------------------------------------------

    async def upload_attachment(
        self, data: bytes, *, name: str, media_type: str, user_id: int | None = None, group_id: int | None = None
    ) -> int:
        """Upload an attachment into the private conversation with ``user_id``, the group ``group_id``, or (neither)
        no conversation; returns its id."""
        if user_id is not None and group_id is not None:
            raise ValueError("an attachment goes to a user or a group, not both")
        id_num = user_id if user_id is not None else (-group_id if group_id is not None else None)
        info = await self.query_upload_info(MESSAGE_ATTACHMENT, id_num=id_num, name=name, media_type=media_type)
        return int(await self.upload(info, data, media_type=media_type, name=name))

    async def download_attachment(self, attachment_id: int) -> bytes:
        return await self.download((await self.query_download_info(MESSAGE_ATTACHMENT, attachment_id))[URL_KEY])

    async def delete_attachment(self, attachment_id: int) -> None:
        await self.delete_resource(MESSAGE_ATTACHMENT, attachment_id)

    async def share_attachment(
        self, attachment_id: int, *, user_id: int | None = None, group_id: int | None = None
    ) -> None:
        await self._update_attachment(attachment_id, "share", user_id, group_id)

    async def unshare_attachment(
        self, attachment_id: int, *, user_id: int | None = None, group_id: int | None = None
    ) -> None:
        await self._update_attachment(attachment_id, "unshare", user_id, group_id)

    async def _update_attachment(
        self, attachment_id: int, verb: str, user_id: int | None, group_id: int | None
    ) -> None:
        if (user_id is None) == (group_id is None):
            raise ValueError("name exactly one of user_id and group_id")
        body = request_storage_pb2.UpdateMessageAttachmentInfoRequest(attachment_id_num=attachment_id)
        if user_id is not None:
            setattr(body, f"user_id_to_{verb}_with", user_id)
        else:
            setattr(body, f"group_id_to_{verb}_with", group_id)
        await self.client.request("update_message_attachment_info_request", body)

    async def query_attachment_infos(
        self,
        *,
        user_ids: Iterable[int] = (),
        group_ids: Iterable[int] = (),
        in_private_conversation: bool | None = None,
        are_shared_by_me: bool | None = None,
        creation_date_start: int | None = None,
        creation_date_end: int | None = None,
    ) -> list[Any]:
        """``QueryMessageAttachmentInfosRequest``: ``StorageResourceInfo``s, newest first. No ids: one's uploads; one
        user id: the private conversation with them; one group id: the group's."""
        body = request_storage_pb2.QueryMessageAttachmentInfosRequest(
            user_ids=list(user_ids), group_ids=list(group_ids)
        )
        if in_private_conversation is not None:
            body.in_private_conversation = in_private_conversation
        if are_shared_by_me is not None:
            body.are_shared_by_me = are_shared_by_me
        if creation_date_start is not None:
            body.creation_date_start = creation_date_start
        if creation_date_end is not None:
            body.creation_date_end = creation_date_end
        n = await self.client.request("query_message_attachment_infos_request", body)
        return list(n.data.storage_resource_infos.infos)

    @staticmethod
    def attachment_record(info: Any) -> bytes:
        """A message record that refers to an attachment (a ``StorageResourceInfo``)."""
        return ATTACHMENT_RECORD_TAG + bytes(info.SerializeToString())

    @staticmethod
    def attachments_in(records: Iterable[bytes]) -> list[Any]:
        """The ``StorageResourceInfo``s among a message's records (see :meth:`attachment_record`)."""
        out = []
        for record in records:
            if record.startswith(ATTACHMENT_RECORD_TAG):
                info = model_storage_pb2.StorageResourceInfo()
                try:
                    info.ParseFromString(record[len(ATTACHMENT_RECORD_TAG) :])
                except Exception:  # protobuf's DecodeError: someone else's record with our tag
                    continue
                out.append(info)
        return out

"""Files (Turms's storage service) through real processes: a 2-worker server with the local backend (its own
HTTP routes on the client WebSocket listener) and with a real MinIO (S3), and a server with no backend (6000).

Uploads and downloads go over HTTP to the file store with the presigned forms and URLs the server hands out,
through the SDK's :class:`~turms.client.storage.StorageService`; permissions are checked with the Turms codes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from turms.client import ResponseError, TurmsClient, TurmsClientError
from turms.client.errors import ClientStatusCode
from turms.client.group import GroupService
from turms.client.relationship import RelationshipService
from turms.client.storage import GROUP_PROFILE_PICTURE, MESSAGE_ATTACHMENT, USER_PROFILE_PICTURE, StorageService
from turms.protocol.pb import request_storage_pb2
from turms.protocol.status import ResponseStatusCode as Code

from integration_support import Server, admin_call, running
from minio_support import MinIO

pytestmark = pytest.mark.slow
SETTINGS = {
    "gateway.auth.type": "none",
    "admin.root.password": "root-pw",
    # Small limits, so the tests can cross them.
    "service.storage.message_attachment.max_size_bytes": "65536",
    "service.storage.user_profile_picture.max_size_bytes": "4096",
}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


@pytest.fixture(scope="module")
def minio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MinIO]:
    server = MinIO(tmp_path_factory.mktemp("minio") / "data").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
def backend_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "local":
        return {}  # the embedded default: `auto` is `local` on SQLite
    minio: MinIO = request.getfixturevalue("minio")
    # Each test gets its own buckets, so tests do not see each other's objects.
    return {**minio.settings(), "service.storage.s3.bucket_prefix": f"t{abs(hash(request.node.name)) % 10**8}-"}


class User:
    def __init__(self, uid: int, client: TurmsClient) -> None:
        self.id, self.client = uid, client
        self.files = StorageService(client)
        self.rel = RelationshipService(client)
        self.groups = GroupService(client)


async def logged_in(server: Server, uid: int) -> TurmsClient:
    client = TurmsClient("127.0.0.1", server.tcp_port, request_timeout_s=15)
    await client.connect()
    await client.login(uid, None)
    return client


class Party:
    """Users 1 to 4, logged in."""

    def __init__(self, server: Server, clients: list[TurmsClient]) -> None:
        self.server = server
        self.u1 = User(1, clients[0])
        self.u2 = User(2, clients[1])
        self.u3 = User(3, clients[2])
        self.u4 = User(4, clients[3])

    async def close(self) -> None:
        for u in (self.u1, self.u2, self.u3, self.u4):
            await u.files.close()
            await u.client.close()


@pytest.fixture
async def party(tmp_path: Path, backend_settings: dict[str, str]) -> AsyncIterator[Party]:
    server = Server(tmp_path, workers=2, settings={**SETTINGS, **backend_settings})
    with running(server):
        await server.wait_ready()
        p = Party(server, [await logged_in(server, uid) for uid in (1, 2, 3, 4)])
        try:
            yield p
        finally:
            await p.close()


async def add_member(server: Server, group_id: int, user_id: int, role: int = 2) -> None:
    """Setup through the admin API (the default group type would need the invitee's approval)."""
    status, reply = await admin_call(
        server, "POST", "/groups/members", {"groupId": group_id, "userId": user_id, "role": role}
    )
    assert status == 200, reply


async def code_of(coro: object) -> int:
    try:
        await coro  # type: ignore[misc]
    except ResponseError as e:
        return int(e.code)
    except TurmsClientError as e:
        return int(e.code)
    return int(Code.OK)


async def test_attachment_reaches_the_conversation_and_nobody_else(party: Party) -> None:
    """The done criterion: uploaded by user 1 through a presigned form, downloadable by user 2 in the same
    conversation, not by user 3; then the group, sharing, listing and deletion rules."""
    server, u1, u2, u3, u4 = party.server, party.u1, party.u2, party.u3, party.u4
    data = bytes(range(256)) * 100
    # Turms's rule: the other user must have a relationship with the uploader that is not a block.
    assert await code_of(u1.files.upload_attachment(data, name="x.bin", media_type="application/pdf", user_id=2)) == (
        Code.NOT_FRIEND_TO_UPLOAD_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION
    )
    await u2.rel.create_relationship(1)
    aid = await u1.files.upload_attachment(data, name="report.pdf", media_type="application/pdf", user_id=2)
    assert await u2.files.download_attachment(aid) == data
    assert await u1.files.download_attachment(aid) == data
    # The SDK's convention for a message that refers to an attachment: a tagged StorageResourceInfo record.
    (info,) = [i for i in await u1.files.query_attachment_infos() if i.id_num == aid]
    assert u2.files.attachments_in([b"other record", u1.files.attachment_record(info)]) == [info]
    assert (
        await code_of(u3.files.download_attachment(aid))
        == Code.NOT_UPLOADER_OR_SHARED_WITH_USER_TO_DOWNLOAD_MESSAGE_ATTACHMENT
    )
    # A download URL is a bearer token for its lifetime; without the signature the store refuses.
    url = (await u2.files.query_download_info(MESSAGE_ATTACHMENT, aid))["url"]
    async with aiohttp.ClientSession() as http, http.get(url.partition("?")[0]) as resp:
        assert resp.status == 403
    # Limits: the declared type must be allowed and concrete, the name present, the size within bounds (the
    # store enforces the size and the declared type, which the signed policy binds).
    assert await code_of(u1.files.upload_attachment(b"x", name=" ", media_type="text/plain", user_id=2)) == 1102
    assert await code_of(u1.files.upload_attachment(b"x", name="a", media_type="text/*", user_id=2)) == 1102
    too_big = await code_of(u1.files.upload_attachment(b"x" * 65537, name="big", media_type="text/plain", user_id=2))
    assert too_big == ClientStatusCode.HTTP_NOT_SUCCESSFUL_RESPONSE
    info = await u1.files.query_upload_info(MESSAGE_ATTACHMENT, id_num=2, name="a.txt", media_type="text/plain")
    # The form fixes the Content-Type field to the declared type: the object is stored as declared...
    await u1.files.upload(info, b"<html>", media_type="text/html")
    typed = (await u1.files.query_download_info(MESSAGE_ATTACHMENT, int(info["id"])))["url"]
    async with aiohttp.ClientSession() as http, http.get(typed) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
    # ...and the signed policy holds it even when the field is dropped and another type declared.
    fields = {k: v for k, v in info.items() if k.lower() != "content-type"}
    refused = await code_of(u1.files.upload(fields, b"<html>", media_type="text/html"))
    assert refused == ClientStatusCode.HTTP_NOT_SUCCESSFUL_RESPONSE

    # A group conversation: members read, others do not; the group's attachment list.
    gid = await u1.groups.create_group("files")
    await add_member(server, gid, 3)
    assert await code_of(u4.files.upload_attachment(b"x", name="n", media_type="text/plain", group_id=gid)) == (
        Code.NOT_GROUP_MEMBER_TO_UPLOAD_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION
    )
    gaid = await u3.files.upload_attachment(b"minutes", name="minutes.txt", media_type="text/plain", group_id=gid)
    assert await u1.files.download_attachment(gaid) == b"minutes"
    assert await code_of(u4.files.download_attachment(gaid)) == 6107
    listed = await u1.files.query_attachment_infos(group_ids=[gid])
    assert [(i.id_num, i.name, i.media_type, i.uploader_id) for i in listed] == [(gaid, "minutes.txt", "text/plain", 3)]
    assert await code_of(u4.files.query_attachment_infos(group_ids=[gid])) == (
        Code.NOT_GROUP_MEMBER_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_GROUP_CONVERSATION
    )

    # Sharing: only the uploader; the share makes it readable; unsharing takes that back.
    assert await code_of(u3.files.share_attachment(aid, user_id=3)) == Code.NOT_UPLOADER_TO_SHARE_MESSAGE_ATTACHMENT
    await u1.files.share_attachment(aid, group_id=gid)
    assert await u3.files.download_attachment(aid) == data
    assert await code_of(u3.files.unshare_attachment(aid, group_id=gid)) == (
        Code.NOT_UPLOADER_OR_GROUP_MANAGER_TO_UNSHARE_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION
    )
    await u1.files.unshare_attachment(aid, group_id=gid)
    assert await code_of(u3.files.download_attachment(aid)) == 6107
    assert await code_of(u2.files.unshare_attachment(aid, user_id=2)) == (
        Code.NOT_UPLOADER_TO_UNSHARE_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION
    )

    # Listings: one's uploads; the private conversation from either side, and only by contacts (Turms: the other
    # user must have a relationship with the requester that is not a block).
    assert await code_of(u2.files.query_attachment_infos(user_ids=[1])) == (
        Code.NOT_FRIEND_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_PRIVATE_CONVERSATION
    )
    await u1.rel.create_relationship(2)
    mine = await u1.files.query_attachment_infos()
    assert aid in [i.id_num for i in mine] and gaid not in [i.id_num for i in mine]
    # Listed newest first, and only what was really uploaded (the rejected uploads left no visible record).
    typed_id = int(info["id"])
    assert [i.id_num for i in await u2.files.query_attachment_infos(user_ids=[1])] == [typed_id, aid]
    assert await u2.files.query_attachment_infos(user_ids=[1], are_shared_by_me=True) == []
    assert await code_of(u3.files.query_attachment_infos(user_ids=[1])) == (
        Code.NOT_FRIEND_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_PRIVATE_CONVERSATION
    )
    assert await code_of(u1.files.query_attachment_infos(user_ids=[2, 3])) == 1102

    # Deletion: the uploader, or a manager of a group it is shared with.
    assert await code_of(u2.files.delete_attachment(aid)) == (
        Code.NOT_UPLOADER_TO_DELETE_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION
    )
    await u4.groups.create_group("other")  # u4 manages a group, but not one the attachment is shared with
    assert await code_of(u4.files.delete_attachment(gaid)) == (
        Code.NOT_UPLOADER_OR_GROUP_MANAGER_TO_DELETE_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION
    )
    await u1.files.delete_attachment(gaid)  # the group's owner moderates
    assert await code_of(u3.files.download_attachment(gaid)) == 6107
    await u1.files.delete_resource(MESSAGE_ATTACHMENT, aid)
    assert await code_of(u2.files.download_attachment(aid)) == 6107
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        assert resp.status == 404  # the object itself is gone, not only the record


async def test_profile_pictures_of_users_and_groups(party: Party) -> None:
    server, u1, u2, u3 = party.server, party.u1, party.u2, party.u3
    await u1.files.upload_user_profile_picture(PNG, "image/png")
    assert await u2.files.download_user_profile_picture(1) == PNG
    # Public and predictable, as Turms's: the URL needs no signature.
    url = (await u3.files.query_download_info(USER_PROFILE_PICTURE, 1))["url"]
    assert "?" not in url and url.endswith("user-profile-picture/1")
    assert await u3.files.download(url) == PNG
    assert await code_of(u1.files.upload_user_profile_picture(b"text", "text/plain")) == 1102  # image/* only
    assert await code_of(u1.files.upload_user_profile_picture(PNG * 30, "image/png")) == (
        ClientStatusCode.HTTP_NOT_SUCCESSFUL_RESPONSE  # over 4096 bytes
    )
    await u1.files.upload_user_profile_picture(PNG[::-1], "image/png")  # a new picture replaces the old
    assert await u3.files.download_user_profile_picture(1) == PNG[::-1]
    await u1.files.delete_user_profile_picture()
    assert await code_of(u2.files.download_user_profile_picture(1)) == ClientStatusCode.HTTP_NOT_SUCCESSFUL_RESPONSE

    gid = await u1.groups.create_group("pictures")
    await add_member(server, gid, 2)
    assert await code_of(u2.files.upload_group_profile_picture(gid, PNG, "image/png")) == Code.UNAUTHORIZED
    await u1.groups.update_member(gid, 2, role=1)  # a manager may
    await u2.files.upload_group_profile_picture(gid, PNG, "image/png")
    assert await u3.files.download_group_profile_picture(gid) == PNG
    assert await code_of(u3.files.delete_group_profile_picture(gid)) == Code.UNAUTHORIZED
    await u1.files.delete_group_profile_picture(gid)
    assert await code_of(u3.files.download_group_profile_picture(gid)) == ClientStatusCode.HTTP_NOT_SUCCESSFUL_RESPONSE
    no_id = request_storage_pb2.QueryResourceDownloadInfoRequest(type=GROUP_PROFILE_PICTURE)
    assert await code_of(u1.client.request("query_resource_download_info_request", no_id)) == 1102


async def test_quotas_and_the_admin_api(party: Party) -> None:
    server, u1, u2 = party.server, party.u1, party.u2
    await u2.rel.create_relationship(1)
    status, reply = await admin_call(server, "PUT", "/storage/quotas?userIds=1", {"maxCount": 2})
    assert status == 200, reply
    first = await u1.files.upload_attachment(b"one", name="1.txt", media_type="text/plain", user_id=2)
    second = await u1.files.upload_attachment(b"two", name="2.txt", media_type="text/plain")  # no conversation
    assert await code_of(u2.files.download_attachment(second)) == 6107  # nobody else until it is shared
    assert await code_of(u1.files.upload_attachment(b"3", name="3.txt", media_type="text/plain")) == (
        Code.REQUESTED_RECORDS_TOO_MANY
    )
    status, quotas = await admin_call(server, "GET", "/storage/quotas?userIds=1,2")
    assert status == 200
    by_user = {q["userId"]: q for q in quotas["data"]}
    assert by_user[1]["maxCount"] == 2 and by_user[1]["custom"] and by_user[1]["count"] == 2
    assert by_user[2] == {"userId": 2, "maxCount": 0, "maxBytes": 0, "custom": False, "count": 0, "bytes": 0}
    status, page = await admin_call(server, "GET", "/storage/attachments?uploaderIds=1")
    assert status == 200 and page["data"]["total"] == 2
    records = {r["id"]: r for r in page["data"]["records"]}
    assert records[first]["sharedWithUserIds"] == [2] and records[second]["sharedWithUserIds"] == []
    assert records[first]["name"] == "1.txt" and records[first]["mediaType"] == "text/plain"
    # Deleting through the API removes the object and gives the usage back: the next upload fits.
    status, reply = await admin_call(server, "DELETE", f"/storage/attachments?ids={first}")
    assert status == 200 and reply["data"] == {"deletedCount": 1}
    assert await code_of(u2.files.download_attachment(first)) == 6107
    third = await u1.files.upload_attachment(b"3", name="3.txt", media_type="text/plain")
    assert await u1.files.download_attachment(third) == b"3"
    status, reply = await admin_call(server, "DELETE", "/storage/quotas?userIds=1")
    assert status == 200 and reply["data"] == {"deletedCount": 1}
    await u1.files.upload_user_profile_picture(PNG, "image/png")
    status, reply = await admin_call(server, "DELETE", "/storage/profile-pictures?userIds=1,2")
    assert status == 200 and reply["data"] == {"deletedCount": 1}
    assert await code_of(u2.files.download_user_profile_picture(1)) == ClientStatusCode.HTTP_NOT_SUCCESSFUL_RESPONSE


async def test_without_a_backend_every_storage_request_answers_6000(tmp_path: Path) -> None:
    server = Server(tmp_path, workers=1, settings={**SETTINGS, "service.storage.backend": "none"})
    with running(server):
        await server.wait_ready()
        client = TurmsClient("127.0.0.1", server.tcp_port)
        await client.connect()
        await client.login(1, None)
        files = StorageService(client)
        try:
            calls = [
                files.query_upload_info(USER_PROFILE_PICTURE),
                files.query_download_info(USER_PROFILE_PICTURE, 2),
                files.delete_user_profile_picture(),
                files.share_attachment(5, user_id=2),
                files.query_attachment_infos(),
            ]
            assert [await code_of(c) for c in calls] == [Code.STORAGE_NOT_IMPLEMENTED] * 5
            # An unknown resource type is still refused as an illegal argument first, as Turms does.
            bad = request_storage_pb2.DeleteResourceRequest(type=7)  # type: ignore[arg-type]
            assert await code_of(client.request("delete_resource_request", bad)) == 1102
            status, reply = await admin_call(server, "DELETE", "/storage/profile-pictures?userIds=1")
            assert status == 501 and reply["code"] == Code.STORAGE_NOT_IMPLEMENTED
        finally:
            await files.close()
            await client.close()

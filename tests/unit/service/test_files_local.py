"""The files domain over the real local backend, in one process: a real SQLite store, the backend's own aiohttp
routes on a test server, and an injected FakeClock, so expiry is tested by moving time, never by sleeping.

What the integration tests cannot reach cheaply: expired upload policies and download URLs, tampered signatures,
the streaming size bound (nothing half-written is left), the upload concurrency bound, malformed bodies, settling
(the real size replaces the reservation; an upload that never came is removed and refunded), and the HMAC key
created once for every worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from user_world import Presence, Recorder

from turms.clock import FakeClock
from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service import resource
from turms.service.api import Requester, Response, Router, ServiceRequest
from turms.service.context import Services
from turms.service.resource.backends.local import LocalObjectStore, load_or_create_key
from turms.service.resource.port import ResourceType
from turms.settings import load_settings
from turms.storage.factory import open_store

from testlib import CountingIds, free_port

ALICE, BOB = 1, 2
ATT = int(ResourceType.MESSAGE_ATTACHMENT)


@dataclass
class Env:
    router: Router
    services: Services
    files: LocalObjectStore
    clock: FakeClock
    http: aiohttp.ClientSession
    root: Path

    async def call(self, uid: int, kind: str, **fields: Any) -> Response:
        request = turms_request_pb2.TurmsRequest(request_id=1)
        body = getattr(request, kind)
        body.SetInParent()
        for name, value in fields.items():
            if isinstance(value, list):
                getattr(body, name).extend(value)
            else:
                setattr(body, name, value)
        requester = Requester(uid, 0, f"s{uid}", "10.0.0.1")
        return await self.router.dispatch(ServiceRequest(requester, 1, request, kind, self.clock.now()))

    async def upload_info(self, uid: int, **fields: Any) -> dict[str, str]:
        r = await self.call(uid, "query_resource_upload_info_request", **fields)
        assert r.code == Code.OK, (r.code, r.reason)
        flat = list(r.data.strings_with_version.strings)
        return dict(zip(flat[::2], flat[1::2], strict=True))

    async def post(self, info: dict[str, str], data: bytes | Any, **overrides: str) -> tuple[int, str]:
        fields = {k: v for k, v in info.items() if k not in ("url", "id")}
        fields.update(overrides)
        form = aiohttp.FormData()
        for k, v in fields.items():
            form.add_field(k, v)
        form.add_field("file", data, filename="f")
        async with self.http.post(info["url"], data=form) as resp:
            return resp.status, await resp.text()

    async def get(self, url: str) -> tuple[int, bytes]:
        async with self.http.get(url) as resp:
            return resp.status, await resp.read()

    async def usage(self, uid: int) -> tuple[int, int]:
        doc = await self.services.store.find_one("storageUsage", {"_id": uid}) or {}
        return doc.get("c", 0), doc.get("b", 0)


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    flags = [
        ("server.data_dir", str(tmp_path)),
        ("service.storage.message_attachment.max_size_bytes", "1000"),
        ("service.storage.message_attachment.min_size_bytes", "2"),
    ]
    settings = load_settings(None, env={}, flags=flags)
    store = open_store(settings)
    await store.start()
    clock = FakeClock()
    app = web.Application()
    port = free_port()
    root = tmp_path / "files"
    files = LocalObjectStore(root, f"http://127.0.0.1:{port}", b"k" * 32, clock, max_concurrent_uploads=1)
    files.mount(app)
    await files.start()
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    services = Services(settings, store, clock, CountingIds(), Recorder(), Presence(), files=files)
    router = Router()
    resource.register(router, services)
    await store.insert_one("userRelationship", {"_id": {"oid": BOB, "rid": ALICE}, "ed": clock.now()})
    async with aiohttp.ClientSession() as http:
        yield Env(router, services, files, clock, http, root)
    await server.close()
    await store.close()


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "message-attachment" / ".tmp").iterdir())


async def test_upload_settles_the_reservation_to_the_real_size(env: Env) -> None:
    info = await env.upload_info(ALICE, type=ATT, id_num=BOB, name="a.txt", media_type="text/plain")
    assert await env.usage(ALICE) == (1, 1000)  # charged the maximum until the size is known
    assert (await env.post(info, b"hello"))[0] == 204
    assert await env.usage(ALICE) == (1, 5)
    doc = await env.services.store.find_one("messageAttachment", {"_id": int(info["id"])})
    assert doc is not None and (doc["st"], doc["sz"]) == (1, 5)
    # A re-upload under the same, still valid form replaces the object and moves the usage with it.
    assert (await env.post(info, b"hello, again"))[0] == 204
    assert await env.usage(ALICE) == (1, 12)
    r = await env.call(BOB, "query_resource_download_info_request", type=ATT, id_num=int(info["id"]))
    url = list(r.data.strings_with_version.strings)[1]
    assert await env.get(url) == (200, b"hello, again")
    # Deleting gives everything back.
    assert (await env.call(ALICE, "delete_resource_request", type=ATT, id_num=int(info["id"]))).code == Code.OK
    assert await env.usage(ALICE) == (0, 0)
    assert (await env.get(url))[0] == 404


async def test_expired_forms_and_urls_are_refused(env: Env) -> None:
    info = await env.upload_info(ALICE, type=ATT, id_num=BOB, name="a.txt", media_type="text/plain")
    env.clock.advance(301)  # upload_url_expire_after_s is 300
    status, body = await env.post(info, b"late")
    assert status == 403 and "expired" in body
    info = await env.upload_info(ALICE, type=ATT, id_num=BOB, name="b.txt", media_type="text/plain")
    assert (await env.post(info, b"in time"))[0] == 204
    r = await env.call(BOB, "query_resource_download_info_request", type=ATT, id_num=int(info["id"]))
    url = list(r.data.strings_with_version.strings)[1]
    assert (await env.get(url))[0] == 200
    env.clock.advance(301)  # download_url_expire_after_s is 300
    assert (await env.get(url))[0] == 403


async def test_tampering_is_refused_before_anything_is_written(env: Env) -> None:
    info = await env.upload_info(ALICE, type=ATT, id_num=BOB, name="a.txt", media_type="text/plain")
    other = await env.upload_info(ALICE, type=ATT, id_num=BOB, name="b.txt", media_type="text/plain")
    assert (await env.post(info, b"x" * 10, **{"x-turms-signature": "0" * 64}))[0] == 403
    assert (await env.post(info, b"x" * 10, key=other["id"]))[0] == 403  # the policy names one key
    assert (await env.post(info, b"x" * 10, **{"Content-Type": "text/html"}))[0] == 403
    picture = await env.upload_info(ALICE, type=int(ResourceType.USER_PROFILE_PICTURE), media_type="image/png")
    wrong_bucket = {**picture, "url": info["url"]}  # a picture's policy posted to the attachments bucket
    assert (await env.post(wrong_bucket, b"x" * 10))[0] == 403
    assert not (env.root / "message-attachment" / info["id"]).exists() and leftovers(env.root) == []
    # Its URL is handed out while the upload may still come (it could be in flight), and finds nothing yet.
    r = await env.call(BOB, "query_resource_download_info_request", type=ATT, id_num=int(info["id"]))
    assert r.code == Code.OK and (await env.get(list(r.data.strings_with_version.strings)[1]))[0] == 404
    url = list(
        (
            await env.call(ALICE, "query_resource_download_info_request", type=0, id_num=ALICE)
        ).data.strings_with_version.strings
    )[1]
    assert (await env.get(url))[0] == 404  # public, and absent: not a signature problem


async def test_size_bounds_leave_nothing_half_written(env: Env) -> None:
    info = await env.upload_info(ALICE, type=ATT, id_num=BOB, name="a.txt", media_type="text/plain")
    status, body = await env.post(info, b"x" * 1001)
    assert status == 400 and "EntityTooLarge" in body
    status, body = await env.post(info, b"x")
    assert status == 400 and "EntityTooSmall" in body
    assert not (env.root / "message-attachment" / info["id"]).exists() and leftovers(env.root) == []
    async with env.http.post(info["url"], data=b"not multipart") as resp:
        assert resp.status == 400


async def test_one_upload_at_a_time_when_the_bound_is_one(env: Env) -> None:
    info = await env.upload_info(ALICE, type=ATT, id_num=BOB, name="a.txt", media_type="text/plain")
    release = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield b"first"
        await release.wait()
        yield b"-second"

    first = asyncio.ensure_future(env.post(info, aiohttp.payload.AsyncIterablePayload(slow())))
    for _ in range(200):
        if env.files._uploads:
            break
        await asyncio.sleep(0.01)
    status, body = await env.post(info, b"xx")
    assert status == 503 and "SlowDown" in body
    release.set()
    assert (await first)[0] == 204
    assert (await env.post(info, b"xx"))[0] == 204


async def test_an_upload_that_never_came_is_removed_and_refunded(env: Env) -> None:
    env.services.settings.apply_live({"service.storage.message_attachment.quota.max_count": 2})
    info = await env.upload_info(ALICE, type=ATT, id_num=BOB, name="a.txt", media_type="text/plain")
    await env.upload_info(ALICE, type=ATT, name="b.txt", media_type="text/plain")  # never uploaded
    assert (await env.post(info, b"done"))[0] == 204
    r = await env.call(ALICE, "query_resource_upload_info_request", type=ATT, name="c.txt", media_type="text/plain")
    assert r.code == Code.REQUESTED_RECORDS_TOO_MANY
    env.clock.advance(300 + 61)  # the form expired, and the grace for an upload in flight passed
    await env.upload_info(ALICE, type=ATT, name="c.txt", media_type="text/plain")  # fits again
    names = [d["n"] for d in await env.services.store.find("messageAttachment", {"uid": ALICE}, sort=[("n", 1)])]
    assert names == ["a.txt", "c.txt"]
    assert await env.usage(ALICE) == (2, 4 + 1000)


def test_the_hmac_key_is_created_once(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path, "")
    assert len(first) == 64 and load_or_create_key(tmp_path, "") == first
    assert load_or_create_key(tmp_path, "configured-key-of-32-characters!") == b"configured-key-of-32-characters!"
    assert (tmp_path / ".hmac-key").stat().st_mode & 0o777 == 0o600

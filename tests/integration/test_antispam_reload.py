"""The antispam dictionary is reloaded without a restart on every worker of a real two-worker server: by the
periodic re-read when the file changes, and by the admin reload route (a broadcast to every worker) even when
the periodic re-read cannot see the change. A client pinned to each worker sends messages with the words.

The check interval is short (0.2 s), so a test that waits for a reload waits for a fraction of a second. For
the admin route, the new dictionary is swapped in with the old file's size and modification time: the
periodic re-read sees no change (the test checks that it did not reload), so only the route can load it.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from raw_sessions import (
    RawClient,
    close_open_clients,  # noqa: F401 (an autouse fixture, applied by importing it)
    one_per_worker,
)

from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import ResponseStatusCode

from integration_support import Server, serving

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

ROOT = {"Authorization": "Basic " + base64.b64encode(b"turms:root-pw").decode()}
OK = int(ResponseStatusCode.OK)
ILLEGAL = int(ResponseStatusCode.MESSAGE_IS_ILLEGAL)


class Served:
    def __init__(self, server: Server, dictionary: Path) -> None:
        self.server = server
        self.dictionary = dictionary


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("antispam-reload")
    dictionary = tmp / "words.txt"
    dictionary.write_text("initialword\n")
    srv = Server(
        tmp,
        workers=2,
        settings={
            "gateway.auth.type": "none",
            "admin.root.password": "root-pw",
            "security.antispam.enabled": "true",
            "security.antispam.dictionary_path": str(dictionary),
            "security.antispam.strategy": "REJECT",
            "security.antispam.reload_check_interval_s": "0.2",
        },
    )
    with serving(srv):
        yield Served(srv, dictionary)


async def logged_in_on_both_workers(server: Server, first_user: int) -> list[RawClient]:
    clients = list((await one_per_worker(server)).values())
    for i, c in enumerate(clients):
        c.user_id = first_user + i
        r = turms_request_pb2.TurmsRequest()
        r.create_session_request.version = 1
        r.create_session_request.user_id = c.user_id
        assert (await c.call(r)).code == OK
    return clients


async def verdicts(clients: list[RawClient], word: str) -> dict[int, int]:
    """The response code of a message containing ``word`` sent through each worker: pid -> code."""
    out = {}
    for i, c in enumerate(clients):
        r = turms_request_pb2.TurmsRequest()
        r.create_message_request.recipient_id = clients[1 - i].user_id
        r.create_message_request.text = f"well, {word.upper()} indeed"  # matched after normalization
        out[c.pid] = int((await c.call(r)).code)
    return out


async def until_both(clients: list[RawClient], word: str, code: int, within_s: float) -> float:
    """Wait until a message with ``word`` gets ``code`` on both workers; return how long it took."""
    started = time.monotonic()
    while True:
        got = await verdicts(clients, word)
        if set(got.values()) == {code}:
            return time.monotonic() - started
        assert time.monotonic() - started < within_s, f"{word!r}: {got} after {within_s} s"
        await asyncio.sleep(0.05)


def install(path: Path, text: str, *, like: os.stat_result | None = None) -> None:
    """Replace the dictionary atomically (a reader never sees a half-written file); with ``like``, the new
    file takes that file's modification time (its size must match), so the mtime/size check sees no change."""
    temp = path.with_suffix(".new")
    temp.write_text(text)
    if like is not None:
        assert temp.stat().st_size == like.st_size
        os.utime(temp, ns=(like.st_atime_ns, like.st_mtime_ns))
    os.replace(temp, path)


async def test_the_periodic_re_read_picks_up_a_changed_file_on_both_workers(served: Served) -> None:
    clients = await logged_in_on_both_workers(served.server, 9100)
    install(served.dictionary, "charlieword\nsecondword\n")
    took = await until_both(clients, "charlieword", ILLEGAL, within_s=5)
    print(f"periodic re-read: both workers reject the new word after {took:.2f} s")
    assert set((await verdicts(clients, "secondword")).values()) == {ILLEGAL}
    assert set((await verdicts(clients, "a clean text")).values()) == {OK}


async def test_the_admin_reload_route_reloads_every_worker(served: Served) -> None:
    clients = await logged_in_on_both_workers(served.server, 9200)
    # A known starting point, loaded by the periodic re-read.
    install(served.dictionary, "alphaword\n")
    await until_both(clients, "alphaword", ILLEGAL, within_s=5)
    # The same size and modification time: the periodic re-read cannot notice this one.
    install(served.dictionary, "bravoword\n", like=served.dictionary.stat())
    await asyncio.sleep(1.0)  # five periodic checks
    assert await verdicts(clients, "bravoword") == dict.fromkeys((c.pid for c in clients), OK)
    assert await verdicts(clients, "alphaword") == dict.fromkeys((c.pid for c in clients), ILLEGAL)

    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"http://127.0.0.1:{served.server.admin_port}/content-moderation/dictionary/reload", headers=ROOT
        ) as resp,
    ):
        assert resp.status == 200, await resp.text()
    took = await until_both(clients, "bravoword", ILLEGAL, within_s=2)
    print(f"admin reload: both workers reject the new word after {took:.2f} s")
    assert await verdicts(clients, "alphaword") == dict.fromkeys((c.pid for c in clients), OK)

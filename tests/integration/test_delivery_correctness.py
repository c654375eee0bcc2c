"""The delivery contract under faults (issue 6 acceptance), on a real 2-worker server with Redis, on SQLite and
on the MongoDB adapter (FerretDB).

50 clients in 25 pairs and 5 groups of 10 send messages (each client alternates between its partner and its
group, one send in flight) through a proxy that cuts random connections; a variant also ``kill -9``s one
worker mid-run. Checked at the end:

* every acknowledged message is stored exactly once, with the acknowledged id; nothing is stored twice
  (retries carry an idempotency key) and nothing is stored that was never sent;
* every conversation's sequence ids (messages and tombstones) are exactly 1..N;
* every client, after resyncing from its last sequence ids, has delivered to the application exactly the
  stored history of each of its conversations, in order, each message once.

Sized for CI (about 2,000 messages each); ``@pytest.mark.fault`` runs the 10,000-message version. On FerretDB
the runs are an eighth of that (:data:`FERRETDB_SHARE`); with ``TURMS_TEST_MONGO_URI`` the full size.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from turms.client import TurmsClient
from turms.client.message import ChatMessage, ConversationKey, MessageService
from turms.service.message.model import group_conversation_id, private_conversation_id

from ferret_support import FerretDB
from integration_support import Server, running
from messaging_support import SERVER_SETTINGS, CuttingProxy, make_group, server_store

pytestmark = pytest.mark.slow

CLIENTS = 50
GROUPS = 5
BASE_UID = 10_000
BASE_GID = 90_000


class Participant:
    def __init__(self, uid: int, partner: int, group: int, port: int) -> None:
        self.uid, self.partner, self.group = uid, partner, group
        self.client = TurmsClient("127.0.0.1", port, request_timeout_s=5, reconnect_base_delay_s=0.05)
        self.messages = MessageService(self.client, uid, send_attempts=40, retry_delay_s=0.05, attempt_timeout_s=5)
        self.delivered: dict[ConversationKey, list[int]] = defaultdict(list)
        self.messages.on_message(self._on_message)
        self.acked: dict[str, int] = {}
        self.failed: dict[str, str] = {}
        #: The message being sent (None when all are done), and when its send started.
        self.sending: str | None = None
        self.sending_since = 0.0

    def _on_message(self, m: ChatMessage) -> None:
        self.delivered[m.conversation].append(m.message_id)

    async def start(self) -> None:
        await self.client.connect()
        await self.client.login(self.uid)

    async def send_all(self, count: int, progress: list[int]) -> None:
        for i in range(count):
            text = f"{self.uid}:{i}"
            self.sending, self.sending_since = text, time.monotonic()
            try:
                if i % 2 == 0:
                    r = await self.messages.send_private(self.partner, text)
                else:
                    r = await self.messages.send_group(self.group, text)
            except Exception as e:
                self.failed[text] = repr(e)  # unknown outcome: stored at most once, checked below
                continue
            self.acked[text] = r.message_id
            progress[0] += 1
        self.sending = None


#: FerretDB v1 (SQLite backend) answers every query by scanning the collection and saturates its CPU at
#: about 20 acks/s with 50 concurrent senders (a real MongoDB uses its indexes), so on FerretDB the run sends
#: this fraction of the messages, with a longer liveness bound. A real MongoDB (``TURMS_TEST_MONGO_URI``)
#: runs the full size.
FERRETDB_SHARE = 8
SEND_DEADLINE_S = 60.0
FERRETDB_SEND_DEADLINE_S = 240.0
#: Seconds between two connection cuts (uniform in this range). On FerretDB the gaps are FERRETDB_SHARE times
#: longer: at the same wall-clock rate a FerretDB run (about 3 acks/s) saw 1,053 cuts for 250 messages, four
#: per message against one per 50 on SQLite, and every reconnect's resync is a collection scan there, so the
#: run measured FerretDB's collapse under its own overload (requests past the clients' 5 s timeout, retried,
#: piling up) instead of the delivery contract. Still several times more cuts per message than on SQLite.
CUT_GAP_S = (0.02, 0.15)


@contextlib.contextmanager
def store_settings(kind: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Server settings for the store ``kind``: SQLite (the default) or MongoDB (``TURMS_TEST_MONGO_URI`` or a
    FerretDB of its own), in a database of its own."""
    if kind == "sqlite":
        yield {}
        return
    database = f"delivery_{uuid.uuid4().hex[:12]}"
    uri = os.environ.get("TURMS_TEST_MONGO_URI")
    if uri:
        yield {"storage.mongo.uri": uri, "storage.mongo.database": database}
        return
    ferret = FerretDB(tmp_path / "ferretdb").start()
    try:
        yield {"storage.mongo.uri": ferret.uri, "storage.mongo.database": database}
    finally:
        ferret.stop()


async def run_load(tmp_path: Path, per_client: int, *, kill_worker: bool, seed: int, store_kind: str) -> None:
    rng = random.Random(seed)
    deadline, cut_gap = SEND_DEADLINE_S, CUT_GAP_S
    if store_kind == "mongo" and not os.environ.get("TURMS_TEST_MONGO_URI"):
        per_client //= FERRETDB_SHARE
        deadline = FERRETDB_SEND_DEADLINE_S
        cut_gap = (CUT_GAP_S[0] * FERRETDB_SHARE, CUT_GAP_S[1] * FERRETDB_SHARE)
    print(f"delivery test on {store_kind}, seed {seed}, {per_client} messages per client")
    with store_settings(store_kind, tmp_path) as storage:
        await _run_load(tmp_path, per_client, kill_worker, rng, storage, deadline, cut_gap)


async def _run_load(
    tmp_path: Path,
    per_client: int,
    kill_worker: bool,
    rng: random.Random,
    storage: dict[str, str],
    deadline: float,
    cut_gap: tuple[float, float],
) -> None:
    server = Server(tmp_path, workers=2, settings={**SERVER_SETTINGS, **storage})
    with running(server):
        await server.wait_ready()
        proxy = CuttingProxy(server.tcp_port)
        await proxy.start()
        uids = [BASE_UID + i for i in range(CLIENTS)]
        people = [
            Participant(uid, uid + 1 if i % 2 == 0 else uid - 1, BASE_GID + i % GROUPS, proxy.port)
            for i, uid in enumerate(uids)
        ]
        try:
            async with server_store(server.data_dir, storage) as store:
                members: dict[int, list[int]] = defaultdict(list)
                for i, uid in enumerate(uids):
                    members[BASE_GID + i % GROUPS].append(uid)
                for gid, group_members in members.items():
                    await make_group(store, gid, group_members)
                await asyncio.gather(*(p.start() for p in people))
                await exchange(server, proxy, store, people, per_client, kill_worker, rng, deadline, cut_gap)
        finally:
            for p in people:  # also when the run failed: nothing left open for a later test to trip on
                await p.messages.close()
                await p.client.close()
            await proxy.close()


async def exchange(
    server: Server,
    proxy: CuttingProxy,
    store: Any,
    people: list[Participant],
    per_client: int,
    kill_worker: bool,
    rng: random.Random,
    deadline: float,
    cut_gap: tuple[float, float],
) -> None:
    """Everyone sends ``per_client`` messages under connection cuts (and a kill), then resyncs; then check."""
    progress = [0]
    total = CLIENTS * per_client
    stop = asyncio.Event()
    killed: list[int] = []

    async def chaos() -> None:
        while not stop.is_set():
            await asyncio.sleep(rng.uniform(*cut_gap))
            proxy.cut_random(rng)
            if kill_worker and not killed and progress[0] >= total // 2:
                pid = rng.choice(sorted(server.worker_pids()))
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    started = time.monotonic()
    chaos_task = asyncio.create_task(chaos())
    try:
        await asyncio.wait_for(asyncio.gather(*(p.send_all(per_client, progress) for p in people)), deadline)
    except TimeoutError:
        raise AssertionError(
            f"senders stuck after {progress[0]} acks: {diagnose(people)}\n"
            f"server log, warnings:\n{server_warnings(server)}"
        ) from None
    finally:
        stop.set()
        await chaos_task
    elapsed = time.monotonic() - started
    if kill_worker:
        assert killed, "the worker was never killed"
        await server.wait_ready(within=15)  # the respawned worker
    try:
        await asyncio.wait_for(asyncio.gather(*(p.client.wait_connected() for p in people)), 15)
        await asyncio.wait_for(asyncio.gather(*(p.messages.resync() for p in people)), 30)
    except TimeoutError:
        raise AssertionError(f"clients did not reconnect and resync: {diagnose(people)}") from None
    acked = sum(len(p.acked) for p in people)
    print(
        f"{acked} acked / {total} sent in {elapsed:.1f} s ({acked / elapsed:.0f}/s), "
        f"{proxy.cuts} connection cuts, {sum(p.client.reconnects for p in people)} reconnects, "
        f"unknown outcomes {[f for p in people for f in p.failed.values()]}, killed {killed}"
    )
    await check(store, people)


def server_warnings(server: Server, last: int = 30) -> str:
    """The server log's last ``last`` lines that are not INFO (the log outlives the run only in pytest's temp
    directory, which a CI checkout does not keep)."""
    lines = [line for line in server.log().splitlines() if " INFO " not in line and line.startswith("20")]
    return "\n".join(lines[-last:]) or "(none)"


def diagnose(people: list[Participant]) -> str:
    out = []
    now = time.monotonic()
    for p in people:
        c = p.client
        if p.sending is not None or not c.connected or c.closed.is_set() or p.messages._buffer:
            sending = "done" if p.sending is None else f"sending {p.sending} for {now - p.sending_since:.1f} s"
            out.append(
                f"user {p.uid} ({sending}, {len(p.acked)} acked, {len(p.failed)} failed): "
                f"connected={c.connected} closed={c.closed.is_set()} status={c.close_status} "
                f"reconnecting={c._reconnecting} reconnects={c.reconnects} failed attempts since the last "
                f"one={c.reconnect_failures} (last: {c.last_reconnect_error!r}) "
                f"buffered={ {k: sorted(v) for k, v in p.messages._buffer.items()} }"
            )
    return "; ".join(out) or "every client connected, nothing buffered"


async def check(store: Any, people: list[Participant]) -> None:
    docs = await store.find("message", {"sid": {"$gte": BASE_UID, "$lt": BASE_UID + CLIENTS}})
    by_text: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in docs:
        by_text[d["txt"]].append(d)
    assert all(len(v) == 1 for v in by_text.values()), "a message was stored twice"
    sent = {t for p in people for t in (*p.acked, *p.failed)}
    assert set(by_text) <= sent, "a message was stored that was never sent"
    for p in people:
        for text, mid in p.acked.items():
            assert [d["_id"] for d in by_text.get(text, [])] == [mid], f"acked {text} not stored exactly once"
    by_cid: dict[bytes, list[dict[str, Any]]] = defaultdict(list)
    for d in docs:
        by_cid[d["cid"]].append(d)
    # Tombstones (MongoDB: a number whose insert failed or whose writer died) keep their place in the sequence.
    tombstones = await store.find("message", {"cid": {"$in": list(by_cid)}, "tomb": True})
    for cid, items in by_cid.items():
        numbered = sorted([*items, *(t for t in tombstones if t["cid"] == cid)], key=lambda d: d["sqid"])
        assert [d["sqid"] for d in numbered] == list(range(1, len(numbered) + 1)), f"sequence gap in {cid.hex()}"
        items.sort(key=lambda d: d["sqid"])
    for p in people:
        expected = {
            ConversationKey(False, p.partner): private_conversation_id(p.uid, p.partner),
            ConversationKey(True, p.group): group_conversation_id(p.group),
        }
        assert set(p.delivered) <= set(expected)
        for key, cid in expected.items():
            history = [d["_id"] for d in by_cid.get(cid, [])]
            assert p.delivered.get(key, []) == history, f"user {p.uid}: {key} differs from the stored history"


#: FerretDB is back in the default suite: with cuts paced to its throughput (:data:`CUT_GAP_S`) a run takes
#: 8 to 11 s here (it was in the long mode while cuts at SQLite's pace drove it into collapse).
STORES = [pytest.param("sqlite"), pytest.param("mongo", marks=pytest.mark.mongo)]


@pytest.mark.timeout(360)
@pytest.mark.parametrize("store_kind", STORES)
async def test_delivery_with_random_connection_drops(tmp_path: Path, store_kind: str) -> None:
    await run_load(tmp_path, 40, kill_worker=False, seed=random.randrange(1 << 30), store_kind=store_kind)


@pytest.mark.timeout(360)
@pytest.mark.parametrize("store_kind", STORES)
async def test_delivery_with_a_worker_killed_mid_run(tmp_path: Path, store_kind: str) -> None:
    await run_load(tmp_path, 40, kill_worker=True, seed=random.randrange(1 << 30), store_kind=store_kind)


@pytest.mark.fault
@pytest.mark.timeout(900)
@pytest.mark.parametrize("store_kind", STORES)
async def test_delivery_10k_messages_with_drops_and_a_kill(tmp_path: Path, store_kind: str) -> None:
    await run_load(tmp_path, 200, kill_worker=True, seed=random.randrange(1 << 30), store_kind=store_kind)

"""The workload of the fault scenarios: clients that send, record every send in a :class:`History`, and keep
what they were delivered, so the checker can judge the run.

Shape (style-and-reliability.md B6.7): ``clients`` users in groups of ``group_size``; users are also paired
for private chats. Each client sends at ``rate_per_client`` messages/s with one send in flight, alternating
between its group and its partner, through the SDK's :class:`MessageService` (idempotency key per send,
retried with the same key after a timeout, a lost connection or a retryable code). Each send's text is its
history key, so stored messages are matched to operations.

A send ends ``ok`` (acked), ``fail`` (the server refused it with a definite, non-retryable code: it must not
be stored) or ``unknown`` (every attempt timed out or lost its connection: stored at most once).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from turms.client import TurmsClient
from turms.client.errors import ResponseError
from turms.client.message import _RETRY_CODES, RESYNC_MARKER, ChatMessage, ConversationKey, MessageService
from turms.service.message.model import group_conversation_id, private_conversation_id
from turms.storage.port import Store

from history import History, Outcome, Stored
from messaging_support import make_group

View = dict[str, list[tuple[int, str]]]


def conv_name(uid: int, key: ConversationKey) -> str:
    cid = group_conversation_id(key.target_id) if key.is_group else private_conversation_id(uid, key.target_id)
    return cid.hex()


class Member:
    """One user: a reconnecting client, its message service, and what it was delivered."""

    def __init__(
        self,
        uid: int,
        group: int,
        partner: int,
        port: int,
        *,
        attempt_timeout_s: float,
        reconnect: bool = True,
        send_attempts: int = 60,
        padding_bytes: int = 0,
    ) -> None:
        self.uid, self.group, self.partner = uid, group, partner
        #: Records sent with every message, to make pushes (and Redis pub/sub traffic) heavier.
        self.records = [b"\x00" * padding_bytes] if padding_bytes else []
        #: Resync pushes received (the server's "turms:resync" hint after it lost its subscription).
        self.resync_hints = 0
        self.client = TurmsClient(
            "127.0.0.1",
            port,
            request_timeout_s=max(attempt_timeout_s, 5.0),
            reconnect=reconnect,
            reconnect_base_delay_s=0.05,
            reconnect_max_delay_s=1.0,
        )
        self.messages = MessageService(
            self.client, uid, send_attempts=send_attempts, retry_delay_s=0.1, attempt_timeout_s=attempt_timeout_s
        )
        self.conversations = (ConversationKey(True, group), ConversationKey(False, partner))
        self.view: View = {conv_name(uid, k): [] for k in self.conversations}
        self.messages.on_message(self._on_message)
        self.client.on_notification(self._on_notification)
        self.sent = 0
        self.latencies: list[float] = []

    def _on_message(self, m: ChatMessage) -> None:
        if m.sequence_id is not None:
            self.view.setdefault(conv_name(self.uid, m.conversation), []).append((m.sequence_id, m.text or ""))

    def _on_notification(self, n: Any) -> None:
        if n.custom_attributes and n.custom_attributes[0].string_value == RESYNC_MARKER:
            self.resync_hints += 1

    async def start(self) -> None:
        await self.client.connect()
        await self.client.login(self.uid)

    async def send_loop(self, history: History, rate: float, stop: asyncio.Event, rng: random.Random) -> None:
        """Open-loop pacing at ``rate`` sends/s, one in flight; a slow send delays the next, never doubles up."""
        interval = 1.0 / rate
        next_at = time.monotonic() + rng.uniform(0, interval)
        i = 0
        while not stop.is_set() and not self.client.closed.is_set():
            delay = next_at - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                if stop.is_set():
                    return
            next_at = max(next_at + interval * rng.uniform(0.8, 1.2), time.monotonic())
            await self.send_one(history, self.conversations[i % 2], f"{self.uid}:{i}")
            i += 1

    async def send_one(self, history: History, key: ConversationKey, text: str) -> Outcome:
        started = time.monotonic()
        op = history.invoke(f"c{self.uid}", self.uid, conv_name(self.uid, key), text, started)
        self.sent += 1
        try:
            if key.is_group:
                r = await self.messages.send_group(key.target_id, text, records=self.records)
            else:
                r = await self.messages.send_private(key.target_id, text, records=self.records)
        except ResponseError as e:
            # A definite refusal on the last attempt. The server answers any retry of a stored send with its
            # ack, so a non-retryable refusal means it is not stored.
            outcome = Outcome.UNKNOWN if e.code in _RETRY_CODES else Outcome.FAIL
            History.complete(op, outcome, time.monotonic())
            return outcome
        except Exception:
            History.complete(op, Outcome.UNKNOWN, time.monotonic())
            return Outcome.UNKNOWN
        now = time.monotonic()
        History.complete(op, Outcome.OK, now, r.sequence_id)
        self.latencies.append(now - started)
        return Outcome.OK

    async def close(self) -> None:
        await self.messages.close()
        await self.client.close()


class Workload:
    def __init__(
        self,
        port: int,
        *,
        clients: int = 100,
        group_size: int = 5,
        base_uid: int = 100_000,
        base_gid: int = 900_000,
        rate_per_client: float = 2.0,
        attempt_timeout_s: float = 2.0,
        reconnect: bool = True,
        send_attempts: int = 60,
        padding_bytes: int = 0,
        seed: int = 0,
    ) -> None:
        assert clients % 2 == 0 and clients % group_size == 0
        self.rng = random.Random(seed)
        self.rate = rate_per_client
        self.history = History()
        self.members = [
            Member(
                base_uid + i,
                base_gid + i // group_size,
                base_uid + (i + 1 if i % 2 == 0 else i - 1),
                port,
                attempt_timeout_s=attempt_timeout_s,
                reconnect=reconnect,
                send_attempts=send_attempts,
                padding_bytes=padding_bytes,
            )
            for i in range(clients)
        ]
        self.groups: dict[int, list[int]] = defaultdict(list)
        for m in self.members:
            self.groups[m.group].append(m.uid)

    @property
    def conversations(self) -> list[bytes]:
        return sorted({bytes.fromhex(name) for m in self.members for name in m.view})

    async def setup(self, store: Store) -> None:
        """Write the groups into the server's store (as the group domain would)."""
        for gid, uids in self.groups.items():
            await make_group(store, gid, uids)

    async def connect(self, parallel: int = 20) -> None:
        gate = asyncio.Semaphore(parallel)

        async def one(m: Member) -> None:
            async with gate:
                await m.start()

        await asyncio.gather(*(one(m) for m in self.members))

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; returns when every send in flight has completed."""
        await asyncio.gather(*(m.send_loop(self.history, self.rate, stop, self.rng) for m in self.members))

    async def settle(self, within_s: float = 60.0) -> None:
        """After the faults: every client reconnected and resynced from its last sequence ids."""
        try:
            await asyncio.wait_for(asyncio.gather(*(m.client.wait_connected() for m in self.members)), within_s)
        except TimeoutError:
            raise AssertionError(f"clients not reconnected within {within_s} s: {self.diagnose()}") from None
        try:
            await asyncio.wait_for(asyncio.gather(*(m.messages.resync() for m in self.members)), within_s)
        except TimeoutError:
            raise AssertionError(f"clients not resynced within {within_s} s: {self.diagnose()}") from None

    async def quiesce(self, within_s: float = 30.0, still_s: float = 1.0) -> float:
        """Wait until no client has a sync running and no view changed for ``still_s`` (pushes and pulls still in
        flight on a loaded server have arrived); returns how long that took. Asks nobody to resync."""
        now = asyncio.get_running_loop().time
        began = now()
        last: dict[int, int] | None = None
        still_since = began
        while now() - began < within_s:
            await asyncio.gather(*(m.messages.wait_synced() for m in self.members))
            counts = {m.uid: sum(len(v) for v in m.view.values()) for m in self.members}
            if counts != last:
                last, still_since = counts, now()
            elif now() - still_since >= still_s:
                break
            await asyncio.sleep(0.1)
        return now() - began

    def diagnose(self) -> str:
        out = []
        for m in self.members:
            c = m.client
            if not c.connected or c.closed.is_set():
                out.append(
                    f"user {m.uid}: connected={c.connected} closed={c.closed.is_set()} status={c.close_status} "
                    f"reconnects={c.reconnects}"
                )
        return "; ".join(out) or "every client connected"

    def views(self) -> dict[str, View]:
        return {f"c{m.uid}": m.view for m in self.members}

    def stats(self) -> dict[str, Any]:
        outcomes: defaultdict[str, int] = defaultdict(int)
        for op in self.history.ops:
            outcomes[str(op.outcome)] += 1
        lat = sorted(x for m in self.members for x in m.latencies)
        return {
            "operations": len(self.history.ops),
            "outcomes": dict(outcomes),
            "reconnects": sum(m.client.reconnects for m in self.members),
            "ack_p50_ms": round(lat[len(lat) // 2] * 1000) if lat else None,
            "ack_p99_ms": round(lat[int(len(lat) * 0.99)] * 1000) if lat else None,
        }

    async def close(self) -> None:
        await asyncio.gather(*(m.close() for m in self.members), return_exceptions=True)


async def read_stored(store: Store, conversations: Iterable[bytes]) -> list[Stored]:
    """Every stored message and tombstone of these conversations, as the checker wants them."""
    docs = await store.find("message", {"cid": {"$in": list(conversations)}})
    return [
        Stored(d["cid"].hex(), d["sqid"], d.get("sid", 0), d.get("txt", ""), tombstone=bool(d.get("tomb")))
        for d in docs
    ]

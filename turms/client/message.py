"""Messages for the Python client: idempotent sends, queries, edit and recall, and gap-free delivery.

:class:`MessageService` tracks, per conversation, the last sequence id it delivered to the application. Every
message it learns of — a push (relayed ``CreateMessageRequest``), the ack of its own send, a query during a
sync — goes through one gate: a sequence id at or below the last one is a duplicate and dropped, the next one
is delivered (then any buffered successors), a later one is buffered and triggers a sync of that
conversation from the last sequence id. Syncs also run after every reconnect and on the server's resync push
(first custom attribute ``"turms:resync"``). So the application sees each message exactly once, in sequence
order per conversation, through :meth:`MessageService.messages` or :meth:`MessageService.on_message`.

Sends carry an idempotency key (docs/protocol.md, "Idempotency key") and are retried with the same key after
a timeout, a lost connection or a retryable code; the server answers a retry with the original ack.

Imports only ``turms.protocol`` and ``turms.client`` (no server code); the wire tags are repeated here and a
test keeps them equal to the server's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from turms.client.client import TurmsClient
from turms.client.errors import ConnectionClosedError, RequestTimeoutError, ResponseError, TurmsClientError
from turms.protocol.pb import model_common_pb2, request_message_pb2
from turms.protocol.status import ResponseStatusCode

log = logging.getLogger("turms.client.message")

IDEMPOTENCY_TAG = "turms:idempotency_key"
SEQ_RANGE_TAG = "turms:seq_range"
MESSAGE_TAG = "turms:message"
TOMBSTONE_TAG = "turms:tombstone"
RECALLED_TAG = "turms:recalled"
PURGED_TAG = "turms:purged"
RESYNC_MARKER = "turms:resync"
#: Longest wait between two attempts of a sync that a busy server failed.
SYNC_RETRY_MAX_DELAY_S = 5.0
OWN_REACTION_TAG = "turms:own_reaction"

#: Codes after which a send is retried with the same key (the server did not, or may not, have handled it).
_RETRY_CODES = frozenset(
    {
        ResponseStatusCode.CLIENT_REQUESTS_TOO_FREQUENT,
        ResponseStatusCode.SERVER_INTERNAL_ERROR,
        ResponseStatusCode.SERVER_UNAVAILABLE,
        ResponseStatusCode.SEND_REQUEST_FROM_NONEXISTENT_SESSION,
    }
)


@dataclass(frozen=True, slots=True)
class ConversationKey:
    """A conversation as this user sees it: the other user (private) or the group."""

    is_group: bool
    target_id: int


@dataclass(slots=True)
class ChatMessage:
    """A message delivered to the application."""

    conversation: ConversationKey
    message_id: int
    sequence_id: int | None
    sender_id: int
    delivery_date: int
    text: str | None = None
    records: list[bytes] = field(default_factory=list)
    is_system_message: bool = False
    recalled: bool = False
    #: Reaction type -> count, as the server had them when it sent the message (a pushed new message: none).
    reactions: dict[int, int] = field(default_factory=dict)
    #: The types this user reacted with (see :class:`turms.client.reactions.ReactionService` for changes).
    my_reactions: frozenset[int] = frozenset()


def reactions_of(msg: Any) -> tuple[dict[int, int], frozenset[int]]:
    """(type -> count, this user's own types) of a queried ``Message`` model's ``reaction_groups``."""
    counts = {g.reaction_type: g.reaction_count for g in msg.reaction_groups}
    mine = frozenset(
        g.reaction_type for g in msg.reaction_groups if tag_args(g.custom_attributes, OWN_REACTION_TAG) is not None
    )
    return counts, mine


@dataclass(frozen=True, slots=True)
class SendResult:
    message_id: int
    #: None when the server does not report it (Turms; or an older gateway): the next sync places it.
    sequence_id: int | None
    delivery_date: int | None


def tagged(tag: str, *args: int | str) -> Any:
    v = model_common_pb2.Value()
    v.list_value.append(model_common_pb2.Value(string_value=tag))
    for a in args:
        v.list_value.append(
            model_common_pb2.Value(string_value=a) if isinstance(a, str) else model_common_pb2.Value(int64_value=a)
        )
    return v


def tag_args(attributes: Iterable[Any], tag: str) -> list[Any] | None:
    for v in attributes:
        items = v.list_value
        if items and items[0].WhichOneof("kind") == "string_value" and items[0].string_value == tag:
            return list(items[1:])
    return None


def _int(args: list[Any] | None, i: int) -> int | None:
    if args is None or i >= len(args) or args[i].WhichOneof("kind") not in ("int64_value", "int32_value"):
        return None
    return int(getattr(args[i], str(args[i].WhichOneof("kind"))))


class MessageService:
    def __init__(
        self,
        client: TurmsClient,
        user_id: int,
        *,
        since: dict[ConversationKey, int] | None = None,
        sync_page_size: int = 200,
        send_attempts: int = 6,
        retry_delay_s: float = 0.3,
        attempt_timeout_s: float | None = None,
    ) -> None:
        """``user_id`` is the logged-in user; ``since`` restores the last delivered sequence id per conversation
        (conversations not named there are delivered from their first message)."""
        self.client = client
        self.user_id = user_id
        self.sync_page_size = sync_page_size
        self.send_attempts = send_attempts
        self.retry_delay_s = retry_delay_s
        self.attempt_timeout_s = attempt_timeout_s
        self._last: dict[ConversationKey, int] = dict(since or {})
        self._buffer: dict[ConversationKey, dict[int, ChatMessage | None]] = {}
        self._syncing: dict[ConversationKey, asyncio.Task[None]] = {}
        self._again: set[ConversationKey] = set()
        self._queue: asyncio.Queue[ChatMessage] = asyncio.Queue()
        self._callbacks: list[Callable[[ChatMessage], None]] = []
        self._update_callbacks: list[Callable[[Any], None]] = []
        self._background: set[asyncio.Task[Any]] = set()
        #: While :meth:`catch_up` runs, messages of conversations without a baseline are held, not synced.
        self._catching_up = False
        #: Resyncs in flight (the server's hint starts one in the background); :meth:`wait_synced` waits for
        #: them too, since a resync schedules its per-conversation syncs only after its discovery query.
        self._resyncs: set[asyncio.Task[None]] = set()
        #: Syncs that failed (a timeout, a busy server, a lost connection); each is retried or redone after the
        #: reconnect.
        self.sync_failures = 0
        client.on_notification(self._on_notification)
        client.on_reconnected(self.resync)

    # Delivery ------------------------------------------------------------------------------------------

    @property
    def last_sequence_ids(self) -> dict[ConversationKey, int]:
        """The last delivered sequence id per conversation (persist it to resume later with ``since``)."""
        return dict(self._last)

    def on_message(self, callback: Callable[[ChatMessage], None]) -> None:
        self._callbacks.append(callback)

    def on_update(self, callback: Callable[[Any], None]) -> None:
        """Relayed edits and recalls (the pushed notification) as they arrive."""
        self._update_callbacks.append(callback)

    async def messages(self) -> AsyncIterator[ChatMessage]:
        while True:
            yield await self._queue.get()

    async def next_message(self, timeout_s: float | None = None) -> ChatMessage:
        """The next delivered message; :class:`RequestTimeoutError` if none arrives within ``timeout_s``."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout_s)
        except TimeoutError:
            raise RequestTimeoutError(f"no message within {timeout_s} s") from None

    def _deliver(self, m: ChatMessage) -> None:
        self._queue.put_nowait(m)
        for cb in self._callbacks:
            try:
                cb(m)
            except Exception:
                log.exception("message callback failed")

    def _offer(self, key: ConversationKey, seq: int | None, m: ChatMessage | None) -> None:
        """The gate: deliver in order, once. ``m`` None is a tombstone (a number without a message)."""
        if seq is None:
            if m is not None:
                self._deliver(m)  # a server without sequence ids: delivery as it comes
            return
        last = self._last.get(key, 0)
        if seq <= last:
            return
        if self._catching_up and key not in self._last:
            self._buffer.setdefault(key, {})[seq] = m  # placed once catch_up knows where history ends
            return
        if seq > last + 1:
            self._buffer.setdefault(key, {})[seq] = m
            self._schedule_sync(key)
            return
        buffered = self._buffer.get(key, {})
        while True:
            if m is not None:
                self._deliver(m)
            last = seq
            seq += 1
            if seq not in buffered:
                break
            m = buffered.pop(seq)
        self._last[key] = last
        for stale in [s for s in buffered if s <= last]:
            del buffered[stale]
        if not buffered:
            self._buffer.pop(key, None)

    def _skip_purged(self, key: ConversationKey, through: int) -> None:
        """The server's purge marker: every number up to ``through`` is gone (retention deleted it). What was
        buffered below it is delivered in order; delivery goes on from the number above."""
        last = self._last.get(key, 0)
        if through <= last:
            return
        buffered = self._buffer.get(key, {})
        for seq in sorted(s for s in buffered if s <= through):
            m = buffered.pop(seq)
            if m is not None:
                self._deliver(m)
        self._last[key] = through
        if buffered and through + 1 in buffered:
            self._offer(key, through + 1, buffered.pop(through + 1))
        elif not buffered:
            self._buffer.pop(key, None)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _on_notification(self, n: Any) -> None:
        if n.custom_attributes and n.custom_attributes[0].string_value == RESYNC_MARKER:
            task = asyncio.ensure_future(self.resync())
            self._resyncs.add(task)
            task.add_done_callback(self._resyncs.discard)
            return
        if not n.HasField("relayed_request"):
            return
        relay = n.relayed_request
        kind = relay.WhichOneof("kind")
        if kind == "update_message_request":
            for cb in self._update_callbacks:
                try:
                    cb(n)
                except Exception:
                    log.exception("update callback failed")
            return
        if kind != "create_message_request":
            return
        body = relay.create_message_request
        args = tag_args(relay.custom_attributes, MESSAGE_TAG)
        sender = n.requester_id
        if body.HasField("group_id"):
            key = ConversationKey(True, body.group_id)
        else:
            key = ConversationKey(False, body.recipient_id if sender == self.user_id else sender)
        m = ChatMessage(
            key,
            body.message_id,
            _int(args, 0),
            sender,
            body.delivery_date,
            body.text if body.HasField("text") else None,
            list(body.records),
            bool(body.is_system_message),
        )
        self._offer(key, m.sequence_id, m)

    def _from_model(self, msg: Any) -> tuple[ConversationKey, int | None, ChatMessage | None]:
        if msg.HasField("group_id"):
            key = ConversationKey(True, msg.group_id)
        else:
            key = ConversationKey(False, msg.recipient_id if msg.sender_id == self.user_id else msg.sender_id)
        seq = msg.sequence_id if msg.HasField("sequence_id") else None
        if tag_args(msg.custom_attributes, TOMBSTONE_TAG) is not None:
            return key, seq, None
        counts, mine = reactions_of(msg)
        m = ChatMessage(
            key,
            msg.id,
            seq,
            msg.sender_id,
            msg.delivery_date,
            msg.text if msg.HasField("text") else None,
            list(msg.records),
            bool(msg.is_system_message),
            tag_args(msg.custom_attributes, RECALLED_TAG) is not None,
            counts,
            mine,
        )
        return key, seq, m

    # Sync ----------------------------------------------------------------------------------------------

    def _schedule_sync(self, key: ConversationKey) -> None:
        task = self._syncing.get(key)
        if task is not None and not task.done():
            self._again.add(key)
            return
        self._syncing[key] = asyncio.ensure_future(self._sync_loop(key))

    async def _sync_loop(self, key: ConversationKey) -> None:
        delay = self.retry_delay_s
        while True:
            self._again.discard(key)
            try:
                await self.sync_conversation(key)
            except (RequestTimeoutError, ResponseError) as e:
                self.sync_failures += 1
                if isinstance(e, ResponseError) and e.code not in _RETRY_CODES:
                    log.debug("sync of %s refused: %s", key, e)
                    return
                # A busy server (a timeout, 1101, 1200, 1203): try again while connected. Nothing else may ever
                # reveal the gap: the conversation's last messages would stay missing until a reconnect.
                log.debug("sync of %s failed (%s); retrying in %.1f s", key, e, delay)
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, SYNC_RETRY_MAX_DELAY_S)
                self._again.add(key)
            except TurmsClientError as e:
                # Not connected: the reconnect's resync syncs again.
                self.sync_failures += 1
                log.debug("sync of %s failed: %s", key, e)
                return
            if key not in self._again:
                return

    async def sync_conversation(self, key: ConversationKey) -> None:
        """Pull the conversation from the last delivered sequence id until it is complete."""
        while True:
            start = self._last.get(key, 0) + 1
            body = request_message_pb2.QueryMessagesRequest(
                are_group_messages=key.is_group, from_ids=[key.target_id], max_count=self.sync_page_size
            )
            try:
                n = await self.client.request(
                    "query_messages_request", body, custom_attributes=[tagged(SEQ_RANGE_TAG, start, 0)]
                )
            except ResponseError as e:
                if e.code == ResponseStatusCode.NO_CONTENT:
                    return
                raise
            got = list(n.data.messages.messages) if n.HasField("data") else []
            for msg in got:
                if tag_args(msg.custom_attributes, PURGED_TAG) is not None:
                    self._skip_purged(key, msg.sequence_id)
                    continue
                # Offered under the synced conversation: a tombstone names no sender, recipient or group, so
                # the key derived from the model would be wrong for it (and the conversation would stall).
                _, seq, m = self._from_model(msg)
                self._offer(key, seq, m)
            if len(got) < self.sync_page_size:
                return

    async def catch_up(self, history: int = 0) -> dict[ConversationKey, list[ChatMessage]]:
        """Take what the server already holds as history, so that only messages sent from now on are delivered.

        Call it once after login, before reading :meth:`messages`: for every conversation of the user, the
        last delivered sequence id becomes the conversation's latest one, and up to ``history`` of its latest
        messages are returned (oldest first) for the application to show as history. Without it, the first
        push of a conversation makes the service fetch the whole conversation from its first message and
        deliver all of it as if it were new (what a client resuming with ``since`` wants; not what a chat
        window or a bot that answers messages wants). Messages pushed while this runs are delivered after it,
        if they are newer than the history.
        """
        self._catching_up = True
        found: dict[ConversationKey, list[ChatMessage]] = {}
        try:
            try:
                n = await self.client.request(
                    "query_messages_request", request_message_pb2.QueryMessagesRequest(with_total=True)
                )
            except ResponseError as e:
                if e.code != ResponseStatusCode.NO_CONTENT:
                    raise
                n = None
            listed = n.data.messages_with_total_list.messages_with_total_list if n is not None else []
            for item in listed:
                key = ConversationKey(item.is_group_message, item.from_id)
                body = request_message_pb2.QueryMessagesRequest(
                    are_group_messages=key.is_group,
                    from_ids=[key.target_id],
                    max_count=max(history, 1),
                    descending=True,
                )
                try:
                    latest = await self.client.request("query_messages_request", body)
                except ResponseError as e:
                    if e.code != ResponseStatusCode.NO_CONTENT:
                        raise
                    continue
                models = list(latest.data.messages.messages) if latest.HasField("data") else []
                messages = [m for _, _, m in map(self._from_model, reversed(models)) if m is not None]
                top = max((msg.sequence_id for msg in models if msg.HasField("sequence_id")), default=0)
                self._last[key] = max(self._last.get(key, 0), top)
                found[key] = messages[-history:] if history else []
        finally:
            self._catching_up = False
            held, self._buffer = self._buffer, {}
            for key, entries in held.items():
                for seq in sorted(entries):
                    self._offer(key, seq, entries[seq])
        return found

    async def resync(self) -> None:
        """Sync every known conversation, and discover conversations this client has not seen yet."""
        keys = set(self._last) | set(self._buffer)
        try:
            n = await self.client.request(
                "query_messages_request", request_message_pb2.QueryMessagesRequest(with_total=True)
            )
            if n.HasField("data"):
                for item in n.data.messages_with_total_list.messages_with_total_list:
                    keys.add(ConversationKey(item.is_group_message, item.from_id))
        except TurmsClientError as e:
            log.debug("conversation discovery failed: %s", e)
        for key in keys:
            self._schedule_sync(key)
        await self._wait_syncs()

    async def wait_synced(self) -> None:
        """Wait until no sync is running, including a resync the server asked for that is still finding out
        which conversations to sync."""
        await self._wait_syncs(resyncs=True)

    async def _wait_syncs(self, *, resyncs: bool = False) -> None:
        """Wait for the per-conversation syncs, and with ``resyncs`` for the resyncs in flight too (a resync
        itself waits without them: two resyncs must not wait for each other)."""
        while True:
            running = [*self._syncing.values(), *(self._resyncs if resyncs else ())]
            tasks = [t for t in running if not t.done()]
            if not tasks:
                return
            await asyncio.gather(*tasks, return_exceptions=True)

    # Requests ------------------------------------------------------------------------------------------

    async def send_private(self, recipient_id: int, text: str | None = None, **kw: Any) -> SendResult:
        """Send to a user; keyword arguments: ``records``, ``burn_after``, ``pre_message_id``,
        ``idempotency_key`` (default: a fresh UUID), ``forward_message_id``."""
        return await self._send(ConversationKey(False, recipient_id), text, **kw)

    async def send_group(self, group_id: int, text: str | None = None, **kw: Any) -> SendResult:
        return await self._send(ConversationKey(True, group_id), text, **kw)

    async def _send(
        self,
        key: ConversationKey,
        text: str | None,
        *,
        records: Iterable[bytes] = (),
        burn_after: int | None = None,
        pre_message_id: int | None = None,
        idempotency_key: str | None = None,
        forward_message_id: int | None = None,
    ) -> SendResult:
        body = request_message_pb2.CreateMessageRequest()
        if key.is_group:
            body.group_id = key.target_id
        else:
            body.recipient_id = key.target_id
        if text is not None:
            body.text = text
        body.records.extend(records)
        if burn_after is not None:
            body.burn_after = burn_after
        if pre_message_id is not None:
            body.pre_message_id = pre_message_id
        if forward_message_id is not None:
            body.message_id = forward_message_id
        attrs = [tagged(IDEMPOTENCY_TAG, idempotency_key or uuid.uuid4().hex)]
        n = await self._with_retries("create_message_request", body, attrs)
        args = tag_args(n.custom_attributes, MESSAGE_TAG)
        result = SendResult(n.data.long, _int(args, 0), _int(args, 1))
        if result.sequence_id is not None:
            own = ChatMessage(
                key,
                result.message_id,
                result.sequence_id,
                self.user_id,
                result.delivery_date or 0,
                text,
                list(body.records),
            )
            self._offer(key, result.sequence_id, own)
        return result

    async def _with_retries(self, kind: str, body: Any, attrs: list[Any]) -> Any:
        delay = self.retry_delay_s
        error: TurmsClientError | None = None
        for _ in range(self.send_attempts):
            try:
                if not self.client.connected:
                    await self.client.wait_connected(self.client.request_timeout_s)
                request = self.client.request(kind, body, custom_attributes=attrs)
                if self.attempt_timeout_s is not None:
                    try:
                        return await asyncio.wait_for(request, self.attempt_timeout_s)
                    except TurmsClientError:
                        raise
                    except TimeoutError:
                        raise RequestTimeoutError(f"no response within {self.attempt_timeout_s} s") from None
                return await request
            except ResponseError as e:
                if e.code not in _RETRY_CODES:
                    raise
                error = e
            except ConnectionClosedError as e:
                if self.client.closed.is_set():
                    raise  # closed for good (kicked, blocked, close()): no connection is coming back
                error = e
            except TurmsClientError as e:  # a timeout: the send may or may not have happened; the key decides
                error = e
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        assert error is not None
        raise error

    async def query(
        self,
        *,
        ids: Iterable[int] = (),
        are_group_messages: bool | None = None,
        are_system_messages: bool | None = None,
        from_ids: Iterable[int] = (),
        delivery_date_start: int | None = None,
        delivery_date_end: int | None = None,
        sequence_range: tuple[int, int] | None = None,
        max_count: int | None = None,
        descending: bool = False,
    ) -> list[Any]:
        """Stored messages (``Message`` models); ``sequence_range`` = (from, to), inclusive, to 0 = open."""
        body = request_message_pb2.QueryMessagesRequest(ids=list(ids), from_ids=list(from_ids))
        if are_group_messages is not None:
            body.are_group_messages = are_group_messages
        if are_system_messages is not None:
            body.are_system_messages = are_system_messages
        if delivery_date_start is not None:
            body.delivery_date_start = delivery_date_start
        if delivery_date_end is not None:
            body.delivery_date_end = delivery_date_end
        if max_count is not None:
            body.max_count = max_count
        if descending:
            body.descending = True
        attrs = [tagged(SEQ_RANGE_TAG, *sequence_range)] if sequence_range is not None else None
        n = await self.client.request("query_messages_request", body, custom_attributes=attrs)
        return list(n.data.messages.messages) if n.HasField("data") else []

    async def query_with_total(
        self, *, are_group_messages: bool | None = None, from_ids: Iterable[int] = ()
    ) -> list[Any]:
        """Per conversation: the unread count and the latest messages (``MessagesWithTotal`` models)."""
        body = request_message_pb2.QueryMessagesRequest(with_total=True, from_ids=list(from_ids))
        if are_group_messages is not None:
            body.are_group_messages = are_group_messages
        n = await self.client.request("query_messages_request", body)
        return list(n.data.messages_with_total_list.messages_with_total_list) if n.HasField("data") else []

    async def recall(self, message_id: int, *, recall_date: int | None = None) -> None:
        import time

        body = request_message_pb2.UpdateMessageRequest(message_id=message_id)
        body.recall_date = recall_date if recall_date is not None else int(time.time() * 1000)
        await self.client.request("update_message_request", body)

    async def edit(self, message_id: int, *, text: str | None = None, records: Iterable[bytes] = ()) -> None:
        body = request_message_pb2.UpdateMessageRequest(message_id=message_id, records=list(records))
        if text is not None:
            body.text = text
        await self.client.request("update_message_request", body)

    async def close(self) -> None:
        for task in [*self._syncing.values(), *self._background, *self._resyncs]:
            task.cancel()
        for task in [*self._syncing.values(), *self._background, *self._resyncs]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

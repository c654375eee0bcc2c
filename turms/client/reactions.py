"""Reactions for the Python client: add and remove them, hear of changes as they happen, and catch up after being
away (docs/protocol.md, "Reactions").

:class:`ReactionService` works beside a :class:`~turms.client.message.MessageService`. Live changes arrive as
pushes (the relayed reaction request, with the message's counts after the change) and are handed to the
``on_reactions`` callbacks as :class:`ReactionState` values carrying who changed what. A push can be lost (the
connection dropped, or this user was offline), so after every reconnect the service asks the server, for every
conversation the message service knows, which messages' reactions changed since it last asked, and hands each
one's whole state (counts and this user's own types) to the same callbacks. It asks from :data:`OVERLAP_MS`
before the server time of its last answer, because a change is dated when its request arrives and stored a
moment later: a query made in between would not see it. States are absolute, so seeing one twice is harmless.

Messages delivered by the message service carry their reactions at delivery (``ChatMessage.reactions``,
``my_reactions``), and so do queried ``Message`` models (:func:`~turms.client.message.reactions_of`).

Imports only ``turms.protocol`` and ``turms.client``; the wire tags are repeated here and a test keeps them equal
to the server's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from turms.client.client import TurmsClient
from turms.client.errors import ResponseError, TurmsClientError
from turms.client.message import ConversationKey, MessageService, reactions_of, tag_args, tagged
from turms.protocol.pb import request_message_pb2
from turms.protocol.status import ResponseStatusCode

log = logging.getLogger("turms.client.reactions")

REACTION_TAG = "turms:reaction"
REACTION_COUNTS_TAG = "turms:reaction_counts"
REACTIONS_SINCE_TAG = "turms:reactions_since"
REACTIONS_CHANGED_TAG = "turms:reactions_changed"
#: How far before the last known server time a catch-up starts (see the module's docstring).
OVERLAP_MS = 60_000


@dataclass(frozen=True, slots=True)
class ReactionState:
    """A message's reactions after a change."""

    message_id: int
    conversation: ConversationKey
    #: Every reaction type on the message, with its count.
    counts: dict[int, int]
    #: When the change was stored (server time, ms).
    date_ms: int
    #: This user's own types; None when the update does not tell (another user's change: yours did not move).
    mine: frozenset[int] | None = None
    #: Who changed them (a live change); None for a catch-up, which tells the state, not the change.
    user_id: int | None = None
    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()


def _ints(args: list[Any] | None) -> list[int]:
    out = []
    for v in args or ():
        kind = v.WhichOneof("kind")
        out.append(int(getattr(v, kind)) if kind in ("int64_value", "int32_value") else 0)
    return out


def counts_of(attributes: Iterable[Any]) -> dict[int, int]:
    values = _ints(tag_args(attributes, REACTION_COUNTS_TAG))
    return {values[i]: values[i + 1] for i in range(0, len(values) - 1, 2)}


class ReactionService:
    def __init__(
        self,
        client: TurmsClient,
        messages: MessageService,
        *,
        since: dict[ConversationKey, int] | None = None,
        page_size: int = 200,
    ) -> None:
        """``since`` restores the server times up to which each conversation's reactions were known
        (:attr:`cursors`); other conversations are caught up from when this service was made."""
        self.client = client
        self.messages = messages
        self.user_id = messages.user_id
        self.page_size = page_size
        self._since: dict[ConversationKey, int] = dict(since or {})
        self._started_ms = int(time.time() * 1000)
        self._callbacks: list[Callable[[ReactionState], None]] = []
        client.on_notification(self._on_notification)
        client.on_reconnected(self.sync_all)

    @property
    def cursors(self) -> dict[ConversationKey, int]:
        """Per conversation, the server time up to which its reactions are known (persist it as ``since``)."""
        return dict(self._since)

    def on_reactions(self, callback: Callable[[ReactionState], None]) -> None:
        self._callbacks.append(callback)

    def _emit(self, state: ReactionState) -> None:
        for cb in self._callbacks:
            try:
                cb(state)
            except Exception:
                log.exception("reaction callback failed")

    def _conversation(self, attributes: Iterable[Any]) -> tuple[ConversationKey, int] | None:
        values = _ints(tag_args(attributes, REACTION_TAG))
        if len(values) < 4:
            return None
        date_ms, group_id, sender, recipient = values[:4]
        if group_id:
            return ConversationKey(True, group_id), date_ms
        return ConversationKey(False, recipient if sender == self.user_id else sender), date_ms

    def _on_notification(self, n: Any) -> None:
        if not n.HasField("relayed_request"):
            return
        relay = n.relayed_request
        kind = relay.WhichOneof("kind")
        if kind not in ("create_message_reactions_request", "delete_message_reactions_request"):
            return
        where = self._conversation(relay.custom_attributes)
        if where is None:
            return
        body = getattr(relay, kind)
        types = tuple(body.reaction_types)
        added = kind == "create_message_reactions_request"
        self._emit(
            ReactionState(
                body.message_id,
                where[0],
                counts_of(relay.custom_attributes),
                where[1],
                user_id=n.requester_id,
                added=types if added else (),
                removed=() if added else types,
            )
        )

    # Requests ------------------------------------------------------------------------------------------

    async def _change(self, kind: str, body: Any) -> ReactionState:
        n = await self.client.request(kind, body)
        where = self._conversation(n.custom_attributes)
        if where is None:
            # A server that accepted the request without the reaction extension's answer (not a Turms server:
            # those refuse both kinds).
            raise ResponseError(int(ResponseStatusCode.SERVER_INTERNAL_ERROR), "the answer carries no reaction state")
        added = kind == "create_message_reactions_request"
        types = tuple(body.reaction_types)
        return ReactionState(
            body.message_id,
            where[0],
            counts_of(n.custom_attributes),
            where[1],
            user_id=self.user_id,
            added=types if added else (),
            removed=() if added else types,
        )

    async def react(self, message_id: int, types: Iterable[int]) -> ReactionState:
        """Add this user's reactions of ``types`` (those it has already are kept); the message's counts after."""
        body = request_message_pb2.CreateMessageReactionsRequest(message_id=message_id, reaction_types=list(types))
        return await self._change("create_message_reactions_request", body)

    async def unreact(self, message_id: int, types: Iterable[int]) -> ReactionState:
        """Remove this user's reactions of ``types`` (absent ones are fine); the message's counts after."""
        body = request_message_pb2.DeleteMessageReactionsRequest(message_id=message_id, reaction_types=list(types))
        return await self._change("delete_message_reactions_request", body)

    # Catching up ---------------------------------------------------------------------------------------

    async def sync(self, key: ConversationKey) -> list[ReactionState]:
        """The messages of ``key`` whose reactions changed since they were last known; each is also handed to
        the ``on_reactions`` callbacks. Afterwards the conversation is known up to the server time of the
        first answer."""
        since = self._since.get(key, self._started_ms) - OVERLAP_MS
        found: list[ReactionState] = []
        known: int | None = None
        while True:
            body = request_message_pb2.QueryMessagesRequest(
                are_group_messages=key.is_group, from_ids=[key.target_id], max_count=self.page_size
            )
            n = await self.client.request(
                "query_messages_request", body, custom_attributes=[tagged(REACTIONS_SINCE_TAG, max(since, 0))]
            )
            if known is None:
                known = int(n.timestamp)
            models = list(n.data.messages.messages) if n.HasField("data") else []
            last = since
            for msg in models:
                counts, mine = reactions_of(msg)
                changed = _ints(tag_args(msg.custom_attributes, REACTIONS_CHANGED_TAG))
                last = changed[0] if changed else last
                state = ReactionState(msg.id, key, counts, last, mine=mine)
                found.append(state)
                self._emit(state)
            if len(models) < self.page_size:
                break
            # The next page starts at the last date seen (inclusive); a full page of one date moves on by 1 ms.
            since = last if last > since else since + 1
        self._since[key] = max(self._since.get(key, 0), known)
        return found

    async def sync_all(self) -> None:
        """:meth:`sync` every conversation the message service knows (run after every reconnect)."""
        for key in set(self.messages.last_sequence_ids) | set(self._since):
            try:
                await self.sync(key)
            except TurmsClientError as e:
                log.debug("reaction sync of %s failed: %s", key, e)

"""Conversations for the Python client: read positions (read receipts), typing status, conversation settings.

Pushed read receipts and typing statuses arrive as notifications relaying ``UpdateConversationRequest`` and
``UpdateTypingStatusRequest`` (``requester_id`` = who read or types); :meth:`ConversationService.on_read` and
:meth:`ConversationService.on_typing` register callbacks for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from turms.client.client import TurmsClient
from turms.protocol.pb import model_common_pb2, request_conversation_pb2

log = logging.getLogger("turms.client.conversation")

SettingValue = bool | int | float | str | bytes | list[Any]


def to_value(value: SettingValue) -> Any:
    v = model_common_pb2.Value()
    if isinstance(value, bool):
        v.bool_value = value
    elif isinstance(value, int):
        v.int64_value = value
    elif isinstance(value, float):
        v.double_value = value
    elif isinstance(value, bytes):
        v.bytes_value = value
    elif isinstance(value, str):
        v.string_value = value
    else:
        v.list_value.extend(to_value(x) for x in value)
    return v


def from_value(v: Any) -> SettingValue:
    kind = v.WhichOneof("kind")
    if kind is None:
        return [from_value(x) for x in v.list_value]
    value: SettingValue = getattr(v, kind)
    return value


class ConversationService:
    def __init__(self, client: TurmsClient) -> None:
        self.client = client
        self._read: list[Callable[[int, Any], None]] = []
        self._typing: list[Callable[[int, Any], None]] = []
        client.on_notification(self._on_notification)

    def on_read(self, callback: Callable[[int, Any], None]) -> None:
        """``callback(reader_id, UpdateConversationRequest)`` for each pushed read position."""
        self._read.append(callback)

    def on_typing(self, callback: Callable[[int, Any], None]) -> None:
        """``callback(typist_id, UpdateTypingStatusRequest)`` for each pushed typing status."""
        self._typing.append(callback)

    def _on_notification(self, n: Any) -> None:
        if not n.HasField("relayed_request"):
            return
        kind = n.relayed_request.WhichOneof("kind")
        targets = {"update_conversation_request": self._read, "update_typing_status_request": self._typing}.get(
            str(kind)
        )
        for cb in targets or ():
            try:
                cb(n.requester_id, getattr(n.relayed_request, str(kind)))
            except Exception:
                log.exception("conversation callback failed")

    async def query_conversations(self, *, user_ids: Iterable[int] = (), group_ids: Iterable[int] = ()) -> Any:
        """The ``Conversations`` model: private read positions (both directions) and group member read dates."""
        body = request_conversation_pb2.QueryConversationsRequest(user_ids=list(user_ids), group_ids=list(group_ids))
        n = await self.client.request("query_conversations_request", body)
        return n.data.conversations

    async def update_read_date(
        self, *, user_id: int | None = None, group_id: int | None = None, read_date: int = 0
    ) -> None:
        """Mark a conversation read (the server records its own time unless configured otherwise)."""
        body = request_conversation_pb2.UpdateConversationRequest(read_date=read_date)
        if user_id is not None:
            body.user_id = user_id
        if group_id is not None:
            body.group_id = group_id
        await self.client.request("update_conversation_request", body)

    async def update_typing_status(self, to_id: int, *, is_group: bool = False) -> None:
        body = request_conversation_pb2.UpdateTypingStatusRequest(to_id=to_id, is_group_message=is_group)
        await self.client.request("update_typing_status_request", body)

    async def update_settings(
        self, settings: Mapping[str, SettingValue], *, user_id: int | None = None, group_id: int | None = None
    ) -> None:
        body = request_conversation_pb2.UpdateConversationSettingsRequest()
        if user_id is not None:
            body.user_id = user_id
        if group_id is not None:
            body.group_id = group_id
        for name, value in settings.items():
            body.settings[name].CopyFrom(to_value(value))
        await self.client.request("update_conversation_settings_request", body)

    async def query_settings(
        self,
        *,
        user_ids: Iterable[int] = (),
        group_ids: Iterable[int] = (),
        names: Iterable[str] = (),
        last_updated_date_start: int | None = None,
    ) -> dict[tuple[bool, int], dict[str, SettingValue]]:
        """{(is_group, target id): {name: value}}."""
        body = request_conversation_pb2.QueryConversationSettingsRequest(
            user_ids=list(user_ids), group_ids=list(group_ids), names=list(names)
        )
        if last_updated_date_start is not None:
            body.last_updated_date_start = last_updated_date_start
        n = await self.client.request("query_conversation_settings_request", body)
        out: dict[tuple[bool, int], dict[str, SettingValue]] = {}
        for item in n.data.conversation_settings_list.conversation_settings_list:
            key = (True, item.group_id) if item.HasField("group_id") else (False, item.user_id)
            out[key] = {name: from_value(v) for name, v in item.settings.items()}
        return out

    async def delete_settings(
        self, *, user_ids: Iterable[int] = (), group_ids: Iterable[int] = (), names: Iterable[str] = ()
    ) -> None:
        body = request_conversation_pb2.DeleteConversationSettingsRequest(
            user_ids=list(user_ids), group_ids=list(group_ids), names=list(names)
        )
        await self.client.request("delete_conversation_settings_request", body)

"""The webhook plugin: offline pushes and events as signed JSON POSTs to the operator's endpoint.

Each event becomes one call (``turms.plugins.webhook.sender``) whose body is a JSON object with ``id`` (also the
``Idempotency-Key`` header: the receiver drops a repeat), ``type`` (also ``X-Turms-Event``), ``timestamp`` (Unix
ms of the event) and the event's fields; docs/plugins.md shows each shape. Ids are JSON integers (64-bit: parse
them as such). Message text is included only with ``plugins.webhook.include_text``.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson

from turms.plugins.api import AdminAction, OfflineMessage, OnlineStatusChange, PluginContext

OFFLINE_PUSH = "offline_push"
ONLINE_STATUS = "online_status"
ADMIN_ACTION = "admin_action"
EVENTS = (OFFLINE_PUSH, ONLINE_STATUS, ADMIN_ACTION)
#: The extension point of each event.
POINT_EVENTS = {
    "on_offline_recipients": OFFLINE_PUSH,
    "on_online_status_change": ONLINE_STATUS,
    "on_admin_action": ADMIN_ACTION,
}
#: What the plugin counts (``turms_plugin_events_total{plugin="webhook", event=…}``).
COUNTED = ("delivered", "retried", "rejected", "gave_up", "dropped_queue_full", "dropped_shutdown")


def read_secret(ctx: PluginContext) -> bytes:
    """``secret_file``'s content when it is set (a systemd credential), else ``secret``; never empty."""
    path = ctx.setting("secret_file")
    if path:
        try:
            secret = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"plugins.webhook.secret_file: cannot read {path}: {e}") from None
        if not secret:
            raise ValueError(f"plugins.webhook.secret_file: {path} is empty")
        return secret.encode()
    secret = ctx.setting("secret")
    if not secret:
        raise ValueError("plugins.webhook.secret (or secret_file) must be set: every call is signed with it")
    return str(secret).encode()


class Webhook:
    def __init__(self, ctx: PluginContext) -> None:
        # Imported here, in the worker: the supervisor imports this module to read the spec, before it claims its
        # ports, and has no use for an HTTP client.
        from turms.plugins.webhook.sender import Sender

        self.ctx = ctx
        url = ctx.setting("url")
        if not url:
            raise ValueError("plugins.webhook.url is not set")
        self.events = frozenset(ctx.setting("events"))
        self.include_text = bool(ctx.setting("include_text"))
        self.sender = Sender(
            url,
            read_secret(ctx),
            timeout_s=ctx.setting("timeout_s"),
            max_attempts=ctx.setting("max_attempts"),
            backoff_initial_s=ctx.setting("backoff_initial_ms") / 1000,
            backoff_max_s=ctx.setting("backoff_max_ms") / 1000,
            queue_size=ctx.setting("queue_size"),
            concurrency=ctx.setting("concurrency"),
            count=ctx.count,
            gauge=ctx.gauge,
            log=ctx.log,
        )

    async def start(self) -> None:
        for event in COUNTED:
            self.ctx.count(event, 0)  # every series exists from the start, at 0
        self.ctx.gauge("queue_depth", 0)
        await self.sender.start()

    async def stop(self) -> None:
        await self.sender.stop(self.ctx.setting("drain_timeout_s"))

    def _submit(self, event: str, key: str, at_ms: int, fields: dict[str, Any]) -> None:
        body = orjson.dumps({"id": key, "type": event, "timestamp": at_ms, **fields})
        self.sender.submit(event, key, body)

    # -- extension points --------------------------------------------------------------------------------

    def wants(self, point: str) -> bool:
        """Only the points of the configured ``events``: the others are not installed, so a login or an admin
        write costs the server nothing for this plugin when only offline pushes are sent."""
        return POINT_EVENTS.get(point) in self.events

    async def on_offline_recipients(self, message: OfflineMessage) -> None:
        if OFFLINE_PUSH not in self.events:
            return
        fields: dict[str, Any] = {
            "id": message.message_id,
            "sequenceId": message.sequence_id,
            "senderId": message.sender_id,
            "isSystemMessage": message.is_system,
            "deliveryDate": message.delivery_date_ms,
            "recordCount": message.record_count,
        }
        fields["groupId" if message.is_group else "recipientId"] = message.target_id
        if self.include_text and message.text is not None:
            fields["text"] = message.text
        self._submit(
            OFFLINE_PUSH,
            f"{OFFLINE_PUSH}:{message.message_id}",
            message.delivery_date_ms,
            {"message": fields, "recipients": sorted(message.offline_recipient_ids), "traceId": message.trace_id},
        )

    async def on_online_status_change(self, change: OnlineStatusChange) -> None:
        if ONLINE_STATUS not in self.events:
            return
        self._submit(
            ONLINE_STATUS,
            f"{ONLINE_STATUS}:{uuid.uuid4().hex}",
            change.at_ms,
            {
                "userId": change.user_id,
                "deviceType": change.device_type,
                "sessionId": change.session_id,
                "online": change.online,
                "status": change.status,
                "closeStatus": change.close_status,
                "ip": change.ip,
            },
        )

    async def on_admin_action(self, action: AdminAction) -> None:
        if ADMIN_ACTION not in self.events:
            return
        self._submit(
            ADMIN_ACTION,
            f"{ADMIN_ACTION}:{uuid.uuid4().hex}",
            action.at_ms,
            {
                "admin": action.admin,
                "ip": action.ip,
                "method": action.method,
                "route": action.route,
                "targets": list(action.targets),
                "httpStatus": action.http_status,
                "code": action.code,
                "traceId": action.trace_id,
            },
        )

"""The webhook plugin's calls (what each event becomes, which events are sent) against a real aiohttp receiver,
and its refusal to start without an endpoint or a secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from turms.plugins.api import AdminAction, OfflineMessage, OnlineStatusChange
from turms.plugins.testing import context, running
from turms.plugins.webhook import PLUGIN
from turms.plugins.webhook.plugin import Webhook

from webhook_receiver import Receiver

MESSAGE = OfflineMessage(
    message_id=2**62 + 5,
    sequence_id=3,
    sender_id=1,
    target_id=9,
    is_group=True,
    is_system=False,
    delivery_date_ms=1_700_000_000_000,
    text="hello",
    record_count=2,
    recipient_ids=frozenset({2, 3, 4}),
    offline_recipient_ids=frozenset({4, 2}),
    trace_id="t-1",
)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def test_each_event_becomes_one_signed_call(receiver: Receiver, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    settings = {
        "url": receiver.url,
        "secret": "ignored: the file wins",
        "secret_file": str(secret),
        "events": ["offline_push", "online_status", "admin_action"],
        "include_text": True,
    }
    plugin = Webhook(context(PLUGIN, settings))
    await plugin.start()
    await plugin.on_offline_recipients(MESSAGE)
    await plugin.on_online_status_change(OnlineStatusChange(2, 1, "s-9", False, 1, 1_700_000_000_001, "10.0.0.2", 110))
    await plugin.on_admin_action(
        AdminAction("root", "127.0.0.1", "PUT", "/plugins", ("webhook",), 200, 1000, "trace-7", 1_700_000_000_002)
    )
    hits = await receiver.wait_for(lambda h: len(h) == 3)
    await plugin.stop()
    by_type = {h.headers["X-Turms-Event"]: h for h in hits}
    assert all(h.signed_with(b"from-a-file") for h in hits)
    offline = by_type["offline_push"]
    assert offline.key == f"offline_push:{2**62 + 5}"
    assert offline.json == {
        "id": f"offline_push:{2**62 + 5}",
        "type": "offline_push",
        "timestamp": 1_700_000_000_000,
        "message": {
            "id": 2**62 + 5,  # 64-bit, exact
            "sequenceId": 3,
            "senderId": 1,
            "groupId": 9,
            "isSystemMessage": False,
            "deliveryDate": 1_700_000_000_000,
            "recordCount": 2,
            "text": "hello",
        },
        "recipients": [2, 4],
        "traceId": "t-1",
    }
    status = by_type["online_status"].json
    assert status["id"].startswith("online_status:") and status["id"] == by_type["online_status"].key
    assert {k: status[k] for k in ("userId", "deviceType", "sessionId", "online", "status", "closeStatus", "ip")} == {
        "userId": 2,
        "deviceType": 1,
        "sessionId": "s-9",
        "online": False,
        "status": 1,
        "closeStatus": 110,
        "ip": "10.0.0.2",
    }
    action = by_type["admin_action"].json
    fields = (action["admin"], action["route"], action["targets"], action["code"])
    assert fields == ("root", "/plugins", ["webhook"], 1000)


async def test_only_the_chosen_events_are_sent_and_text_only_when_asked(receiver: Receiver) -> None:
    plugin = Webhook(context(PLUGIN, {"url": receiver.url, "secret": "s"}))  # events: offline_push only
    await plugin.start()
    await plugin.on_online_status_change(OnlineStatusChange(2, 1, "s-9", True, 0, 1))
    await plugin.on_admin_action(AdminAction(None, "", "POST", "/users", (), 401, 1300, "t", 1))
    await plugin.on_offline_recipients(MESSAGE)
    (hit,) = await receiver.wait_for(lambda h: len(h) == 1)
    await plugin.stop()
    assert hit.headers["X-Turms-Event"] == "offline_push" and "text" not in hit.json["message"]


def test_it_refuses_to_start_without_an_endpoint_or_a_secret(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"plugins\.webhook\.url is not set"):
        Webhook(context(PLUGIN, {"secret": "s"}))
    with pytest.raises(ValueError, match=r"plugins\.webhook\.secret \(or secret_file\) must be set"):
        Webhook(context(PLUGIN, {"url": "http://127.0.0.1:9/hook"}))
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="is empty"):
        Webhook(context(PLUGIN, {"url": "http://127.0.0.1:9/hook", "secret_file": str(empty)}))
    with pytest.raises(ValueError, match="cannot read"):
        Webhook(context(PLUGIN, {"url": "http://127.0.0.1:9/hook", "secret_file": str(tmp_path / "missing")}))


async def test_points_of_events_not_sent_are_not_installed(receiver: Receiver) -> None:
    """With only offline pushes configured, logins and admin writes find no webhook handler to call."""
    settings = {"plugins.webhook.url": receiver.url, "plugins.webhook.secret": "s"}
    async with running(PLUGIN, settings=settings) as (hooks, _):
        assert [i.plugin for i in hooks.offline_handlers] == ["webhook"]
        assert hooks.status_handlers == () and hooks.admin_handlers == ()
    every = {**settings, "plugins.webhook.events": ["offline_push", "online_status", "admin_action"]}
    async with running(PLUGIN, settings=every) as (hooks, _):
        handlers = (hooks.offline_handlers, hooks.status_handlers, hooks.admin_handlers)
        assert [[i.plugin for i in h] for h in handlers] == [["webhook"]] * 3

"""The in-box webhook plugin through real processes (2 workers) and a real aiohttp receiver on loopback: one
signed POST per message with offline recipients and none for online ones; a receiver that is down, answers 500,
or is slow gets the call again (same idempotency key); message delivery never waits for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from turms.client.message import MessageService

from integration_support import Server, sample, scrape, serving
from messaging_support import SERVER_SETTINGS, make_group, messaging, server_store
from webhook_receiver import Hit, Receiver, ThreadedReceiver

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

SECRET = b"webhook-test-secret"
A, B, C, D = 5001, 5002, 5003, 5004


@pytest.fixture(scope="module")
def receiver() -> Iterator[ThreadedReceiver]:
    with Receiver.threaded() as r:
        yield r


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, receiver: ThreadedReceiver) -> Iterator[Server]:
    settings = {
        **SERVER_SETTINGS,
        "plugins.enabled": "webhook",
        "plugins.webhook.url": receiver.url,
        "plugins.webhook.secret": SECRET.decode(),
        "plugins.webhook.include_text": "true",
        "plugins.webhook.timeout_s": "1.0",
        "plugins.webhook.max_attempts": "100",
        "plugins.webhook.backoff_initial_ms": "50",
        "plugins.webhook.backoff_max_ms": "300",
    }
    with serving(Server(tmp_path_factory.mktemp("webhook"), workers=2, settings=settings)) as s:
        yield s
        # Receivers that were down, slow or failing cost warnings, never a worker's traceback.
        assert "Traceback" not in s.log(), s.log()[-4000:]


@pytest.fixture
async def users(server: Server, receiver: ThreadedReceiver) -> AsyncIterator[tuple[MessageService, MessageService]]:
    """A (who sends) and C are logged in; B and D never log in (offline)."""
    receiver.plan()
    a, a_messages = await messaging(server.tcp_port, A)
    c, c_messages = await messaging(server.tcp_port, C)
    try:
        yield a_messages, c_messages
    finally:
        for service, client in ((a_messages, a), (c_messages, c)):
            await service.close()
            await client.close()


def for_message(hits: list[Hit], message_id: int) -> list[Hit]:
    return [h for h in hits if h.json["message"]["id"] == message_id]


async def test_one_signed_post_per_message_with_offline_recipients_none_for_online(
    server: Server, receiver: ThreadedReceiver, users: tuple[MessageService, MessageService], tmp_path: Path
) -> None:
    messages, _ = users
    to_online = (await messages.send_private(C, "hi C")).message_id
    to_offline = await messages.send_private(B, "hi B")
    mid = to_offline.message_id
    (hit,) = for_message(await receiver.wait_for(lambda h: bool(for_message(h, mid))), mid)
    assert hit.signed_with(SECRET) and not hit.signed_with(b"wrong")
    assert hit.headers["X-Turms-Event"] == "offline_push" and hit.attempt == 1
    assert hit.key == f"offline_push:{to_offline.message_id}" == hit.json["id"]
    assert hit.json["recipients"] == [B]
    assert hit.json["message"] == {
        "id": to_offline.message_id,
        "sequenceId": to_offline.sequence_id,
        "senderId": A,
        "recipientId": B,
        "isSystemMessage": False,
        "deliveryDate": to_offline.delivery_date,
        "recordCount": 0,
        "text": "hi B",
    }
    # A group message: only its offline members, never the sender (D is not logged in either).
    async with server_store(server.data_dir) as store:
        await make_group(store, 77, [A, B, C, D])
    in_group = (await messages.send_group(77, "hi all")).message_id
    (group_hit,) = for_message(await receiver.wait_for(lambda h: bool(for_message(h, in_group))), in_group)
    assert group_hit.json["recipients"] == [B, D] and group_hit.json["message"]["groupId"] == 77
    # A later message's call has arrived: nothing came for the online recipient, and nothing twice.
    last = (await messages.send_private(B, "again")).message_id
    hits = await receiver.wait_for(lambda h: bool(for_message(h, last)))
    assert for_message(hits, to_online) == []
    assert len(for_message(hits, to_offline.message_id)) == len(for_message(hits, in_group)) == 1
    # The failure series exist, at 0, from the plugin's start (an alert on them reads 0, not "no data").
    samples = await scrape(server)
    for event in ("gave_up", "dropped_queue_full", "rejected"):
        key = ("turms_plugin_events_total", (("event", event), ("plugin", "webhook")))
        assert samples.get(key) == 0, (event, samples.get(key))
    for outcome in ("timeout", "error"):
        assert (
            sample(
                samples, "turms_plugin_calls_total", plugin="webhook", point="on_offline_recipients", outcome=outcome
            )
            == 0
        )
        labels = (("outcome", outcome), ("plugin", "webhook"), ("point", "on_offline_recipients"))
        assert ("turms_plugin_calls_total", labels) in samples


async def test_a_receiver_that_is_down_gets_the_call_once_it_is_back(
    server: Server, receiver: ThreadedReceiver, users: tuple[MessageService, MessageService]
) -> None:
    messages, _ = users
    retried = sample(await scrape(server), "turms_plugin_events_total", plugin="webhook", event="retried")
    await receiver.down()
    try:
        sent = (await messages.send_private(B, "while it was down")).message_id  # acked: delivery did not wait
        for _ in range(200):
            now = sample(await scrape(server), "turms_plugin_events_total", plugin="webhook", event="retried")
            if now >= retried + 2:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the webhook never retried while the receiver was down")
    finally:
        await receiver.up()
    hits = for_message(await receiver.wait_for(lambda h: bool(for_message(h, sent))), sent)
    assert len(hits) == 1 and hits[0].attempt >= 3 and hits[0].signed_with(SECRET)


async def test_500s_and_a_slow_receiver_are_retried_with_the_same_key(
    server: Server, receiver: ThreadedReceiver, users: tuple[MessageService, MessageService]
) -> None:
    messages, _ = users
    receiver.plan(500, 502)
    failing = (await messages.send_private(B, "through 500s")).message_id
    hits = for_message(await receiver.wait_for(lambda h: len(for_message(h, failing)) == 3), failing)
    assert [h.attempt for h in hits] == [1, 2, 3] and {h.key for h in hits} == {f"offline_push:{failing}"}
    assert all(h.signed_with(SECRET) for h in hits)
    receiver.plan("slow:2.5")  # longer than plugins.webhook.timeout_s = 1
    slow = (await messages.send_private(B, "slowly")).message_id
    hits = for_message(await receiver.wait_for(lambda h: len(for_message(h, slow)) == 2), slow)
    assert [h.attempt for h in hits] == [1, 2] and hits[0].key == hits[1].key  # the receiver drops the repeat


async def test_message_delivery_never_waits_for_the_receiver(
    server: Server, receiver: ThreadedReceiver, users: tuple[MessageService, MessageService]
) -> None:
    messages, c_messages = users
    receiver.hold()
    receiver.plan(*["hang"] * 20)
    try:
        first = (await messages.send_private(B, "stuck 0")).message_id
        await receiver.wait_for(lambda h: bool(for_message(h, first)))
        # Every call the worker sends hangs now; sends are still acked and pushed to online users.
        ids = [(await messages.send_private(B, f"stuck {i}")).message_id for i in range(1, 8)]
        await messages.send_private(C, "still pushed")
        while (await c_messages.next_message(10)).text != "still pushed":
            pass
    finally:
        receiver.release()
    hits = await receiver.wait_for(lambda h: all(for_message(h, i) for i in ids))
    assert all(len(for_message(hits, i)) == 1 for i in [first, *ids])

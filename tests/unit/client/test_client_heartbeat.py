"""The SDK's heartbeats: each one's answer is awaited, and a connection that stops answering is dropped and
reconnected (a peer gone without a reset would otherwise keep the client "connected" for many minutes)."""

from __future__ import annotations

import asyncio

import pytest

from turms.client import TurmsClient

from scripted_transport import ScriptedTransport, script_connections

pytestmark = pytest.mark.timeout(10)


async def test_a_connection_that_stops_answering_heartbeats_is_dropped_and_reconnected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    silent = ScriptedTransport(answer_heartbeats=False)  # answers requests, then goes quiet on heartbeats
    opened = script_connections(monkeypatch, silent)
    client = TurmsClient(heartbeat_interval_s=0.05, request_timeout_s=0.2, reconnect_base_delay_s=0.01)
    reconnected = asyncio.Event()

    async def hook() -> None:
        reconnected.set()

    client.on_reconnected(hook)
    lost: list[object] = []
    client.on_disconnected(lost.append)
    try:
        await client.connect()
        await client.login(1)
        await asyncio.wait_for(reconnected.wait(), 3)
        assert silent.ended and silent.heartbeats >= 1
        assert len(opened) == 2 and opened[1].requests == 1  # the reconnect logged in again
        assert client.connected and len(lost) == 1 and not client.closed.is_set()
    finally:
        await client.close()


async def test_answered_heartbeats_keep_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = script_connections(monkeypatch)
    client = TurmsClient(heartbeat_interval_s=0.02, request_timeout_s=0.2, reconnect_base_delay_s=0.01)
    try:
        await client.connect()
        await client.login(1)
        await asyncio.sleep(0.5)  # 25 heartbeats, each answered
        assert opened[0].heartbeats >= 10 and not opened[0].ended
        assert len(opened) == 1 and client.reconnects == 0 and client.connected
    finally:
        await client.close()

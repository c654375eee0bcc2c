"""The reconnect loop against a connection that ends right behind the login's answer.

The answer wakes the reconnect loop only a few loop steps after the reader has read it; if the reader meets the
end of the connection in between, it tears the connection down first. The loop must then not declare the client
connected: before, it did, ran its hooks, saw ``connected`` and stopped, and the client stayed "connected" with no
connection and nothing left to reconnect it (found by the delivery test under frequent connection cuts: a sender
stuck for its whole deadline). The transports here are scripted, so the order of events is exact.
"""

from __future__ import annotations

import asyncio

import pytest

from turms.client import ConnectionClosedError, TurmsClient
from turms.protocol.pb import request_user_pb2

from scripted_transport import ScriptedTransport, script_connections

pytestmark = pytest.mark.timeout(10)


@pytest.mark.parametrize("heartbeat_interval_s", [0.0, 30.0])
async def test_a_connection_ending_right_after_the_login_answer_is_reconnected(
    monkeypatch: pytest.MonkeyPatch, heartbeat_interval_s: float
) -> None:
    opened = script_connections(monkeypatch, ScriptedTransport(), ScriptedTransport(end_after_login=True))
    client = TurmsClient(reconnect_base_delay_s=0.001, heartbeat_interval_s=heartbeat_interval_s)

    async def hook() -> None:  # as the message service's resync: a few requests' worth of waiting
        await asyncio.sleep(0.02)

    client.on_reconnected(hook)
    await client.connect()
    await client.login(1)
    opened[0].end()  # the first connection drops; the first reconnect's ends right after its login answer
    request = request_user_pb2.QueryUserOnlineStatusesRequest(user_ids=[1])
    try:
        answered = None
        for _ in range(100):
            await client.wait_connected(1)
            try:
                answered = await client.request("query_user_online_statuses_request", request)
                break
            except ConnectionClosedError:
                await asyncio.sleep(0.01)
        assert answered is not None, (
            f"never answered: connected={client.connected} transport={client._transport} "
            f"reconnect loop={client._reconnecting} connections opened={len(opened)}"
        )
        assert len(opened) >= 3 and client.connected and not client.closed.is_set()
    finally:
        await client.close()

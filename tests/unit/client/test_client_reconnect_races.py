"""The reconnect loop against a connection that ends right behind the login's answer.

The answer wakes the reconnect loop only a few loop steps after the reader has read it; if the reader meets the
end of the connection in between, it tears the connection down first. The loop must then not declare the client
connected: before, it did, ran its hooks, saw ``connected`` and stopped, and the client stayed "connected" with no
connection and nothing left to reconnect it (found by the delivery test under frequent connection cuts: a sender
stuck for its whole deadline). The transports here are scripted, so the order of events is exact.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import pytest

from turms.client import ConnectionClosedError, TurmsClient
from turms.client import client as client_module
from turms.client.transport import TransportClosed
from turms.protocol.pb import request_user_pb2, turms_notification_pb2, turms_request_pb2

pytestmark = pytest.mark.timeout(10)


class ScriptedTransport:
    """Answers every request with OK; with ``end_after_login``, the login's answer is followed at once by the end
    of the connection (the reader gets both without waiting in between)."""

    def __init__(self, end_after_login: bool = False) -> None:
        self.end_after_login = end_after_login
        self.inbox: collections.deque[bytes] = collections.deque()
        self.ended = False
        self.wake = asyncio.Event()

    async def send(self, payload: bytes) -> None:
        if self.ended:
            raise TransportClosed("connection closed")
        if not payload:
            return  # a heartbeat
        request = turms_request_pb2.TurmsRequest.FromString(payload)
        n = turms_notification_pb2.TurmsNotification(request_id=request.request_id, code=1000)
        self.inbox.append(n.SerializeToString())
        if self.end_after_login and request.HasField("create_session_request"):
            self.ended = True
        self.wake.set()

    async def recv(self) -> bytes:
        while True:
            if self.inbox:
                return self.inbox.popleft()
            if self.ended:
                raise TransportClosed("connection closed by the server")
            self.wake.clear()
            await self.wake.wait()

    def end(self) -> None:
        self.ended = True
        self.wake.set()

    async def close(self) -> None:
        self.end()


@pytest.mark.parametrize("heartbeat_interval_s", [0.0, 30.0])
async def test_a_connection_ending_right_after_the_login_answer_is_reconnected(
    monkeypatch: pytest.MonkeyPatch, heartbeat_interval_s: float
) -> None:
    opened: list[ScriptedTransport] = []
    script = [ScriptedTransport(), ScriptedTransport(end_after_login=True)]

    async def open_transport(cls: Any, *args: Any, **kwargs: Any) -> ScriptedTransport:
        transport = script.pop(0) if script else ScriptedTransport()
        opened.append(transport)
        return transport

    monkeypatch.setattr(client_module.TcpTransport, "open", classmethod(open_transport))
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

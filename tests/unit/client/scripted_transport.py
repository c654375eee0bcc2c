"""A client transport whose peer is scripted, for the SDK's connection tests: the order of events is exact."""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import pytest

from turms.client import client as client_module
from turms.client.transport import TransportClosed
from turms.protocol.pb import turms_notification_pb2, turms_request_pb2


class ScriptedTransport:
    """Answers every request with OK (a login with ``login_code``), and heartbeats unless ``answer_heartbeats``
    is off; with ``end_after_login``, the login's answer is followed at once by the end of the connection (the
    reader gets both without waiting in between)."""

    def __init__(self, end_after_login: bool = False, answer_heartbeats: bool = True, login_code: int = 1000) -> None:
        self.end_after_login = end_after_login
        self.login_code = login_code
        self.answer_heartbeats = answer_heartbeats
        self.requests = 0
        self.heartbeats = 0
        self.inbox: collections.deque[bytes] = collections.deque()
        self.ended = False
        self.wake = asyncio.Event()

    async def send(self, payload: bytes) -> None:
        if self.ended:
            raise TransportClosed("connection closed")
        if not payload:
            self.heartbeats += 1
            if self.answer_heartbeats:
                self.inbox.append(b"")
                self.wake.set()
            return
        self.requests += 1
        request = turms_request_pb2.TurmsRequest.FromString(payload)
        login = request.HasField("create_session_request")
        code = self.login_code if login else 1000
        n = turms_notification_pb2.TurmsNotification(request_id=request.request_id, code=code)
        self.inbox.append(n.SerializeToString())
        if self.end_after_login and login:
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


def script_connections(
    monkeypatch: pytest.MonkeyPatch, *first: ScriptedTransport, then: Any = ScriptedTransport
) -> list[ScriptedTransport]:
    """Make every TCP connection the SDK opens a scripted one: ``first`` in turn, then ``then()`` each time.
    Returns the list of the connections opened so far (it grows)."""
    script = list(first)
    opened: list[ScriptedTransport] = []

    async def open_transport(cls: Any, *args: Any, **kwargs: Any) -> ScriptedTransport:
        transport = script.pop(0) if script else then()
        opened.append(transport)
        return transport

    monkeypatch.setattr(client_module.TcpTransport, "open", classmethod(open_transport))
    return opened

"""Raw-protobuf TCP clients of a test server, each knowing the worker that holds it (this module holds no tests).

:func:`connect` opens a connection and learns its worker's pid from the reason of a pre-login request (the
server names its worker there), so a test can place clients on chosen workers (:func:`one_per_worker`) and wait
until each of them is answered a given code (:func:`on_every_worker`, for settings applied live by every worker).
Every client opened is closed after the test by :func:`close_open_clients` (import it into the test module: an
autouse fixture).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import ResponseStatusCode

from integration_support import Server, TcpClient, parse_notification

PID_IN_REASON = re.compile(r"\[worker (\d+)\]")

#: Every client the current test opened; closed after it, pass or fail.
OPEN: list[TcpClient] = []


@pytest.fixture(autouse=True)
async def close_open_clients() -> AsyncIterator[None]:
    yield
    while OPEN:
        await OPEN.pop().close()


class RawClient:
    def __init__(self, tcp: TcpClient, pid: int = 0) -> None:
        self.tcp = tcp
        self.pid = pid
        self.user_id = 0
        self.next_id = 10
        #: Notifications other than responses that arrived while waiting for one.
        self.pushes: list[Any] = []

    async def call(self, request: turms_request_pb2.TurmsRequest) -> Any:
        """Send ``request`` with a fresh id; return its response (pushes received meanwhile are kept)."""
        self.next_id += 1
        request.request_id = self.next_id
        self.tcp.send(request.SerializeToString())
        while True:
            frame = await self.tcp.recv(5.0)
            assert frame is not None, "connection closed"
            n = parse_notification(frame)
            if n.HasField("request_id") and n.request_id == self.next_id:
                return n
            self.pushes.append(n)

    async def push(self, within: float = 5.0) -> Any:
        """The next relayed request pushed to this client."""
        deadline = time.monotonic() + within
        while not self.pushes:
            frame = await self.tcp.recv(max(0.01, deadline - time.monotonic()))
            assert frame is not None
            n = parse_notification(frame)
            if n.HasField("relayed_request"):
                self.pushes.append(n)
        return self.pushes.pop(0)


async def connect(server: Server) -> RawClient:
    """A TCP client and the pid of its worker (from the reason of a pre-login request)."""
    client = RawClient(await TcpClient.connect(server.tcp_port))
    OPEN.append(client.tcp)
    probe = turms_request_pb2.TurmsRequest()
    probe.query_user_online_statuses_request.user_ids.append(1)
    n = await client.call(probe)
    match = PID_IN_REASON.search(n.reason)
    assert match is not None, n
    client.pid = int(match.group(1))
    return client


async def one_per_worker(server: Server, workers: int = 2) -> dict[int, RawClient]:
    """One client on each worker (by pid): connects until the kernel has placed one on every worker."""
    by_pid: dict[int, RawClient] = {}
    for _ in range(200):
        if len(by_pid) == workers:
            break
        c = await connect(server)
        if c.pid in by_pid:
            await c.tcp.close()
        else:
            by_pid[c.pid] = c
    assert len(by_pid) == workers, "the kernel never picked one of the workers"
    return by_pid


def login_request(user_id: int, password: str = "", device_type: int = 0) -> turms_request_pb2.TurmsRequest:
    r = turms_request_pb2.TurmsRequest()
    r.create_session_request.version = 1
    r.create_session_request.user_id = user_id
    r.create_session_request.password = password
    r.create_session_request.device_type = device_type  # type: ignore[assignment]
    return r


async def logged_in(client: RawClient, user_id: int, password: str = "", device_type: int = 0) -> RawClient:
    n = await client.call(login_request(user_id, password, device_type))
    assert n.code == ResponseStatusCode.OK, n
    client.user_id = user_id
    return client


async def on_every_worker(
    clients: dict[int, RawClient],
    request: Callable[[], turms_request_pb2.TurmsRequest],
    code: int,
    within: float = 10.0,
) -> list[Any]:
    """Send ``request()`` from each worker's client until every one is answered ``code`` (a live change reaches
    the workers one by one); the answers, one per worker."""
    deadline = time.monotonic() + within
    pending = dict(clients)
    answers = []
    while pending:
        for pid, client in list(pending.items()):
            n = await client.call(request())
            if n.code == code:
                answers.append(n)
                del pending[pid]
        if pending:
            assert time.monotonic() < deadline, f"workers {sorted(pending)} still answer otherwise"
            await asyncio.sleep(0.05)
    return answers

"""The Python SDK's reconnect rule on a real server: after a close status that means "not wanted here" a
reconnecting client stays away, unless ``reconnect_after_kick`` asks otherwise; any other loss of the
connection (a cut, a rolling reload's SERVER_CLOSED, a killed worker) is followed by a reconnect.

"Stays away" is measured at the server, not only on the client's flags: the server's own counters of accepted
connections and login attempts (``/metrics``) do not move while the test watches for many backoff periods, and
the session registry (admin API) holds no session of the client's. The positive cases use the same counters to
show a reconnect is seen when there is one.

One server for the module; the tests run in file order and the last two replace its worker.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from turms.client import TurmsClient
from turms.client.user import UserService
from turms.gateway.login_policy import DeviceType
from turms.protocol.status import SessionCloseStatus

from integration_support import Server, serving
from messaging_support import CuttingProxy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]
ROOT = {"Authorization": "Basic " + base64.b64encode(b"turms:root-pw").decode()}
SETTINGS = {
    "gateway.auth.type": "none",
    "admin.root.password": "root-pw",
    "security.rate_limit.ip.enabled": "false",
    "security.rate_limit.session.enabled": "false",
    "security.blocklist.auto_block.enabled": "false",
}
BASE_DELAY_S = 0.05
MAX_DELAY_S = 0.2
#: How long a client that must not reconnect is watched: at least ten backoff periods (the first attempt
#: would come after 0.025-0.075 s, later ones at most 0.3 s apart).
WATCH_S = 2.0
S = SessionCloseStatus


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("client-reconnect"), workers=1, settings=SETTINGS)
    with serving(srv):
        yield srv


def reconnecting_client(port: int, **kw: Any) -> TurmsClient:
    client = TurmsClient(
        "127.0.0.1",
        port,
        reconnect_base_delay_s=BASE_DELAY_S,
        reconnect_max_delay_s=MAX_DELAY_S,
        heartbeat_interval_s=0,
        request_timeout_s=10,
        **kw,
    )
    assert client.reconnect  # the default
    return client


async def admin(server: Server, method: str, path: str, body: Any = None) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{server.admin_port}{path}"
        async with http.request(method, url, json=body, headers=ROOT) as resp:
            reply: dict[str, Any] = await resp.json()
            assert resp.status == 200, reply
            return reply


async def arrivals(server: Server) -> tuple[int, int]:
    """What reached the server so far: (TCP connections accepted, login attempts of any outcome)."""
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{server.admin_port}/metrics") as r:
        text = await r.text()
    connections = logins = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "turms_gateway_connections_opened_total" and s.labels.get("transport") == "tcp":
                connections += s.value
            elif s.name == "turms_gateway_logins_total":
                logins += s.value
    return int(connections), int(logins)


async def sessions_of(server: Server, user_id: int) -> list[dict[str, Any]]:
    """The user's sessions in the cluster's session registry."""
    reply = await admin(server, "GET", f"/users/online-infos/sessions?ids={user_id}")
    return [s for u in reply["data"] if u["userId"] == user_id for s in u["sessions"]]


async def login(server: Server, user_id: int, device: DeviceType) -> TurmsClient:
    """A second, non-reconnecting client of the user (it takes part in some of the closes)."""
    other = TurmsClient("127.0.0.1", server.tcp_port, reconnect=False, heartbeat_interval_s=0, request_timeout_s=10)
    await other.connect()
    await other.login(user_id, device_type=int(device))
    return other


# Each close: what causes it, and how many connections and logins that cause itself brings to the server.
Cause = Callable[[Server, int, list[TurmsClient]], Awaitable[tuple[int, int]]]


async def go_offline_from_another_device(server: Server, uid: int, others: list[TurmsClient]) -> tuple[int, int]:
    other = await login(server, uid, DeviceType.ANDROID)
    others.append(other)
    await UserService(other).update_online_status(1, device_types=[int(DeviceType.DESKTOP)])  # OFFLINE
    return 1, 1


async def log_in_on_the_same_device_type(server: Server, uid: int, others: list[TurmsClient]) -> tuple[int, int]:
    others.append(await login(server, uid, DeviceType.DESKTOP))  # the default policy: the newcomer displaces
    return 1, 1


async def kick_through_the_admin_api(server: Server, uid: int, others: list[TurmsClient]) -> tuple[int, int]:
    assert (await admin(server, "DELETE", f"/sessions?ids={uid}"))["data"]["deletedCount"] == 1
    return 0, 0


async def delete_the_user(server: Server, uid: int, others: list[TurmsClient]) -> tuple[int, int]:
    assert (await admin(server, "DELETE", f"/users?ids={uid}"))["data"]["deletedCount"] == 1
    return 0, 0


async def block_the_user(server: Server, uid: int, others: list[TurmsClient]) -> tuple[int, int]:
    body = {"ids": [uid], "blockDurationMillis": 60_000}
    assert (await admin(server, "POST", "/blocked-clients/users", body))["data"]["blockedCount"] == 1
    return 0, 0


CLOSES: dict[S, tuple[int, Cause]] = {
    S.DISCONNECTED_BY_CLIENT: (7001, go_offline_from_another_device),
    S.DISCONNECTED_BY_OTHER_DEVICE: (7002, log_in_on_the_same_device_type),
    S.DISCONNECTED_BY_ADMIN: (7003, kick_through_the_admin_api),
    S.USER_IS_DELETED_OR_INACTIVATED: (7004, delete_the_user),
    S.USER_IS_BLOCKED: (7005, block_the_user),
}


@pytest.mark.parametrize("status", list(CLOSES), ids=[f"{int(s)}-{s.name}" for s in CLOSES])
async def test_a_reconnecting_client_stays_away_after_a_not_wanted_close_status(
    server: Server, status: SessionCloseStatus
) -> None:
    uid, cause = CLOSES[status]
    await admin(server, "POST", "/users", {"id": uid, "password": "pw"})  # deletable (700); harmless otherwise
    client = reconnecting_client(server.tcp_port)
    others: list[TurmsClient] = []
    try:
        await client.connect()
        await client.login(uid, device_type=int(DeviceType.DESKTOP))
        first_session = client.session_id
        assert [s["sessionId"] for s in await sessions_of(server, uid)] == [first_session]
        before = await arrivals(server)
        caused = await cause(server, uid, others)
        await asyncio.wait_for(client.closed.wait(), 5)
        assert client.close_status == status
        await asyncio.sleep(WATCH_S)
        connections, logins = (a - b for a, b in zip(await arrivals(server), before, strict=True))
        assert (connections, logins) == caused, "the client came back"
        assert client.reconnects == 0 and not client.connected
        remaining = {s["sessionId"] for s in await sessions_of(server, uid)}
        assert remaining == {o.session_id for o in others if o.connected}
        assert first_session not in remaining
        for o in others:  # a returning client would have displaced or closed these
            assert o.connected and o.close_status is None
            await o.heartbeat()
    finally:
        for c in (client, *others):
            await c.close()


async def test_reconnect_after_kick_brings_the_client_back_after_600(server: Server) -> None:
    uid = 7010
    client = reconnecting_client(server.tcp_port, reconnect_after_kick=True)
    reconnected = asyncio.Event()

    async def hook() -> None:
        reconnected.set()

    client.on_reconnected(hook)
    try:
        await client.connect()
        await client.login(uid, device_type=int(DeviceType.DESKTOP))
        first_session = client.session_id
        before = await arrivals(server)
        await kick_through_the_admin_api(server, uid, [])
        await asyncio.wait_for(reconnected.wait(), 5)
        assert client.reconnects == 1 and client.connected and not client.closed.is_set()
        connections, logins = (a - b for a, b in zip(await arrivals(server), before, strict=True))
        assert (connections, logins) == (1, 1)
        sessions = [s["sessionId"] for s in await sessions_of(server, uid)]
        assert len(sessions) == 1 and sessions[0] != first_session
        await client.heartbeat()
    finally:
        await client.close()


class Watched:
    """A reconnecting client that records every close status the server sends it."""

    def __init__(self, port: int, uid: int) -> None:
        self.uid = uid
        self.client = reconnecting_client(port)
        self.close_statuses: list[int] = []
        self.reconnected = asyncio.Event()
        self.client.on_notification(self._on_notification)
        self.client.on_reconnected(self._on_reconnected)

    def _on_notification(self, n: Any) -> None:
        if n.HasField("close_status"):
            self.close_statuses.append(n.close_status)

    async def _on_reconnected(self) -> None:
        self.reconnected.set()

    async def start(self) -> str | None:
        await self.client.connect()
        await self.client.login(self.uid, device_type=int(DeviceType.DESKTOP))
        return self.client.session_id

    async def back(self, server: Server, first_session: str | None, within_s: float) -> None:
        """Reconnected and logged in again: a new session in the registry, answering heartbeats."""
        await asyncio.wait_for(self.reconnected.wait(), within_s)
        assert self.client.reconnects == 1 and self.client.connected
        sessions = [s["sessionId"] for s in await sessions_of(server, self.uid)]
        assert sessions == [self.client.session_id] and sessions[0] != first_session
        await self.client.heartbeat()


async def test_a_cut_connection_is_followed_by_a_reconnect(server: Server) -> None:
    proxy = CuttingProxy(server.tcp_port)
    await proxy.start()
    watched = Watched(proxy.port, 7020)
    try:
        first_session = await watched.start()
        before = await arrivals(server)
        assert proxy.cut_random(random.Random(0))
        await watched.back(server, first_session, 5)
        assert watched.close_statuses == []  # a drop: no close status
        connections, logins = (a - b for a, b in zip(await arrivals(server), before, strict=True))
        assert (connections, logins) == (1, 1)
    finally:
        await watched.client.close()
        await proxy.close()


async def test_the_server_answers_every_heartbeat_so_a_heartbeating_client_stays(server: Server) -> None:
    """The SDK drops a connection whose heartbeat goes unanswered within the request timeout: against the real
    server, forty heartbeats in a second are all answered and nothing is dropped or reconnected."""
    client = TurmsClient("127.0.0.1", server.tcp_port, heartbeat_interval_s=0.025, request_timeout_s=0.5)
    lost: list[object] = []
    client.on_disconnected(lost.append)
    answered = 0
    heartbeat = client.heartbeat

    async def counted() -> None:  # what the heartbeat loop calls: it returns once the server has answered
        nonlocal answered
        await heartbeat()
        answered += 1

    client.heartbeat = counted  # type: ignore[method-assign]
    try:
        await client.connect()
        await client.login(7025)
        before = await arrivals(server)
        await asyncio.sleep(1.0)
        assert answered >= 20
        assert client.connected and client.reconnects == 0 and lost == []
        assert await arrivals(server) == before  # no new connection, no new login
    finally:
        await client.close()


async def test_a_rolling_reload_closes_with_201_and_the_client_reconnects(server: Server) -> None:
    watched = Watched(server.tcp_port, 7030)
    try:
        first_session = await watched.start()
        old_workers = server.worker_pids()
        ready = server.notify.count("READY=1")
        server.signal(signal.SIGHUP)
        await server.wait_ready(within=20, count=ready + 1)
        await watched.back(server, first_session, 20)
        assert watched.close_statuses == [S.SERVER_CLOSED]
        await _gone(server, old_workers)
    finally:
        await watched.client.close()


async def test_a_killed_worker_is_followed_by_a_reconnect(server: Server) -> None:
    watched = Watched(server.tcp_port, 7040)
    try:
        first_session = await watched.start()
        for pid in server.worker_pids():
            os.kill(pid, signal.SIGKILL)
        await watched.back(server, first_session, 30)
        assert watched.close_statuses == []  # killed: no close status
    finally:
        await watched.client.close()


async def _gone(server: Server, pids: set[int], within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while server.worker_pids() & pids:
        assert time.monotonic() < deadline, "the old worker is still running"
        await asyncio.sleep(0.05)

"""The target of the hostile suite, its honest client, and the attacker's tools (this module holds no tests).

One real 2-worker server (password logins, Turms's rate limits, auto-block on, 1,024 file descriptors per
process as in the review that found the holes) serves every attack module. Each attack comes from its own
loopback address (``127.0.0.2`` and up: every 127/8 address reaches the server), so a block or a throttle one
attack earns never touches another, nor the honest client, which always connects from ``127.0.0.1``.

After every attack, :func:`honest_round_trip` logs a real user in on a new connection and makes a request:
both must be answered OK within :data:`HONEST_BOUND_S`, and every worker's RSS must stay within
:data:`RSS_GROWTH_BOUND` of what it was before the first attack.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import psutil

from turms.protocol.pb import turms_notification_pb2, turms_request_pb2

from integration_support import Server, TcpClient, parse_notification

ROOT_PASSWORD = "root-pw"
#: The key of the second server's JWT logins.
JWT_KEY = "hostile-suite-jwt-key-0123456789abcdef"
ROOT = {"Authorization": aiohttp.encode_basic_auth("turms", ROOT_PASSWORD)}

#: Users seeded through the admin API: id -> password.
HONEST, OWNER, MEMBER, STRANGER, BLOCKER, VICTIM, TIMED = 1, 2, 3, 4, 5, 6, 7
PASSWORDS = {uid: f"pw-{uid}-secret" for uid in (HONEST, OWNER, MEMBER, STRANGER, BLOCKER, VICTIM, TIMED)}

#: An honest login plus one request, on a new connection, while or right after an attack. Normal is 60-600 ms
#: on two cores shared with other test runs (one scrypt hash, 0.1-0.5 s there); behind a flood of logins it
#: waits for at most the hash running and the one queued on its worker, then its own: up to about three hash
#: times. The attacks this suite replays made it 8-9 s, or forever.
HONEST_BOUND_S = 3.0
#: Growth of any worker's resident memory over the whole suite.
RSS_GROWTH_BOUND = 64 * 1024 * 1024
#: The per-worker file-descriptor limit of the target, as on the machine of the review.
MAX_OPEN_FILES = 1024
HANDSHAKE_TIMEOUT_S = 2.0
LOGIN_TIMEOUT_S = 6.0

SETTINGS = {
    "admin.root.password": ROOT_PASSWORD,
    "gateway.session.login_timeout_s": str(LOGIN_TIMEOUT_S),
    "security.connections.handshake_timeout_s": str(HANDSHAKE_TIMEOUT_S),
    # Production's limits (the test harness turns them off for its other suites).
    "security.rate_limit.ip.enabled": "true",
    "security.rate_limit.session.enabled": "true",
    "security.blocklist.auto_block.enabled": "true",
    # The failed-login throttle's bursts are the defaults; a slow refill keeps the counts exact on a loaded host.
    "gateway.auth.failed_login.user_refill_s": "60",
    "gateway.auth.failed_login.ip_refill_s": "60",
}

_sources = (f"127.0.{a}.{b}" for a in range(0, 250) for b in range(2, 255))


def new_source() -> str:
    """A loopback address no attack has used yet."""
    return next(_sources)


@dataclass
class Target:
    server: Server
    group_id: int
    rss_before: dict[int, int] = field(default_factory=dict)
    honest_times: list[float] = field(default_factory=list)

    @property
    def tcp(self) -> int:
        return self.server.tcp_port

    @property
    def ws(self) -> int:
        return self.server.ws_port

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.server.admin_port}"

    def worker_rss(self) -> dict[int, int]:
        out = {}
        for pid in self.server.worker_pids():
            with contextlib.suppress(psutil.Error):
                out[pid] = psutil.Process(pid).memory_info().rss
        return out


async def admin(
    target: Target, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None, **kw: Any
) -> tuple[int, Any]:
    """One admin API call as root (or with ``headers``); the status and the JSON (or text) answer."""
    async with (
        aiohttp.ClientSession() as http,
        http.request(
            method, target.admin_url + path, json=body, headers=ROOT if headers is None else headers, **kw
        ) as resp,
    ):
        text = await resp.text()
        try:
            return resp.status, await resp.json(content_type=None)
        except ValueError:
            return resp.status, text


# -- client protocol ---------------------------------------------------------------------------------------------

_request_ids = itertools.count(10)


def request(kind: str, **fields: Any) -> turms_request_pb2.TurmsRequest:
    r = turms_request_pb2.TurmsRequest(request_id=next(_request_ids))
    body = getattr(r, kind)
    body.SetInParent()
    for name, value in fields.items():
        target = getattr(body, name)
        if isinstance(value, list):
            target.extend(value)
        else:
            setattr(body, name, value)
    return r


@contextlib.asynccontextmanager
async def tcp(port: int, source: str = "127.0.0.1") -> AsyncIterator[TcpClient]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), 5)
    client = TcpClient(reader, writer)
    try:
        yield client
    finally:
        await client.close()


async def call(client: TcpClient, req: turms_request_pb2.TurmsRequest, within: float = 5.0) -> Any:
    """Send ``req``; its response (notifications that arrive first are skipped)."""
    client.send(req.SerializeToString())
    deadline = time.monotonic() + within
    while True:
        frame = await client.recv(within=max(0.01, deadline - time.monotonic()))
        assert frame is not None, "the connection closed"
        n = parse_notification(frame)
        if n.HasField("request_id") and n.request_id == req.request_id:
            return n


async def login(client: TcpClient, user_id: int, password: str | None, device: int = 0) -> Any:
    fields: dict[str, Any] = {"version": 1, "user_id": user_id, "device_type": device}
    if password is not None:
        fields["password"] = password
    return await call(client, request("create_session_request", **fields))


async def pushes(client: TcpClient, within: float) -> list[Any]:
    """Every notification without a request id (a push) that arrives within ``within`` seconds."""
    out = []
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = await client.recv(within=left)
        except TimeoutError:
            break
        if frame is None:
            break
        n = parse_notification(frame)
        if n.HasField("relayed_request"):
            out.append(n)
    return out


async def honest_round_trip(target: Target, user_id: int = HONEST) -> float:
    """Log ``user_id`` in on a new connection from 127.0.0.1 and make one request; the seconds it took."""
    started = time.monotonic()
    async with tcp(target.tcp) as c:
        n = await login(c, user_id, PASSWORDS[user_id], device=1)
        assert n.code == 1000, n
        answer = await call(c, request("query_user_online_statuses_request", user_ids=[user_id]))
        assert answer.code == 1000, answer
    return time.monotonic() - started


async def honest_served(target: Target, what: str) -> float:
    elapsed = await honest_round_trip(target)
    target.honest_times.append(elapsed)
    assert elapsed < HONEST_BOUND_S, f"{what}: the honest client waited {elapsed:.2f} s"
    return elapsed


def decode(payload: bytes) -> Any:
    """Decode a notification as a client would (raises when a client could not)."""
    return turms_notification_pb2.TurmsNotification.FromString(payload)

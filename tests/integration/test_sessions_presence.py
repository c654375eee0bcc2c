"""Presence notifications through a real 2-worker server (issue 5, build item 5).

Turms relays an ``UpdateUserOnlineStatusRequest`` to the requester's other sessions
(``service.notification.user_online_status_updated.notify_requester_other_online_sessions``, on by default)
and to the users the requester has a non-blocked relationship with (``…notify_non_blocked_related_users``,
off by default); both are live settings. Logging in and out tells nobody. Every user here has sessions on
both workers where it matters, so each push either stays on its worker or crosses the routing bus, and each
session's pushes are compared with an exact list.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from user_rel_support import Member, code_of, connect, settle

from turms.protocol.status import ResponseStatusCode as Code

from integration_support import Server, running
from session_support import set_live_settings, shared_store

pytestmark = pytest.mark.slow
_ids = itertools.count(95_000)
AVAILABLE, OFFLINE, BUSY, DO_NOT_DISTURB, AWAY = 0, 1, 3, 4, 5
DESKTOP, BROWSER, ANDROID = 0, 1, 3
_SETTING = "service.notification.user_online_status_updated."
RELATED_USERS = _SETTING + "notify_non_blocked_related_users"
OWN_SESSIONS = _SETTING + "notify_requester_other_online_sessions"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("presence"), workers=2, settings={"gateway.auth.type": "none"})
    with running(srv):
        asyncio.run(srv.wait_ready())
        yield srv


Settings = Callable[[dict[str, bool]], Awaitable[None]]


@pytest.fixture
async def live_settings(server: Server) -> AsyncIterator[Settings]:
    """Change the cluster's settings live (as the admin API does); every change is undone after the test."""
    redis_url = f"unix://{server.data_dir / 'redis' / 'redis.sock'}"  # the server's embedded Redis
    async with shared_store(Path(server.data_dir) / "turms.sqlite3") as store:
        changed: set[str] = set()

        async def change(values: dict[str, bool]) -> None:
            changed.update(values)
            await set_live_settings(store, redis_url, values)

        yield change
        defaults = {RELATED_USERS: False, OWN_SESSIONS: True}
        if changed:
            await set_live_settings(store, redis_url, {k: defaults[k] for k in changed})


@dataclass
class Circle:
    """User A (a desktop on worker 0, a phone on worker 1) and the users around A."""

    a: Member
    a_phone: Member
    #: A relates to them (not blocked): one session on each worker.
    friend: list[Member]
    #: A relates to them, blocked.
    blocked: Member
    #: Relates to A, but A does not relate to them.
    follower: Member
    #: No relationship either way.
    stranger: Member

    def everyone(self) -> list[Member]:
        """In the order of :data:`SESSIONS`."""
        return [self.a, self.a_phone, *self.friend, self.blocked, self.follower, self.stranger]


SESSIONS = ("a", "a_phone", "friend_w0", "friend_w1", "blocked", "follower", "stranger")


@pytest.fixture
async def circle(server: Server) -> AsyncIterator[Circle]:
    w0, w1 = sorted(server.worker_pids())
    a = await connect(server.tcp_port, next(_ids), on_worker=w0)
    a_phone = await connect(server.tcp_port, a.id, device=ANDROID, on_worker=w1)
    friend_id = next(_ids)
    friend = [
        await connect(server.tcp_port, friend_id, on_worker=w0),
        await connect(server.tcp_port, friend_id, device=ANDROID, on_worker=w1),
    ]
    blocked, follower, stranger = [await connect(server.tcp_port, next(_ids), on_worker=w1) for _ in range(3)]
    await a.rel.create_relationship(friend_id)
    await a.rel.create_relationship(blocked.id, blocked=True)
    await follower.rel.create_relationship(a.id)
    c = Circle(a, a_phone, friend, blocked, follower, stranger)
    await settle(*c.everyone())
    for m in c.everyone():
        m.pushes.clear()  # the relationship pushes
    yield c
    for m in c.everyone():
        await m.client.close()


def statuses_pushed(member: Member, requester: int) -> list[int]:
    """The statuses of the relayed status changes ``member`` got, in order; anything else fails the test."""
    out = []
    for n in member.pushes:
        assert n.requester_id == requester and n.relayed_request.WhichOneof("kind") == (
            "update_user_online_status_request"
        ), n
        out.append(int(n.relayed_request.update_user_online_status_request.user_status))
    return out


async def pushes_after(c: Circle, change: Awaitable[object]) -> dict[str, list[int]]:
    """Run ``change`` (one of A's requests) and return the statuses each session was then pushed."""
    await change
    await settle(*c.everyone())
    got = {name: statuses_pushed(m, c.a.id) for name, m in zip(SESSIONS, c.everyone(), strict=True)}
    for m in c.everyone():
        m.pushes.clear()
    return got


def expect(**pushed: list[int]) -> dict[str, list[int]]:
    """Every session of :data:`SESSIONS`: the statuses named here, nothing for the others."""
    assert set(pushed) <= set(SESSIONS)
    return {name: pushed.get(name, []) for name in SESSIONS}


async def status_of(observer: Member, user_id: int) -> tuple[int, list[int]]:
    status, devices = (await observer.users.query_online_statuses([user_id]))[user_id]
    return status, sorted(devices)


async def status_becomes(observer: Member, user_id: int, expected: tuple[int, list[int]], within_s: float = 5) -> None:
    """Wait until ``user_id``'s queried status is ``expected`` (a closed session leaves the registry just after
    its close)."""
    deadline = time.monotonic() + within_s
    while (state := await status_of(observer, user_id)) != expected:
        assert time.monotonic() < deadline, f"status of {user_id} is {state}, not {expected}"
        await asyncio.sleep(0.05)


async def test_related_users_are_told_of_each_change_when_the_setting_is_on(
    server: Server, circle: Circle, live_settings: Settings
) -> None:
    c = circle
    await live_settings({RELATED_USERS: True})
    # Every change: one push on each of the friend's sessions (one on A's worker, one across the bus) and on
    # A's other device; never on the requesting session, the blocked user, a follower A does not relate to,
    # or a stranger.
    for status in (BUSY, AWAY, DO_NOT_DISTURB, AVAILABLE):
        got = await pushes_after(c, c.a.users.update_online_status(status))
        assert got == expect(a_phone=[status], friend_w0=[status], friend_w1=[status]), status
        assert await status_of(c.stranger, c.a.id) == (status, [DESKTOP, ANDROID])
    # A status the protocol does not define is refused before anything is stored or pushed.
    assert await code_of(c.a.users.update_online_status(99)) == Code.ILLEGAL_ARGUMENT
    assert await pushes_after(c, asyncio.sleep(0)) == expect()
    assert await status_of(c.stranger, c.a.id) == (AVAILABLE, [DESKTOP, ANDROID])
    # Logging in and out tells nobody (Turms leaves that to plugins; clients query statuses).
    w0 = min(server.worker_pids())
    browser = await connect(server.tcp_port, c.a.id, device=BROWSER, on_worker=w0)
    await browser.client.close()
    assert await pushes_after(c, asyncio.sleep(0)) == expect()
    # OFFLINE for the phone: the friend is told, then the phone's session is closed. (Whether the phone's
    # copy arrives before its close is not ordered: the push and the kick travel on different connections.)
    await c.a.users.update_online_status(OFFLINE, device_types=[ANDROID])
    await asyncio.wait_for(c.a_phone.client.closed.wait(), 5)
    await settle(*c.everyone())
    c.a_phone.pushes.clear()
    got = await pushes_after(c, asyncio.sleep(0))
    assert got == expect(friend_w0=[OFFLINE], friend_w1=[OFFLINE])
    await status_becomes(c.stranger, c.a.id, (AVAILABLE, [DESKTOP]))  # the closed phone leaves the registry
    # Live: turned off, the friend hears nothing more.
    await live_settings({RELATED_USERS: False})
    assert await pushes_after(c, c.a.users.update_online_status(BUSY)) == expect()
    await live_settings({RELATED_USERS: True})
    # On again, OFFLINE for every device: A's own session gets its response, then is closed; the friend is told
    # once.
    await c.a.users.update_online_status(OFFLINE)
    await asyncio.wait_for(c.a.client.closed.wait(), 5)
    assert c.a.client.close_status == 500
    assert await pushes_after(c, asyncio.sleep(0)) == expect(friend_w0=[OFFLINE], friend_w1=[OFFLINE])
    await status_becomes(c.stranger, c.a.id, (OFFLINE, []))


async def test_nobody_but_own_devices_by_default_and_nobody_at_all_when_both_are_off(
    circle: Circle, live_settings: Settings
) -> None:
    c = circle
    # Turms's defaults: the requester's other devices only.
    for status in (BUSY, AVAILABLE):
        assert await pushes_after(c, c.a.users.update_online_status(status)) == expect(a_phone=[status])
    await live_settings({OWN_SESSIONS: False})
    for status in (AWAY, AVAILABLE):
        assert await pushes_after(c, c.a.users.update_online_status(status)) == expect()
        assert await status_of(c.stranger, c.a.id) == (status, [DESKTOP, ANDROID])

"""Login attacks: user-id enumeration by timing, password guessing, a flood of logins from many addresses,
and forged tokens (on a second, JWT-configured server)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from typing import Any

import aiohttp
import jwt
import pytest

from turms.protocol.status import ResponseStatusCode as Code

from hostile_support import (
    HONEST,
    JWT_KEY,
    PASSWORDS,
    TIMED,
    VICTIM,
    Target,
    login,
    new_source,
    request,
    tcp,
)
from integration_support import Server, TcpClient, parse_notification

pytestmark = pytest.mark.slow


async def timed_login(target: Target, user_id: int, password: str) -> tuple[int, float]:
    async with tcp(target.tcp, new_source()) as c:
        started = time.monotonic()
        n = await login(c, user_id, password)
        return int(n.code), time.monotonic() - started


async def login_from(target: Target, source: str, user_id: int, password: str) -> int:
    """One login on a new connection from ``source`` (a connection's login deadline runs from accept)."""
    async with tcp(target.tcp, source) as c:
        return int((await login(c, user_id, password)).code)


async def test_unknown_user_ids_take_as_long_as_wrong_passwords(target: Target) -> None:
    """MEDIUM 4: unknown users were answered in ~1 ms, wrong passwords in 100-200 ms: ids could be listed."""
    unknown, wrong = [], []
    for i in range(4):  # below the per-user burst of TIMED
        code, elapsed = await timed_login(target, 900_000 + i, "guess")
        assert code == Code.LOGIN_AUTHENTICATION_FAILED
        unknown.append(elapsed)
        code, elapsed = await timed_login(target, TIMED, "guess")
        assert code == Code.LOGIN_AUTHENTICATION_FAILED
        wrong.append(elapsed)
    # Both spend one password hash (tens of milliseconds); without the dummy hash the ratio was about 1/100.
    ratio = statistics.median(unknown) / statistics.median(wrong)
    print(
        f"\nlogin refusal: unknown user {statistics.median(unknown) * 1000:.0f} ms, wrong password "
        f"{statistics.median(wrong) * 1000:.0f} ms (medians of 4)"
    )
    assert ratio > 0.5, (unknown, wrong)


async def test_password_guessing_is_throttled_per_user_and_per_ip_across_workers(target: Target) -> None:
    """MEDIUM 4: there was no failed-login throttle for clients (the admin API had one)."""
    guesser = new_source()
    codes = [await login_from(target, guesser, VICTIM, f"guess-{i}") for i in range(6)]
    assert codes[:5] == [Code.LOGIN_AUTHENTICATION_FAILED] * 5
    assert codes[5] == Code.CLIENT_REQUESTS_TOO_FREQUENT
    # The user's bucket is shared by every worker and address: the right password, elsewhere, waits too.
    for _ in range(4):  # new connections: the kernel spreads them over both workers
        async with tcp(target.tcp, new_source()) as elsewhere:
            n = await login(elsewhere, VICTIM, PASSWORDS[VICTIM])
            assert n.code == Code.CLIENT_REQUESTS_TOO_FREQUENT and "retry in" in n.reason, n
    # One address guessing many user ids is throttled as well, whoever it names next.
    sprayer = new_source()
    codes = [await login_from(target, sprayer, 800_000 + i, "guess") for i in range(20)]
    assert set(codes) == {Code.LOGIN_AUTHENTICATION_FAILED}
    assert await login_from(target, sprayer, HONEST, PASSWORDS[HONEST]) == Code.CLIENT_REQUESTS_TOO_FREQUENT


#: An honest login while 400 others arrive at once. It competes for each hash as one frees up while the flood is
#: still being read: on two cores shared with other test runs (a hash 0.3-0.5 s there) it got one within
#: 0.8-3.1 s over eight runs. Unbounded, it waited behind all 400: 7.7-9.3 s in the review, about a hundred
#: hash times here.
LOGIN_FLOOD_BOUND_S = 5.0


async def test_a_flood_of_logins_from_400_addresses_does_not_make_an_honest_login_wait(target: Target) -> None:
    """MEDIUM 4: 400 attacking IPs queued so many hashes that an honest login took 7.7-9.3 s. The hashing queue
    is bounded: when it is full a login is answered 1201 at once, and the honest login (which, like any client,
    retries after a 1201) is served within the bound instead of behind all 400."""
    # Connected together (the login deadline runs from accept), then every login is sent at once.
    attackers = await asyncio.wait_for(asyncio.gather(*(_connect(target, new_source()) for _ in range(400))), 10)
    try:
        requests = [
            request("create_session_request", version=1, user_id=700_000 + i, password="guess") for i in range(400)
        ]
        sent = time.monotonic()
        for c, req in zip(attackers, requests, strict=True):
            c.send(req.SerializeToString())
        await asyncio.gather(*(c.writer.drain() for c in attackers))
        started = time.monotonic()
        async with tcp(target.tcp) as honest:
            for _ in range(int(LOGIN_FLOOD_BOUND_S / 0.05)):
                n = await login(honest, HONEST, PASSWORDS[HONEST], device=2)
                if n.code != Code.SERVER_UNAVAILABLE:
                    break
                await asyncio.sleep(0.05)  # 1201 is retryable: a client backs off and tries again
            assert n.code == Code.OK, n
        waited = time.monotonic() - started

        async def answer(c: TcpClient) -> tuple[int, float]:
            frame = await c.recv(within=10)
            assert frame is not None
            return int(parse_notification(frame).code), time.monotonic() - sent

        answers = await asyncio.gather(*(answer(c) for c in attackers))
    finally:
        for c in attackers:
            await c.close()
    codes = Counter(code for code, _ in answers)
    print(f"\nlogin flood: {dict(codes)}; the honest login took {waited * 1000:.0f} ms")
    assert set(codes) <= {Code.LOGIN_AUTHENTICATION_FAILED, Code.SERVER_UNAVAILABLE}
    # Refused, not queued: only the few that found a free place were hashed (before: all 400, in line).
    assert codes[Code.LOGIN_AUTHENTICATION_FAILED] <= 20, codes
    assert waited < LOGIN_FLOOD_BOUND_S


async def _connect(target: Target, source: str) -> TcpClient:
    reader, writer = await asyncio.open_connection("127.0.0.1", target.tcp, local_addr=(source, 0))
    return TcpClient(reader, writer)


def arabic_indic(n: int) -> str:
    return "".join(chr(0x0660 + int(d)) for d in str(n))


#: Forged or malformed tokens, each for its own user (so the per-user throttle never mixes the cases up):
#: (label, user id, the token's claims or a raw token, key, algorithm).
FORGERIES: list[tuple[str, int, Any]] = [
    ("alg none", 101, lambda u: jwt.encode({"sub": str(u), "exp": _in(60)}, None, algorithm="none")),
    ("another key", 102, lambda u: jwt.encode({"sub": str(u), "exp": _in(60)}, "x" * 40, algorithm="HS256")),
    ("expired", 103, lambda u: token(str(u), exp=-60)),
    ("another user's", 104, lambda u: token(str(u + 1))),
    ("sub with spaces", 105, lambda u: token(f" {u} ")),
    ("sub with an underscore", 1106, lambda u: token("1_106")),
    ("sub in other digits", 107, lambda u: token(arabic_indic(u))),
    ("no sub", 108, lambda u: jwt.encode({"exp": _in(60)}, JWT_KEY, algorithm="HS256")),
    ("not a token", 109, lambda u: "not.a.token"),
]


def _in(seconds: int) -> int:
    return int(time.time()) + seconds


def token(sub: str, *, exp: int = 60) -> str:
    return jwt.encode({"sub": sub, "exp": _in(exp)}, JWT_KEY, algorithm="HS256")


@pytest.fixture(scope="module")
def forgery_users(jwt_target: Server) -> None:
    root = {"Authorization": aiohttp.encode_basic_auth("turms", generated_root_password(jwt_target))}

    async def create() -> None:
        async with aiohttp.ClientSession(headers=root) as http:
            for _, uid, _ in FORGERIES:
                async with http.post(f"http://127.0.0.1:{jwt_target.admin_port}/users", json={"id": uid}) as resp:
                    assert resp.status in (200, 409), await resp.text()

    asyncio.run(create())


def generated_root_password(server: Server) -> str:
    return (server.data_dir / "admin-root-password").read_text().strip()


@pytest.mark.parametrize(("label", "user_id", "make"), FORGERIES, ids=[f[0] for f in FORGERIES])
async def test_forged_and_malformed_tokens_are_refused(
    jwt_target: Server, forgery_users: None, label: str, user_id: int, make: Any
) -> None:

    async with tcp(jwt_target.tcp_port, new_source()) as c:
        assert (await login(c, user_id, make(user_id))).code == Code.LOGIN_AUTHENTICATION_FAILED, label
        assert (await login(c, user_id, token(str(user_id)))).code == Code.OK, label  # the real token works


def test_the_generated_root_password_is_in_its_file_never_in_the_log(jwt_target: Server) -> None:
    """LOW: the generated root password was written to the log."""
    password = generated_root_password(jwt_target)
    log = jwt_target.log()
    assert len(password) >= 16 and password not in log
    assert str(jwt_target.data_dir / "admin-root-password") in log

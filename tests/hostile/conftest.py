"""The hostile suite's target server and the check that follows every attack (see hostile_support.py)."""

from __future__ import annotations

import asyncio
import statistics
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

_INTEGRATION = str(Path(__file__).resolve().parents[1] / "integration")
if _INTEGRATION not in sys.path:
    sys.path.append(_INTEGRATION)

from hostile_support import (  # noqa: E402
    HONEST,
    JWT_KEY,
    MAX_OPEN_FILES,
    MEMBER,
    OWNER,
    PASSWORDS,
    RSS_GROWTH_BOUND,
    SETTINGS,
    Target,
    admin,
    honest_round_trip,
    honest_served,
)
from integration_support import Server, serving  # noqa: E402


async def _seed(server: Server) -> Target:
    target = Target(server, group_id=0)
    for uid, password in PASSWORDS.items():
        status, body = await admin(target, "POST", "/users", {"id": uid, "password": password, "name": f"u{uid}"})
        assert status == 200, body
    status, body = await admin(target, "POST", "/groups", {"ownerId": OWNER, "name": "target group"})
    assert status == 200, body
    target.group_id = int(body["data"]["id"])
    for uid in (HONEST, MEMBER):
        status, body = await admin(target, "POST", "/groups/members", {"groupId": target.group_id, "userId": uid})
        assert status == 200, body
    # The honest client's normal latency, before any attack (printed with the suite's figures).
    normal = [await honest_round_trip(target) for _ in range(3)]
    target.honest_times.append(statistics.median(normal))
    target.rss_before = target.worker_rss()
    assert len(target.rss_before) == 2
    return target


@pytest.fixture(scope="session")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    server = Server(tmp_path_factory.mktemp("hostile"), workers=2, settings=SETTINGS, max_open_files=MAX_OPEN_FILES)
    with serving(server):
        t = asyncio.run(_seed(server))
        yield t
        times = sorted(t.honest_times)
        grown = {pid: (rss - t.rss_before.get(pid, rss)) / 2**20 for pid, rss in t.worker_rss().items()}
        print(
            f"\nhostile suite: honest login+request {times[0] * 1000:.0f}-{times[-1] * 1000:.0f} ms over "
            f"{len(times)} checks (normal {t.honest_times[0] * 1000:.0f} ms); worker RSS growth "
            + ", ".join(f"{g:.1f} MiB" for g in grown.values())
        )


@pytest.fixture(autouse=True)
async def honest_client_still_served(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """After each attack on the shared target: an honest login and request are served in time, and no worker's
    memory grew beyond the bound. The workers are the same processes as before the first attack."""
    yield
    if "target" not in request.fixturenames:
        return
    target: Target = request.getfixturevalue("target")
    await honest_served(target, f"after {request.node.name}")
    rss = target.worker_rss()
    assert set(rss) == set(target.rss_before), "a worker was restarted: the attack crashed it"
    grown = {pid: rss[pid] - target.rss_before[pid] for pid in rss}
    assert max(grown.values()) < RSS_GROWTH_BOUND, {pid: g / 2**20 for pid, g in grown.items()}


@pytest.fixture(scope="session")
def jwt_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second server, 1 worker: JWT logins (for forged tokens), and a root password it generated itself."""
    settings = {"gateway.auth.type": "jwt", "gateway.auth.jwt.key": JWT_KEY, "gateway.auth.jwt.leeway_s": "0"}
    with serving(Server(tmp_path_factory.mktemp("hostile-jwt"), workers=1, settings=settings)) as server:
        yield server

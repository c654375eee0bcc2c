"""Observability on a real server with two workers: ``/metrics`` counts exactly what the test did across
both workers, a message's trace id is in the client-API line and in the sender's and the recipient's
notification lines, the lag metric sees a stopped loop, and a killed worker neither rewinds counters nor
leaves its gauges behind.

One server for the module; the tests run in file order and the last one kills a worker.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from raw_sessions import (
    RawClient,
    close_open_clients,  # noqa: F401 (an autouse fixture, applied by importing it)
    connect,
)

from turms.observability import metrics
from turms.protocol.pb import turms_request_pb2

from integration_support import Server, sample, scrape, serving

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("observability"),
        workers=2,
        settings={
            "gateway.auth.type": "none",
            "log.format": "json",
            "log.client_api.sample_rate": "1",
            "log.notification.sample_rate": "1",
            "metrics.process_interval_s": "0.2",
            "metrics.loop_lag_interval_ms": "50",
        },
    )
    with serving(srv):
        yield srv


OPERATIONS_MD = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def _alerting_metrics() -> list[str]:
    """The metric names in docs/operations.md's "What to watch, and what to alert on" table."""
    text = OPERATIONS_MD.read_text()
    table = text[text.index("| Signal | Metric | Alert when |") :].split("\n\n", 1)[0]
    names = sorted(set(re.findall(r"`(turms_[a-z_]+)", table)))
    assert len(names) > 20, names
    return names


async def test_every_metric_named_for_alerting_exists_at_0_from_the_start(server: Server) -> None:
    """Runs first, on the fresh server: an alert over a series that does not exist reads "no data"."""
    samples = await scrape(server)
    present = {name for name, _ in samples}
    for metric in _alerting_metrics():
        assert {metric, f"{metric}_bucket", f"{metric}_count"} & present, f"{metric} has no series"
        if metric.endswith("_total") and metric != "turms_process_cpu_seconds_total":
            # A duplicate key is a normal outcome at start (workers race to create the root admin), and
            # counted as such (the metric's help says so).
            values = [
                v
                for (name, labels), v in samples.items()
                if name == metric and ("error", "DuplicateKeyError") not in labels
            ]
            assert values and all(v == 0 for v in values), (metric, values)
    assert sample(samples, "turms_workers", state="ready") == 2
    assert ("turms_workers", (("state", "draining"),)) in samples
    for scope in metrics.RATE_LIMIT_SCOPES:
        assert ("turms_rate_limit_refusals_total", (("scope", scope),)) in samples
    for cause in ("manual", "frequent_request", "corrupted_frame", "corrupted_request"):
        assert ("turms_blocks_total", (("cause", cause), ("target", "ip"))) in samples
    for target in ("ip", "user"):
        assert ("turms_blocked_connections_refused_total", (("target", target),)) in samples
    assert (
        "turms_gateway_logins_total",
        (("outcome", "failed"), ("reason", "LOGIN_AUTHENTICATION_FAILED")),
    ) in samples
    server_errors = [k for k in samples if k[0] == "turms_client_requests_total" and ("code", "1200") in k[1]]
    assert len(server_errors) >= 70  # every request type, answered with a server error: 0 so far
    for cause in ("exit", "signal", "hung"):
        assert ("turms_worker_restarts_total", (("cause", cause),)) in samples


async def clients_on_both_workers(server: Server, per_worker: int) -> dict[int, list[RawClient]]:
    by_pid: dict[int, list[RawClient]] = {}
    spare: list[RawClient] = []
    for _ in range(200):
        if len(by_pid) == 2 and all(len(v) >= per_worker for v in by_pid.values()):
            break
        c = await connect(server)
        bucket = by_pid.setdefault(c.pid, [])
        (bucket if len(bucket) < per_worker else spare).append(c)
    for c in spare:
        await c.tcp.close()
    assert len(by_pid) == 2, "the kernel never picked one of the workers"
    return by_pid


def login(user_id: int, device_type: int = 0, version: int = 1) -> turms_request_pb2.TurmsRequest:
    r = turms_request_pb2.TurmsRequest()
    r.create_session_request.version = version
    r.create_session_request.user_id = user_id
    r.create_session_request.device_type = device_type  # type: ignore[assignment]
    return r


def message(recipient_id: int, text: str) -> turms_request_pb2.TurmsRequest:
    r = turms_request_pb2.TurmsRequest()
    r.create_message_request.recipient_id = recipient_id
    r.create_message_request.text = text
    return r


def log_lines(server: Server) -> list[dict[str, Any]]:
    out = []
    for line in server.log().splitlines():
        if line.startswith("{"):
            out.append(orjson.loads(line))
    return out


async def test_metrics_count_what_the_test_did_and_trace_ids_follow_notifications(server: Server) -> None:
    before = await scrape(server)
    assert sample(before, "turms_gateway_logins_total", outcome="ok", reason="OK") == 0
    by_pid = await clients_on_both_workers(server, per_worker=3)
    (pid_a, senders), (pid_b, recipients) = sorted(by_pid.items())
    everyone = senders + recipients

    # Logins: 6 succeed (device types differ per user), 2 fail with an unsupported version.
    for i, c in enumerate(everyone):
        n = await c.call(login(1000 + i, device_type=i % 4))
        assert n.code == 1000
    for c in (senders[0], recipients[0]):
        extra = await connect(server)
        assert (await extra.call(login(2000 + c.pid % 100, version=2))).code == 2000
        await extra.tcp.close()
    # Messages from each sender (worker A) to a recipient on worker B, each pushed across Redis.
    user_of = {id(c): 1000 + i for i, c in enumerate(everyone)}
    sent_ids: list[int] = []
    for s, r in zip(senders, recipients, strict=True):
        ack = await s.call(message(user_of[id(r)], f"hello from {user_of[id(s)]}"))
        assert ack.code == 1000, ack
        sent_ids.append(s.next_id)
        push = await r.push()
        assert push.requester_id == user_of[id(s)]
    # One invalid message (no valid recipient): counted under its own code, not as a message sent.
    bad = await senders[0].call(message(0, "to nobody"))
    assert bad.code == 1102  # ILLEGAL_ARGUMENT

    # Every worker answers /metrics with the same merged view; take several answers and compare.
    views = [await scrape(server) for _ in range(6)]
    after = views[-1]
    total = "turms_client_requests_total"
    keys = [
        ("turms_gateway_logins_total", {"outcome": "ok", "reason": "OK"}),
        ("turms_gateway_logins_total", {"outcome": "failed", "reason": "UNSUPPORTED_CLIENT_VERSION"}),
        (total, {"type": "create_message_request", "code": "1000"}),
        ("turms_business_message_sent_total", {}),
        ("turms_business_user_logged_in_total", {}),
        ("turms_gateway_connections_opened_total", {"transport": "tcp"}),
    ]
    for view in views:
        assert [sample(view, n, **lb) for n, lb in keys] == [sample(after, n, **lb) for n, lb in keys]

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("turms_gateway_logins_total", outcome="ok", reason="OK") == 6
    assert delta("turms_business_user_logged_in_total") == 6
    assert delta("turms_gateway_logins_total", outcome="failed", reason="UNSUPPORTED_CLIENT_VERSION") == 2
    assert delta(total, type="create_session_request", code="1000") == 6
    assert delta(total, type="create_session_request", code="2000") == 2
    assert delta(total, type="create_message_request", code="1000") == 3
    assert delta(total, type="create_message_request", code=str(bad.code)) == 1
    assert delta("turms_business_message_sent_total") == 3
    assert delta("turms_client_request_duration_seconds_count", type="create_message_request") == 4
    # Connections: the 6 kept, 2 extra, and the probes of the clients the kernel put on a full worker.
    opened = delta("turms_gateway_connections_opened_total", transport="tcp")
    assert opened >= 8
    assert sample(after, "turms_gateway_connections", transport="tcp") == 6
    sessions = {k[1]: v for k, v in after.items() if k[0] == "turms_gateway_sessions" and v}
    assert sessions == {
        (("device_type", "DESKTOP"), ("transport", "tcp")): 2,
        (("device_type", "BROWSER"), ("transport", "tcp")): 2,
        (("device_type", "IOS"), ("transport", "tcp")): 1,
        (("device_type", "ANDROID"), ("transport", "tcp")): 1,
    }
    assert sample(after, "turms_business_user_online") == 6
    # Each message went to one session on the other worker, over Redis.
    assert delta("turms_notifications_published_total", kind="unicast") == 3
    assert delta("turms_notifications_delivered_total", route="routed") == 3
    # Redis, the store, the process and the lag probe are measured too.
    assert (
        sample(after, "turms_redis_command_duration_seconds_count", command="PUBLISH")
        + sample(after, "turms_redis_command_duration_seconds_count", command="PIPELINE")
        >= 3
    )
    assert (
        sample(after, "turms_store_operation_duration_seconds_count", operation="insert_with_sequence")
        + sample(after, "turms_store_operation_duration_seconds_count", operation="insert_one")
        >= 3
    )
    assert sample(after, "turms_workers", state="ready") == 2
    memory_pids = {dict(k[1])["pid"] for k in after if k[0] == "turms_process_resident_memory_bytes"}
    assert {str(pid_a), str(pid_b)} <= memory_pids
    assert sample(after, "turms_process_cpu_seconds_total", role="worker") > 0

    # The trace id of each send: in the client-API line (worker A), the sent line (A), the delivered line (B).
    await asyncio.sleep(0.2)
    lines = log_lines(server)
    for s, request_id in zip(senders, sent_ids, strict=True):
        api = [
            d
            for d in lines
            if d["logger"] == "turms.client_api"
            and d.get("type") == "create_message_request"
            and d.get("request_id") == request_id
            and d.get("user") == user_of[id(s)]
        ]
        assert len(api) == 1, api
        line = api[0]
        assert line["pid"] == pid_a and line["code"] == 1000 and line["transport"] == "tcp"
        assert line["ip"] == "127.0.0.1" and line["size"] > 0 and line["duration_ms"] > 0
        trace_id = line["trace"]
        assert re.fullmatch(r"[0-9a-f]{16}", trace_id)
        notes = [d for d in lines if d["logger"] == "turms.notification" and d["trace"] == trace_id]
        assert {(d["direction"], d["pid"]) for d in notes} == {("sent", pid_a), ("received", pid_b)}, notes


async def test_the_lag_metric_rises_when_a_worker_loop_is_blocked_for_200_ms(server: Server) -> None:
    victim = sorted(server.worker_pids())[0]
    before = await scrape(server)
    os.kill(victim, signal.SIGSTOP)
    try:
        await asyncio.sleep(0.2)
    finally:
        os.kill(victim, signal.SIGCONT)
    await asyncio.sleep(0.2)  # the probe's first run after the stop measures it
    after = await scrape(server)
    assert sample(after, "turms_event_loop_lag_max_seconds", pid=str(victim)) >= 0.1
    assert sample(before, "turms_event_loop_lag_max_seconds", pid=str(victim)) < 0.1
    slow_before = sample(before, "turms_event_loop_lag_seconds_count") - sample(
        before, "turms_event_loop_lag_seconds_bucket", le="0.1"
    )
    slow_after = sample(after, "turms_event_loop_lag_seconds_count") - sample(
        after, "turms_event_loop_lag_seconds_bucket", le="0.1"
    )
    assert slow_after >= slow_before + 1


async def test_a_killed_worker_rewinds_no_counter_and_leaves_no_gauge(server: Server) -> None:
    by_pid = await clients_on_both_workers(server, per_worker=2)
    (victim, doomed), (survivor, kept) = sorted(by_pid.items())
    for i, c in enumerate(doomed + kept):
        assert (await c.call(login(3000 + i, device_type=1))).code == 1000
    before = await scrape(server)
    assert sample(before, "turms_gateway_sessions", transport="tcp", device_type="BROWSER") == 4
    restarts = sample(before, "turms_worker_restarts_total", cause="signal")

    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while True:
        pids = server.worker_pids()
        if victim not in pids and len(pids) == 2:
            after = await scrape(server)
            if sample(after, "turms_workers", state="ready") == 2:
                break
        assert time.monotonic() < deadline, server.log()[-3000:]
        await asyncio.sleep(0.1)

    # Counters and histograms: never below what they were.
    went_back = {
        k: (v, after.get(k, 0.0))
        for k, v in before.items()
        if (k[0].endswith(("_total", "_count", "_sum")) or k[0].endswith("_bucket")) and after.get(k, 0.0) < v
    }
    assert went_back == {}
    assert sample(after, "turms_worker_restarts_total", cause="signal") == restarts + 1
    # Gauges: the dead worker's connections, sessions and per-pid series are gone.
    assert sample(after, "turms_gateway_connections", transport="tcp") == len(kept)
    assert sample(after, "turms_gateway_sessions", transport="tcp", device_type="BROWSER") == len(kept)
    assert sample(after, "turms_business_user_online") == len(kept)
    stale = [k for k in after if dict(k[1]).get("pid") == str(victim)]
    assert stale == []
    new_pid = (server.worker_pids() - {survivor}).pop()
    assert sample(after, "turms_event_loop_lag_max_seconds", pid=str(new_pid)) >= 0
    assert (str(new_pid)) in {dict(k[1]).get("pid") for k in after if k[0] == "turms_process_open_fds"}

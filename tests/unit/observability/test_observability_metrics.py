"""Metrics: the hot-path recorders, and multiprocess mode with real forked processes writing real files."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from turms.observability import http, metrics, multiprocess
from turms.protocol.status import ResponseStatusCode

pytestmark = pytest.mark.timeout(30)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_record_request_counts_by_type_and_code_and_business_counters() -> None:
    before_ok = value("turms_client_requests_total", type="create_message_request", code="1000")
    before_sent = value("turms_business_message_sent_total")
    before_bad = value("turms_client_requests_total", type="create_message_request", code="5010")
    before_count = value("turms_client_request_duration_seconds_count", type="create_message_request")
    metrics.record_request("create_message_request", 1000, 0.002)
    metrics.record_request("create_message_request", 1000, 0.004)
    metrics.record_request("create_message_request", 5010, 0.001)
    assert value("turms_client_requests_total", type="create_message_request", code="1000") == before_ok + 2
    assert value("turms_client_requests_total", type="create_message_request", code="5010") == before_bad + 1
    # Only answered-OK sends are messages sent.
    assert value("turms_business_message_sent_total") == before_sent + 2
    assert value("turms_client_request_duration_seconds_count", type="create_message_request") == before_count + 3


def test_logins_by_outcome_and_reason() -> None:
    ok = value("turms_gateway_logins_total", outcome="ok", reason="OK")
    logged_in = value("turms_business_user_logged_in_total")
    failed = value("turms_gateway_logins_total", outcome="failed", reason="LOGIN_AUTHENTICATION_FAILED")
    metrics.record_request("create_session_request", ResponseStatusCode.OK, 0.01)
    metrics.record_request("create_session_request", ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED, 0.01)
    assert value("turms_gateway_logins_total", outcome="ok", reason="OK") == ok + 1
    assert value("turms_business_user_logged_in_total") == logged_in + 1
    assert value("turms_gateway_logins_total", outcome="failed", reason="LOGIN_AUTHENTICATION_FAILED") == failed + 1


def test_connection_and_session_gauges_go_up_and_down() -> None:
    metrics.connection_opened("tcp")
    metrics.session_opened("tcp", 2)
    assert value("turms_gateway_sessions", transport="tcp", device_type="IOS") >= 1
    level = value("turms_gateway_connections", transport="tcp")
    metrics.session_closed("tcp", 2)
    metrics.connection_closed("tcp")
    assert value("turms_gateway_connections", transport="tcp") == level - 1
    assert metrics.device_name(None) == "NONE" and metrics.device_name(99) == "99"


def test_every_metric_is_listed_for_rebinding() -> None:
    defined = {v for v in vars(metrics).values() if isinstance(v, metrics.MetricWrapperBase)}
    assert defined == set(metrics.ALL)


@pytest.fixture
def mp_dir(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "metrics"
    d.mkdir()
    (d / "counter_1.db").write_bytes(b"stale")  # from an earlier run: prepare() deletes it
    (d / "keep.txt").write_text("not ours")
    multiprocess.prepare(d)
    try:
        yield d
    finally:
        multiprocess.disable()


def _child(work: str) -> int:
    """Fork a process that records some metrics as a worker would, then exits (or stays, for 'live')."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            os.close(r)
            metrics.connection_opened("tcp")
            metrics.connection_opened("ws")
            metrics.session_opened("tcp", 0)
            metrics.record_request("create_session_request", 1000, 0.01)
            metrics.LOOP_LAG_MAX.set(0.25)
            metrics.rate_limit_refused("session")
            metrics.rate_limit_refused("session")
            metrics.blocked_connection_refused("ip")
            metrics.clients_blocked("ip", "manual", 3)
            os.write(w, b"x")
            while work == "live":
                signal.pause()
        except BaseException:
            code = 1
        os._exit(code)
    os.close(w)
    assert os.read(r, 1) == b"x"
    os.close(r)
    return pid


def _families() -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(http.exposition().decode()):
        for s in family.samples:
            out.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return out


def test_multiprocess_sums_workers_and_a_dead_workers_gauges_vanish_but_counters_stay(mp_dir: Path) -> None:
    assert not (mp_dir / "counter_1.db").exists() and (mp_dir / "keep.txt").exists()
    first = _child("exit")
    os.waitpid(first, 0)
    second = _child("live")
    try:
        view = _families()
        assert view["turms_gateway_logins_total"][(("outcome", "ok"), ("reason", "OK"))] == 2
        assert view["turms_gateway_connections"][(("transport", "tcp"),)] == 2  # first not yet marked dead
        # This process (the "supervisor") has the unlabelled gauge too, at 0.
        pids = {str(first), str(second), str(os.getpid())}
        assert {dict(k)["pid"] for k in view["turms_event_loop_lag_max_seconds"]} == pids

        multiprocess.mark_process_dead(first)  # what the supervisor does when it reaps a worker
        view = _families()
        assert view["turms_gateway_logins_total"][(("outcome", "ok"), ("reason", "OK"))] == 2  # kept
        assert view["turms_client_requests_total"][(("code", "1000"), ("type", "create_session_request"))] == 2
        assert view["turms_gateway_connections"][(("transport", "tcp"),)] == 1  # only the live one
        assert view["turms_gateway_sessions"][(("device_type", "DESKTOP"), ("transport", "tcp"))] == 1
        assert {dict(k)["pid"] for k in view["turms_event_loop_lag_max_seconds"]} == pids - {str(first)}
        # The abuse counters: summed over both workers, the dead one's kept.
        assert view["turms_rate_limit_refusals_total"][(("scope", "session"),)] == 4
        assert view["turms_blocked_connections_refused_total"][(("target", "ip"),)] == 2
        assert view["turms_blocks_total"][(("cause", "manual"), ("target", "ip"))] == 6
    finally:
        os.kill(second, 9)
        os.waitpid(second, 0)


def test_abuse_recorders_write_to_the_files_after_multiprocess_mode_is_enabled(tmp_path: Path) -> None:
    """Children cached before :func:`multiprocess.enable` (a recorder used early) must not keep the in-memory
    metric: a worker's refusals and blocks would then be missing from ``/metrics``."""
    metrics.rate_limit_refused("ip")
    metrics.blocked_connection_refused("user")
    metrics.clients_blocked("user", "manual", 1)
    multiprocess.prepare(tmp_path / "metrics")
    try:
        metrics.rate_limit_refused("ip")
        metrics.blocked_connection_refused("user")
        metrics.clients_blocked("user", "manual", 2)
        view = _families()
        assert view["turms_rate_limit_refusals_total"] == {(("scope", "ip"),): 1}
        assert view["turms_blocked_connections_refused_total"] == {(("target", "user"),): 1}
        assert view["turms_blocks_total"] == {(("cause", "manual"), ("target", "user")): 2}
    finally:
        multiprocess.disable()

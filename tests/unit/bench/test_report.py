"""The benchmark report: repeated runs combine into medians and spread, and render one row per run."""

from __future__ import annotations

from typing import Any

from turms.bench.report import combine, render


def _run(rate: float, p99: float, cpu: float, load: float) -> dict[str, Any]:
    lat = {"p50": p99 / 4, "p90": p99 / 2, "p99": p99, "max": p99 * 2}
    return {
        "scenario": "one_to_one",
        "pairs": 10,
        "target_rate_per_s": 100.0,
        "sent": 1000,
        "acked": 1000,
        "delivered": 1000,
        "lost": 0,
        "achieved_rate_per_s": rate,
        "send_to_ack_ms": lat,
        "send_to_delivery_ms": lat,
        "server_cpu_cores": 0.5,
        "server_cpu_ms_per_message": cpu,
        "churn_rate_per_s": 0.0,
        "load_1m_before": load,
    }


def test_a_single_run_is_returned_unchanged() -> None:
    run = _run(99.0, 10.0, 0.5, 0.1)
    assert combine([run]) is run


def test_repeated_runs_give_medians_per_figure_and_the_spread_of_the_headlines() -> None:
    runs = [_run(99.0, 10.0, 0.5, 0.1), _run(97.0, 300.0, 0.7, 0.2), _run(98.0, 20.0, 0.6, 0.3)]
    c = combine(runs)
    assert c["achieved_rate_per_s"] == 98.0
    assert c["send_to_delivery_ms"]["p99"] == 20.0  # the median run's p99, not the mean (110)
    assert c["server_cpu_ms_per_message"] == 0.6
    assert c["sent"] == 1000 and isinstance(c["sent"], int)
    assert c["spread"]["send_to_delivery_ms.p99"] == [10.0, 300.0]
    assert c["spread"]["achieved_rate_per_s"] == [97.0, 99.0]
    assert c["repeat"] == 3 and c["runs"] == runs


def test_render_lists_every_run_with_its_load_then_the_median() -> None:
    runs = [_run(99.0, 10.0, 0.5, 0.1), _run(97.0, 300.0, 0.7, 0.25), _run(98.0, 20.0, 0.6, 0.3)]
    suite = {
        "store": "SQLite",
        "machine": {"cores": 2, "cpu": "x", "memory_gib": 1, "os": "Linux", "python": "3.11", "version": "0"},
        "processes": 2,
        "command": "turms bench one-to-one --repeat 3",
        "results": [combine(runs)],
    }
    text = render(suite)
    assert "| 2 (load 0.25) | 97.0 |" in text
    assert "| **median** | 98.0 |" in text
    assert "send_to_delivery_ms.p99 10 to 300.0" in text


def test_a_fan_out_over_several_groups_says_how_often_each_group_is_messaged() -> None:
    lat = {"p50": 5.0, "p90": 9.0, "p99": 12.0, "max": 20.0}
    run = {
        "scenario": "fanout",
        "members": 500,
        "groups": 500,
        "rate_per_s": 50.1,
        "sent": 500,
        "acked": 500,
        "delivered": 249_500,
        "expected": 249_500,
        "lost": 0,
        "duplicated": 0,
        "deliveries_per_s": 24_950.0,
        "delivery_ms": lat,
        "server_cpu_cores": 0.3,
        "load_1m_before": 0.1,
    }
    suite = {
        "store": "SQLite",
        "machine": {"cores": 2, "cpu": "x", "memory_gib": 1, "os": "Linux", "python": "3.11", "version": "0"},
        "processes": 2,
        "command": "turms bench fanout --fanout-groups 500",
        "results": [run],
    }
    assert "50.1 messages/s over 500 groups in turn (one message to each every 9.98 s)" in render(suite)
    assert "(500 members online, 50.1 messages/s; target:" in render({**suite, "results": [{**run, "groups": 1}]})

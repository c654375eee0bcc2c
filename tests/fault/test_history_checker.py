"""The history checker itself: fed histories with known anomalies, it reports each (and nothing else)."""

from __future__ import annotations

from history import Anomaly, History, Outcome, Stored, check


def _run(n: int = 3) -> tuple[History, list[Stored], dict[str, dict[str, list[tuple[int, str]]]]]:
    h = History()
    stored = []
    for i in range(1, n + 1):
        op = h.invoke("c1", 1, "conv", f"k{i}", float(i))
        History.complete(op, Outcome.OK, i + 0.5, seq=i)
        stored.append(Stored("conv", i, 1, f"k{i}"))
    views = {"c2": {"conv": [(s.seq, s.key) for s in stored]}}
    return h, stored, views


def kinds(anomalies: list[Anomaly]) -> list[str]:
    return sorted(a.kind for a in anomalies)


def test_a_clean_history_passes() -> None:
    assert check(*_run()) == []


def test_lost_message_is_reported() -> None:
    h, stored, views = _run()
    del stored[1]
    views["c2"]["conv"] = [(1, "k1"), (3, "k3")]
    assert "lost" in kinds(check(h, stored, views))
    assert "sequence" in kinds(check(h, stored, views))


def test_duplicated_message_is_reported() -> None:
    h, stored, views = _run()
    stored.append(Stored("conv", 4, 1, "k2"))
    views["c2"]["conv"].append((4, "k2"))
    assert kinds(check(h, stored, views)) == ["duplicated"]


def test_reordered_messages_are_reported() -> None:
    h, stored, views = _run()
    # The store put k3 before k2 although the sender invoked k2 first.
    stored[1], stored[2] = Stored("conv", 3, 1, "k2"), Stored("conv", 2, 1, "k3")
    h.ops[1].seq, h.ops[2].seq = 3, 2
    views["c2"]["conv"] = [(1, "k1"), (2, "k3"), (3, "k2")]
    assert kinds(check(h, stored, views)) == ["reordered"]


def test_client_view_differences_are_reported() -> None:
    h, stored, views = _run()
    views["c2"]["conv"] = [(1, "k1"), (3, "k3")]
    assert kinds(check(h, stored, views)) == ["view"]
    views["c2"]["conv"] = [(2, "k2"), (1, "k1"), (3, "k3")]
    assert kinds(check(h, stored, views)) == ["view"]


def test_failed_and_unknown_sends() -> None:
    h, stored, views = _run()
    failed = h.invoke("c1", 1, "conv", "kf", 10.0)
    History.complete(failed, Outcome.FAIL, 10.5)
    unknown = h.invoke("c1", 1, "conv", "ku", 11.0)
    History.complete(unknown, Outcome.UNKNOWN, 11.5)
    # An unknown send stored once is fine; a failed send stored is not.
    stored += [Stored("conv", 4, 1, "ku"), Stored("conv", 5, 1, "kf")]
    views["c2"]["conv"] += [(4, "ku"), (5, "kf")]
    assert kinds(check(h, stored, views)) == ["failed-but-stored"]


def test_tombstones_fill_sequence_gaps_and_phantoms_are_reported() -> None:
    h, stored, views = _run()
    stored.append(Stored("conv", 4, 0, "", tombstone=True))
    assert check(h, stored, views) == []
    stored.append(Stored("conv", 5, 9, "never-sent"))
    views["c2"]["conv"].append((5, "never-sent"))
    assert kinds(check(h, stored, views)) == ["phantom"]

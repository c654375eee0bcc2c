"""A Jepsen-style history of message sends, and the checker that judges it against the store.

Clients record every send as an operation: invoked, then completed as ``ok`` (acknowledged), ``fail`` (the
server refused it: it must not exist) or ``unknown`` (timeout or lost connection: it may exist at most once).
After the run the checker compares the history with what the store holds and what every client ended up
seeing, and reports each anomaly by kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass
class SendOp:
    client: str
    sender: int
    conversation: str
    #: The client's idempotency key; also the text, so stored messages can be matched to operations.
    key: str
    invoked_at: float
    outcome: Outcome | None = None
    completed_at: float | None = None
    #: The sequence id from the ack (ok sends).
    seq: int | None = None


@dataclass(frozen=True)
class Stored:
    conversation: str
    seq: int
    sender: int
    key: str
    tombstone: bool = False


@dataclass
class History:
    ops: list[SendOp] = field(default_factory=list)

    def invoke(self, client: str, sender: int, conversation: str, key: str, now: float) -> SendOp:
        op = SendOp(client, sender, conversation, key, now)
        self.ops.append(op)
        return op

    @staticmethod
    def complete(op: SendOp, outcome: Outcome, now: float, seq: int | None = None) -> None:
        op.outcome, op.completed_at, op.seq = outcome, now, seq


@dataclass(frozen=True)
class Anomaly:
    kind: str
    detail: str


def check(
    history: History,
    stored: list[Stored],
    views: dict[str, dict[str, list[tuple[int, str]]]],
) -> list[Anomaly]:
    """All anomalies; an empty list means the run upheld every guarantee.

    ``views``: client → conversation → the (seq, key) messages the client holds at the end, in its order.
    """
    anomalies: list[Anomaly] = []
    by_key: dict[str, list[Stored]] = defaultdict(list)
    by_conv: dict[str, list[Stored]] = defaultdict(list)
    for s in stored:
        by_conv[s.conversation].append(s)
        if not s.tombstone:
            by_key[s.key].append(s)
    for op in history.ops:
        copies = by_key.get(op.key, [])
        if op.outcome is Outcome.OK:
            if not copies:
                anomalies.append(Anomaly("lost", f"acknowledged send {op.key} is not stored"))
            elif len(copies) > 1:
                anomalies.append(Anomaly("duplicated", f"send {op.key} is stored {len(copies)} times"))
            elif op.seq is not None and copies[0].seq != op.seq:
                anomalies.append(Anomaly("wrong-ack", f"send {op.key} acked seq {op.seq}, stored {copies[0].seq}"))
        elif op.outcome is Outcome.FAIL:
            if copies:
                anomalies.append(Anomaly("failed-but-stored", f"refused send {op.key} is stored"))
        elif len(copies) > 1:  # unknown, or never completed
            anomalies.append(Anomaly("duplicated", f"send {op.key} (outcome unknown) is stored {len(copies)} times"))
    known = {op.key for op in history.ops}
    for key in by_key:
        if key not in known:
            anomalies.append(Anomaly("phantom", f"stored message {key} was never sent"))
    for conv, items in by_conv.items():
        seqs = sorted(s.seq for s in items)
        if seqs != list(range(1, len(seqs) + 1)):
            anomalies.append(Anomaly("sequence", f"conversation {conv} has sequence ids {_gaps(seqs)}"))
    # Each sender's acknowledged messages in one conversation appear in the order it invoked them.
    per_sender: dict[tuple[int, str], list[SendOp]] = defaultdict(list)
    for op in history.ops:
        if op.outcome is Outcome.OK:
            per_sender[(op.sender, op.conversation)].append(op)
    for (sender, conv), ops in per_sender.items():
        ops.sort(key=lambda o: o.invoked_at)
        seqs = [by_key[o.key][0].seq for o in ops if len(by_key.get(o.key, [])) == 1]
        if seqs != sorted(seqs):
            anomalies.append(Anomaly("reordered", f"sender {sender} in {conv}: sequence {seqs} is not increasing"))
    expected = {
        conv: [(s.seq, s.key) for s in sorted(items, key=lambda s: s.seq) if not s.tombstone]
        for conv, items in by_conv.items()
    }
    for client, convs in views.items():
        for conv, seen in convs.items():
            if seen != expected.get(conv, []):
                anomalies.append(Anomaly("view", f"{client} sees {_diff(seen, expected.get(conv, []))} in {conv}"))
    return anomalies


def _gaps(seqs: list[int]) -> str:
    dups = sorted({s for s in seqs if seqs.count(s) > 1})
    missing = sorted(set(range(1, (max(seqs) if seqs else 0) + 1)) - set(seqs))
    return f"1..{max(seqs) if seqs else 0} with duplicates {dups[:5]} and gaps {missing[:5]}"


def _diff(seen: list[tuple[int, str]], expected: list[tuple[int, str]]) -> str:
    extra = [m for m in seen if m not in expected][:3]
    missing = [m for m in expected if m not in seen][:3]
    order = "" if extra or missing else " (out of order)"
    return f"{len(seen)} messages, expected {len(expected)}: extra {extra}, missing {missing}{order}"

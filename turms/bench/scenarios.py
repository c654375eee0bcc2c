"""The benchmark scenarios. Each returns one JSON-serialisable dict of figures.

Every scenario is bounded in count and time and targets loopback only. Child functions run in generator
processes (see :mod:`turms.bench.procs`); the parent measures the server (CPU and RSS through psutil).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from turms.bench.loadgen import BenchClient, Generator, Stats
from turms.bench.procs import ChildContext, Children, merge, percentiles, total
from turms.bench.server import BenchServer

TICK_S = 0.005


def sends_due(elapsed_ns: int, rate: float) -> int:
    """How many sends of an open-loop schedule are due ``elapsed_ns`` after it started: send ``k`` is scheduled
    at ``k / rate`` (its latency is measured from then), so the first is due at once and send ``k`` is due as
    soon as its time has come, never one interval later."""
    return int(elapsed_ns / 1e9 * rate) + 1


def _tokens(params: dict[str, Any], user_ids: list[int]) -> dict[int, str]:
    import jwt

    exp = int(time.time()) + 86_400
    key = params["jwt_key"]
    return {uid: jwt.encode({"sub": str(uid), "exp": exp}, key, algorithm="HS256") for uid in user_ids}


# -- idle capacity ---------------------------------------------------------------------------------------


async def _idle_child(ctx: ChildContext) -> dict[str, Any]:
    p = ctx.params
    users = ctx.share(list(range(1, p["sessions"] + 1)))
    password = p.get("password")
    if password:
        gen = Generator("127.0.0.1", p["port"], passwords=lambda _uid: password, source_addresses=ctx.sources)
    else:
        tokens = _tokens(p, users)
        gen = Generator("127.0.0.1", p["port"], passwords=tokens.__getitem__, source_addresses=ctx.sources)
    ctx.phase()
    rate = await gen.ramp(users, p["login_rate"] / ctx.processes)
    ctx.phase()  # ramp done: the parent measures memory
    deadline = time.monotonic() + p["hold_s"]
    while time.monotonic() < deadline:
        gen.heartbeat_all()
        await asyncio.sleep(min(p["heartbeat_interval_s"], max(0.0, deadline - time.monotonic())))
    ctx.phase()  # hold done: the parent measured idle CPU
    online = len(gen.clients)
    gen.close_all()
    await asyncio.sleep(0.2)
    return {**gen.stats.as_dict(), "login_rate": rate, "online_at_end": online}


def idle_capacity(
    server: BenchServer,
    *,
    sessions: int,
    login_rate: float,
    processes: int,
    hold_s: float = 10.0,
    heartbeat_interval_s: float = 5.0,
    password: str | None = None,
) -> dict[str, Any]:
    """``password``: log in with it (the server checks passwords) instead of with JWTs."""
    params = {
        "password": password,
        "sessions": sessions,
        "login_rate": login_rate,
        "hold_s": hold_s,
        "heartbeat_interval_s": heartbeat_interval_s,
        "port": server.tcp_port,
        "jwt_key": server.jwt_key,
    }
    children = Children(_idle_child, processes, params)
    rss_before = server.worker_rss()
    children.phase()
    started = time.monotonic()
    login_cpu0 = server.cpu_seconds()
    children.phase()
    ramp_s = time.monotonic() - started
    login_cpu = server.cpu_seconds() - login_cpu0
    time.sleep(1.0)  # let allocations settle
    rss_after = server.worker_rss()
    cpu0 = server.cpu_seconds()
    t0 = time.monotonic()
    children.phase()
    idle_cpu = (server.cpu_seconds() - cpu0) / (time.monotonic() - t0)
    results = children.results()
    ok = total(results, "logins_ok")
    failed: dict[str, int] = {}
    for r in results:
        for code, n in r["logins_failed"].items():
            failed[str(code)] = failed.get(str(code), 0) + n
    return {
        "scenario": "idle",
        "sessions_target": sessions,
        "sessions_logged_in": ok,
        "logins_failed": failed,
        "connect_errors": total(results, "connect_errors"),
        "online_at_end": total(results, "online_at_end"),
        "login_rate_per_s": round(ok / ramp_s, 1) if ramp_s else 0.0,
        "login_latency_ms": percentiles(merge(results, "login_latency_ms")),
        "server_rss_bytes_before": rss_before,
        "server_rss_bytes_after": rss_after,
        "server_rss_per_session_bytes": round((rss_after - rss_before) / ok, 1) if ok else None,
        "server_idle_cpu_cores": round(idle_cpu, 3),
        "server_login_cpu_cores": round(login_cpu / ramp_s, 3) if ramp_s else None,
        "server_cpu_ms_per_login": round(login_cpu * 1000 / ok, 3) if ok else None,
        "generator_cpu_s": round(sum(r["generator_cpu_s"] for r in results), 2),
        "workers": server.workers,
    }


# -- 1:1 throughput (with optional churn) ----------------------------------------------------------------


async def _churn(gen: Generator, first_id: int, count: int, rate: float, until: float) -> int:
    done = 0
    started = time.monotonic()
    i = 0
    while time.monotonic() < until and i < count:
        due = started + i / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        client = await gen.connect(first_id + i)
        i += 1
        if client is not None:
            gen.loop.call_later(0.5, client.close)
            done += 1
    return done


async def late_deliveries(stats: Stats, within_s: float) -> tuple[set[tuple[int, int]], int]:
    """Wait up to ``within_s`` for the deliveries of the messages acked so far: (the keys still undelivered, how
    many were delivered during the wait)."""
    missing = stats.acked_keys - stats.delivered_counts.keys()
    waiting = len(missing)
    deadline = time.monotonic() + within_s
    while missing and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        missing -= stats.delivered_counts.keys()
    return missing, waiting - len(missing)


async def _pairs_child(ctx: ChildContext) -> dict[str, Any]:
    p = ctx.params
    pairs = ctx.share(list(range(p["pairs"])))
    users = [u for k in pairs for u in (2 * k + 1, 2 * k + 2)]
    churn_ids = [p["churn_first_id"] + ctx.index * p["churn_per_child"] + i for i in range(p["churn_per_child"])]
    tokens = _tokens(p, users + churn_ids)
    gen = Generator(
        "127.0.0.1",
        p["port"],
        passwords=tokens.__getitem__,
        source_addresses=ctx.sources,
        idempotency_keys=p["idempotency_keys"],
    )
    ctx.phase()
    await gen.ramp(users, p["login_rate"] / ctx.processes)
    ctx.phase()  # everyone is online
    rate = p["rate"] / ctx.processes
    duration = p["duration_s"]
    started = time.monotonic_ns()
    end = started + int(duration * 1e9)
    churn_task = None
    if p["churn_rate"] > 0:
        churn_task = asyncio.ensure_future(
            _churn(gen, churn_ids[0], len(churn_ids), p["churn_rate"] / ctx.processes, time.monotonic() + duration)
        )
    senders: list[BenchClient] = []
    recipients: list[int] = []
    for k in pairs:
        c = gen.clients.get(2 * k + 1)
        if c is not None:
            senders.append(c)
            recipients.append(2 * k + 2)
    sent = 0
    while senders:
        now = time.monotonic_ns()
        if now >= end:
            break
        due = sends_due(now - started, rate)
        while sent < due:
            scheduled = started + int(sent / rate * 1e9)
            i = sent % len(senders)
            senders[i].send_message(scheduled, recipient_id=recipients[i])
            sent += 1
        await asyncio.sleep(TICK_S)
    deadline = time.monotonic() + p["drain_s"]
    # Polling counters updated by protocol callbacks: cheaper than an event per message.
    while time.monotonic() < deadline and (  # noqa: ASYNC110
        gen.stats.acked + sum(gen.stats.ack_failed.values()) < gen.stats.sent or gen.stats.delivered < gen.stats.acked
    ):
        await asyncio.sleep(0.05)
    churned = await churn_task if churn_task is not None else 0
    ctx.phase()
    # Every figure is as of the drain's end. A message acked just before it (an overloaded server acks the
    # backlog to the last moment) may have its push still on the way: wait a bounded while for those pushes
    # before calling a message lost, and count them apart.
    out = gen.stats.as_dict()
    missing, late = await late_deliveries(gen.stats, p["late_delivery_s"])
    gen.close_all()
    await asyncio.sleep(0.2)
    del out["acked_keys"], out["delivered_counts"]
    out.update(
        lost=len(missing),
        lost_sample=sorted(missing)[:10],
        delivered_after_drain=late,
        churned=churned,
        send_span_s=duration,
        sending_started_ns=started,
    )
    return out


def one_to_one(
    server: BenchServer,
    *,
    pairs: int,
    rate: float,
    duration_s: float,
    processes: int,
    churn_rate: float = 0.0,
    login_rate: float = 2000.0,
    idempotency_keys: bool = True,
) -> dict[str, Any]:
    """``idempotency_keys``: every message carries a key, as the SDK sends them (before 2026-12 the harness sent
    none, so its figures had one store write per message fewer than an SDK client causes)."""
    churn_per_child = int(churn_rate / max(1, processes) * duration_s) + 1 if churn_rate > 0 else 0
    params = {
        "pairs": pairs,
        "rate": rate,
        "duration_s": duration_s,
        "drain_s": 10.0,
        "late_delivery_s": 5.0,
        "login_rate": login_rate,
        "churn_rate": churn_rate,
        "churn_first_id": 2 * pairs + 1,
        "churn_per_child": churn_per_child,
        "idempotency_keys": idempotency_keys,
        "port": server.tcp_port,
        "jwt_key": server.jwt_key,
    }
    children = Children(_pairs_child, processes, params)
    children.phase()
    children.phase()
    cpu0 = server.cpu_seconds()
    t0 = time.monotonic()
    children.phase()
    elapsed = time.monotonic() - t0
    cpu = server.cpu_seconds() - cpu0
    results = children.results()
    acked = total(results, "acked")
    lost = total(results, "lost")
    # From the first send to the last ack, over every generator process (CLOCK_MONOTONIC is system-wide).
    first = min(r["sending_started_ns"] for r in results)
    last = max(r["last_ack_ns"] for r in results)
    return {
        "scenario": "one_to_one" if churn_rate <= 0 else "one_to_one_churn",
        "pairs": pairs,
        "target_rate_per_s": rate,
        "sent": total(results, "sent"),
        "acked": acked,
        "ack_failed": {k: v for r in results for k, v in r["ack_failed"].items()},
        "delivered": total(results, "delivered"),
        "lost": lost,
        "lost_sample": merge(results, "lost_sample")[:10],
        # Acked before the drain ended, pushed after it (within ``late_delivery_s``): not lost, only late.
        "delivered_after_drain": total(results, "delivered_after_drain"),
        # Acks (the drain's too) per second of the send window: the offered rate while the server keeps up.
        "achieved_rate_per_s": round(acked / duration_s, 1),
        # Acks per second from the first send to the last ack: what the server sustained, also when it fell behind
        # and acked the backlog during the drain.
        "acked_per_s_until_last_ack": round(acked * 1e9 / (last - first), 1) if last > first else 0.0,
        "send_to_ack_ms": percentiles(merge(results, "ack_latency_ms")),
        "send_to_delivery_ms": percentiles(merge(results, "delivery_latency_ms")),
        "server_cpu_cores": round(cpu / elapsed, 3) if elapsed else None,
        "server_cpu_ms_per_message": round(cpu * 1000 / acked, 4) if acked else None,
        "churn_rate_per_s": churn_rate,
        "idempotency_keys": idempotency_keys,
        "churned_sessions": total(results, "churned"),
        "generator_cpu_s": round(sum(r["generator_cpu_s"] for r in results), 2),
        "workers": server.workers,
    }


# -- group fan-out ---------------------------------------------------------------------------------------


async def create_groups(server: BenchServer, first_group_id: int, members: int, groups: int = 1) -> None:
    """``groups`` groups (ids from ``first_group_id``) of the same users 1..members (1 owns them), written
    directly in the store in the group domain's shapes, with a group type whose size limit fits (the default
    type allows 500)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    async with server.store() as store:
        type_id = 100 + first_group_id
        await store.insert_one("groupType", {"_id": type_id, "n": "bench", "gsl": members, "js": 0, "gs": True})
        for group_id in range(first_group_id, first_group_id + groups):
            await store.insert_one(
                "group", {"_id": group_id, "tid": type_id, "oid": 1, "cid": 1, "n": "bench", "ac": True, "cd": now}
            )
            docs = [
                {"_id": {"gid": group_id, "uid": uid}, "role": 0 if uid == 1 else 2, "jd": now}
                for uid in range(1, members + 1)
            ]
            for i in range(0, len(docs), 2000):
                await store.insert_many("groupMember", docs[i : i + 2000])


async def _fanout_child(ctx: ChildContext) -> dict[str, Any]:
    p = ctx.params
    users = ctx.share(list(range(1, p["members"] + 1)))
    tokens = _tokens(p, users)
    gen = Generator("127.0.0.1", p["port"], passwords=tokens.__getitem__, source_addresses=ctx.sources)
    ctx.phase()
    await gen.ramp(users, p["login_rate"] / ctx.processes)
    ctx.phase()
    sender = gen.clients.get(1)
    if sender is not None:
        rate, started = p["rate"], time.monotonic_ns()
        end, sent = started + int(p["duration_s"] * 1e9), 0
        while (now := time.monotonic_ns()) < end:
            while sent < sends_due(now - started, rate):
                # Each group in turn: with several, each gets a message every groups / rate seconds.
                group_id = p["group_id"] + sent % p["groups"]
                sender.send_message(started + int(sent / rate * 1e9), group_id=group_id)
                sent += 1
            await asyncio.sleep(TICK_S)
    else:
        await asyncio.sleep(p["duration_s"])
    await asyncio.sleep(p["drain_s"])
    ctx.phase()
    gen.close_all()
    await asyncio.sleep(0.2)
    return gen.stats.as_dict()


def fanout_accounting(results: list[dict[str, Any]], recipients: int) -> dict[str, int]:
    """Per message: each acknowledged one must reach ``recipients`` sessions exactly once.

    ``lost``: deliveries missing for acknowledged messages; ``duplicated``: deliveries beyond one per
    recipient; ``unacked_delivered``: deliveries of messages whose ack had not arrived when the run ended (stored
    and pushed, the ack still on its way: neither lost nor extra).
    """
    acked = {(k[0], k[1]) for r in results for k in r["acked_keys"]}
    counts: Counter[tuple[int, int]] = Counter()
    for r in results:
        for sender, scheduled, n in r["delivered_counts"]:
            counts[(sender, scheduled)] += n
    return {
        "lost": sum(max(0, recipients - counts[k]) for k in acked),
        "duplicated": sum(max(0, n - recipients) for n in counts.values()),
        "unacked_delivered": sum(n for k, n in counts.items() if k not in acked),
    }


def fanout(
    server: BenchServer,
    *,
    members: int,
    rate: float,
    duration_s: float,
    processes: int,
    group_id: int,
    groups: int = 1,
    login_rate: float = 2000.0,
) -> dict[str, Any]:
    """One sender sends ``rate`` messages/s to ``groups`` groups of the same ``members`` users (ids from
    ``group_id``), each group in turn; every online member but the sender receives every message."""
    from turms.bench.server import run_async

    run_async(create_groups(server, group_id, members, groups))
    params = {
        "members": members,
        "rate": rate,
        "duration_s": duration_s,
        "drain_s": 3.0,
        "group_id": group_id,
        "groups": groups,
        "login_rate": login_rate,
        "port": server.tcp_port,
        "jwt_key": server.jwt_key,
    }
    children = Children(_fanout_child, processes, params)
    children.phase()
    children.phase()
    cpu0, t0 = server.cpu_seconds(), time.monotonic()
    children.phase()
    elapsed, cpu = time.monotonic() - t0, server.cpu_seconds() - cpu0
    results = children.results()
    acked, delivered = total(results, "acked"), total(results, "delivered")
    online = total(results, "logins_ok")
    # Every online member but the sender receives every acknowledged message.
    expected = acked * (online - 1)
    accounting = fanout_accounting(results, online - 1)
    latencies = merge(results, "delivery_latency_ms")
    span = duration_s + (max(latencies) / 1000 if latencies else 0.0)
    return {
        "scenario": "fanout",
        "members": members,
        "groups": groups,
        "online": online,
        "logins_failed": {k: v for r in results for k, v in r["logins_failed"].items()},
        "connect_errors": total(results, "connect_errors"),
        "rate_per_s": rate,
        "sent": total(results, "sent"),
        "acked": acked,
        "delivered": delivered,
        "expected": expected,
        **accounting,
        "deliveries_per_s": round(delivered / span, 1) if span else 0.0,
        "delivery_ms": percentiles(latencies),
        "send_to_ack_ms": percentiles(merge(results, "ack_latency_ms")),
        "server_cpu_cores": round(cpu / elapsed, 3) if elapsed else None,
        "generator_cpu_s": round(sum(r["generator_cpu_s"] for r in results), 2),
        "workers": server.workers,
    }


# -- reconnect storm + sync -------------------------------------------------------------------------------


async def _storm_child(ctx: ChildContext) -> dict[str, Any]:
    from turms.protocol.pb import request_message_pb2

    p = ctx.params
    pairs = ctx.share(list(range(p["pairs"])))
    users = [u for k in pairs for u in (2 * k + 1, 2 * k + 2)]
    tokens = _tokens(p, users)
    gen = Generator("127.0.0.1", p["port"], passwords=tokens.__getitem__, source_addresses=ctx.sources)
    ctx.phase()
    await gen.ramp(users, p["login_rate"] / ctx.processes)
    # History: every sender sends `history` messages to its peer before the storm.
    for k in pairs:
        c = gen.clients.get(2 * k + 1)
        if c is not None:
            for _ in range(p["history"]):
                c.send_message(time.monotonic_ns(), recipient_id=2 * k + 2)
    deadline = time.monotonic() + 30
    while gen.stats.acked < gen.stats.sent and time.monotonic() < deadline:  # noqa: ASYNC110 - polling counters
        await asyncio.sleep(0.05)
    ctx.phase()  # everyone has history; drop every connection at once
    gen.close_all()
    await asyncio.sleep(0.5)
    ctx.phase()
    started = time.monotonic()
    synced: list[float] = []
    waiting: dict[int, float] = {}

    def on_response(client: BenchClient, n: Any) -> None:
        if n.code == 1000 and n.data.HasField("messages") and client.user_id in waiting:
            synced.append((time.monotonic() - waiting.pop(client.user_id)) * 1000)

    clients = await asyncio.gather(*(gen.connect(u) for u in users))
    reconnected = 0
    for c in clients:
        if c is None:
            continue
        c.on_response = on_response
        if await c.logged_in == 1000:
            reconnected += 1
            peer = c.user_id + 1 if c.user_id % 2 else c.user_id - 1
            waiting[c.user_id] = time.monotonic()
            c.send_request(
                "query_messages_request",
                request_message_pb2.QueryMessagesRequest(
                    from_ids=[peer], are_group_messages=False, max_count=p["fetch"], descending=True
                ),
            )
    deadline = time.monotonic() + 60
    while waiting and time.monotonic() < deadline:  # noqa: ASYNC110 - polling counters
        await asyncio.sleep(0.01)
    all_synced_s = time.monotonic() - started
    ctx.phase()
    gen.close_all()
    await asyncio.sleep(0.2)
    return {"reconnected": reconnected, "synced": len(synced), "query_ms": synced, "all_synced_s": all_synced_s}


def reconnect_storm(
    server: BenchServer, *, pairs: int, history: int, fetch: int, processes: int, login_rate: float = 2000.0
) -> dict[str, Any]:
    params = {
        "pairs": pairs,
        "history": history,
        "fetch": fetch,
        "login_rate": login_rate,
        "port": server.tcp_port,
        "jwt_key": server.jwt_key,
    }
    children = Children(_storm_child, processes, params)
    for _ in range(4):
        children.phase()
    results = children.results()
    return {
        "scenario": "reconnect_storm",
        "clients": 2 * pairs,
        "fetch": fetch,
        "reconnected": total(results, "reconnected"),
        "synced": total(results, "synced"),
        "all_synced_s": round(max(r["all_synced_s"] for r in results), 3),
        "query_ms": percentiles(merge(results, "query_ms")),
        "workers": server.workers,
    }


# -- idle background sessions (for the scaling series) -----------------------------------------------------


async def _background_child(ctx: ChildContext) -> dict[str, Any]:
    p = ctx.params
    users = ctx.share(list(range(p["first_id"], p["first_id"] + p["count"])))
    tokens = _tokens(p, users)
    gen = Generator("127.0.0.1", p["port"], passwords=tokens.__getitem__, source_addresses=ctx.sources)
    await gen.ramp(users, p["login_rate"] / ctx.processes)
    ctx.phase()  # online
    ctx.phase()  # released by the parent
    gen.close_all()
    await asyncio.sleep(0.2)
    return {"logins_ok": gen.stats.logins_ok}


class Background:
    """Idle sessions kept online (in their own processes) while another scenario runs."""

    def __init__(self, children: Children) -> None:
        self.children = children

    def release(self) -> int:
        self.children.phase()
        return total(self.children.results(), "logins_ok")


def hold_idle(
    server: BenchServer, *, first_id: int, count: int, processes: int, login_rate: float = 3000.0
) -> Background:
    params = {
        "first_id": first_id,
        "count": count,
        "login_rate": login_rate,
        "port": server.tcp_port,
        "jwt_key": server.jwt_key,
    }
    children = Children(_background_child, processes, params, source_count=16)
    children.phase()
    return Background(children)

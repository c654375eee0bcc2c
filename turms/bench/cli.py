"""``turms bench``: run one scenario, or the standard suite, against a server it starts on loopback."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import turms
from turms.bench import scenarios
from turms.bench.report import combine, machine, write_section
from turms.bench.server import BENCH_PASSWORD, BenchServer, mongo_uri_is_loopback, run_async

RESULTS_DIR = Path("bench-results")
DOC = Path("docs/benchmarks.md")


def _server(args: argparse.Namespace, users: int, extra: dict[str, str] | None = None) -> BenchServer:
    settings = {**(extra or {}), **dict(args.set or ())}  # --set last: an A/B of a setting overrides the scenario's
    server = BenchServer(workers=args.workers, mongo_uri=args.mongo_uri or "", extra=settings, auth=args.auth)
    run_async(server.create_users(range(1, users + 1)))
    server.start()
    return server


def _setting_flag(text: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not eq or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def store_label(mongo_uri: str | None) -> str:
    """What the results were measured on: the embedded default, or the MongoDB-protocol server behind the URI
    (FerretDB names itself in ``buildInfo``; its figures measure FerretDB, not MongoDB)."""
    if not mongo_uri:
        return "SQLite + embedded Redis"
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    try:
        info = client.admin.command("buildInfo")
    finally:
        client.close()
    if "ferretdbVersion" in info:
        return f"MongoDB adapter on FerretDB {info['ferretdbVersion']} + embedded Redis"
    return f"MongoDB {info.get('version', '?')} + embedded Redis"


def _print(result: dict[str, Any]) -> None:
    for key, value in result.items():
        shown = value
        if isinstance(value, dict) and {"p50", "p99"} <= value.keys():
            shown = f"p50 {value['p50']} / p90 {value['p90']} / p99 {value['p99']} / max {value['max']} ms"
        print(f"  {key:32} {shown}")


def run_idle(args: argparse.Namespace) -> dict[str, Any]:
    server = _server(args, args.sessions)
    try:
        return scenarios.idle_capacity(
            server,
            sessions=args.sessions,
            login_rate=args.login_rate,
            processes=args.processes,
            hold_s=args.hold_s,
            password=BENCH_PASSWORD if args.auth == "password" else None,
        )
    finally:
        server.stop()


def run_logins(args: argparse.Namespace) -> dict[str, Any]:
    """The login ceiling: each offered rate on a fresh server, ``--login-window-s`` seconds of logins of users
    never seen before; the ceiling is the highest rate achieved with every login accepted."""
    steps = []
    for rate in args.login_rates:
        sessions = max(args.processes, int(rate * args.login_window_s))
        load = os.getloadavg()[0]
        server = _server(args, sessions)
        try:
            step = scenarios.idle_capacity(
                server,
                sessions=sessions,
                login_rate=rate,
                processes=args.processes,
                hold_s=1.0,
                password=BENCH_PASSWORD if args.auth == "password" else None,
            )
        finally:
            server.stop()
        step["offered_per_s"] = rate
        step["load_1m_before"] = round(load, 2)
        print(
            f"  offered {rate:>8,.0f}/s: {step['sessions_logged_in']:,} of {sessions:,} logged in, "
            f"{step['login_rate_per_s']:,.1f}/s, p99 {step['login_latency_ms']['p99']} ms, "
            f"failed {step['logins_failed'] or 0}",
            flush=True,
        )
        steps.append(step)
    clean = [s for s in steps if s["sessions_logged_in"] == s["sessions_target"]]
    return {
        "scenario": "logins",
        "auth": args.auth,
        "window_s": args.login_window_s,
        "workers": args.workers,
        "steps": steps,
        "ceiling_per_s": max((s["login_rate_per_s"] for s in clean), default=0.0),
        "ceiling_rule": "the highest achieved rate among the offered rates at which every login succeeded",
    }


def run_one_to_one(args: argparse.Namespace, churn_rate: float = 0.0) -> dict[str, Any]:
    churn_users = int(churn_rate * args.duration_s) + args.processes * 2
    server = _server(args, 2 * args.pairs + churn_users + 10)
    try:
        result = scenarios.one_to_one(
            server,
            pairs=args.pairs,
            rate=args.rate,
            duration_s=args.duration_s,
            processes=args.processes,
            churn_rate=churn_rate,
            idempotency_keys=not args.no_idempotency_keys,
        )
    finally:
        server.stop()
    if result["lost"]:
        print(f"LOSS: {result['lost']} acknowledged messages were never delivered: {result['lost_sample']}")
    return result


def run_fanout(args: argparse.Namespace, members: int) -> dict[str, Any]:
    server = _server(args, members)
    try:
        # One sender; its rate is chosen so that the offered load is --fanout-deliveries deliveries/s.
        return scenarios.fanout(
            server,
            members=members,
            rate=max(1.0, args.fanout_deliveries / (members - 1)),
            duration_s=args.duration_s,
            processes=args.processes,
            group_id=1,
            groups=args.fanout_groups,
        )
    finally:
        server.stop()


def run_storm(args: argparse.Namespace) -> dict[str, Any]:
    server = _server(args, 2 * args.pairs)
    try:
        return scenarios.reconnect_storm(server, pairs=args.pairs, history=20, fetch=20, processes=args.processes)
    finally:
        server.stop()


def run_scaling(args: argparse.Namespace) -> dict[str, Any]:
    """Per-message cost at several numbers of online users: idle sessions plus the 1:1 pairs."""
    points = []
    for online in args.scaling_online:
        idle = max(0, online - 2 * args.pairs)
        server = _server(args, online)
        try:
            background = (
                scenarios.hold_idle(server, first_id=2 * args.pairs + 1, count=idle, processes=args.processes)
                if idle
                else None
            )
            r = scenarios.one_to_one(
                server, pairs=args.pairs, rate=args.rate, duration_s=args.duration_s, processes=args.processes
            )
            r["background_online"] = background.release() if background is not None else 0
        finally:
            server.stop()
        r["online"] = 2 * args.pairs + r["background_online"]  # measured, not the target
        points.append(r)
    return {"scenario": "scaling", "points": points}


def repeated(args: argparse.Namespace, run: Any) -> dict[str, Any]:
    """``--repeat`` runs of one scenario, each recording the machine's 1-minute load average before it started
    (a figure taken on a busy machine says so), combined into medians and spread (:func:`combine`)."""
    runs = []
    for i in range(args.repeat):
        load = os.getloadavg()[0]
        if args.repeat > 1:
            print(f"-- run {i + 1} of {args.repeat} (load {load:.2f})", flush=True)
        result = run()
        result["load_1m_before"] = round(load, 2)
        if args.repeat > 1:
            _print({k: v for k, v in result.items() if k not in ("points",)})
        runs.append(result)
    return combine(runs)


def _loopback_mongo_uri(value: str) -> str:
    if not mongo_uri_is_loopback(value):
        raise argparse.ArgumentTypeError("the MongoDB URI must name loopback hosts only (127.0.0.0/8, ::1, localhost)")
    return value


def _commit() -> str | None:
    """The commit of the code that runs (its checkout's, whatever the working directory), if it is one."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
            cwd=Path(__file__).resolve().parent,
        )
    except OSError:
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def run_suite(args: argparse.Namespace) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    steps: list[tuple[str, Any]] = [
        ("idle capacity", lambda: run_idle(args)),
        ("1:1 throughput", lambda: run_one_to_one(args)),
        ("1:1 with churn", lambda: run_one_to_one(args, churn_rate=args.churn_rate)),
        *((f"fan-out {m}", lambda m=m: run_fanout(args, m)) for m in args.fanout_members),
        ("reconnect storm", lambda: run_storm(args)),
        ("scaling", lambda: run_scaling(args)),
    ]
    for name, step in steps:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        result = repeated(args, step) if name != "scaling" else step()
        result["wall_s"] = round(time.monotonic() - started, 1)
        _print(result)
        results.append(result)
    return results


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="turms bench", description=__doc__)
    p.add_argument(
        "scenario",
        choices=["idle", "logins", "one-to-one", "churn", "fanout", "storm", "scaling", "suite", "report"],
    )
    p.add_argument("--from", dest="source", type=Path, help="report: the suite JSON to render into docs/benchmarks.md")
    p.add_argument("--workers", type=int, default=2, help="server worker processes")
    p.add_argument("--processes", type=int, default=2, help="load generator processes")
    p.add_argument(
        "--mongo-uri",
        type=_loopback_mongo_uri,
        help="run the server on MongoDB instead of the embedded SQLite (loopback hosts only)",
    )
    p.add_argument("--sessions", type=int, default=10_000, help="idle: sessions to open")
    p.add_argument("--login-rate", type=float, default=2000.0, help="idle: logins per second (open loop)")
    p.add_argument("--hold-s", type=float, default=10.0, help="idle: how long to hold the sessions")
    p.add_argument("--pairs", type=int, default=500, help="1:1: sender/recipient pairs")
    p.add_argument("--rate", type=float, default=2000.0, help="1:1: messages per second (open loop)")
    p.add_argument("--duration-s", type=float, default=20.0, help="1:1: sending time")
    p.add_argument(
        "--no-idempotency-keys",
        action="store_true",
        help="1:1: send messages without the idempotency key the SDK puts on every send (the harness before 2026-12)",
    )
    p.add_argument("--churn-rate", type=float, default=200.0, help="churn: connect/disconnects per second")
    p.add_argument(
        "--fanout-members", type=int, nargs="+", default=[10, 500, 5000], help="fan-out: group sizes (all online)"
    )
    p.add_argument(
        "--fanout-groups",
        type=int,
        default=1,
        help="fan-out: groups of the same members, messaged in turn (each gets a message every groups/rate s)",
    )
    p.add_argument("--fanout-deliveries", type=float, default=100_000.0, help="fan-out: offered deliveries per second")
    p.add_argument(
        "--scaling-online", type=int, nargs="+", default=[1000, 10_000, 50_000], help="scaling: online users"
    )
    p.add_argument(
        "--auth",
        choices=["jwt", "password"],
        default="jwt",
        help="how the generator's users log in (scrypt for password)",
    )
    p.add_argument(
        "--login-rates",
        type=float,
        nargs="+",
        default=[1000.0, 2000.0, 3000.0, 4000.0],
        help="logins: the offered login rates searched for the ceiling",
    )
    p.add_argument("--login-window-s", type=float, default=5.0, help="logins: seconds of logins offered per rate")
    p.add_argument(
        "--repeat", type=int, default=1, help="run each scenario N times (fresh server each); report medians and spread"
    )
    p.add_argument(
        "--set",
        action="append",
        type=_setting_flag,
        metavar="KEY=VALUE",
        help="a server setting for this run (repeatable), e.g. to compare a setting's values",
    )
    p.add_argument("--json", type=Path, help="write the results here (default: bench-results/<store>-<time>.json)")
    p.add_argument("--label", help="a qualifier for the results' heading in docs/benchmarks.md, e.g. '50,000 online'")
    p.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md from the results")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.scenario == "report":
        if args.source is None:
            print("turms bench report needs --from RESULTS.json", file=sys.stderr)
            return 2
        write_section(DOC, json.loads(args.source.read_text()))
        print(f"updated {DOC} from {args.source}")
        return 0
    if args.repeat < 1:
        print("--repeat must be at least 1", file=sys.stderr)
        return 2
    store = store_label(args.mongo_uri)
    if args.label:
        store = f"{store}: {args.label}"
    if args.scenario == "idle":
        results = [repeated(args, lambda: run_idle(args))]
    elif args.scenario == "logins":
        results = [run_logins(args)]
    elif args.scenario == "one-to-one":
        results = [repeated(args, lambda: run_one_to_one(args))]
    elif args.scenario == "churn":
        results = [repeated(args, lambda: run_one_to_one(args, churn_rate=args.churn_rate))]
    elif args.scenario == "fanout":
        results = [repeated(args, lambda m=m: run_fanout(args, m)) for m in args.fanout_members]
    elif args.scenario == "storm":
        results = [repeated(args, lambda: run_storm(args))]
    elif args.scenario == "scaling":
        results = [repeated(args, lambda: run_scaling(args))]
    else:
        results = run_suite(args)
    if args.scenario != "suite":
        _print({k: v for k, v in results[0].items() if k not in ("runs", "steps")})
    suite = {
        "store": store,
        "machine": machine(turms.__version__),
        "recorded": time.strftime("%Y-%m-%d %H:%M %Z"),
        "commit": _commit(),
        "processes": args.processes,
        "command": "turms bench " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
        "results": results,
    }
    path = args.json or RESULTS_DIR / f"{'mongo' if args.mongo_uri else 'sqlite'}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(suite, indent=1))
    print(f"results written to {path}")
    if args.write_docs:
        write_section(DOC, suite)
        print(f"updated {DOC}")
    bad = 0
    for r in results:
        for run in r.get("runs") or [r]:
            bad += run.get("lost", 0) + run.get("duplicated", 0)
            bad += sum(p.get("lost", 0) for p in run.get("points", ()))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

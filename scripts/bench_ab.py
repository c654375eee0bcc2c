"""Compare two commits with one `turms bench` scenario, runs interleaved (A, B, A, B, ...).

This machine's speed drifts by about 10 % over half an hour, so two blocks of `--repeat 3` run one after the
other can differ by more than the change being measured. Here each side runs from a worktree of its commit
(this checkout's virtualenv, ``PYTHONPATH`` pointing at the worktree, so server and generator are that
commit's), one run at a time, alternating. Each run's JSON is kept in ``OUT/<side>-<n>.json``; each side's
runs are combined as ``--repeat`` combines them (medians, spread, every run) into ``OUT/<side>.json``, which
``turms bench report --from`` renders into docs/benchmarks.md.

    .venv/bin/python scripts/bench_ab.py --a a521ac0 --b HEAD --runs 3 --out docs/bench/ab-1to1-1600 \\
        --label '1:1 at 1,600/s' -- one-to-one --workers 2 --processes 2 --pairs 300 --duration-s 12 --rate 1600
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from turms.bench.report import combine

ROOT = Path(__file__).resolve().parents[1]


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--a", required=True, help="the commit before (any git revision)")
    p.add_argument("--b", required=True, help="the commit after")
    p.add_argument("--runs", type=int, default=3, help="runs per side")
    p.add_argument("--out", type=Path, required=True, help="directory for the JSON")
    p.add_argument("--label", required=True, help="what is measured, e.g. '1:1 at 1,600/s'")
    p.add_argument("bench", nargs=argparse.REMAINDER, help="-- then the `turms bench` arguments of one run")
    args = p.parse_args()
    bench = args.bench[1:] if args.bench[:1] == ["--"] else args.bench
    if not bench or any(a in ("--repeat", "--json", "--write-docs") for a in bench):
        p.error("give the bench arguments of one run after --, without --repeat, --json or --write-docs")
    out: Path = args.out if args.out.is_absolute() else ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    sides = {"a": git("rev-parse", "--short", args.a), "b": git("rev-parse", "--short", args.b)}
    work = Path(tempfile.mkdtemp(prefix="turms-ab-"))
    trees = {side: work / side for side in sides}
    try:
        for side, commit in sides.items():
            git("worktree", "add", "--detach", str(trees[side]), commit)
        runs: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
        for n in range(1, args.runs + 1):
            for side, commit in sides.items():
                path = out / f"{side}-{n}.json"
                env = {**os.environ, "PYTHONPATH": str(trees[side])}
                cmd = [str(ROOT / ".venv" / "bin" / "turms"), "bench", *bench, "--json", str(path)]
                print(f"-- run {n} of {args.runs}, {side} ({commit})", flush=True)
                subprocess.run(cmd, cwd=trees[side], env=env, check=True, stdout=subprocess.DEVNULL)
                suite = json.loads(path.read_text())
                suite["command"] = suite["command"].replace(f" --json {path}", "")
                path.write_text(json.dumps(suite, indent=1))
                runs[side].append(suite)
                print("   " + headline(suite["results"][0]), flush=True)
        command = "scripts/bench_ab.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        for side, commit in sides.items():
            first = runs[side][0]
            combined = {
                **first,
                "store": f"{first['store'].split(':')[0]}: {args.label}, {'before' if side == 'a' else 'after'} "
                f"({commit}), A/B interleaved",
                "recorded": time.strftime("%Y-%m-%d %H:%M %Z"),
                "command": command,
                "results": [combine([r["results"][0] for r in runs[side]])],
            }
            (out / f"{side}.json").write_text(json.dumps(combined, indent=1))
            print(f"{side} ({commit}): {headline(combined['results'][0])}")
    finally:
        for tree in trees.values():
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def headline(r: dict[str, Any]) -> str:
    """The figures a before/after compares, for the progress lines."""
    keys = ("server_cpu_ms_per_message", "deliveries_per_s", "achieved_rate_per_s", "server_cpu_cores", "lost")
    shown = [f"{k} {r[k]}" for k in keys if k in r]
    for lat in ("send_to_delivery_ms", "delivery_ms"):
        if lat in r:
            shown.append(f"{lat} p50 {r[lat]['p50']} p99 {r[lat]['p99']}")
    return ", ".join(shown)


if __name__ == "__main__":
    sys.exit(main())

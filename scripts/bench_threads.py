"""Where a 1:1 run's server CPU goes, by process and thread: event loops, SQLite writer threads, Redis, supervisor.

Runs ``turms bench one-to-one`` with the arguments after ``--``, finds the server it starts (the supervisor, its
workers and its embedded Redis), and reads every thread's user and system CPU time at the start and the end of
a window inside the sending phase. Each worker's main thread is its event loop; its other busy thread is its
SQLite writer. The figures are divided by the run's acked messages per second (from the bench's JSON), so they
add up to the bench's own ``server_cpu_ms_per_message`` over the window.

    .venv/bin/python scripts/bench_threads.py --out /tmp/threads-3000.json -- \\
        --workers 2 --processes 2 --pairs 300 --duration-s 16 --rate 3000

The window starts ``--delay`` seconds after the workers exist (the bench logs its users in first) and lasts
``--window`` seconds: keep both inside ``--duration-s``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]


def _supervisor(bench: psutil.Process, within_s: float = 30.0) -> psutil.Process:
    """The bench's server, once its first worker exists."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        for child in bench.children():
            if "serve" in child.cmdline() and any("serve" in k.cmdline() for k in child.children()):
                return child
        time.sleep(0.2)
    raise SystemExit("the bench's server did not start")


def _role(p: psutil.Process, supervisor: psutil.Process) -> str:
    if p.pid == supervisor.pid:
        return "supervisor"
    return "redis" if "redis" in p.name() else "worker"


def _times(procs: list[psutil.Process]) -> dict[tuple[int, int], tuple[float, float]]:
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for p in procs:
        try:
            for t in p.threads():
                out[(p.pid, t.id)] = (t.user_time, t.system_time)
        except psutil.NoSuchProcess:
            pass
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--delay", type=float, default=6.0, help="seconds from the workers' start to the window")
    p.add_argument("--window", type=float, default=8.0, help="seconds of CPU time measured")
    p.add_argument("--out", required=True, help="the JSON written")
    p.add_argument("bench_args", nargs=argparse.REMAINDER, help="-- then the arguments of turms bench one-to-one")
    a = p.parse_args()
    args = [x for x in a.bench_args if x != "--"]
    with tempfile.TemporaryDirectory() as tmp:
        bench_json = Path(tmp) / "bench.json"
        cmd = [sys.executable, "-m", "turms.cli", "bench", "one-to-one", *args, "--json", str(bench_json)]
        bench = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            supervisor = _supervisor(psutil.Process(bench.pid))
            time.sleep(a.delay)
            procs = [supervisor, *supervisor.children()]  # its workers and its embedded Redis
            roles = {proc.pid: _role(proc, supervisor) for proc in procs}
            before, started = _times(procs), time.monotonic()
            time.sleep(a.window)
            after, elapsed = _times(procs), time.monotonic() - started
            if {pid for pid, _ in after} != set(roles):
                raise SystemExit("the server's processes ended before the window did: raise --duration-s")
            if bench.wait(timeout=600) != 0:
                raise SystemExit(f"the bench failed ({bench.returncode})")
        finally:
            if bench.poll() is None:
                bench.kill()
        result = json.loads(bench_json.read_text())
    run = result["results"][0]
    acked = float(run["acked_per_s_until_last_ack"])
    threads: list[dict[str, Any]] = []
    for (pid, tid), (user, system) in sorted(after.items()):
        if (pid, tid) in before:
            u0, s0 = before[(pid, tid)]
            role = roles[pid]
            name = "other" if tid != pid else "event loop" if role == "worker" else "main"
            threads.append(
                {
                    "role": role,
                    "pid": pid,
                    "tid": tid,
                    "thread": name,
                    "user_cores": round((user - u0) / elapsed, 4),
                    "sys_cores": round((system - s0) / elapsed, 4),
                }
            )

    def ms(role: str, thread: str | None, kind: str) -> float:
        cores = sum(float(t[kind]) for t in threads if t["role"] == role and (thread is None or t["thread"] == thread))
        return round(1000 * cores / acked, 4)

    per_message = {
        "event_loops_user": ms("worker", "event loop", "user_cores"),
        "event_loops_sys": ms("worker", "event loop", "sys_cores"),
        "worker_other_threads_user": ms("worker", "other", "user_cores"),
        "worker_other_threads_sys": ms("worker", "other", "sys_cores"),
        "redis": round(ms("redis", None, "user_cores") + ms("redis", None, "sys_cores"), 4),
        "supervisor": round(ms("supervisor", None, "user_cores") + ms("supervisor", None, "sys_cores"), 4),
    }
    out = {
        "command": " ".join(
            ["scripts/bench_threads.py", f"--delay {a.delay:g}", f"--window {a.window:g}", "--", *args]
        ),
        "window_s": round(elapsed, 2),
        "acked_per_s_until_last_ack": acked,
        "server_cpu_ms_per_message_run": run["server_cpu_ms_per_message"],
        "cpu_ms_per_message_in_window": per_message,
        "threads": threads,
        "bench": result,
    }
    Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: out[k] for k in ("acked_per_s_until_last_ack", "server_cpu_ms_per_message_run")}))
    print(json.dumps(per_message))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Running the load generator in several processes, synchronised by barriers, results back as JSON."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from typing import Any

import orjson

from turms.bench.server import run_async

ChildMain = Callable[["ChildContext"], Awaitable[dict[str, Any]]]


@dataclass
class ChildContext:
    index: int
    processes: int
    params: dict[str, Any]
    barrier: Barrier
    #: Loopback source addresses this child connects from (127.0.0.x): past the ephemeral-port limit.
    sources: list[str]

    def phase(self, timeout_s: float = 600.0) -> None:
        """Wait until every child and the parent reach the same phase boundary."""
        self.barrier.wait(timeout_s)

    def share(self, items: list[int]) -> list[int]:
        return items[self.index :: self.processes]


def _child(main: ChildMain, ctx: ChildContext, conn: Any) -> None:
    started = time.process_time()
    try:
        result = run_async(main(ctx))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["generator_cpu_s"] = usage.ru_utime + usage.ru_stime
        result["generator_process_cpu_s"] = time.process_time() - started
        conn.send_bytes(orjson.dumps(result, option=orjson.OPT_NON_STR_KEYS))
    except BaseException as e:  # report, then let the parent decide
        conn.send_bytes(orjson.dumps({"error": repr(e)}))
        with contextlib.suppress(Exception):
            ctx.barrier.abort()
    finally:
        conn.close()


class Children:
    """``processes`` generator processes running ``main``; the parent joins their phases."""

    def __init__(self, main: ChildMain, processes: int, params: dict[str, Any], source_count: int = 8) -> None:
        self.processes = processes
        self.barrier: Barrier = mp.get_context("fork").Barrier(processes + 1)
        ctx_fork = mp.get_context("fork")
        self._procs: list[tuple[Any, Any]] = []
        for i in range(processes):
            parent_end, child_end = ctx_fork.Pipe(duplex=False)
            sources = [f"127.0.0.{2 + (i * source_count + k) % 250}" for k in range(source_count)]
            ctx = ChildContext(i, processes, params, self.barrier, sources)
            p = ctx_fork.Process(target=_child, args=(main, ctx, child_end), daemon=True)
            p.start()
            child_end.close()
            self._procs.append((p, parent_end))

    def phase(self, timeout_s: float = 600.0) -> None:
        self.barrier.wait(timeout_s)

    def results(self, timeout_s: float = 600.0) -> list[dict[str, Any]]:
        out = []
        for p, conn in self._procs:
            if conn.poll(timeout_s):
                out.append(orjson.loads(conn.recv_bytes()))
            else:
                out.append({"error": "no result (timeout)"})
            p.join(10)
            if p.is_alive():
                p.kill()
        errors = [r["error"] for r in out if "error" in r]
        if errors:
            raise RuntimeError(f"load generator failed: {errors}")
        return out


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0, "count": 0}
    s = sorted(values)

    def pick(q: float) -> float:
        return round(s[min(len(s) - 1, int(q * len(s)))], 3)

    return {"p50": pick(0.50), "p90": pick(0.90), "p99": pick(0.99), "max": round(s[-1], 3), "count": len(s)}


def merge(results: list[dict[str, Any]], key: str) -> list[Any]:
    out: list[Any] = []
    for r in results:
        out.extend(r.get(key, []))
    return out


def total(results: list[dict[str, Any]], key: str) -> int:
    return sum(int(r.get(key, 0)) for r in results)

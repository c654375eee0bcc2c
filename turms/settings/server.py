"""Settings of the process tree: workers, data directory, supervision and drain."""

from __future__ import annotations

from turms.settings.registry import at_least, between, list_setting, setting

NODE_ID = setting(
    "server.node_id",
    str,
    "",
    "This host's node id in the cluster. Empty: derived from the host name and the client TCP port.",
)
WORKERS = setting(
    "server.workers",
    int,
    0,
    "Number of worker processes. 0 means one per CPU.",
    validator=between(0, 1024),
)
DATA_DIR = setting(
    "server.data_dir",
    str,
    "./data",
    "Directory for the embedded SQLite store, the embedded Redis socket, generated secrets and run state.",
    path=True,
)
PID_FILE = setting(
    "server.pid_file", str, "", "Write the supervisor's pid to this file. Empty: no pid file.", path=True
)
DRAIN_TIMEOUT_S = setting(
    "server.drain_timeout_s",
    float,
    20.0,
    "How long a graceful stop (SIGTERM) or the drain of one worker during a reload may take before the "
    "remaining workers are killed.",
    validator=at_least(0.1),
)
WORKER_HEARTBEAT_TIMEOUT_S = setting(
    "server.worker_heartbeat_timeout_s",
    float,
    10.0,
    "A worker that has not reported over its heartbeat pipe for this long is considered hung: it gets "
    "SIGABRT, then SIGKILL, and is replaced.",
    validator=at_least(0.5),
)
WORKER_BOOT_TIMEOUT_S = setting(
    "server.worker_boot_timeout_s",
    float,
    30.0,
    "How long a worker may take to bind its listeners and reach Redis and the store before its start "
    "counts as a boot failure.",
    validator=at_least(0.5),
)
DATASTORE_RETRY_MAX_S = setting(
    "server.datastore_retry_max_s",
    float,
    30.0,
    "Longest wait between two attempts to reach Redis and the store while they do not answer (at start, "
    "after a reboot during an outage, or when a worker is replaced during one). The first retry comes after "
    "0.5 s and the wait doubles up to this; the server never gives up.",
    validator=at_least(0.5),
)


def _gc_thresholds(v: list[int]) -> str | None:
    if v and (len(v) != 3 or min(v) < 1):
        return "three positive integers (generation 0, 1, 2), or empty for Python's defaults"
    return None


GC_THRESHOLDS = list_setting(
    "server.gc_thresholds",
    int,
    [50_000, 20, 100],
    "Each worker's cyclic garbage collector thresholds (``gc.set_threshold``). Python's defaults (700, 10, 10) "
    "collect after every 700 new container objects, which a busy worker allocates many times per millisecond; "
    "with these, 1:1 messages cost about 8 % less CPU (docs/benchmarks.md, fourth pass). Empty: Python's "
    "defaults.",
    validator=_gc_thresholds,
)

"""prometheus-client's multiprocess mode: every process of a host writes its metrics to its own files in
one directory, and ``/metrics`` (answered by any worker) merges them into one view of the host.

The supervisor calls :func:`prepare` once it holds the data directory lock and before it forks: the
directory's old files are deleted (a new run starts from zero; Prometheus sees a counter reset, which
``rate()`` handles), ``PROMETHEUS_MULTIPROC_DIR`` is set for the children, and the metrics of
:data:`turms.observability.metrics.ALL` are re-bound to file-backed values. Workers inherit all of it at
fork; prometheus-client notices the new pid and opens the worker's own files on first use.

When a worker exits, the supervisor calls :func:`mark_process_dead`: prometheus-client then deletes the
worker's ``live*`` gauge files only, so its connections and sessions leave the sums at once, while its
counter and histogram files stay and totals never go backwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from prometheus_client import values
from prometheus_client.multiprocess import mark_process_dead as _mark_process_dead

from turms.observability import metrics

log = logging.getLogger("turms.observability")

ENV_VAR = "PROMETHEUS_MULTIPROC_DIR"


class _State:
    directory: Path | None = None


_STATE = _State()


def directory() -> Path | None:
    """The multiprocess directory of this process tree, or None when metrics are per process."""
    return _STATE.directory


def prepare(path: Path) -> Path:
    """Create ``path``, delete the metric files of an earlier run in it, and :func:`enable` it."""
    path.mkdir(parents=True, exist_ok=True)
    # Only our own files: the directory may be configured to a shared place such as /run.
    for f in path.glob("*.db"):
        with contextlib.suppress(FileNotFoundError):
            f.unlink()
    enable(path)
    return path


def enable(path: Path) -> None:
    """Switch this process's metrics to file-backed values in ``path`` (no files are deleted)."""
    os.environ[ENV_VAR] = str(path)
    # prometheus-client picks the value class when the metric objects are built (at import); ours were
    # built before the directory was known, so build their values again with the multiprocess class.
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    for metric in metrics.ALL:
        if metric._labelnames:
            with metric._lock:
                metric._metrics = {}
        else:
            metric._metric_init()  # type: ignore[no-untyped-call]
    metrics.reset_caches()
    _STATE.directory = path


def disable() -> None:
    """Back to in-memory values (tests that enabled a temporary directory)."""
    os.environ.pop(ENV_VAR, None)
    values.close_all_multiprocess_files()  # type: ignore[no-untyped-call]
    values.ValueClass = values.MutexValue
    for metric in metrics.ALL:
        if metric._labelnames:
            with metric._lock:
                metric._metrics = {}
        else:
            metric._metric_init()  # type: ignore[no-untyped-call]
    metrics.reset_caches()
    _STATE.directory = None


def mark_process_dead(pid: int) -> None:
    """Drop the live gauges of an exited process (its counters and histograms stay)."""
    if _STATE.directory is not None:
        try:
            _mark_process_dead(pid, str(_STATE.directory))  # type: ignore[no-untyped-call]
        except OSError as e:
            log.warning("cannot remove the metric files of pid %d: %s", pid, e)

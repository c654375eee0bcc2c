"""The process manager: one supervisor per host forks the asyncio workers and keeps them serving.

``serve()`` is what ``turms serve`` runs. The supervisor itself runs no event loop and no business code: it
starts the embedded Redis when no ``redis.url`` is configured, forks workers (:mod:`.worker_process`), watches
their heartbeats, restarts the dead with backoff, halts on a boot failure, drains on SIGTERM, reloads on
SIGHUP one worker at a time, and reports to systemd (:mod:`.sdnotify`). A worker that cannot reach Redis or
the store is retried with backoff, never a halt (:mod:`.datastore_wait`); the loop feeds systemd's watchdog
(:mod:`.watchdog`); ``turms reload`` signals a reload and waits for its recorded outcome
(:mod:`.reload_status`).

May import: the standard library, ``turms.settings``, ``turms.observability``, ``turms.worker`` (the entry point it
forks into), and ``turms.demo`` with ``--demo`` only.
See docs/architecture.md for the process model and lifecycle.

Exit codes: 0 stopped on request; 2 configuration error (from the CLI); 3 a worker failed to boot for a reason
that retrying cannot fix (a port taken, a bad setting: never for an unreachable Redis or store, which is
waited for); 4 the embedded redis-server failed to start; 5 the supervisor could not start (pid file, data
directory lock).
"""

from __future__ import annotations

import fcntl
import logging
import sys
import time
from pathlib import Path
from typing import IO

from turms.observability import logging as observability_logging
from turms.observability import multiprocess
from turms.settings import Settings, SettingsError, load_settings, server
from turms.settings import metrics as metrics_settings
from turms.supervisor.arbiter import (
    EXIT_BOOT_FAILURE,
    EXIT_OK,
    EXIT_REDIS_FAILURE,
    EXIT_START_FAILURE,
    Arbiter,
    check_secret_files,
)
from turms.supervisor.pidfile import PidFile, PidFileError

EXIT_CONFIG = 2

__all__ = [
    "EXIT_BOOT_FAILURE",
    "EXIT_CONFIG",
    "EXIT_OK",
    "EXIT_REDIS_FAILURE",
    "EXIT_START_FAILURE",
    "Arbiter",
    "check_secret_files",
    "serve",
]

log = logging.getLogger("turms.supervisor")


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """The loggers of the supervisor (see :mod:`turms.observability.logging`); workers set up their own."""
    observability_logging.setup(settings, stream=stream)


def _lock_data_dir(data_dir: Path) -> IO[bytes] | None:
    """Hold an exclusive lock on the data directory: two servers must not share its Redis socket or store."""
    data_dir.mkdir(parents=True, exist_ok=True)
    f = (data_dir / "turms.lock").open("ab")
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        return None
    return f


def serve(config_file: str | None, flags: list[tuple[str, str]], *, demo: bool = False) -> int:
    """Run the server until it is stopped; return the process exit code.

    The configuration is read from ``config_file`` (or ``$TURMS_CONFIG``), ``TURMS_*`` variables and
    ``flags``, and reread from the same sources on SIGHUP. ``demo`` loads the playground dataset once, before
    the workers are forked (:func:`turms.demo.load_before_serving`).
    """
    try:
        settings = load_settings(config_file, flags=flags)
        check_secret_files(settings)
    except SettingsError as e:
        sys.stderr.write(f"turms: configuration error: {e}\n")
        return EXIT_CONFIG
    configure_logging(settings)
    data_dir = Path(settings.get(server.DATA_DIR))
    try:
        lock = _lock_data_dir(data_dir)
    except OSError as e:
        log.critical("cannot use the data directory %s: %s", data_dir, e)
        return EXIT_START_FAILURE
    if lock is None:
        log.critical("another turms server is using the data directory %s", data_dir.resolve())
        return EXIT_START_FAILURE
    if settings.get(metrics_settings.ENABLED):
        # Only now, holding the lock: the files of another running server must not be wiped.
        metrics_dir = settings.get(metrics_settings.MULTIPROCESS_DIR) or str(data_dir / "metrics")
        try:
            multiprocess.prepare(Path(metrics_dir))
        except OSError as e:
            log.critical("cannot prepare the metrics directory %s: %s", metrics_dir, e)
            lock.close()
            return EXIT_START_FAILURE
    pid_file: PidFile | None = None
    try:
        if settings.get(server.PID_FILE):
            pid_file = PidFile(settings.get(server.PID_FILE))
            try:
                pid_file.create()
            except (PidFileError, OSError) as e:
                log.critical("%s", e)
                return EXIT_START_FAILURE
        if demo:
            from turms.demo.run import EXIT_PRODUCTION, load_before_serving

            code = load_before_serving(settings)
            if code:
                return EXIT_CONFIG if code == EXIT_PRODUCTION else EXIT_START_FAILURE
        started = time.monotonic()
        code = Arbiter(settings, config_file=config_file, flags=flags).run()
        log.info("supervisor exits with code %d after %.1f s", code, time.monotonic() - started)
        return code
    finally:
        if pid_file is not None:
            pid_file.remove()
        lock.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m turms.supervisor [--config PATH] [--set key=value ...]`` (the CLI's ``serve``)."""
    import argparse

    from turms.settings import parse_flag

    p = argparse.ArgumentParser(prog="python -m turms.supervisor")
    p.add_argument("--config", "-c")
    p.add_argument("--set", dest="sets", action="append", default=[])
    p.add_argument("--workers", type=int)
    args = p.parse_args(argv)
    try:
        flags = [parse_flag(s) for s in args.sets]
    except SettingsError as e:
        sys.stderr.write(f"turms: {e}\n")
        return EXIT_CONFIG
    if args.workers is not None:
        flags.append(("server.workers", str(args.workers)))
    return serve(args.config, flags)

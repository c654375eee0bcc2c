"""The process manager: one supervisor per host forks the asyncio workers and keeps them serving.

``serve()`` is what ``turms serve`` runs. The supervisor itself runs no event loop and no business code: it
starts the embedded Redis when no ``redis.url`` is configured, forks workers (:mod:`.worker_process`), watches
their heartbeats, restarts the dead with backoff, halts on a boot failure, drains on SIGTERM, reloads on
SIGHUP starts a new generation of workers (one after another) and then drains the old one, and reports to
systemd (:mod:`.sdnotify`). A worker that cannot reach Redis or the store is retried with backoff, never a
halt (:mod:`.datastore_wait`); the loop feeds systemd's watchdog (:mod:`.watchdog`); ``turms reload`` signals
a reload and waits for its recorded outcome (:mod:`.reload_status`).

May import: the standard library, ``turms.settings``, ``turms.observability``, ``turms.worker`` (the entry point it
forks into), and ``turms.demo`` with ``--demo`` only.
See docs/architecture.md for the process model and lifecycle.

Exit codes: 0 stopped on request; 2 configuration error (from the CLI); 3 a worker failed to boot for a reason
that retrying cannot fix (a port taken, a bad setting: never for an unreachable Redis or store, which is
waited for); 4 the embedded redis-server failed to start; 5 the supervisor could not start (pid file, data
directory lock, a port that another server holds).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from turms.observability import logging as observability_logging
from turms.observability import multiprocess
from turms.settings import Settings, SettingsError, load_settings, server
from turms.settings import metrics as metrics_settings
from turms.settings.listeners import configured_listeners
from turms.supervisor.checks import check_secret_files
from turms.supervisor.exits import EXIT_BOOT_FAILURE, EXIT_CONFIG, EXIT_OK, EXIT_REDIS_FAILURE, EXIT_START_FAILURE
from turms.supervisor.pidfile import PidFile, PidFileError
from turms.supervisor.ports import PortClaimError, claim_ports

if TYPE_CHECKING:
    from turms.supervisor.arbiter import Arbiter

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


def __getattr__(name: str) -> Any:
    # The arbiter imports the whole worker (aiohttp, the domain, the drivers) so that forked workers start in
    # milliseconds; it is loaded only once the start-up checks passed, so a refusal (a taken port, a locked
    # data directory) is reported within a fraction of a second.
    if name == "Arbiter":
        from turms.supervisor.arbiter import Arbiter

        return Arbiter
    raise AttributeError(name)


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """The loggers of the supervisor (see :mod:`turms.observability.logging`); workers set up their own."""
    observability_logging.setup(settings, stream=stream)


def _lock_data_dir(data_dir: Path) -> IO[bytes] | None:
    """Hold an exclusive lock on the data directory: two servers must not share its Redis socket or store.

    A directory made here is ``0700``: it holds the store, the root password file and Redis's socket, and
    outside systemd (whose ``StateDirectory=`` sets its own mode) nothing else would keep other users out."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
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
    # Relative paths (settings, the configuration file) are taken against this directory, once: a reload
    # rereads the same files even if something changed the process's directory meanwhile.
    base_dir = os.getcwd()
    if config_file:
        config_file = os.path.abspath(config_file)
    try:
        settings = load_settings(config_file, flags=flags, base_dir=base_dir)
        check_secret_files(settings)
    except SettingsError as e:
        sys.stderr.write(f"turms: configuration error: {e}\n")
        return EXIT_CONFIG
    configure_logging(settings)
    with contextlib.ExitStack() as held:
        code = _start(settings, held)
        if code is not None:
            return code
        if demo:
            from turms.demo.run import EXIT_PRODUCTION, load_before_serving

            code = load_before_serving(settings)
            if code:
                return EXIT_CONFIG if code == EXIT_PRODUCTION else EXIT_START_FAILURE
        from turms.supervisor import banner
        from turms.supervisor.arbiter import Arbiter

        def announce(arbiter: Arbiter) -> None:
            facts = banner.gather(
                settings,
                workers=arbiter.target,
                embedded=arbiter.embedded_redis,
                demo=demo,
            )
            banner.announce(facts, settings)

        started = time.monotonic()
        code = Arbiter(settings, config_file=config_file, flags=flags, base_dir=base_dir, on_ready=announce).run()
        log.info("supervisor exits with code %d after %.1f s", code, time.monotonic() - started)
        return code


def _start(settings: Settings, held: contextlib.ExitStack) -> int | None:
    """Take what this server must hold alone (the data directory, its ports, the pid file) into ``held`` and
    prepare the metrics directory; an exit code when that fails, else ``None``."""
    data_dir = Path(settings.get(server.DATA_DIR))
    try:
        lock = _lock_data_dir(data_dir)
    except OSError as e:
        log.critical("cannot use the data directory %s: %s", data_dir, e)
        return EXIT_START_FAILURE
    if lock is None:
        log.critical("another turms server is using the data directory %s", data_dir)
        return EXIT_START_FAILURE
    held.callback(lock.close)
    try:
        for sock in claim_ports(configured_listeners(settings)):
            held.callback(sock.close)
    except (PortClaimError, OSError) as e:
        log.critical("cannot start: %s", e)
        return EXIT_START_FAILURE
    if settings.get(metrics_settings.ENABLED):
        # Only now, holding the lock: the files of another running server must not be wiped.
        metrics_dir = settings.get(metrics_settings.MULTIPROCESS_DIR) or str(data_dir / "metrics")
        try:
            multiprocess.prepare(Path(metrics_dir))
        except OSError as e:
            log.critical("cannot prepare the metrics directory %s: %s", metrics_dir, e)
            return EXIT_START_FAILURE
    if settings.get(server.PID_FILE):
        pid_file = PidFile(settings.get(server.PID_FILE))
        try:
            pid_file.create()
        except (PidFileError, OSError) as e:
            log.critical("%s", e)
            return EXIT_START_FAILURE
        held.callback(pid_file.remove)
    return None


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

"""``turms reload``: ask the running supervisor for a rolling reload and wait for its outcome.

``SIGHUP`` alone returns at once, before the new workers are up and without saying whether the new
configuration was accepted. So the supervisor records each reload it handles in ``reload-status.json`` in its
data directory (written atomically: a temporary file renamed over the old one), and :func:`request_reload`,
which the unit's ``ExecReload=`` runs, does what an operator would:

1. load the configuration from the same sources the supervisor will read (the unit gives ``ExecReload=`` the
   same environment and credentials); an invalid one is reported (exit 2) and no signal is sent;
2. note how many reloads the supervisor has handled, send ``SIGHUP``;
3. wait until the supervisor has handled one more: exit 0 when the new generation is serving (the old
   workers are then draining), 1 when the reload was refused or aborted (the running workers stay; the
   message says why), or when the supervisor exits or does not finish within the timeout.

So ``systemctl reload turms`` returns when the roll is done, and fails (with the cause in the journal) on a
configuration that the running server did not take.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from turms.settings import Settings, server

STATUS_FILE = "reload-status.json"

RELOADING = "reloading"
DONE = "done"
FAILED = "failed"

EXIT_RELOADED = 0
EXIT_RELOAD_FAILED = 1
EXIT_RELOAD_CONFIG = 2


def status_path(settings: Settings) -> Path:
    return Path(settings.get(server.DATA_DIR)) / STATUS_FILE


@dataclass(frozen=True)
class ReloadStatus:
    #: The supervisor that wrote it.
    pid: int
    #: Reloads it has handled (or begun), counting from 1; 0 before the first.
    requests: int
    state: str
    generation: int
    message: str


def read_status(path: Path) -> ReloadStatus | None:
    try:
        raw = json.loads(path.read_text())
        return ReloadStatus(
            pid=int(raw["pid"]),
            requests=int(raw["requests"]),
            state=str(raw["state"]),
            generation=int(raw["generation"]),
            message=str(raw["message"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


class ReloadReporter:
    """The supervisor's side: one record per reload, rewritten as it progresses."""

    def __init__(self, path: Path, pid: int | None = None) -> None:
        self.path = path
        self.pid = os.getpid() if pid is None else pid
        self.requests = 0

    def started(self, generation: int) -> None:
        """The supervisor is up: a record with no reload yet, so a client can count from it."""
        self._write(DONE, generation, "serving")

    def begin(self, generation: int) -> None:
        self.requests += 1
        self._write(RELOADING, generation, "reloading")

    def done(self, generation: int, message: str) -> None:
        self._write(DONE, generation, message)

    def failed(self, generation: int, message: str) -> None:
        self._write(FAILED, generation, message)

    def _write(self, state: str, generation: int, message: str) -> None:
        record = ReloadStatus(self.pid, self.requests, state, generation, message[:2000])
        tmp = self.path.with_name(f".{self.path.name}.{self.pid}")
        try:
            tmp.write_text(json.dumps(asdict(record)))
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def request_reload(
    pid: int,
    path: Path,
    *,
    timeout_s: float,
    out: Callable[[str], None],
    poll_s: float = 0.05,
) -> int:
    """Send SIGHUP to the supervisor ``pid`` and wait for the outcome recorded in ``path``; return the exit
    code (:data:`EXIT_RELOADED` or :data:`EXIT_RELOAD_FAILED`). ``out`` receives one line for the operator."""
    before = read_status(path)
    seen = before.requests if before is not None and before.pid == pid else 0
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        out(f"no process {pid}: is the server running?")
        return EXIT_RELOAD_FAILED
    deadline = time.monotonic() + timeout_s
    while True:
        status = read_status(path)
        if status is not None and status.pid == pid and status.requests > seen and status.state != RELOADING:
            out(f"reload {status.state}: {status.message} (generation {status.generation})")
            return EXIT_RELOADED if status.state == DONE else EXIT_RELOAD_FAILED
        if not _alive(pid):
            out(f"the server (pid {pid}) exited during the reload")
            return EXIT_RELOAD_FAILED
        if time.monotonic() > deadline:
            out(f"the reload did not finish within {timeout_s:g} s; it goes on in the background (see the logs)")
            return EXIT_RELOAD_FAILED
        time.sleep(poll_s)


def pid_from_file(settings: Settings) -> int | None:
    name = settings.get(server.PID_FILE)
    if not name:
        return None
    try:
        return int(Path(name).read_text().strip())
    except (OSError, ValueError):
        return None

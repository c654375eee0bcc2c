"""The supervisor's pid file: written atomically at start, removed at exit if it is still ours."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path


class PidFileError(RuntimeError):
    pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno == errno.EPERM
    return True


class PidFile:
    """``path`` holds the supervisor's pid while it runs.

    A pid file left by a dead process is replaced; one naming a live process other than us is refused, so two
    supervisors are not started against the same pid file by accident.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.pid: int | None = None

    def read(self) -> int | None:
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            return None
        try:
            return int(text)
        except ValueError:
            return None

    def create(self, pid: int | None = None) -> None:
        pid = os.getpid() if pid is None else pid
        existing = self.read()
        if existing is not None and existing != pid and _alive(existing):
            raise PidFileError(f"pid file {self.path} names process {existing}, which is still running")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{pid}.tmp")
        tmp.write_text(f"{pid}\n")
        os.replace(tmp, self.path)
        self.pid = pid

    def remove(self) -> None:
        """Remove the file if it still names our pid (a successor may have replaced it)."""
        if self.pid is not None and self.read() == self.pid:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        self.pid = None

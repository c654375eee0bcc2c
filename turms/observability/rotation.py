"""A size-rotated log file that several processes append to at once.

``logging.handlers.RotatingFileHandler`` is per process: with several workers writing one file, each would
rotate on its own count and rename files under the others. Here every process opens the file with
``O_APPEND`` and writes each record with one ``write`` (the kernel appends it whole, at the current end,
even with concurrent writers). Before a write, the file's real size is checked with ``fstat``; the process
that finds it full takes an ``flock`` on a sibling lock file, and if no other process has rotated in the
meantime (the path still names the file it has open), shifts ``name.N-1`` → ``name.N`` … ``name`` →
``name.1`` and reopens. A process whose file was rotated by another one notices at its next size check
(the path names another inode) and reopens. Records written to the old inode in between land in
``name.1``: rotated late, never lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from pathlib import Path


class SharedRotatingFileHandler(logging.Handler):
    def __init__(self, path: str | os.PathLike[str], *, max_bytes: int, backup_count: int) -> None:
        super().__init__()
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        self._lock_path = self.path.with_name(f".{self.path.name}.lock")
        self._io_lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = self._open()

    def _open(self) -> int:
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            data = (self.format(record) + "\n").encode("utf-8", "replace")
            with self._io_lock:
                if os.fstat(self._fd).st_size + len(data) > self.max_bytes:
                    self._rotate(len(data))
                os.write(self._fd, data)
        except Exception:
            self.handleError(record)

    def _rotate(self, incoming: int) -> None:
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                mine = os.fstat(self._fd)
                try:
                    current = os.stat(self.path)
                except FileNotFoundError:
                    current = None
                if current is None or current.st_ino != mine.st_ino or current.st_dev != mine.st_dev:
                    self._reopen()  # another process rotated (or the file was removed): follow the path
                    return
                if current.st_size + incoming <= self.max_bytes:
                    return
                for i in range(self.backup_count - 1, 0, -1):
                    with contextlib.suppress(FileNotFoundError):
                        os.replace(f"{self.path}.{i}", f"{self.path}.{i + 1}")
                os.replace(self.path, f"{self.path}.1")
                self._reopen()
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _reopen(self) -> None:
        old = self._fd
        self._fd = self._open()
        os.close(old)

    def close(self) -> None:
        with self._io_lock:
            if self._fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = -1
        super().close()

"""Small helpers shared by tests (importable as ``testlib``: pytest puts ``tests/`` on sys.path)."""

from __future__ import annotations

import itertools
import socket
import subprocess


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` different TCP ports that are free on ``host`` right now: all are held while the next is
    chosen, so two calls in a row cannot hand out the same port (the kernel may pick a just-closed one again)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in sockets:
            s.bind((host, 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


class CountingIds:
    """An id generator for service-layer tests: consecutive ids from ``start``."""

    def __init__(self, start: int = 1_000_000) -> None:
        self._next = itertools.count(start)

    def next_id(self) -> int:
        return next(self._next)


class ManualClock:
    """A monotonic clock (seconds) that moves only when a test sets ``t``."""

    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def terminate(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM ``proc`` and wait; SIGKILL it if it is still there after 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)

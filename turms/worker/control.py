"""The pipe between a worker and its supervisor.

The worker writes one-line messages to the write end it inherited at fork; the supervisor reads them
without blocking. The protocol is deliberately tiny:

``READY``
    every listener is bound and Redis answers; the worker is serving.
``HB``
    the worker's event loop is alive (sent every few hundred milliseconds from a loop timer, so a
    blocked or stopped loop stops sending).
``FAIL <text>``
    the worker could not boot and retrying will not help (a port is taken, the configuration is wrong);
    ``<text>`` is the operator-facing cause (the worker then exits with :data:`EXIT_BOOT_FAILURE`).
``UNAVAILABLE <text>``
    the worker could not boot because Redis or the store did not answer (down, unreachable, refusing the
    credentials while a new deployment creates its users): the supervisor tries again with backoff instead of
    halting (the worker then exits with :data:`EXIT_UNAVAILABLE`).

A lost heartbeat (a full pipe) is harmless; the supervisor reads continuously.
"""

from __future__ import annotations

import contextlib
import errno
import os
from dataclasses import dataclass

READY = "READY"
HEARTBEAT = "HB"
FAIL = "FAIL"
UNAVAILABLE = "UNAVAILABLE"

#: A worker that cannot boot exits with this code; the supervisor halts instead of respawning forever.
EXIT_BOOT_FAILURE = 3
#: A worker that could not reach its datastores exits with this code (EX_TEMPFAIL); the supervisor retries.
EXIT_UNAVAILABLE = 75


class WorkerChannel:
    """The worker's (write) end of the control pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)

    def _send(self, line: str) -> None:
        data = (line.replace("\n", " ") + "\n").encode()
        try:
            os.write(self.fd, data)
        except BlockingIOError:
            pass  # the supervisor is behind; a heartbeat can be dropped
        except OSError as e:
            if e.errno != errno.EPIPE:  # the supervisor is gone: the parent-death check handles it
                raise

    def ready(self) -> None:
        self._send(READY)

    def heartbeat(self) -> None:
        self._send(HEARTBEAT)

    def boot_failed(self, reason: str) -> None:
        # Messages must fit one atomic pipe write (PIPE_BUF is at least 512 bytes).
        self._send(f"{FAIL} {reason}"[:500])

    def unavailable(self, reason: str) -> None:
        self._send(f"{UNAVAILABLE} {reason}"[:500])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


@dataclass(frozen=True, slots=True)
class Message:
    kind: str
    text: str = ""


class MessageReader:
    """The supervisor's side: accumulate bytes from one pipe and split them into messages."""

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, data: bytes) -> list[Message]:
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        out: list[Message] = []
        for raw in lines:
            kind, _, text = raw.decode(errors="replace").partition(" ")
            out.append(Message(kind, text))
        return out

"""Forking one worker and the supervisor's record of it.

The child side is kept small: forget the supervisor's signal handling, ask the kernel to send SIGTERM when
the supervisor dies (``PR_SET_PDEATHSIG``), close the supervisor's descriptors it does not need, then run
:func:`turms.worker.run_worker` and ``_exit`` with its code. ``os.fork`` (rather than ``spawn``) keeps
start-up fast because the supervisor has already imported the worker's code; it is safe because the
supervisor is single-threaded and runs no event loop.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

from turms.plugins.loader import Catalog
from turms.settings import Settings
from turms.worker import WorkerSpec, run_worker
from turms.worker.control import MessageReader

PR_SET_PDEATHSIG = 1

#: Signals the supervisor handles; a fresh worker starts with the defaults and installs its own.
SUPERVISOR_SIGNALS = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGHUP,
    signal.SIGCHLD,
    signal.SIGTTIN,
    signal.SIGTTOU,
    signal.SIGUSR1,
)


@dataclass(eq=False)
class WorkerHandle:
    """What the supervisor knows about one worker process."""

    pid: int
    index: int
    generation: int
    settings: Settings
    fd: int
    started_at: float
    last_heartbeat: float
    reader: MessageReader = field(default_factory=MessageReader)
    ready: bool = False
    ready_at: float | None = None
    draining: bool = False
    drain_started_at: float | None = None
    abort_sent_at: float | None = None
    killed: bool = False
    #: The worker's own account of why it could not boot (a ``FAIL`` message), if any.
    boot_failure: str | None = None
    #: Why it could not reach its datastores (an ``UNAVAILABLE`` message), if that is why it did not boot.
    unavailable: str | None = None
    #: The plugins discovered for the worker's generation.
    catalog: Catalog | None = None

    @property
    def fd_open(self) -> bool:
        return self.fd >= 0

    def close_fd(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1

    def signal(self, sig: int) -> bool:
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            return False
        return True


def _set_parent_death_signal(sig: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    libc_name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - the getppid() check still covers us
        pass


def spawn(
    *,
    index: int,
    generation: int,
    settings: Settings,
    redis_url: str,
    close_in_child: Iterable[int],
    now: float,
    catalog: Catalog | None = None,
) -> WorkerHandle:
    """Fork a worker; return its handle in the supervisor. Never returns in the child."""
    read_fd, write_fd = os.pipe()
    os.set_inheritable(read_fd, False)
    parent_pid = os.getpid()
    to_close = list(close_in_child)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child (covered by the integration tests)
        _child(
            index=index,
            generation=generation,
            settings=settings,
            redis_url=redis_url,
            read_fd=read_fd,
            write_fd=write_fd,
            to_close=to_close,
            parent_pid=parent_pid,
            catalog=catalog,
        )
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    return WorkerHandle(
        pid=pid,
        index=index,
        generation=generation,
        settings=settings,
        fd=read_fd,
        started_at=now,
        last_heartbeat=now,
        catalog=catalog,
    )


def _child(
    *,
    index: int,
    generation: int,
    settings: Settings,
    redis_url: str,
    read_fd: int,
    write_fd: int,
    to_close: list[int],
    parent_pid: int,
    catalog: Catalog | None,
) -> None:  # pragma: no cover - child process
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for sig in SUPERVISOR_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        # A terminal hang-up reaches the whole process group; only the supervisor decides about reloads.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        _set_parent_death_signal(signal.SIGTERM)
        if os.getppid() != parent_pid:
            os._exit(0)  # the supervisor died between fork and prctl
        os.close(read_fd)
        for fd in to_close:
            with contextlib.suppress(OSError):
                os.close(fd)
        code = run_worker(
            WorkerSpec(
                settings=settings,
                redis_url=redis_url,
                control_fd=write_fd,
                index=index,
                generation=generation,
                supervisor_pid=parent_pid,
                catalog=catalog,
            )
        )
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def describe_status(status: int) -> tuple[str, int | None, int | None]:
    """(text, exit code, signal) of a ``waitpid`` status."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return f"killed by {name}", None, sig
    code = os.waitstatus_to_exitcode(status)
    return f"exit code {code}", code, None

"""The supervisor's recovery parts on their own: the datastore backoff, the watchdog's environment, the reload
record that ``turms reload`` reads, and the worker's UNAVAILABLE message."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from turms.supervisor.datastore_wait import RETRY_INITIAL_S, DatastoreWait
from turms.supervisor.reload_status import (
    DONE,
    EXIT_RELOAD_FAILED,
    EXIT_RELOADED,
    FAILED,
    ReloadReporter,
    read_status,
    request_reload,
)
from turms.supervisor.watchdog import Watchdog
from turms.worker.control import UNAVAILABLE, MessageReader, WorkerChannel

pytestmark = pytest.mark.timeout(10)


def test_backoff_doubles_per_attempt_up_to_the_maximum_and_ignores_simultaneous_failures() -> None:
    wait = DatastoreWait(max_delay_s=3.0)
    assert not wait.waiting
    # Two workers started together at t=0 fail at t=1: one attempt.
    assert wait.failed("down", started_at=0.0, now=1.0) == RETRY_INITIAL_S
    assert wait.failed("down", started_at=0.0, now=1.1) == RETRY_INITIAL_S
    assert wait.waiting and wait.attempts == 1
    delays = [wait.failed("down", started_at=t, now=t + 0.5) for t in (2.0, 3.0, 4.0, 5.0, 6.0)]
    assert delays == [1.0, 2.0, 3.0, 3.0, 3.0]
    assert wait.attempts == 6 and wait.cause == "down"
    assert wait.succeeded(now=10.0) == pytest.approx(9.0)
    assert not wait.waiting and wait.succeeded(now=11.0) is None
    # A new outage starts again from the first delay.
    assert wait.failed("again", started_at=20.0, now=21.0) == RETRY_INITIAL_S


def test_watchdog_interval_and_owner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not Watchdog({}).enabled
    assert not Watchdog({"WATCHDOG_USEC": "0"}).enabled
    assert not Watchdog({"WATCHDOG_USEC": "junk"}).enabled
    assert not Watchdog({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"}, pid=2).enabled
    dog = Watchdog({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "7"}, pid=7)
    assert dog.interval_s == 0.5
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.setblocking(False)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert dog.tick(100.0)
        assert not dog.tick(100.4)  # not yet half an interval
        assert dog.tick(100.5)
        assert [sock.recv(100), sock.recv(100)] == [b"WATCHDOG=1", b"WATCHDOG=1"]


def test_unavailable_message_round_trip() -> None:
    r, w = os.pipe()
    channel = WorkerChannel(w)
    try:
        channel.unavailable("Redis at redis://***@h:6379/0 is unreachable\nafter 5 s")
        reader = MessageReader()
        (msg,) = reader.feed(os.read(r, 4096))
        assert msg.kind == UNAVAILABLE
        assert msg.text == "Redis at redis://***@h:6379/0 is unreachable after 5 s"
    finally:
        channel.close()
        os.close(r)


def _sleeper() -> subprocess.Popen[bytes]:
    # A stand-in supervisor that survives SIGHUP, so the client's wait can be observed.
    code = "import signal, time; signal.signal(signal.SIGHUP, lambda *a: None); print('up', flush=True); time.sleep(30)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
    return proc


def test_request_reload_reports_the_outcome_the_supervisor_records(tmp_path: Path) -> None:
    path = tmp_path / "reload-status.json"
    proc = _sleeper()
    try:
        reporter = ReloadReporter(path, pid=proc.pid)
        reporter.started(0)
        lines: list[str] = []
        # Nothing handles the reload: the client gives up at its timeout and says so.
        assert request_reload(proc.pid, path, timeout_s=0.3, out=lines.append) == EXIT_RELOAD_FAILED
        assert "did not finish within 0.3 s" in lines[-1]
        # The record of an earlier reload does not answer a new request.
        reporter.begin(1)
        reporter.done(1, "2 workers serving")
        assert request_reload(proc.pid, path, timeout_s=0.3, out=lines.append) == EXIT_RELOAD_FAILED
        reporter.begin(2)
        reporter.failed(1, "aborted, the running workers stay: port taken")
        status = read_status(path)
        assert status is not None and status.state == FAILED and status.requests == 2
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    lines.clear()
    assert request_reload(proc.pid, path, timeout_s=5, out=lines.append) == EXIT_RELOAD_FAILED
    assert "no process" in lines[0] or "exited" in lines[0]


def test_request_reload_returns_when_the_next_reload_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "reload-status.json"
    # A stand-in supervisor that records each SIGHUP as a finished reload, as the arbiter does.
    code = (
        "import signal, sys, time\n"
        "from pathlib import Path\n"
        "from turms.supervisor.reload_status import ReloadReporter\n"
        f"r = ReloadReporter(Path({str(path)!r}))\n"
        "r.started(0)\n"
        "def hup(*a):\n"
        "    r.begin(r.requests + 1); r.done(r.requests, 'new generation serving')\n"
        "signal.signal(signal.SIGHUP, hup)\n"
        "print('up', flush=True)\n"
        "time.sleep(30)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
        lines: list[str] = []
        assert request_reload(proc.pid, path, timeout_s=10, out=lines.append) == EXIT_RELOADED
        assert lines == ["reload done: new generation serving (generation 1)"]
        status = read_status(path)
        assert status is not None and status.state == DONE and status.pid == proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()

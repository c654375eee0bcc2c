"""sd_notify datagrams, the pid file, and the worker control-pipe protocol."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from turms.supervisor import sdnotify
from turms.supervisor.pidfile import PidFile, PidFileError
from turms.supervisor.worker_process import describe_status
from turms.worker.control import FAIL, HEARTBEAT, READY, MessageReader, WorkerChannel

pytestmark = pytest.mark.timeout(10)


def test_notify_to_a_path_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert sdnotify.ready("serving")
        assert sock.recv(100) == b"READY=1\nSTATUS=serving"
        assert sdnotify.reloading()
        msg = sock.recv(100).decode().split("\n")
        assert msg[0] == "RELOADING=1" and msg[1].startswith("MONOTONIC_USEC=")
        assert sdnotify.stopping()
        assert sock.recv(100) == b"STOPPING=1"


def test_notify_to_an_abstract_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"turms-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.status("hello")
        assert sock.recv(100) == b"STATUS=hello"


def test_notify_without_socket_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.ready() is False


def test_pid_file_lifecycle(tmp_path: Path) -> None:
    path = tmp_path / "run" / "turms.pid"
    pf = PidFile(path)
    pf.create()
    assert path.read_text() == f"{os.getpid()}\n"
    pf.remove()
    assert not path.exists()


def test_pid_file_of_a_live_process_is_refused_and_a_stale_one_replaced(tmp_path: Path) -> None:
    path = tmp_path / "turms.pid"
    path.write_text(f"{os.getppid()}\n")
    with pytest.raises(PidFileError, match="still running"):
        PidFile(path).create()
    path.write_text("999999999\n")  # beyond pid_max: not running
    PidFile(path).create()
    assert path.read_text() == f"{os.getpid()}\n"


def test_pid_file_is_not_removed_if_someone_else_took_it(tmp_path: Path) -> None:
    path = tmp_path / "turms.pid"
    pf = PidFile(path)
    pf.create()
    path.write_text("12345\n")
    pf.remove()
    assert path.read_text() == "12345\n"


def test_control_pipe_messages_survive_arbitrary_chunking() -> None:
    r, w = os.pipe()
    try:
        ch = WorkerChannel(w)
        ch.heartbeat()
        ch.ready()
        ch.boot_failed("cannot bind the client TCP listener to 0.0.0.0:11510\nAddress in use")
        data = os.read(r, 4096)
    finally:
        os.close(r)
        os.close(w)
    reader = MessageReader()
    messages = [m for i in range(len(data)) for m in reader.feed(data[i : i + 1])]
    assert [m.kind for m in messages] == [HEARTBEAT, READY, FAIL]
    assert messages[2].text == "cannot bind the client TCP listener to 0.0.0.0:11510 Address in use"


def test_describe_status() -> None:
    assert describe_status(9)[0] == "killed by SIGKILL"
    assert describe_status(3 << 8) == ("exit code 3", 3, None)

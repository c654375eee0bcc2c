"""Log lines (JSON and text), the four loggers and their files, rotation shared by several processes, and
trace-id sampling."""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from turms.observability import logging as obs_logging
from turms.observability import trace
from turms.observability.rotation import SharedRotatingFileHandler
from turms.settings import load_settings

pytestmark = pytest.mark.timeout(30)

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """setup() replaces handlers of the root and the named loggers; put pytest's back afterwards."""
    saved = {
        name: (
            logging.getLogger(name or None).handlers[:],
            logging.getLogger(name or None).level,
            logging.getLogger(name or None).propagate,
        )
        for name in obs_logging.FILES
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name or None)
        for h in logger.handlers[:]:
            logger.removeHandler(h)
            if h not in handlers:
                h.close()
        for h in handlers:
            logger.addHandler(h)
        logger.setLevel(level)
        logger.propagate = propagate


def _record(name: str, msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.getLogger(name).makeRecord(name, logging.INFO, __file__, 1, msg, args, None, extra=extra)
    return record


def test_json_line_has_utc_time_node_worker_pid_trace_and_fields() -> None:
    obs_logging.CONTEXT.node = "node-a"
    obs_logging.CONTEXT.worker = "1"
    fmt = obs_logging.JsonFormatter()
    with trace.use("0123456789abcdef"):
        doc = orjson.loads(fmt.format(_record("turms.x", "hello %s", "world", fields={"user": 7, "type": "q"})))
    assert TS.match(doc["ts"])
    assert doc["level"] == "INFO" and doc["logger"] == "turms.x" and doc["msg"] == "hello world"
    assert doc["node"] == "node-a" and doc["worker"] == "1" and doc["pid"] == os.getpid()
    assert doc["trace"] == "0123456789abcdef"
    assert doc["user"] == 7 and doc["type"] == "q"
    # Outside a request: trace is null; an explicit trace_id extra wins over the context.
    assert orjson.loads(fmt.format(_record("turms.x", "m")))["trace"] is None
    with trace.use("aaaaaaaaaaaaaaaa"):
        assert orjson.loads(fmt.format(_record("turms.x", "m", trace_id="bbbbbbbbbbbbbbbb")))["trace"] == (
            "bbbbbbbbbbbbbbbb"
        )


def test_secrets_in_urls_are_masked_and_audit_extras_become_fields() -> None:
    fmt = obs_logging.JsonFormatter()
    line = fmt.format(_record("turms.x", "connecting to %s", "redis://admin:s3cret@host:6379/0"))
    assert "s3cret" not in line and "redis://***@host:6379/0" in line
    audit = orjson.loads(fmt.format(_record(obs_logging.AUDIT, "admin action", audit_admin="root", audit_code=1000)))
    assert audit["admin"] == "root" and audit["code"] == 1000
    text = obs_logging.TextFormatter().format(_record("turms.x", "mongodb://u:pw@h/x", fields={"a": 1}))
    assert "pw@" not in text and text.endswith(" a=1") and " INFO [" in text


def test_setup_to_stderr_routes_every_logger_to_one_stream(restore_logging: None) -> None:
    stream = io.StringIO()
    settings = load_settings(env={}, flags=[("log.level", "WARNING"), ("server.node_id", "n1")])
    obs_logging.setup(settings, worker="0", stream=stream)
    logging.getLogger("turms.test").info("app info is below log.level")
    logging.getLogger("turms.test").warning("app warning")
    logging.getLogger(obs_logging.CLIENT_API).info("a request")  # always enabled: sampling decides
    lines = [orjson.loads(x) for x in stream.getvalue().splitlines()]
    assert [(d["logger"], d["msg"]) for d in lines] == [
        ("turms.test", "app warning"),
        (obs_logging.CLIENT_API, "a request"),
    ]
    assert all(d["node"] == "n1" and d["worker"] == "0" for d in lines)


def test_setup_with_a_directory_writes_one_file_per_logger(tmp_path: Path, restore_logging: None) -> None:
    settings = load_settings(env={}, flags=[("log.dir", str(tmp_path)), ("log.format", "text")])
    obs_logging.setup(settings)
    logging.getLogger("turms.test").error("to the app log")
    logging.getLogger(obs_logging.CLIENT_API).info("to the client-API log")
    logging.getLogger(obs_logging.NOTIFICATION).info("to the notification log")
    logging.getLogger(obs_logging.AUDIT).info("to the audit log")
    contents = {name: (tmp_path / f).read_text() for name, f in obs_logging.FILES.items()}
    assert "to the app log" in contents[""] and "client-API" not in contents[""]
    assert "to the client-API log" in contents[obs_logging.CLIENT_API]
    assert "to the notification log" in contents[obs_logging.NOTIFICATION]
    assert "to the audit log" in contents[obs_logging.AUDIT] and "app log" not in contents[obs_logging.AUDIT]


def _writer(path: Path, tag: str, count: int) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            handler = SharedRotatingFileHandler(path, max_bytes=4000, backup_count=1000)
            handler.setFormatter(logging.Formatter("%(message)s"))
            for i in range(count):
                handler.emit(_record("t", f"{tag} {i:05d} " + "x" * 40))
            handler.close()
        except BaseException:
            code = 1
        os._exit(code)
    return pid


def test_rotation_shared_by_processes_loses_no_line_and_bounds_files(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "turms.log"
    pids = [_writer(path, tag, 600) for tag in ("a", "b", "c")]
    for pid in pids:
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    files = sorted(path.parent.glob("turms.log*"))
    assert len(files) > 10  # it rotated
    lines = [line for f in files for line in f.read_text().splitlines()]
    assert len(lines) == 1800 and len(set(lines)) == 1800  # none lost, none torn or doubled
    for tag in "abc":
        assert sorted(x for x in lines if x.startswith(tag)) == [f"{tag} {i:05d} " + "x" * 40 for i in range(600)]
    # A file may overshoot by what other processes appended to it before they noticed the rotation.
    assert all(f.stat().st_size <= 4000 + 3 * 60 for f in files)


def test_rotation_keeps_only_backup_count_files(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    handler = SharedRotatingFileHandler(path, max_bytes=1000, backup_count=3)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for i in range(500):
        handler.emit(_record("t", f"line {i:04d}"))
    handler.close()
    assert sorted(p.name for p in tmp_path.glob("a.log*")) == ["a.log", "a.log.1", "a.log.2", "a.log.3"]
    assert path.read_text().splitlines()[-1] == "line 0499"


def test_sampling_is_the_same_decision_everywhere_for_one_trace() -> None:
    ids = [trace.new_trace_id() for _ in range(4000)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", t) for t in ids)
    chosen = [t for t in ids if trace.sampled(t, 0.25)]
    assert 800 < len(chosen) < 1200
    assert chosen == [t for t in ids if trace.sampled(t, 0.25)]  # deterministic
    assert not any(trace.sampled(t, 0.0) for t in ids) and all(trace.sampled(t, 1.0) for t in ids)
    assert trace.sampled("req-42", 0.5) == trace.sampled("req-42", 0.5)
    assert trace.acceptable("abc-123.x:y") and not trace.acceptable("a b") and not trace.acceptable("x" * 65)

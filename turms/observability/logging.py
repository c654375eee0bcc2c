"""Log formatting and the four loggers of a process.

Every line carries a UTC timestamp, the level, the logger, the node id, the worker (``"0"``, ``"1"`` … or
``"supervisor"``), the pid and the trace id of the request being handled (``null`` outside one). JSON lines
are built with orjson; ``log.format = "text"`` gives one human-readable line instead, and ``auto`` (the default)
chooses text when the log goes to a terminal. A record may carry
structured ``fields`` (``extra={"fields": {...}}``): JSON merges them into the document, text appends
``key=value`` pairs.

Loggers and their destinations (``log.dir`` empty: all to stderr, which journald collects):

============================  ==========================  ==================================================
logger                        file in ``log.dir``          what
============================  ==========================  ==================================================
``turms`` (and the root)      ``turms.log``                the application
``turms.client_api``          ``turms-client-api.log``     one line per sampled client request
``turms.notification``        ``turms-notification.log``   sampled pushes, on the sending and receiving worker
``turms.admin.audit``         ``turms-admin-audit.log``    every admin action (written by ``turms.admin``)
============================  ==========================  ==================================================

The three special loggers do not propagate to the root and are always enabled at INFO: ``log.level``
governs the application log only, and sampling (``log.*.sample_rate``) governs the per-request ones.

Secrets: the client-API line names the request type and size, never its content; credentials embedded in
URLs (``scheme://user:password@host``) are masked in every message.
"""

from __future__ import annotations

import logging
import re
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final

import orjson

from turms.observability import trace
from turms.observability.rotation import SharedRotatingFileHandler
from turms.settings import Settings, server
from turms.settings import gateway as gateway_settings
from turms.settings import log as log_settings

CLIENT_API: Final = "turms.client_api"
NOTIFICATION: Final = "turms.notification"
AUDIT: Final = "turms.admin.audit"
#: logger name -> file name in ``log.dir`` (the root logger is the application log).
FILES: Final = {
    "": "turms.log",
    CLIENT_API: "turms-client-api.log",
    NOTIFICATION: "turms-notification.log",
    AUDIT: "turms-admin-audit.log",
}

_URL_CREDENTIALS = re.compile(r"://[^/@\s:]*:[^@\s]*@")


class _Context:
    """Who this process is, stamped on every line; set at start and again in each forked worker."""

    node = ""
    worker = "supervisor"
    client_api_rate: Callable[[], float] = staticmethod(lambda: 0.0)
    notification_rate: Callable[[], float] = staticmethod(lambda: 0.0)


CONTEXT = _Context()


def node_id_of(settings: Settings) -> str:
    """This host's node id: ``server.node_id``, else the host name and the client TCP port."""
    configured = settings.get(server.NODE_ID)
    return configured or f"{socket.gethostname()}-{settings.get(gateway_settings.TCP_PORT)}"


def _redact(text: str) -> str:
    return _URL_CREDENTIALS.sub("://***@", text) if "@" in text else text


def _timestamp(created: float) -> str:
    seconds = int(created)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int((created - seconds) * 1000):03d}Z"


def _trace_of(record: logging.LogRecord) -> str | None:
    explicit: str | None = getattr(record, "trace_id", None)
    return explicit if explicit is not None else trace.current()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "node": CONTEXT.node,
            "worker": CONTEXT.worker,
            "pid": record.process,
            "trace": _trace_of(record),
            "msg": _redact(record.getMessage()),
        }
        fields = getattr(record, "fields", None)
        if fields:
            for key, value in fields.items():
                doc.setdefault(key, value)
        if record.name == AUDIT:
            # turms.admin.audit passes its fields as ``audit_*`` extras.
            for key, value in record.__dict__.items():
                if key.startswith("audit_"):
                    doc.setdefault(key[6:], value)
        if record.exc_info:
            doc["exc"] = _redact(self.formatException(record.exc_info))
        elif record.exc_text:
            doc["exc"] = _redact(record.exc_text)
        return orjson.dumps(doc, default=str).decode()


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        trace_id = _trace_of(record)
        line = (
            f"{_timestamp(record.created)} {record.levelname} [{CONTEXT.node}/{CONTEXT.worker} {record.process}] "
            f"{record.name}{f' trace={trace_id}' if trace_id else ''}: {_redact(record.getMessage())}"
        )
        fields = getattr(record, "fields", None)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        if record.exc_info:
            line += "\n" + _redact(self.formatException(record.exc_info))
        return line


def redact(text: str) -> str:
    """``text`` with credentials embedded in URLs (``scheme://user:password@host``) masked."""
    return _redact(text)


def is_human(settings: Settings, stream: IO[str] | None = None) -> bool:
    """Whether this process logs for a person: ``log.format = "text"``, or ``auto`` with the log going to a
    terminal (stderr, or ``stream``, is a TTY and ``log.dir`` is empty)."""
    chosen = settings.get(log_settings.FORMAT)
    if chosen != "auto":
        return chosen == "text"
    if settings.get(log_settings.DIR):
        return False
    target = stream or sys.stderr
    try:
        return target.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def formatter_for(settings: Settings, stream: IO[str] | None = None) -> logging.Formatter:
    return TextFormatter() if is_human(settings, stream) else JsonFormatter()


def setup(settings: Settings, *, worker: str = "supervisor", stream: IO[str] | None = None) -> None:
    """(Re)configure this process's loggers from ``settings``; the handlers of a previous setup (e.g. the
    supervisor's, inherited at fork) are closed and replaced."""
    CONTEXT.node = node_id_of(settings)
    CONTEXT.worker = worker
    CONTEXT.client_api_rate = lambda: settings.get(log_settings.CLIENT_API_SAMPLE_RATE)
    CONTEXT.notification_rate = lambda: settings.get(log_settings.NOTIFICATION_SAMPLE_RATE)
    formatter = formatter_for(settings, stream)
    directory = settings.get(log_settings.DIR)
    shared: logging.Handler | None = None
    if not directory:
        shared = logging.StreamHandler(stream or sys.stderr)
        shared.setFormatter(formatter)
    for name, file_name in FILES.items():
        logger = logging.getLogger(name or None)
        for old in list(logger.handlers):
            logger.removeHandler(old)
            if old is not shared:
                old.close()
        if shared is not None:
            handler = shared
        else:
            handler = SharedRotatingFileHandler(
                Path(directory) / file_name,
                max_bytes=settings.get(log_settings.MAX_FILE_BYTES),
                backup_count=settings.get(log_settings.MAX_FILES),
            )
            handler.setFormatter(formatter)
        logger.addHandler(handler)
        if name:
            logger.propagate = False
            logger.setLevel(logging.INFO)
        else:
            logger.setLevel(settings.get(log_settings.LEVEL))


def client_api_sampled(trace_id: str | None) -> bool:
    return trace.sampled(trace_id, CONTEXT.client_api_rate())


def notification_sampled(trace_id: str | None) -> bool:
    return trace.sampled(trace_id, CONTEXT.notification_rate())

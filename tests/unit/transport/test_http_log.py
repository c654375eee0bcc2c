"""A malformed HTTP request anyone can send is one WARNING line at most per interval, not an ERROR traceback."""

from __future__ import annotations

import logging

import pytest
from aiohttp.http_exceptions import BadHttpMessage

from turms.transport.http_log import MalformedRequestFilter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def record(error: BaseException | None) -> logging.LogRecord:
    exc_info = (type(error), error, None) if error is not None else None
    return logging.LogRecord(
        "turms.transport.http", logging.ERROR, "x", 1, "Error handling request from %s", ("10.0.0.1",), exc_info
    )


def test_malformed_requests_become_one_rate_limited_warning_line() -> None:
    clock = Clock()
    f = MalformedRequestFilter(interval_s=10.0, clock=clock)
    first = record(BadHttpMessage("Invalid header\r\nvalue: x"))
    assert f.filter(first)
    assert first.levelno == logging.WARNING and first.exc_info is None
    assert first.getMessage() == "malformed HTTP request from 10.0.0.1 refused (400): Invalid header value: x"
    assert not any(f.filter(record(BadHttpMessage("again"))) for _ in range(50))
    clock.now += 10.0
    later = record(BadHttpMessage("later"))
    assert f.filter(later)
    assert "(50 more since the last line)" in later.getMessage()


@pytest.mark.parametrize("error", [RuntimeError("a bug"), None])
def test_other_records_pass_unchanged(error: BaseException | None) -> None:
    f = MalformedRequestFilter()
    r = record(error)
    assert f.filter(r) and f.filter(r)
    assert r.levelno == logging.ERROR and r.exc_info == ((type(error), error, None) if error else None)

"""The logger of the HTTP listeners (client WebSocket, admin HTTP), quiet about requests anyone can break.

aiohttp logs a request it cannot parse (a malformed header, an over-long line, a bad method after the first
request) at ERROR with a full traceback, once per request: anyone who can reach the port can fill the log and
page an operator. Those records are the client's fault, not the server's, so :class:`MalformedRequestFilter`
turns each into one WARNING line, at most one per interval, saying how many like it were left out. Every
other record (a real error in a handler) passes unchanged, traceback and all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiohttp.http_exceptions import HttpProcessingError

#: The logger given to the HTTP listeners' aiohttp runners.
LOGGER_NAME = "turms.transport.http"
#: At most one line about malformed requests per this many seconds, per process.
INTERVAL_S = 10.0


class MalformedRequestFilter(logging.Filter):
    def __init__(self, interval_s: float = INTERVAL_S, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self._next = float("-inf")
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, HttpProcessingError):
            return True
        now = self.clock()
        if now < self._next:
            self.suppressed += 1
            return False
        self._next = now + self.interval_s
        remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        detail = " ".join(str(getattr(error, "message", "") or type(error).__name__).split())[:200]
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg = "malformed HTTP request from %s refused (400): %s%s"
        record.args = (
            remote,
            detail,
            f" ({self.suppressed} more since the last line)" if self.suppressed else "",
        )
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        self.suppressed = 0
        return True


def http_logger() -> logging.Logger:
    """The runners' logger, with the filter installed once per process."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(f, MalformedRequestFilter) for f in logger.filters):
        logger.addFilter(MalformedRequestFilter())
    return logger

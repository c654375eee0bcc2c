"""Trace ids: one per client request or admin request, carried into the notifications it causes.

A client request's trace id is 16 lowercase hex digits (64 random bits). The gateway makes one for every
client request and puts it in ``ServiceRequest.trace_id``; the routing bus carries it in its message header
(``t``) to the workers that deliver the notification, and in its kick messages to the workers that close the
sessions. The admin API (``turms.admin.app.request_id_middleware``) takes an acceptable ``X-Request-ID`` or
makes one (32 hex digits) and makes it current for the whole admin request. While a request is handled,
:data:`CURRENT` holds its id, so every log line written meanwhile carries it, and the bus picks it up for
the notifications and kicks the request causes.

Sampling by trace id (:func:`sampled`) makes the same decision on every worker without coordination: a
request whose client-API line is logged also has its notification lines logged, on the sender and on
every recipient worker.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Iterator
from contextvars import ContextVar

#: The trace id of the request being handled in this task, if any.
CURRENT: ContextVar[str | None] = ContextVar("turms_trace_id", default=None)

#: What an incoming ``X-Request-ID`` may look like to be adopted (anything else is replaced): it ends up
#: in log lines and response headers, so no spaces, quotes or control characters, and bounded length.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_HEX16 = 16
_SCALE = float(1 << 32)


def new_trace_id() -> str:
    # Not a secret: the process's PRNG (re-seeded in every forked worker) instead of a getrandom() system call
    # per request.
    return f"{random.getrandbits(64):016x}"


def current() -> str | None:
    return CURRENT.get()


def acceptable(candidate: str | None) -> bool:
    """Whether a client-supplied request id may be used as the trace id."""
    return candidate is not None and _ACCEPTABLE.match(candidate) is not None


@contextlib.contextmanager
def use(trace_id: str | None) -> Iterator[None]:
    """Make ``trace_id`` the current one within the block."""
    token = CURRENT.set(trace_id)
    try:
        yield
    finally:
        CURRENT.reset(token)


def sampled(trace_id: str | None, rate: float) -> bool:
    """Whether a trace is in a sample of ``rate`` (0..1); the same answer in every process for one id."""
    if rate <= 0.0:
        return False
    if rate >= 1.0:
        return True
    if trace_id and len(trace_id) == _HEX16:
        try:
            return int(trace_id[:8], 16) / _SCALE < rate
        except ValueError:
            pass
    if trace_id:
        # A foreign id (an admin's X-Request-ID): a stable hash, still the same in every process.
        return (int.from_bytes(trace_id.encode()[:8].ljust(8, b"\0"), "big") % 1_000_003) / 1_000_003 < rate
    return random.random() < rate

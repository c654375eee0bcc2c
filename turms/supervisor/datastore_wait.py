"""Waiting for Redis and the store: the supervisor's backoff while workers cannot reach them.

A worker that cannot reach a datastore within its boot timeout says so (``UNAVAILABLE``) and exits; unlike a
boot failure that retrying cannot fix (a port taken, a bad setting), this never halts the server. Instead the
supervisor enters a waiting state: it boots one worker at a time as a probe, the first after
:data:`RETRY_INITIAL_S` and each next one after twice the previous delay, up to ``server.datastore_retry_max_s``,
for as long as it takes. The first probe that becomes ready ends the wait, and the other workers start. So a
host that boots (or reboots) while Redis or MongoDB is down serves as soon as they are back, with no operator
and no restart loop in systemd.

While the server has never been ready, each retry also extends systemd's start timeout
(``EXTEND_TIMEOUT_USEC``), so ``systemctl start`` waits instead of failing the unit; ``STATUS=`` says what the
server is waiting for.
"""

from __future__ import annotations

import logging

log = logging.getLogger("turms.supervisor")

#: Delay before the first retry; it doubles with every failed attempt up to the configured maximum.
RETRY_INITIAL_S = 0.5


class DatastoreWait:
    def __init__(self, max_delay_s: float) -> None:
        self.max_delay_s = max_delay_s
        self.waiting = False
        self.attempts = 0
        self.cause = ""
        self.waiting_since = 0.0
        self._last_failure_at = float("-inf")
        self._delay = 0.0

    def failed(self, cause: str, *, started_at: float, now: float) -> float:
        """A worker started at ``started_at`` could not reach a datastore: return the delay before the next
        attempt. Workers that were booting together fail together; only one started after the previous
        failure counts as a new attempt, so the delay does not grow with the number of workers."""
        if not self.waiting:
            self.waiting = True
            self.waiting_since = now
            self.attempts = 0
            self._delay = 0.0
        self.cause = cause
        if started_at >= self._last_failure_at or self.attempts == 0:
            self.attempts += 1
            self._delay = min(RETRY_INITIAL_S * 2 ** (self.attempts - 1), self.max_delay_s)
        self._last_failure_at = now
        return self._delay

    def succeeded(self, now: float) -> float | None:
        """A worker became ready: end the wait. Returns how long it lasted, or ``None`` if there was none."""
        if not self.waiting:
            return None
        self.waiting = False
        self._last_failure_at = float("-inf")
        return now - self.waiting_since

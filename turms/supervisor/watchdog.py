"""systemd's service watchdog, fed by the supervisor loop.

With ``WatchdogSec=`` in the unit, systemd sets ``$WATCHDOG_USEC`` (and ``$WATCHDOG_PID``, the process that
must feed it) and restarts the service if no ``WATCHDOG=1`` arrives within that time. The supervisor sends
one from its loop every half interval, so the watchdog proves that the loop still turns: it reaps, restarts
and kills workers only while it does. Hung *workers* are the supervisor's own business (heartbeats over their
pipes); this covers the supervisor itself. Without ``$WATCHDOG_USEC`` (not under systemd, or no
``WatchdogSec=``) nothing is sent.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from turms.supervisor import sdnotify

log = logging.getLogger("turms.supervisor")


class Watchdog:
    def __init__(self, environ: Mapping[str, str] | None = None, pid: int | None = None) -> None:
        env = os.environ if environ is None else environ
        #: Seconds between two ``WATCHDOG=1``; ``None``: the watchdog is off.
        self.interval_s: float | None = None
        self._next_at = 0.0
        raw = env.get("WATCHDOG_USEC", "")
        owner = env.get("WATCHDOG_PID", "")
        if not raw:
            return
        if owner and owner != str(pid if pid is not None else os.getpid()):
            return  # meant for another process (e.g. the interpreter's wrapper)
        try:
            usec = int(raw)
        except ValueError:
            log.warning("WATCHDOG_USEC=%r is not a number; not feeding the watchdog", raw)
            return
        if usec <= 0:
            return
        self.interval_s = usec / 2_000_000

    @property
    def enabled(self) -> bool:
        return self.interval_s is not None

    def due_in(self, now: float) -> float | None:
        """Seconds until the next ``WATCHDOG=1`` is due (0 if it is); ``None`` when the watchdog is off."""
        if self.interval_s is None:
            return None
        return max(self._next_at - now, 0.0)

    def tick(self, now: float) -> bool:
        """Send ``WATCHDOG=1`` if half an interval has passed since the last one; ``True`` if sent."""
        if self.interval_s is None or now < self._next_at:
            return False
        self._next_at = now + self.interval_s
        return sdnotify.notify("WATCHDOG=1")

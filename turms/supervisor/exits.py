"""The supervisor's exit codes (``turms serve``), in a module of their own so that the start-up checks that
may refuse to start need nothing heavy imported first."""

from __future__ import annotations

from typing import Final

#: Stopped on request.
EXIT_OK: Final = 0
#: A configuration error.
EXIT_CONFIG: Final = 2
#: A worker could not boot for a reason retrying cannot fix (port taken, bad configuration): the server halts.
#: The same number as :data:`turms.worker.control.EXIT_BOOT_FAILURE`, with which a worker reports it. An
#: unreachable Redis or store is never this: the supervisor waits for it (:mod:`.datastore_wait`).
EXIT_BOOT_FAILURE: Final = 3
#: The embedded redis-server could not be started.
EXIT_REDIS_FAILURE: Final = 4
#: The supervisor could not start: pid file, data directory lock, a port that another server holds.
EXIT_START_FAILURE: Final = 5

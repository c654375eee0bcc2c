"""One worker process: builds every component, binds every listener with ``SO_REUSEPORT``, reports READY to
the supervisor, serves until SIGTERM (or the supervisor's death), then drains.

May import: the standard library, ``uvloop``, ``aiohttp``, ``redis``, and every ``turms`` package below it
(``transport``, ``gateway``, ``admin``, ``service``, ``cluster``, ``storage``, ``protocol``, ``settings``).
Never ``turms.supervisor``, which imports this package to fork into :func:`run_worker`.
"""

from __future__ import annotations

from turms.worker.runtime import Worker, WorkerSpec, run_worker

__all__ = ["Worker", "WorkerSpec", "run_worker"]

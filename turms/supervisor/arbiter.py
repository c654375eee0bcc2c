"""The supervisor loop: keep ``server.workers`` workers serving, and stop, reload or halt on demand.

Signal handlers only enqueue (``SimpleQueue.put_nowait`` is re-entrant) and the wake-up fd interrupts the
``select``; everything else, logging included, happens in :meth:`Arbiter.run`'s loop, which on every turn
dispatches queued signals to ``handle_<name>``, reads the workers' control pipes, reaps exited workers,
kills hung ones and spawns what is missing.

Signals: ``TERM``/``INT`` graceful stop (a second one kills the stragglers), ``QUIT`` immediate stop,
``HUP`` rolling reload, ``TTIN``/``TTOU`` one worker more/fewer, ``USR1`` TLS certificates reloaded in
place by every serving worker.

A worker that dies before reporting READY is a *boot failure*. During the first start, or after
``workers`` boot failures in a row, the supervisor halts with :data:`EXIT_BOOT_FAILURE` and the worker's own
account of the cause (e.g. the port that was taken) instead of respawning forever. During a reload, it
aborts the reload and keeps the workers it has. A worker that could not reach Redis or the store
(``UNAVAILABLE``) is not a boot failure: the supervisor waits for the datastores with backoff
(:mod:`.datastore_wait`) and never halts for it.

Alongside the loop: ``WATCHDOG=1`` to systemd (:mod:`.watchdog`) and the outcome of every reload in the data
directory for ``turms reload`` (:mod:`.reload_status`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import signal
import time
from collections.abc import Callable
from pathlib import Path
from queue import Empty, SimpleQueue
from types import FrameType

from turms.observability import metrics, multiprocess
from turms.observability.process import ProcessSampler
from turms.plugins import loader
from turms.plugins.loader import Catalog
from turms.settings import Settings, SettingsError, redis, server
from turms.settings import metrics as metrics_settings
from turms.supervisor import sdnotify
from turms.supervisor.checks import check_secret_files
from turms.supervisor.datastore_wait import DatastoreWait
from turms.supervisor.embedded_redis import EmbeddedRedis, EmbeddedRedisError
from turms.supervisor.exits import EXIT_BOOT_FAILURE, EXIT_OK, EXIT_REDIS_FAILURE
from turms.supervisor.reload_status import ReloadReporter, status_path
from turms.supervisor.watchdog import Watchdog
from turms.supervisor.worker_process import SUPERVISOR_SIGNALS, WorkerHandle, describe_status, spawn
from turms.worker import control

log = logging.getLogger("turms.supervisor")


#: First restart delay after a crash; doubles with each consecutive crash up to the maximum.
RESTART_BACKOFF_INITIAL_S = 0.1
RESTART_BACKOFF_MAX_S = 30.0
#: A worker that ran this long before dying resets the crash streak.
STABLE_AFTER_S = 30.0
#: After SIGABRT, how long a hung worker gets to die before SIGKILL.
ABORT_GRACE_S = 1.0
#: Upper bound of one wait in the loop while anything is in motion (a worker booting, draining, killed or
#: missing, a reload, a stop, the embedded Redis down): timers (backoff, boot and drain deadlines) are checked
#: each turn.
TICK_S = 0.05
#: Upper bound of one wait while everything is steady. Signals (SIGCHLD included) and the workers' pipes wake
#: the loop at once; the only timers left are the heartbeat deadline, checked at least four times per
#: ``server.worker_heartbeat_timeout_s``, the watchdog, and the process sample. Every wake-up costs CPU on an
#: idle host: the 50 ms tick alone was 1.3-1.8 % of a core (docs/benchmarks.md, seventh pass).
IDLE_TICK_S = 1.0

Clock = Callable[[], float]


def worker_count(settings: Settings) -> int:
    n = settings.get(server.WORKERS)
    if n > 0:
        return n
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


#: Settings read only when the supervisor starts; a reload keeps their values.
START_ONLY = (server.DATA_DIR, server.PID_FILE, redis.URL, redis.URL_FILE)


class Arbiter:
    def __init__(
        self,
        settings: Settings,
        *,
        config_file: str | None = None,
        flags: list[tuple[str, str]] | None = None,
        clock: Clock = time.monotonic,
        base_dir: str | None = None,
        on_ready: Callable[[Arbiter], None] | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.settings = settings
        #: The plugins of the current generation (the settings were loaded with their registry).
        self.catalog = catalog
        self.config_file = config_file
        #: The directory relative paths were resolved against at start; a reload resolves against it again.
        self.base_dir = base_dir if base_dir is not None else os.getcwd()
        #: Called once, when the first start has every worker ready (the start-up banner).
        self.on_ready = on_ready
        self.flags = list(flags or [])
        self.clock = clock
        self.workers: dict[int, WorkerHandle] = {}
        self.target = worker_count(settings)
        self.generation = 0
        self.redis_url = redis.url(settings)
        self.embedded_redis: EmbeddedRedis | None = None

        self._signals: SimpleQueue[int] = SimpleQueue()
        self._wakeup_r = -1
        self._wakeup_w = -1
        self._exit_code: int | None = None
        self._stopping = False
        self._stop_deadline = 0.0
        self._stragglers_killed = False
        self._reloading = False
        self._previous_settings: Settings | None = None
        self._previous_catalog: Catalog | None = None
        self._ever_ready = False
        self._announced_ready = False
        self._crash_streak = 0
        self._boot_failure_streak = 0
        self._spawn_not_before = 0.0
        self._next_index = 0
        self._redis_restart_at = 0.0
        self._sampler: ProcessSampler | None = None
        self._next_sample_at = 0.0
        self._worker_states: tuple[int, int, int] | None = None
        self.watchdog = Watchdog()
        self.datastores = DatastoreWait(settings.get(server.DATASTORE_RETRY_MAX_S))
        self.reload_status = ReloadReporter(status_path(settings))

    # -- lifecycle --------------------------------------------------------------------------------------

    def run(self) -> int:
        """Start everything, supervise until stopped or halted, clean up; return the exit code."""
        self._install_signals()
        metrics.preinitialize_supervisor()
        try:
            if not self._start_redis():
                return EXIT_REDIS_FAILURE
            log.info(
                "supervisor pid %d starting %d workers (generation %d)",
                os.getpid(),
                self.target,
                self.generation,
            )
            sdnotify.status(f"starting {self.target} workers")
            self._record_reload("started")
            while self._exit_code is None:
                self.watchdog.tick(self.clock())
                self._wait()
                self._dispatch_signals()
                self._read_pipes()
                self._reap()
                self._murder()
                self._check_redis()
                self._manage()
                self._observe()
            return self._exit_code
        finally:
            self._kill_all(signal.SIGKILL)
            self._wait_all(2.0)
            self._stop_redis()
            self._restore_signals()

    # -- signals ----------------------------------------------------------------------------------------

    def _install_signals(self) -> None:
        self._wakeup_r, self._wakeup_w = os.pipe()
        for fd in (self._wakeup_r, self._wakeup_w):
            os.set_blocking(fd, False)
            os.set_inheritable(fd, False)
        signal.set_wakeup_fd(self._wakeup_w, warn_on_full_buffer=False)
        for sig in SUPERVISOR_SIGNALS:
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # No logging here: the loop does it. put_nowait on a SimpleQueue is re-entrant.
        self._signals.put_nowait(signum)

    def _restore_signals(self) -> None:
        signal.set_wakeup_fd(-1)
        for sig in SUPERVISOR_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        for fd in (self._wakeup_r, self._wakeup_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _dispatch_signals(self) -> None:
        while True:
            try:
                signum = self._signals.get_nowait()
            except Empty:
                return
            name = signal.Signals(signum).name.lower()
            handler: Callable[[], None] | None = getattr(self, f"handle_{name[3:]}", None)
            if handler is not None:
                handler()

    def handle_chld(self) -> None:
        pass  # reaping happens on every turn of the loop

    def handle_term(self) -> None:
        self._begin_stop("SIGTERM")

    def handle_int(self) -> None:
        self._begin_stop("SIGINT")

    def handle_quit(self) -> None:
        log.warning("SIGQUIT: stopping immediately")
        sdnotify.stopping("stopping immediately")
        self._stopping = True
        self._kill_all(signal.SIGKILL)
        self._stragglers_killed = True

    def handle_hup(self) -> None:
        self.reload()

    def handle_usr1(self) -> None:
        """Reload the listeners' TLS certificates in place: every serving worker rereads them, no connection
        is closed (a worker still booting reads them anyway)."""
        workers = [h for h in self.workers.values() if h.ready and not h.draining]
        log.info("SIGUSR1: %d workers reload their TLS certificates", len(workers))
        for h in workers:
            h.signal(signal.SIGUSR1)

    def handle_ttin(self) -> None:
        self.target += 1
        log.info("SIGTTIN: %d workers wanted", self.target)

    def handle_ttou(self) -> None:
        if self.target > 1:
            self.target -= 1
        log.info("SIGTTOU: %d workers wanted", self.target)

    def _begin_stop(self, cause: str) -> None:
        if self._stopping:
            if not self._stragglers_killed:
                log.warning("%s again: killing %d remaining workers", cause, len(self.workers))
                self._kill_all(signal.SIGKILL)
                self._stragglers_killed = True
            return
        timeout = self.settings.get(server.DRAIN_TIMEOUT_S)
        log.info("%s: draining %d workers (timeout %.1f s)", cause, len(self.workers), timeout)
        sdnotify.stopping("draining")
        self._stopping = True
        self._stop_deadline = self.clock() + timeout
        for h in self.workers.values():
            h.draining = True
            h.drain_started_at = self.clock()
            h.signal(signal.SIGTERM)

    # -- reload -----------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Reread the configuration; boot the new generation one worker after another, then drain the old
        generation together."""
        if self._stopping:
            return
        sdnotify.reloading("reloading configuration")
        self._record_reload("begin")
        try:
            # Plugins are discovered again (changed packages imported anew): their settings are part of it.
            catalog = loader.discover(previous=self.catalog)
            new = loader.load_settings(self.config_file, catalog=catalog, flags=self.flags, base_dir=self.base_dir)
            check_secret_files(new)
        except SettingsError as e:
            log.error("reload: configuration error, keeping the running configuration: %s", e)
            sdnotify.ready("reload failed: configuration error")
            self._record_reload("failed", f"configuration error, the running workers stay: {e}")
            return
        for s in START_ONLY:
            if new.get(s) != self.settings.get(s):
                log.warning("reload: %s changed; it takes effect only after a restart", s.key)
        self._previous_settings = self.settings
        self._previous_catalog = self.catalog
        self.catalog = catalog
        # Keep the start-only settings as they were so workers and the supervisor agree.
        self.settings = new.with_overrides({s.key: self.settings.get(s) for s in START_ONLY})
        self.generation += 1
        self.target = worker_count(self.settings)
        self._reloading = True
        log.info(
            "reload: starting %d new workers (generation %d), then draining the old ones",
            self.target,
            self.generation,
        )

    def _abort_reload(self, cause: str) -> None:
        log.error("reload aborted, keeping the running workers: %s", cause)
        if self._previous_settings is not None:
            self.settings = self._previous_settings
            self.catalog = self._previous_catalog
            self.target = worker_count(self.settings)
        self.generation -= 1
        self._reloading = False
        # Replacements that already booted run the abandoned configuration: they go, the old workers stay.
        for h in list(self.workers.values()):
            if h.generation > self.generation and not h.draining:
                self._drain(h)
        sdnotify.ready("reload aborted")
        self._record_reload("failed", f"aborted, the running workers stay: {cause}")

    # -- the loop's steps -------------------------------------------------------------------------------

    def _steady(self) -> bool:
        """Nothing in motion: the target number of workers, all serving, none signalled; no stop or reload."""
        if self._stopping or self._reloading or self._exit_code is not None or self.datastores.waiting:
            return False
        if len(self.workers) != self.target:
            return False
        r = self.embedded_redis
        if r is not None and (r.process is None or r.process.poll() is not None):
            return False
        return all(
            h.ready and not h.draining and not h.killed and h.abort_sent_at is None for h in self.workers.values()
        )

    def _timeout(self) -> float:
        """How long the next wait may last: :data:`TICK_S` while anything is in motion, longer when steady."""
        if not self._steady():
            return TICK_S
        now = self.clock()
        timeout = min(IDLE_TICK_S, self.settings.get(server.WORKER_HEARTBEAT_TIMEOUT_S) / 4)
        timeout = min(timeout, max(self._next_sample_at - now, 0.0))
        due = self.watchdog.due_in(now)
        return timeout if due is None else min(timeout, due)

    def _wait(self) -> None:
        fds = [self._wakeup_r, *(h.fd for h in self.workers.values() if h.fd_open)]
        try:
            readable, _, _ = select.select(fds, [], [], self._timeout())
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for clarity
            return
        if self._wakeup_r in readable:
            with contextlib.suppress(BlockingIOError):
                while os.read(self._wakeup_r, 512):
                    pass

    def _read_pipes(self) -> None:
        now = self.clock()
        for h in list(self.workers.values()):
            self._read_pipe(h, now)

    def _read_pipe(self, h: WorkerHandle, now: float) -> None:
        while h.fd_open:
            try:
                data = os.read(h.fd, 4096)
            except BlockingIOError:
                return
            except OSError:
                h.close_fd()
                return
            if not data:
                h.close_fd()
                return
            h.last_heartbeat = now
            for msg in h.reader.feed(data):
                if msg.kind == control.READY and not h.ready:
                    self._on_ready(h, now)
                elif msg.kind == control.FAIL:
                    h.boot_failure = msg.text
                elif msg.kind == control.UNAVAILABLE:
                    h.unavailable = msg.text

    def _on_ready(self, h: WorkerHandle, now: float) -> None:
        h.ready = True
        h.ready_at = now
        self._ever_ready = True
        self._boot_failure_streak = 0
        log.info("worker %d (pid %d, generation %d) is ready", h.index, h.pid, h.generation)
        waited = self.datastores.succeeded(now)
        if waited is not None:
            log.warning(
                "the datastores answer again after %.1f s (%d attempts): starting the other workers",
                waited,
                self.datastores.attempts,
            )
            sdnotify.status(f"starting {self.target} workers")
        if not self._announced_ready and sum(1 for w in self.workers.values() if w.ready) >= self.target:
            self._announced_ready = True
            log.info("all %d workers are ready", self.target)
            sdnotify.ready(f"serving with {self.target} workers")
            if self.on_ready is not None:
                self.on_ready(self)

    def _reap(self) -> None:
        for pid, h in list(self.workers.items()):
            if pid not in self.workers or self._exit_code is not None:
                continue  # a halt while handling an earlier exit has already reaped everything
            try:
                wpid, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                wpid, status = pid, 0
            if wpid == 0:
                continue
            self._read_pipe(h, self.clock())  # a FAIL message may still be in the pipe
            h.close_fd()
            del self.workers[pid]
            multiprocess.mark_process_dead(pid)  # its gauges leave the sums; its counters stay
            self._on_exit(h, status)

    def _on_exit(self, h: WorkerHandle, status: int) -> None:
        now = self.clock()
        text, code, sig = describe_status(status)
        if h.draining or self._stopping:
            log.info("worker %d (pid %d) exited after draining: %s", h.index, h.pid, text)
            return
        if not h.ready:
            if h.unavailable is not None or (code == control.EXIT_UNAVAILABLE and not h.boot_failure):
                self._on_unavailable(h, h.unavailable or f"it exited before it was ready ({text})")
                return
            cause = h.boot_failure or f"it exited before it was ready ({text})"
            self._on_boot_failure(h, cause)
            return
        lived = now - h.started_at
        if lived >= STABLE_AFTER_S:
            self._crash_streak = 0
        delay = min(RESTART_BACKOFF_INITIAL_S * (2**self._crash_streak), RESTART_BACKOFF_MAX_S)
        self._crash_streak += 1
        self._spawn_not_before = max(self._spawn_not_before, now + delay)
        hint = ""
        if sig == signal.SIGKILL and not h.killed:
            hint = " (SIGKILL from outside: the kernel's OOM killer, or an operator)"
        elif h.killed:
            hint = " (killed by the supervisor: it stopped sending heartbeats)"
        metrics.WORKER_RESTARTS.labels("hung" if h.killed else "signal" if sig is not None else "exit").inc()
        log.error(
            "worker %d (pid %d) died after %.1f s: %s%s; restarting in %.2f s",
            h.index,
            h.pid,
            lived,
            text,
            hint,
            delay,
        )
        if code == 0:
            log.error("worker %d (pid %d) exited on its own; was the supervisor's pid reused?", h.index, h.pid)

    def _on_boot_failure(self, h: WorkerHandle, cause: str) -> None:
        if not self._ever_ready:
            self._halt(f"worker {h.index} (pid {h.pid}) failed to boot: {cause}")
            return
        if self._reloading and h.generation == self.generation:
            self._abort_reload(f"the replacement worker (pid {h.pid}) failed to boot: {cause}")
            return
        self._boot_failure_streak += 1
        metrics.WORKER_BOOT_FAILURES.inc()
        if self._boot_failure_streak >= self.target:
            streak = self._boot_failure_streak
            self._halt(f"{streak} workers in a row failed to boot; the last (pid {h.pid}): {cause}")
            return
        delay = min(RESTART_BACKOFF_INITIAL_S * (2**self._boot_failure_streak), RESTART_BACKOFF_MAX_S)
        self._spawn_not_before = max(self._spawn_not_before, self.clock() + delay)
        log.error("worker %d (pid %d) failed to boot: %s; retrying in %.2f s", h.index, h.pid, cause, delay)

    def _on_unavailable(self, h: WorkerHandle, cause: str) -> None:
        """A worker could not reach Redis or the store: try again later, one worker at a time, never halt."""
        if self._reloading and h.generation == self.generation:
            self._abort_reload(f"the replacement worker (pid {h.pid}) cannot reach its datastores: {cause}")
            return
        now = self.clock()
        delay = self.datastores.failed(cause, started_at=h.started_at, now=now)
        self._spawn_not_before = max(self._spawn_not_before, now + delay)
        metrics.WORKER_DATASTORE_WAITS.inc()
        log.warning(
            "worker %d (pid %d) cannot reach its datastores: %s; waiting for them, next attempt in %.1f s (attempt %d)",
            h.index,
            h.pid,
            cause,
            delay,
            self.datastores.attempts,
        )
        status = f"waiting for the datastores (attempt {self.datastores.attempts}, next in {delay:.0f} s): {cause}"
        if self._ever_ready:
            sdnotify.status(status[:400])
        else:
            # Not ready yet: systemd would fail the start after TimeoutStartSec=; ask for the time the next
            # attempt can take instead, so the unit keeps waiting for the datastores rather than restarting.
            extend = delay + self.settings.get(server.WORKER_BOOT_TIMEOUT_S) + 10.0
            sdnotify.extend_timeout(extend, status[:400])

    def _record_reload(self, event: str, message: str = "") -> None:
        try:
            if event == "started":
                self.reload_status.started(self.generation)
            elif event == "begin":
                self.reload_status.begin(self.generation)
            elif event == "done":
                self.reload_status.done(self.generation, message)
            else:
                self.reload_status.failed(self.generation, message)
        except OSError as e:
            log.warning("cannot record the reload's status in %s: %s", self.reload_status.path, e)

    def _halt(self, message: str) -> None:
        log.critical("%s; halting (exit code %d)", message, EXIT_BOOT_FAILURE)
        sdnotify.notify("STOPPING=1", f"STATUS=halted: {message}"[:400])
        self._stopping = True
        self._kill_all(signal.SIGTERM)
        self._wait_all(1.0)
        self._exit_code = EXIT_BOOT_FAILURE

    def _murder(self) -> None:
        """Kill workers that stopped reporting: booting too long, silent too long, or draining too long."""
        now = self.clock()
        boot_timeout = self.settings.get(server.WORKER_BOOT_TIMEOUT_S)
        hb_timeout = self.settings.get(server.WORKER_HEARTBEAT_TIMEOUT_S)
        drain_timeout = self.settings.get(server.DRAIN_TIMEOUT_S)
        for h in list(self.workers.values()):
            if h.killed:
                continue
            if not h.ready and not h.draining and now - h.started_at > boot_timeout:
                h.boot_failure = h.boot_failure or f"it did not become ready within {boot_timeout:g} s"
                log.error("worker %d (pid %d) %s; killing it", h.index, h.pid, h.boot_failure)
                h.killed = h.signal(signal.SIGKILL)
            elif h.draining and h.drain_started_at is not None and now - h.drain_started_at > drain_timeout:
                log.warning(
                    "worker %d (pid %d) still draining after %.1f s; killing it",
                    h.index,
                    h.pid,
                    now - h.drain_started_at,
                )
                h.killed = h.signal(signal.SIGKILL)
            elif now - h.last_heartbeat > hb_timeout:
                if h.abort_sent_at is None:
                    log.error(
                        "worker %d (pid %d) sent no heartbeat for %.1f s; sending SIGABRT",
                        h.index,
                        h.pid,
                        now - h.last_heartbeat,
                    )
                    h.abort_sent_at = now
                    h.signal(signal.SIGABRT)
                    h.signal(signal.SIGCONT)  # a stopped process handles nothing until continued
                elif now - h.abort_sent_at > ABORT_GRACE_S:
                    log.error("worker %d (pid %d) survived SIGABRT; sending SIGKILL", h.index, h.pid)
                    h.killed = h.signal(signal.SIGKILL)
        if self._stopping and not self._stragglers_killed and now > self._stop_deadline and self.workers:
            log.warning(
                "drain timeout (%.1f s) reached: killing %d workers",
                self.settings.get(server.DRAIN_TIMEOUT_S),
                len(self.workers),
            )
            self._kill_all(signal.SIGKILL)
            self._stragglers_killed = True

    def _manage(self) -> None:
        if self._stopping:
            if not self.workers and self._exit_code is None:
                log.info("all workers have exited; supervisor exits")
                self._exit_code = EXIT_OK
            return
        now = self.clock()
        active = [h for h in self.workers.values() if not h.draining]
        booting = [h for h in active if not h.ready]
        old = [h for h in active if h.generation < self.generation]
        if old:
            # Rolling reload: boot the new generation one worker at a time, then drain every old worker at
            # once. Draining them together (each closes its listeners first) means no client moved off one
            # old worker lands on another old one about to drain: each client reconnects exactly once, and
            # the close notification's jittered reconnect hint spreads the reconnects
            # (tests/fault/test_reload_under_load.py).
            if booting:
                return
            if len(active) - len(old) < self.target:
                self._spawn(now)
                return
            for victim in sorted(old, key=lambda h: h.started_at):
                log.info("reload: draining worker %d (pid %d)", victim.index, victim.pid)
                self._drain(victim)
            return
        if self._reloading and not booting:
            self._reloading = False
            log.info("reload complete: %d workers at generation %d", len(active), self.generation)
            sdnotify.ready(f"serving with {len(active)} workers")
            self._record_reload("done", f"{len(active)} workers serving")
        if len(active) > self.target:
            for h in sorted(active, key=lambda h: h.started_at)[: len(active) - self.target]:
                log.info("draining surplus worker %d (pid %d)", h.index, h.pid)
                self._drain(h)
            return
        if now < self._spawn_not_before:
            return
        if self.datastores.waiting:
            # One probe at a time while the datastores do not answer; the others follow once it is ready.
            if not booting and len(active) < self.target:
                self._spawn(now)
            return
        for _ in range(self.target - len(active)):
            self._spawn(now)

    def _drain(self, h: WorkerHandle) -> None:
        h.draining = True
        h.drain_started_at = self.clock()
        h.signal(signal.SIGTERM)

    def _spawn(self, now: float) -> None:
        index = self._next_index
        self._next_index += 1
        close = [self._wakeup_r, self._wakeup_w, *(h.fd for h in self.workers.values() if h.fd_open)]
        h = spawn(
            index=index,
            generation=self.generation,
            settings=self.settings,
            redis_url=self.redis_url,
            close_in_child=close,
            now=now,
            catalog=self.catalog,
        )
        self.workers[h.pid] = h
        log.info("started worker %d (pid %d, generation %d)", index, h.pid, h.generation)

    def _kill_all(self, sig: int) -> None:
        for h in self.workers.values():
            if h.signal(sig) and sig == signal.SIGKILL:
                h.killed = True

    def _wait_all(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.workers:
            for pid in list(self.workers):
                try:
                    wpid, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    wpid = pid
                if wpid:
                    self.workers.pop(pid).close_fd()
            if not self.workers:
                return
            if time.monotonic() > deadline:
                for h in self.workers.values():
                    h.signal(signal.SIGKILL)
                for pid in list(self.workers):
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid, 0)
                    self.workers.pop(pid).close_fd()
                return
            time.sleep(0.01)

    def _observe(self) -> None:
        """Metrics of the supervisor's own: worker states (when they change) and process figures."""
        ready = sum(1 for h in self.workers.values() if h.ready and not h.draining)
        draining = sum(1 for h in self.workers.values() if h.draining)
        states = (ready, len(self.workers) - ready - draining, draining)
        if states != self._worker_states:
            self._worker_states = states
            for state, count in zip(("ready", "booting", "draining"), states, strict=True):
                metrics.WORKERS.labels(state).set(count)
        now = self.clock()
        if now >= self._next_sample_at:
            self._next_sample_at = now + self.settings.get(metrics_settings.PROCESS_INTERVAL_S)
            if self._sampler is None:
                self._sampler = ProcessSampler("supervisor")
            self._sampler.sample()

    # -- embedded redis ---------------------------------------------------------------------------------

    def _start_redis(self) -> bool:
        if self.redis_url:
            return True
        directory = Path(self.settings.get(server.DATA_DIR)) / "redis"
        try:
            self.embedded_redis = EmbeddedRedis(
                directory, binary=self.settings.get(redis.EMBEDDED_BINARY), die_with_parent=True
            )
            self.embedded_redis.start()
        except (EmbeddedRedisError, OSError) as e:
            log.critical("cannot start the embedded redis-server: %s", e)
            self.embedded_redis = None
            return False
        self.redis_url = self.embedded_redis.url
        return True

    def _check_redis(self) -> None:
        r = self.embedded_redis
        if r is None or self._stopping or r.process is None or r.process.poll() is None:
            return
        now = self.clock()
        if now < self._redis_restart_at:
            return
        log.error("the embedded redis-server (pid %d) exited with %s; restarting it", r.pid, r.process.returncode)
        self._redis_restart_at = now + 1.0
        try:
            r.stop()
            r.start()
        except (EmbeddedRedisError, OSError) as e:
            log.error("cannot restart the embedded redis-server: %s", e)

    def _stop_redis(self) -> None:
        if self.embedded_redis is not None:
            try:
                self.embedded_redis.stop()
            except OSError as e:
                if e.errno != errno.ESRCH:
                    log.warning("stopping the embedded redis-server: %s", e)
            self.embedded_redis = None

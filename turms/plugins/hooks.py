"""What call sites use: each point's running implementations, and the rules for combining their answers.

A worker has one :class:`Hooks`; its :class:`~turms.plugins.host.PluginHost` installs the enabled plugins'
implementations, per point, in ``plugins.enabled`` order. Call sites test the point's tuple first
(``if hooks.request_handlers:``), so with no plugin enabled a request pays one attribute read and no allocation.

Chain points are awaited on the request path (each call within its budget, :mod:`turms.plugins.guard`); event
points run in background tasks, at most ``plugins.max_pending_events`` per worker, so a slow plugin never delays
the request that caused the event.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Coroutine, Iterable, Mapping
from typing import Any

from turms.errors import RequestError
from turms.observability import metrics
from turms.plugins import guard
from turms.plugins.api import (
    DROP,
    AdminAction,
    Answer,
    AuthResult,
    ClientRequest,
    ContentResult,
    Drop,
    LoginAttempt,
    MessageContent,
    OnlineStatusChange,
    Push,
    Refuse,
    ReplaceText,
    RequestResult,
    Rewrite,
)
from turms.plugins.guard import FAILED, Impl
from turms.plugins.points import (
    ADMIN_ACTION,
    AUTHENTICATE,
    CHECK_MESSAGE,
    HANDLE_NOTIFICATION,
    HANDLE_REQUEST,
    OFFLINE_RECIPIENTS,
    ONLINE_STATUS,
    POINTS,
    ExtensionPoint,
)
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.requests import validate_request
from turms.protocol.status import ResponseStatusCode
from turms.settings import Settings
from turms.settings import plugins as plugin_settings

log = logging.getLogger("turms.plugins")

NONE = type(None)
#: Request kinds a rewrite may not turn a request into: the session's own, handled before the plugins.
SESSION_KINDS = frozenset({"create_session_request", "delete_session_request"})

AUTH_UNAVAILABLE = Refuse(ResponseStatusCode.SERVER_UNAVAILABLE, "authentication is unavailable; retry later")
REQUEST_UNAVAILABLE = Refuse(ResponseStatusCode.SERVER_UNAVAILABLE, "the request could not be checked; retry later")
CONTENT_UNAVAILABLE = Refuse(ResponseStatusCode.SERVER_UNAVAILABLE, "the message could not be checked; retry later")


class Hooks:
    """The enabled plugins' implementations of each point, and how call sites run them."""

    def __init__(self, settings: Settings | None = None, points: Iterable[ExtensionPoint] = POINTS) -> None:
        self.settings = settings
        self.points = tuple(points)
        self._chains: dict[str, tuple[Impl, ...]] = {p.method: () for p in self.points}
        self._pending: set[asyncio.Task[None]] = set()
        # One attribute per point of this server, for the call sites' cheap emptiness test.
        self.authenticators: tuple[Impl, ...] = ()
        self.request_handlers: tuple[Impl, ...] = ()
        self.notification_handlers: tuple[Impl, ...] = ()
        self.content_checkers: tuple[Impl, ...] = ()
        self.offline_handlers: tuple[Impl, ...] = ()
        self.status_handlers: tuple[Impl, ...] = ()
        self.admin_handlers: tuple[Impl, ...] = ()

    # -- installed by the host --------------------------------------------------------------------------

    def install(self, chains: Mapping[str, tuple[Impl, ...]], settings: Settings) -> None:
        """Replace every point's implementations at once (a request in flight keeps the tuple it read)."""
        self.settings = settings
        self._chains = {p.method: tuple(chains.get(p.method, ())) for p in self.points}
        self.authenticators = self._chains.get(AUTHENTICATE.method, ())
        self.request_handlers = self._chains.get(HANDLE_REQUEST.method, ())
        self.notification_handlers = self._chains.get(HANDLE_NOTIFICATION.method, ())
        self.content_checkers = self._chains.get(CHECK_MESSAGE.method, ())
        self.offline_handlers = self._chains.get(OFFLINE_RECIPIENTS.method, ())
        self.status_handlers = self._chains.get(ONLINE_STATUS.method, ())
        self.admin_handlers = self._chains.get(ADMIN_ACTION.method, ())

    def provider(self, point: ExtensionPoint) -> Impl | None:
        """The implementation that serves a provider point: the first enabled plugin implementing it."""
        impls = self._chains.get(point.method, ())
        return impls[0] if impls else None

    def _settings(self) -> Settings:
        assert self.settings is not None, "Hooks.install sets the settings with the first implementations"
        return self.settings

    async def call(self, impl: Impl, arg: Any, expect: tuple[type, ...] = ()) -> Any:
        """One guarded call (for points whose combining rule lives at their call site, e.g. providers)."""
        return await guard.call(impl, arg, self._settings(), expect)

    async def serve(self, impl: Impl, operation: str, *args: Any, expect: tuple[type, ...] = ()) -> Any:
        """One guarded call of a provider point's ``operation`` (one of its methods): its result, or
        :data:`~turms.plugins.guard.FAILED`."""
        return await guard.call_operation(impl, operation, args, self._settings(), expect)

    # -- chain points ------------------------------------------------------------------------------------

    async def authenticate(self, attempt: LoginAttempt) -> AuthResult:
        """The first plugin's decision, or None when every plugin passed. Fails closed: a plugin that fails
        refuses the login (SERVER_UNAVAILABLE) without asking the next one."""
        settings = self._settings()
        for impl in self.authenticators:
            result = await guard.call(impl, attempt, settings, (bool, Refuse, NONE))
            if result is FAILED:
                return AUTH_UNAVAILABLE
            if result is not None:
                decision: AuthResult = result
                return decision
        return None

    async def handle_request(self, request: ClientRequest) -> RequestResult:
        """Run the request through every plugin: the first :class:`Refuse` or :class:`Answer` ends it; rewrites
        accumulate and come back as one :class:`Rewrite` (None: unchanged)."""
        settings = self._settings()
        request_id = request.request.request_id
        current = request
        rewritten = False
        for impl in self.request_handlers:
            result = await guard.call(impl, current, settings, (Rewrite, Refuse, Answer, NONE))
            if isinstance(result, Rewrite):
                problem = _rewrite_problem(result, request_id)
                if problem is None:
                    current = dataclasses.replace(current, request=result.request)
                    rewritten = True
                    continue
                metrics.plugin_call(impl.plugin, impl.point.method, "error")
                guard.THROTTLE.log(impl, "returned an unusable rewrite: %s", problem)
                result = FAILED
            if result is FAILED:
                if impl.fails_closed:
                    return REQUEST_UNAVAILABLE
                continue
            if result is not None:
                outcome: RequestResult = result
                return outcome
        return Rewrite(current.request) if rewritten else None

    async def handle_notification(self, push: Push) -> Push | None:
        """The push as the plugins leave it, or None when one dropped it (or left it nobody to go to)."""
        settings = self._settings()
        for impl in self.notification_handlers:
            result = await guard.call(impl, push, settings, (Push, Drop, NONE))
            if result is FAILED or result is None:
                continue
            if result is DROP:
                return None
            push = result
            if not push.recipients:
                return None
        return push

    async def check_message(self, content: MessageContent) -> ContentResult:
        """The first :class:`Refuse`, else the text as the plugins replaced it (None: unchanged). Fails closed:
        a plugin that fails refuses the message (SERVER_UNAVAILABLE)."""
        settings = self._settings()
        replaced = False
        for impl in self.content_checkers:
            result = await guard.call(impl, content, settings, (Refuse, ReplaceText, NONE))
            if result is FAILED:
                return CONTENT_UNAVAILABLE
            if isinstance(result, Refuse):
                return result
            if isinstance(result, ReplaceText):
                content = dataclasses.replace(content, text=result.text)
                replaced = True
        if replaced and content.text is not None:
            return ReplaceText(content.text)
        return None

    # -- event points ------------------------------------------------------------------------------------

    def online_status(self, change: OnlineStatusChange) -> None:
        self.emit(self.status_handlers, change)

    def admin_action(self, action: AdminAction) -> None:
        self.emit(self.admin_handlers, action)

    def emit(self, impls: tuple[Impl, ...], event: Any) -> None:
        """Hand ``event`` to each of ``impls`` in the background (in order, each within its budget)."""
        if impls:
            self.spawn(self.deliver(impls, event), impls)

    async def deliver(self, impls: tuple[Impl, ...], event: Any) -> None:
        settings = self._settings()
        for impl in impls:
            await guard.call(impl, event, settings)

    def spawn(self, work: Coroutine[Any, Any, None], impls: tuple[Impl, ...]) -> None:
        """Run ``work`` (which delivers an event to ``impls``) in the background, unless the worker already holds
        ``plugins.max_pending_events``: then it is dropped and counted for each of ``impls``."""
        if len(self._pending) >= self._settings().get(plugin_settings.MAX_PENDING_EVENTS):
            work.close()
            for impl in impls:
                metrics.plugin_call(impl.plugin, impl.point.method, "dropped")
                guard.THROTTLE.log(impl, "event dropped: %d events are pending already", len(self._pending))
            return
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivering a plugin event failed", exc_info=task.exception())

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def drain(self, timeout_s: float) -> None:
        """Let pending events reach their plugins (the worker drains), then cancel what is left."""
        if not self._pending:
            return
        _, late = await asyncio.wait(set(self._pending), timeout=timeout_s)
        for task in late:
            task.cancel()
        if late:
            log.warning("%d plugin events were still pending at the end of the drain", len(late))
            await asyncio.wait(late, timeout=1.0)


def _rewrite_problem(rewrite: Rewrite, request_id: int) -> str | None:
    request: Any = rewrite.request  # typed; a plugin may still return anything
    if not isinstance(request, TurmsRequest):
        return f"the rewritten request is a {type(request).__name__}, not a TurmsRequest"
    try:
        request.request_id = request_id
        kind = validate_request(request)
    except (RequestError, AttributeError, TypeError, ValueError) as e:
        return str(e)
    if kind in SESSION_KINDS:
        return f"a request may not be rewritten into a {kind}"
    return None

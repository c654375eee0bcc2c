"""The routing bus: notifications and commands between worker instances over Redis pub/sub.

Each worker instance subscribes to its own channel and to the broadcast channel. ``deliver`` resolves the
recipients' live sessions through the session registry, groups them by the instance that holds them, and
publishes one message per target instance (pipelined) carrying the notification bytes serialized once;
recipients held by this instance are served directly, without Redis. Pub/sub is at-most-once: a lost
message is repaired by clients pulling, and when the subscription is re-established after a Redis outage,
every local session is told to resync.

Wire format of a bus message: one type byte, then a JSON header, then (for notifications) a newline and the
raw ``TurmsNotification`` bytes. The header's ``t`` is the trace id of the request that caused the
notification: the sending and the receiving workers both write it in their notification log lines. A kick's
header carries ``t`` too: the worker that closes the sessions logs the kick under that trace id.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

import orjson
import redis.asyncio as aioredis

from turms.cluster.keys import Keys
from turms.cluster.pubsub import publish, publish_command, subscribe
from turms.cluster.sessions import SessionEntry, SessionRegistry
from turms.observability import logging as observability_logging
from turms.observability import metrics, trace

log = logging.getLogger("turms.cluster.bus")
notification_log = logging.getLogger(observability_logging.NOTIFICATION)

NOTIFY = b"N"
KICK = b"K"
EVENT = b"E"

#: Session ids named in a kick's log line (an admin may kick thousands at once; the count is always logged).
MAX_LOGGED_SESSIONS = 20


class LocalSessions(Protocol):
    """What the bus needs from the worker's local session table."""

    def deliver_local(
        self, user_ids: Sequence[int], payload: bytes, exclude_session: str | None, trace_id: str | None
    ) -> int:
        """Write ``payload`` to every local session of ``user_ids`` except ``exclude_session``."""
        ...

    def close_local(self, session_ids: Sequence[str], close_status: int, reason: str | None) -> int:
        """Close these local sessions with a close notification."""
        ...

    def resync_all(self) -> None:
        """Tell every local session that pushes may have been lost, so clients pull."""
        ...


EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


class RoutingBus:
    def __init__(
        self,
        redis: aioredis.Redis,
        subscriber: aioredis.Redis,
        keys: Keys,
        instance_id: str,
        registry: SessionRegistry,
        local: LocalSessions,
    ) -> None:
        self.redis = redis
        self.subscriber = subscriber
        self.keys = keys
        self.instance_id = instance_id
        self.registry = registry
        self.local = local
        self.channel = keys.worker_channel(instance_id)
        #: PUBLISH, or SPUBLISH on a Redis Cluster (one shard per message: turms.cluster.pubsub).
        self._publish = publish_command(redis)
        self._handlers: dict[str, EventHandler] = {}
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        #: Incremented each time the subscription is (re-)established; tests and metrics read it.
        self.subscriptions = 0
        #: Awaited after a lost subscription is re-established, before local sessions are told to resync
        #: (Redis may have restarted empty: membership and session entries are written again).
        self.on_resubscribed: list[Callable[[], Awaitable[None]]] = []
        #: Called when cluster events may have been missed (a lost subscription, re-established): each cache
        #: that events keep fresh drops what they would have invalidated.
        self._lost_handlers: list[Callable[[], None]] = []

    # Sending -------------------------------------------------------------------------------------------

    async def deliver(
        self,
        user_ids: Iterable[int],
        payload: bytes,
        *,
        exclude_session: str | None = None,
        trace_id: str | None = None,
    ) -> int:
        """Send ``payload`` (serialized notification bytes) to every live session of ``user_ids``.

        Returns the number of worker instances targeted (this one included).
        """
        trace_id = trace_id or trace.current()  # e.g. an admin request's, when the caller passed none
        by_instance: dict[str, list[int]] = defaultdict(list)
        for uid, entries in (await self.registry.locate(user_ids)).items():
            for instance in {e.instance_id for e in entries}:
                by_instance[instance].append(uid)
        local = by_instance.pop(self.instance_id, None)
        sent = 0
        if local:
            sent = self.local.deliver_local(local, payload, exclude_session, trace_id)
            metrics.notifications_delivered("local", sent)
        if by_instance:
            try:
                # Published with the other pushes of this loop tick, in one pipeline (``turms.cluster.batcher``).
                await asyncio.gather(
                    *(
                        self.registry.batcher.call(
                            self._publish,
                            self.keys.worker_channel(instance),
                            NOTIFY + orjson.dumps({"u": uids, "x": exclude_session, "t": trace_id}) + b"\n" + payload,
                        )
                        for instance, uids in by_instance.items()
                    )
                )
            except (aioredis.RedisError, OSError):
                metrics.NOTIFICATIONS_DROPPED.labels("publish_failed").inc(len(by_instance))
                raise
            metrics.NOTIFICATIONS_PUBLISHED.labels("unicast").inc(len(by_instance))
        if observability_logging.notification_sampled(trace_id):
            notification_log.info(
                "notification sent",
                extra={
                    "trace_id": trace_id,
                    "fields": {
                        "direction": "sent",
                        "bytes": len(payload),
                        "local_users": len(local or ()),
                        "local_sessions": sent,
                        "routed_to": sorted(by_instance),
                        "routed_users": sum(len(u) for u in by_instance.values()),
                    },
                },
            )
        return len(by_instance) + (1 if local else 0)

    async def deliver_broadcast(
        self,
        user_ids: Iterable[int],
        payload: bytes,
        *,
        exclude_session: str | None = None,
        trace_id: str | None = None,
    ) -> None:
        """Send ``payload`` to every live session of ``user_ids`` with one broadcast message.

        For large audiences (big groups): no registry lookup per recipient; every worker instance receives
        the recipient list once and writes to the ones it holds.
        """
        trace_id = trace_id or trace.current()
        uids = list(user_ids)
        header = orjson.dumps({"u": uids, "x": exclude_session, "t": trace_id, "o": self.instance_id})
        # Published first, so the other workers write their share while this one writes its own (which it does
        # whatever became of the publish).
        try:
            await publish(self.redis, self.keys.broadcast_channel, NOTIFY + header + b"\n" + payload)
        except (aioredis.RedisError, OSError):
            metrics.NOTIFICATIONS_DROPPED.labels("publish_failed").inc()
            raise
        else:
            metrics.NOTIFICATIONS_PUBLISHED.labels("broadcast").inc()
        finally:
            sent = self.local.deliver_local(uids, payload, exclude_session, trace_id)
            metrics.notifications_delivered("local", sent)
        if observability_logging.notification_sampled(trace_id):
            notification_log.info(
                "notification broadcast",
                extra={
                    "trace_id": trace_id,
                    "fields": {"direction": "sent", "bytes": len(payload), "users": len(uids), "local_sessions": sent},
                },
            )

    async def kick(self, entries: Iterable[SessionEntry], close_status: int, reason: str | None = None) -> None:
        """Close these sessions wherever they are held.

        The kick carries the current trace id (the admin request's, or the login's that displaced them) in
        ``t``, so the worker that closes the sessions logs its line under the same trace.
        """
        trace_id = trace.current()
        by_instance: dict[str, list[str]] = defaultdict(list)
        for e in entries:
            by_instance[e.instance_id].append(e.session_id)
        local = by_instance.pop(self.instance_id, None)
        if local:
            self._close(local, close_status, reason, trace_id, "local")
        for instance, sids in by_instance.items():
            body = orjson.dumps({"s": sids, "c": close_status, "r": reason, "t": trace_id})
            await publish(self.redis, self.keys.worker_channel(instance), KICK + body)

    def _close(
        self, session_ids: list[str], close_status: int, reason: str | None, trace_id: str | None, route: str
    ) -> None:
        """Close the kicked sessions held here, under the kick's trace id, and log it (kicks are rare)."""
        with trace.use(trace_id):
            closed = self.local.close_local(session_ids, close_status, reason)
            log.info(
                "kick: closed %d of %d sessions with close status %d",
                closed,
                len(session_ids),
                close_status,
                extra={
                    "trace_id": trace_id,
                    "fields": {
                        "route": route,
                        "sessions": session_ids[:MAX_LOGGED_SESSIONS],
                        "closed": closed,
                        "close_status": close_status,
                    },
                },
            )

    async def broadcast(self, kind: str, body: dict[str, Any]) -> None:
        """Send a cluster-wide event to every worker instance (this one included, through Redis)."""
        await publish(self.redis, self.keys.broadcast_channel, EVENT + orjson.dumps({"k": kind, **body}))

    def on_event(self, kind: str, handler: EventHandler) -> None:
        self._handlers[kind] = handler

    def on_lost(self, handler: Callable[[], None]) -> None:
        """Call ``handler`` whenever events may have been missed (the subscription was lost and is back)."""
        self._lost_handlers.append(handler)

    # Receiving -----------------------------------------------------------------------------------------

    async def start(self, timeout_s: float = 10.0) -> None:
        self._task = asyncio.create_task(self._run(), name="routing-bus")
        await asyncio.wait_for(self._subscribed.wait(), timeout_s)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        delay = 0.05
        while True:
            try:
                async with subscribe(self.subscriber, [self.channel, self.keys.broadcast_channel]) as subscription:
                    self.subscriptions += 1
                    if self.subscriptions > 1:
                        log.warning("re-subscribed to Redis after a loss; telling local sessions to resync")
                        for lost in self._lost_handlers:  # events may have been missed with the subscription
                            lost()
                        for hook in self.on_resubscribed:
                            try:
                                await hook()
                            except (aioredis.RedisError, OSError) as e:
                                # Subscribed, but the state is not written back (e.g. pooled connections still
                                # on a demoted Sentinel master): start over, resubscribing, until it is; the
                                # sessions are told to resync only then.
                                log.warning("restoring cluster state after a Redis loss failed: %s", e)
                                raise
                        self.local.resync_all()
                    self._subscribed.set()
                    delay = 0.05
                    while True:
                        await self._dispatch(await subscription.get())
            except asyncio.CancelledError:
                raise
            except (aioredis.RedisError, OSError) as e:
                log.warning("Redis subscription lost (%s); reconnecting in %.2f s", e, delay)
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)

    async def _dispatch(self, data: bytes) -> None:
        kind = data[:1]
        try:
            if kind == NOTIFY:
                header, _, payload = data[1:].partition(b"\n")
                h = orjson.loads(header)
                if h.get("o") != self.instance_id:  # a broadcast's origin served its own sessions already
                    self._received(h, payload)
            elif kind == KICK:
                h = orjson.loads(data[1:])
                self._close(h["s"], h["c"], h.get("r"), h.get("t"), "routed")
            elif kind == EVENT:
                h = orjson.loads(data[1:])
                handler = self._handlers.get(h.get("k", ""))
                if handler is not None:
                    await handler(h)
            else:
                metrics.NOTIFICATIONS_DROPPED.labels("bad_message").inc()
                log.warning("unknown bus message type %r", kind)
        except Exception:
            # One bad message must not stop the subscription.
            if kind == NOTIFY:
                metrics.NOTIFICATIONS_DROPPED.labels("bad_message").inc()
            log.exception("failed to handle a bus message of type %r", kind)

    def _received(self, header: dict[str, Any], payload: bytes) -> None:
        """A notification from another worker: write it to the recipients' sessions held here."""
        trace_id = header.get("t")
        broadcast = "o" in header
        with trace.use(trace_id):
            sent = self.local.deliver_local(header["u"], payload, header.get("x"), trace_id)
            metrics.notifications_delivered("broadcast" if broadcast else "routed", sent)
            if not sent and not broadcast:
                # The registry named this worker, but the sessions are gone (closed meanwhile).
                metrics.NOTIFICATIONS_DROPPED.labels("no_session").inc()
            if observability_logging.notification_sampled(trace_id):
                notification_log.info(
                    "notification delivered",
                    extra={
                        "trace_id": trace_id,
                        "fields": {
                            "direction": "received",
                            "route": "broadcast" if broadcast else "routed",
                            "bytes": len(payload),
                            "users": len(header["u"]),
                            "sessions": sent,
                        },
                    },
                )

"""The table of extension points: one row per point, naming its method, how it is called, how it fails and the
setting that holds its time budget.

A new point is one protocol in :mod:`turms.plugins.api`, one row here (with its budget setting in
``turms/settings/plugins.py``), and its call site, which asks :class:`turms.plugins.hooks.Hooks` for the point's
implementations. Three modes cover what Turms's points do:

* ``CHAIN``: awaited on the request path, one implementation after another in ``plugins.enabled`` order; each
  may decide (and end the chain) or pass;
* ``EVENT``: handed to every implementation off the request path, bounded by ``plugins.max_pending_events``;
* ``PROVIDER``: the first enabled implementation serves (for service providers such as a conference backend). A
  provider's protocol may have several methods: the point names the first (``method``, which identifies it) and
  the others (``operations``); a class that defines one must define them all. Each is guarded and counted under
  its own name.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from turms.plugins import api
from turms.settings import Setting
from turms.settings import plugins as plugin_settings


class Mode(StrEnum):
    CHAIN = "chain"
    EVENT = "event"
    PROVIDER = "provider"


@dataclass(frozen=True)
class ExtensionPoint:
    #: The method a plugin class defines to implement the point (also the point's name in metrics).
    method: str
    protocol: type
    mode: Mode
    #: A failure or overrun refuses (a security decision) rather than skipping the plugin.
    fails_closed: bool
    budget: Setting[int]
    summary: str
    #: A provider point's further methods (its protocol has several; all are required).
    operations: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.method

    @property
    def methods(self) -> tuple[str, ...]:
        """Every method an implementation defines: ``method``, then the ``operations``."""
        return (self.method, *self.operations)


AUTHENTICATE = ExtensionPoint(
    "authenticate",
    api.UserAuthenticator,
    Mode.CHAIN,
    True,
    plugin_settings.AUTHENTICATE_BUDGET_MS,
    "user login: accept, refuse or pass to the next plugin and finally the built-in password/JWT check",
)
HANDLE_REQUEST = ExtensionPoint(
    "handle_request",
    api.ClientRequestHandler,
    Mode.CHAIN,
    False,
    plugin_settings.REQUEST_BUDGET_MS,
    "a client request before its domain: rewrite, refuse with a status code, answer, or pass",
)
HANDLE_NOTIFICATION = ExtensionPoint(
    "handle_notification",
    api.NotificationHandler,
    Mode.CHAIN,
    False,
    plugin_settings.NOTIFICATION_BUDGET_MS,
    "a notification about to be pushed: rewrite it, narrow its recipients, or drop it",
)
CHECK_MESSAGE = ExtensionPoint(
    "check_message",
    api.MessageContentChecker,
    Mode.CHAIN,
    True,
    plugin_settings.CONTENT_BUDGET_MS,
    "a message's text and records after antispam: refuse, replace the text, or pass",
)
OFFLINE_RECIPIENTS = ExtensionPoint(
    "on_offline_recipients",
    api.OfflineRecipientsHandler,
    Mode.EVENT,
    False,
    plugin_settings.EVENT_BUDGET_MS,
    "a stored and pushed message, with those of its recipients who were offline (offline push)",
)
ONLINE_STATUS = ExtensionPoint(
    "on_online_status_change",
    api.UserOnlineStatusChangeHandler,
    Mode.EVENT,
    False,
    plugin_settings.EVENT_BUDGET_MS,
    "a session logged in or ended, or its user set a status",
)
ADMIN_ACTION = ExtensionPoint(
    "on_admin_action",
    api.AdminActionHandler,
    Mode.EVENT,
    False,
    plugin_settings.EVENT_BUDGET_MS,
    "an admin API write, as audit-logged (audit sinks)",
)
CONFERENCE = ExtensionPoint(
    "create_room",
    api.ConferenceProvider,
    Mode.PROVIDER,
    False,
    plugin_settings.CONFERENCE_BUDGET_MS,
    "the media server of meeting rooms: open, probe and close a meeting's room, grant a participant its token",
    operations=("room_exists", "delete_room", "grant"),
)

#: Every extension point, in the order docs/plugins.md describes them.
POINTS: tuple[ExtensionPoint, ...] = (
    AUTHENTICATE,
    HANDLE_REQUEST,
    HANDLE_NOTIFICATION,
    CHECK_MESSAGE,
    OFFLINE_RECIPIENTS,
    ONLINE_STATUS,
    ADMIN_ACTION,
    CONFERENCE,
)


def implemented(cls: type, points: Iterable[ExtensionPoint] = POINTS) -> tuple[ExtensionPoint, ...]:
    """The points a plugin class implements: those whose method it defines."""
    return tuple(p for p in points if callable(getattr(cls, p.method, None)))


def problems(cls: type, points: Iterable[ExtensionPoint] = POINTS) -> list[str]:
    """Why a plugin class cannot be used, if it cannot: a point's method that is not a coroutine function, or a
    provider point's method that is missing."""
    out = []
    for p in implemented(cls, points):
        for name in p.methods:
            if not inspect.iscoroutinefunction(getattr(cls, name, None)):
                part = f" (with {p.method}, it implements a provider)" if name != p.method else ""
                out.append(f"{cls.__qualname__}.{name} must be an async def{part}")
    for hook in ("start", "stop"):
        method = getattr(cls, hook, None)
        if method is not None and not inspect.iscoroutinefunction(method):
            out.append(f"{cls.__qualname__}.{hook} must be an async def")
    return out

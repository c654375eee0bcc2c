"""The public plugin API: how a plugin declares itself, and the extension points it may implement.

A plugin package exposes one :class:`PluginSpec` through the ``turms.plugins`` entry-point group::

    [project.entry-points."turms.plugins"]
    myplugin = "my_package:PLUGIN"

The spec names the plugin class; each worker constructs it with a :class:`PluginContext` when the plugin is
enabled, awaits its optional ``start()``, and awaits its optional ``stop()`` when it is disabled or the worker
drains. The class implements any of the extension points below by defining the point's method; the server
finds them by name. Every method is a coroutine and is called under a time budget (``plugins.budget.*``):

=========================  ==================================  ==========================================
Point (method)             When                                May
=========================  ==================================  ==========================================
``authenticate``           a login, before the built-in check  accept, refuse, or pass (``None``)
``handle_request``         a client request, before the domain rewrite, refuse, answer, or pass
``handle_notification``    a push, before it is routed         rewrite, narrow the recipients, drop
``check_message``          a message's content, after antispam refuse, replace the text, or pass
``on_offline_recipients``  a message stored and pushed         observe (event; off the request path)
``on_online_status_change`` a session opened, closed, status   observe (event)
``on_admin_action``        an admin API write, after the audit observe (event)
``create_room`` …          a meeting needs its media room      serve (provider: the first enabled one)
=========================  ==================================  ==========================================

``authenticate`` and ``check_message`` fail closed: a plugin that raises or overruns its budget refuses. The
other points fail open: the plugin is skipped (a ``handle_request`` plugin may set ``fail_closed = True``). The
conference provider (:class:`ConferenceProvider`: ``create_room``, ``room_exists``, ``delete_room``, ``grant``) is
served by the first enabled plugin that implements it; a call that fails makes the meeting request answer
SERVER_UNAVAILABLE. Every failure is logged and counted (``turms_plugin_calls_total``). docs/plugins.md has the
contracts.

This module imports only the standard library, the protocol's generated messages and status codes, and the
settings validators, so a plugin package can depend on it alone.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from turms.settings.registry import Validator, at_least, between

if TYPE_CHECKING:
    from turms.protocol.pb.turms_notification_pb2 import TurmsNotification
    from turms.protocol.pb.turms_request_pb2 import TurmsRequest
    from turms.protocol.status import ResponseStatusCode

__all__ = [
    "DROP",
    "AdminAction",
    "AdminActionHandler",
    "Answer",
    "AuthResult",
    "ClientRequest",
    "ClientRequestHandler",
    "ConferenceProvider",
    "ContentResult",
    "Drop",
    "JoinGrant",
    "LoginAttempt",
    "MessageContent",
    "MessageContentChecker",
    "NotificationHandler",
    "OfflineMessage",
    "OfflineRecipientsHandler",
    "OnlineStatusChange",
    "PluginContext",
    "PluginSetting",
    "PluginSpec",
    "ProviderError",
    "Push",
    "Refuse",
    "ReplaceText",
    "RequestResult",
    "ResponseStatusCode",
    "Rewrite",
    "RoomSpec",
    "TurmsNotification",
    "TurmsRequest",
    "UserAuthenticator",
    "UserOnlineStatusChangeHandler",
    "Validator",
    "at_least",
    "between",
    "http_url",
    "room_name",
]


def __getattr__(name: str) -> Any:
    """``TurmsRequest``, ``TurmsNotification`` and ``ResponseStatusCode``, imported on first use: the supervisor
    reads plugin specs at start-up and on every reload, before it claims its ports, and needs none of them."""
    if name == "ResponseStatusCode":
        from turms.protocol.status import ResponseStatusCode

        return ResponseStatusCode
    if name == "TurmsRequest":
        from turms.protocol.pb.turms_request_pb2 import TurmsRequest

        return TurmsRequest
    if name == "TurmsNotification":
        from turms.protocol.pb.turms_notification_pb2 import TurmsNotification

        return TurmsNotification
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- declaring a plugin ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PluginSetting:
    """One setting of a plugin, declared relative to its section: ``PluginSetting("url", str, "", "...")`` of the
    plugin ``webhook`` is ``plugins.webhook.url`` (environment ``TURMS_PLUGINS_WEBHOOK_URL``). Types and
    validators are those of every other setting (``bool``, ``int``, ``float``, ``str``, or ``list`` with
    ``item_type``); ``live`` ones can be changed cluster-wide at run time (``PUT /cluster/settings``)."""

    key: str
    value_type: type
    default: Any
    description: str
    validator: Validator | None = None
    live: bool = False
    secret: bool = False
    item_type: type | None = None
    choices: tuple[Any, ...] | None = None
    #: A filesystem path (a ``str``): a relative value is made absolute against the directory the server was
    #: started in, as for the server's own path settings.
    path: bool = False


@dataclass(frozen=True)
class PluginSpec:
    """What a ``turms.plugins`` entry point refers to.

    ``plugin`` is the class each worker constructs, ``plugin(context)``, when the plugin is enabled; the methods it
    defines decide which extension points it implements. ``version`` defaults to the version of the installed
    distribution that declares the entry point.
    """

    name: str
    plugin: type
    description: str = ""
    settings: tuple[PluginSetting, ...] = ()
    version: str | None = None


class PluginContext(Protocol):
    """What a plugin instance is given: its name, its settings, a logger, its metrics, and where it runs."""

    @property
    def name(self) -> str: ...

    @property
    def log(self) -> logging.Logger:
        """The logger ``turms.plugins.<name>``."""
        ...

    @property
    def instance_id(self) -> str:
        """The cluster-unique id of the worker the plugin runs in."""
        ...

    def setting(self, key: str) -> Any:
        """The current value of one of the plugin's settings, by its relative key (``"url"``). Read it when it
        is needed rather than once: live settings change while the plugin runs."""
        ...

    def count(self, event: str, n: int = 1) -> None:
        """Add ``n`` to ``turms_plugin_events_total{plugin=<name>, event=<event>}``."""
        ...

    def gauge(self, name: str, value: float) -> None:
        """Set ``turms_plugin_gauge{plugin=<name>, name=<name>}`` for this worker (summed per host)."""
        ...


# -- values shared by several points ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refuse:
    """Refuse what is being decided (a login, a request, a message) with this status code and reason."""

    code: ResponseStatusCode
    reason: str | None = None


# -- authenticate ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """A ``CreateSessionRequest`` that passed the protocol checks (version, device type allowed)."""

    user_id: int
    #: The password field: a password, a token, anything the client and the plugin agree on (left out of the
    #: repr, so logging an attempt does not log it).
    password: str | None = field(repr=False)
    device_type: int
    ip: str
    user_status: int
    device_details: Mapping[str, str] = field(default_factory=dict)


#: ``True`` accepts (the built-in check is skipped), ``False`` refuses with LOGIN_AUTHENTICATION_FAILED, a
#: :class:`Refuse` refuses with its code, ``None`` asks the next plugin and finally the built-in check.
AuthResult = bool | Refuse | None


class UserAuthenticator(Protocol):
    async def authenticate(self, attempt: LoginAttempt) -> AuthResult: ...


# -- handle_request --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientRequest:
    """A logged-in session's request, before its domain handles it. ``request`` is the server's own object:
    read it, and to change it return a :class:`Rewrite` with a copy."""

    user_id: int
    device_type: int
    session_id: str
    ip: str
    request: TurmsRequest

    @property
    def kind(self) -> str:
        """The request kind, e.g. ``"create_message_request"``."""
        kind: str = self.request.WhichOneof("kind")
        return kind

    @property
    def body(self) -> Any:
        """The request message of :attr:`kind`."""
        return getattr(self.request, self.kind)


@dataclass(frozen=True, slots=True)
class Rewrite:
    """Go on with this request instead. Its request id is set back to the client's; a rewrite into a login or
    logout is refused. The next plugin sees the rewritten request."""

    request: TurmsRequest


@dataclass(frozen=True, slots=True)
class Answer:
    """Answer the request here: the domain does not see it."""

    code: ResponseStatusCode = field(default_factory=lambda: __getattr__("ResponseStatusCode").OK)
    reason: str | None = None
    data: TurmsNotification.Data | None = None


RequestResult = Rewrite | Refuse | Answer | None


class ClientRequestHandler(Protocol):
    #: When True, a failure or overrun of this plugin's ``handle_request`` refuses the request
    #: (SERVER_UNAVAILABLE) instead of skipping the plugin: for plugins that enforce a policy.
    fail_closed: ClassVar[bool]

    async def handle_request(self, request: ClientRequest) -> RequestResult: ...


# -- handle_notification ---------------------------------------------------------------------------------


class Drop(enum.Enum):
    DROP = "drop"


#: Returned by ``handle_notification``: nobody gets the push.
DROP = Drop.DROP


class Push:
    """A notification about to be pushed: its serialized bytes and the users it goes to (their sessions on any
    worker; the requesting session itself is excluded, as always). ``notification`` parses the bytes once."""

    __slots__ = ("_notification", "payload", "recipients", "trace_id")

    def __init__(self, payload: bytes, recipients: frozenset[int], trace_id: str | None = None) -> None:
        self.payload = payload
        self.recipients = recipients
        self.trace_id = trace_id
        self._notification: TurmsNotification | None = None

    @property
    def notification(self) -> TurmsNotification:
        """The parsed notification (a copy of the bytes: changing it changes nothing unless returned)."""
        if self._notification is None:
            from turms.protocol.pb.turms_notification_pb2 import TurmsNotification

            n = TurmsNotification()
            n.ParseFromString(self.payload)
            self._notification = n
        return self._notification

    def replace(
        self, *, notification: TurmsNotification | None = None, recipients: frozenset[int] | None = None
    ) -> Push:
        """A changed push: new content, fewer recipients (users not in :attr:`recipients` are ignored: a plugin
        narrows the audience the domain authorised, it never widens it)."""
        payload = self.payload if notification is None else bytes(notification.SerializeToString())
        who = self.recipients if recipients is None else self.recipients & frozenset(recipients)
        out = Push(payload, who, self.trace_id)
        out._notification = notification
        return out


class NotificationHandler(Protocol):
    async def handle_notification(self, push: Push) -> Push | Drop | None:
        """``None`` keeps the push as it is; a :class:`Push` (from :meth:`Push.replace`) replaces it; ``DROP``
        sends it to nobody."""
        ...


# -- check_message ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessageContent:
    """The content of a message being sent (``message_id`` None) or edited, after the antispam check."""

    sender_id: int
    target_id: int
    is_group: bool
    text: str | None
    records: tuple[bytes, ...]
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReplaceText:
    """Store and push this text instead (the next plugin sees it)."""

    text: str


ContentResult = Refuse | ReplaceText | None


class MessageContentChecker(Protocol):
    async def check_message(self, content: MessageContent) -> ContentResult: ...


# -- events ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfflineMessage:
    """A message was stored and pushed; these of its recipients had no session anywhere in the cluster.

    Called once per message, by the worker that stored it, only when some recipient was offline. The sender is
    never among the recipients. ``text`` is what was stored (after antispam and ``check_message``)."""

    message_id: int
    sequence_id: int
    sender_id: int
    target_id: int
    is_group: bool
    is_system: bool
    delivery_date_ms: int
    text: str | None
    record_count: int
    recipient_ids: frozenset[int]
    offline_recipient_ids: frozenset[int]
    trace_id: str = ""


class OfflineRecipientsHandler(Protocol):
    async def on_offline_recipients(self, message: OfflineMessage) -> None: ...


@dataclass(frozen=True, slots=True)
class OnlineStatusChange:
    """A session logged in (``online``), ended (``online`` False, with the close status), or its user set a
    status (``UpdateUserOnlineStatusRequest``; ``online`` True)."""

    user_id: int
    device_type: int
    session_id: str
    online: bool
    #: ``UserStatus``: 0 AVAILABLE … 1 OFFLINE.
    status: int
    at_ms: int
    ip: str = ""
    close_status: int | None = None


class UserOnlineStatusChangeHandler(Protocol):
    async def on_online_status_change(self, change: OnlineStatusChange) -> None: ...


@dataclass(frozen=True, slots=True)
class AdminAction:
    """An admin API write (allowed or refused), as the audit log records it. Request bodies are not included
    (they may carry passwords)."""

    admin: str | None
    ip: str
    method: str
    route: str
    targets: tuple[str, ...]
    http_status: int
    code: int
    trace_id: str
    at_ms: int


class AdminActionHandler(Protocol):
    async def on_admin_action(self, action: AdminAction) -> None: ...


# -- the conference provider (a provider point) ---------------------------------------------------------


class ProviderError(Exception):
    """A provider failed, refused or timed out (any exception does the same; this one reads clearly in the log):
    nothing it was asked to do can be assumed done."""


@dataclass(frozen=True, slots=True)
class RoomSpec:
    """A room to open for a meeting."""

    meeting_id: int
    #: A room nobody is in closes after this long (the meeting's expiry).
    empty_timeout_s: int
    #: A group's meeting (else one with a user).
    is_group: bool


@dataclass(frozen=True, slots=True)
class JoinGrant:
    """What a participant needs to join a meeting's room."""

    #: The credential the media server checks (for LiveKit, a JWT naming the room and the user).
    access_token: str
    #: Where clients connect with it; "" when the provider does not know.
    url: str = ""


def room_name(meeting_id: int) -> str:
    """The room of a meeting: its id in decimal (what Turms's LiveKit plugin uses too)."""
    return str(meeting_id)


class ConferenceProvider(Protocol):
    """The media server that hosts meeting rooms. Turms keeps the meeting (who, when, password, cancellation) in
    its own store and delegates the room, as Turms does to its ``ConferenceServiceProvider`` plugin.

    A provider point: the first plugin in ``plugins.enabled`` that defines these four methods (all of them) serves
    every meeting request; with none, the requests that need one answer CONFERENCE_NOT_IMPLEMENTED (8000). Each
    call runs within ``plugins.budget.conference_ms``; one that raises (:class:`ProviderError` or anything else),
    overruns or returns the wrong type makes the request answer SERVER_UNAVAILABLE (1201) after what it had
    changed is undone. Rooms are named after their meeting id (:func:`room_name`)."""

    async def create_room(self, room: RoomSpec) -> None:
        """Open the meeting's room. Idempotent: an open room of that name is left as it is."""
        ...

    async def room_exists(self, meeting_id: int) -> bool:
        """Whether the meeting's room is open now (it closes when deleted, or when empty for its timeout)."""
        ...

    async def delete_room(self, meeting_id: int) -> None:
        """Close the meeting's room, disconnecting whoever is in it. Idempotent: no room is success."""
        ...

    async def grant(self, meeting_id: int, user_id: int) -> JoinGrant:
        """Let ``user_id`` join the meeting's room (as that identity)."""
        ...


#: A validator for a URL setting: empty, or ``http://`` / ``https://`` with a host.
def http_url(value: Any) -> str | None:
    if not value:
        return None
    text = str(value)
    scheme, sep, rest = text.partition("://")
    if not sep or scheme not in ("http", "https") or not rest.split("/", 1)[0]:
        return f"{text!r} is not an http:// or https:// URL"
    return None

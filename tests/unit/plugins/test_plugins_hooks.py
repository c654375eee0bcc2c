"""The extension points' rules, with plugins started as a worker starts them: chains and what ends them, the time
budget and the metrics, fail closed or open, events off the request path and their bound, live enable/disable."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from prometheus_client import REGISTRY

from turms.plugins.api import (
    DROP,
    Answer,
    ClientRequest,
    JoinGrant,
    LoginAttempt,
    MessageContent,
    OnlineStatusChange,
    PluginSpec,
    ProviderError,
    Push,
    Refuse,
    ReplaceText,
    Rewrite,
    RoomSpec,
    TurmsNotification,
    TurmsRequest,
)
from turms.plugins.guard import FAILED as FAILED_CALL
from turms.plugins.hooks import AUTH_UNAVAILABLE, CONTENT_UNAVAILABLE, REQUEST_UNAVAILABLE, Hooks
from turms.plugins.host import FAILED, RUNNING, PluginHost
from turms.plugins.loader import catalog_of
from turms.plugins.points import (
    AUTHENTICATE,
    CONFERENCE,
    HANDLE_REQUEST,
    POINTS,
    ExtensionPoint,
    Mode,
    implemented,
)
from turms.plugins.testing import running, settings_for
from turms.protocol.status import ResponseStatusCode as Code
from turms.settings import plugins as plugin_settings

ATTEMPT = LoginAttempt(7, "pw", 0, "127.0.0.1", 0)


def calls(plugin: str, point: str, outcome: str) -> float:
    return (
        REGISTRY.get_sample_value("turms_plugin_calls_total", {"plugin": plugin, "point": point, "outcome": outcome})
        or 0.0
    )


def client_request(kind: str = "create_message_request", **fields: Any) -> ClientRequest:
    request = TurmsRequest(request_id=5)
    body = getattr(request, kind)
    body.SetInParent()
    for k, v in fields.items():
        setattr(body, k, v)
    return ClientRequest(7, 0, "s-1", "127.0.0.1", request)


def spec(name: str, **methods: Any) -> PluginSpec:
    """A plugin class with these methods (``fail_closed`` and other attributes pass through)."""

    def init(self: Any, ctx: Any) -> None:
        self.ctx = ctx

    return PluginSpec(name, type(name.title(), (), {"__init__": init, **methods}))


def answer(value: Any) -> Any:
    async def method(self: Any, arg: Any) -> Any:
        return value

    return method


def raising(error: Exception) -> Any:
    async def method(self: Any, arg: Any) -> Any:
        raise error

    return method


def hanging() -> Any:
    async def method(self: Any, arg: Any) -> Any:
        await asyncio.sleep(3600)

    return method


# -- authenticate ----------------------------------------------------------------------------------------


async def test_authenticate_asks_in_order_until_one_decides() -> None:
    passing, accepting, refusing = (
        spec("passing", authenticate=answer(None)),
        spec("accepting", authenticate=answer(True)),
        spec("refusing", authenticate=answer(Refuse(Code.LOGGING_IN_USER_NOT_ACTIVE))),
    )
    async with running(passing, accepting, refusing) as (hooks, _):
        assert await hooks.authenticate(ATTEMPT) is True
    async with running(passing, refusing, accepting) as (hooks, _):
        assert await hooks.authenticate(ATTEMPT) == Refuse(Code.LOGGING_IN_USER_NOT_ACTIVE)
    async with running(passing) as (hooks, _):
        assert await hooks.authenticate(ATTEMPT) is None  # the built-in check decides


async def test_authenticate_fails_closed_on_errors_timeouts_and_bad_answers() -> None:
    before = calls("slow", "authenticate", "timeout")
    slow = spec("slow", authenticate=hanging())
    accepting = spec("accepting", authenticate=answer(True))
    async with running(slow, accepting, settings={plugin_settings.AUTHENTICATE_BUDGET_MS.key: 20}) as (hooks, _):
        assert await hooks.authenticate(ATTEMPT) == AUTH_UNAVAILABLE  # the next plugin is not asked
    assert calls("slow", "authenticate", "timeout") == before + 1
    async with running(spec("broken", authenticate=raising(RuntimeError("db down"))), accepting) as (hooks, _):
        assert await hooks.authenticate(ATTEMPT) == AUTH_UNAVAILABLE
    assert calls("broken", "authenticate", "error") >= 1
    async with running(spec("odd", authenticate=answer("yes")), accepting) as (hooks, _):
        assert await hooks.authenticate(ATTEMPT) == AUTH_UNAVAILABLE


# -- handle_request --------------------------------------------------------------------------------------


def rewrite_text(text: str) -> Any:
    async def method(self: Any, request: ClientRequest) -> Any:
        copy = TurmsRequest()
        copy.CopyFrom(request.request)
        copy.create_message_request.text = request.body.text + text
        copy.request_id = 999  # set back to the client's
        return Rewrite(copy)

    return method


async def test_requests_are_rewritten_in_order_refused_or_answered() -> None:
    a, b = spec("a", handle_request=rewrite_text("+a")), spec("b", handle_request=rewrite_text("+b"))
    async with running(a, b) as (hooks, _):
        outcome = await hooks.handle_request(client_request(text="hi"))
        assert isinstance(outcome, Rewrite)
        assert outcome.request.create_message_request.text == "hi+a+b"
        assert outcome.request.request_id == 5
    refuser = spec("refuser", handle_request=answer(Refuse(Code.UNAUTHORIZED_REQUEST, "no")))
    answerer = spec("answerer", handle_request=answer(Answer(Code.NO_CONTENT)))
    async with running(a, refuser, answerer) as (hooks, _):
        assert await hooks.handle_request(client_request(text="hi")) == Refuse(Code.UNAUTHORIZED_REQUEST, "no")
    async with running(answerer, refuser) as (hooks, _):
        assert await hooks.handle_request(client_request(text="hi")) == Answer(Code.NO_CONTENT)
    async with running(spec("quiet", handle_request=answer(None))) as (hooks, _):
        assert await hooks.handle_request(client_request(text="hi")) is None


async def test_a_rewrite_into_a_login_or_an_invalid_request_is_a_failure_of_that_plugin() -> None:
    login = TurmsRequest(request_id=1)
    login.create_session_request.version = 1
    empty = TurmsRequest(request_id=1)
    for bad in (login, empty, "not a request"):
        async with running(spec("bad", handle_request=answer(Rewrite(bad)))) as (hooks, _):  # type: ignore[arg-type]
            assert await hooks.handle_request(client_request(text="hi")) is None  # skipped: fails open
        closed = spec("strict", handle_request=answer(Rewrite(bad)), fail_closed=True)  # type: ignore[arg-type]
        async with running(closed) as (hooks, _):
            assert await hooks.handle_request(client_request(text="hi")) == REQUEST_UNAVAILABLE


async def test_request_handlers_fail_open_unless_they_ask_to_fail_closed() -> None:
    settings = {plugin_settings.REQUEST_BUDGET_MS.key: 20}
    refuser = spec("refuser", handle_request=answer(Refuse(Code.UNAUTHORIZED_REQUEST)))
    async with running(spec("slow", handle_request=hanging()), refuser, settings=settings) as (hooks, _):
        assert await hooks.handle_request(client_request(text="x")) == Refuse(Code.UNAUTHORIZED_REQUEST)
    strict = spec("strict", handle_request=hanging(), fail_closed=True)
    async with running(strict, refuser, settings=settings) as (hooks, _):
        assert await hooks.handle_request(client_request(text="x")) == REQUEST_UNAVAILABLE


# -- handle_notification ---------------------------------------------------------------------------------


def push_of(text: str, recipients: set[int]) -> Push:
    n = TurmsNotification(timestamp=1)
    n.relayed_request.create_message_request.text = text
    return Push(n.SerializeToString(), frozenset(recipients), "t")


async def test_notifications_are_rewritten_narrowed_never_widened_or_dropped() -> None:
    async def shout(self: Any, push: Push) -> Push:
        n = push.notification
        n.relayed_request.create_message_request.text = n.relayed_request.create_message_request.text.upper()
        return push.replace(notification=n, recipients=push.recipients | {99})  # 99 is ignored

    async def narrow(self: Any, push: Push) -> Push:
        return push.replace(recipients=frozenset({2, 3}))

    async with running(spec("shout", handle_notification=shout), spec("narrow", handle_notification=narrow)) as (
        hooks,
        _,
    ):
        out = await hooks.handle_notification(push_of("hi", {1, 2}))
        assert out is not None and out.recipients == frozenset({2})
        assert TurmsNotification.FromString(out.payload).relayed_request.create_message_request.text == "HI"
    async with running(spec("dropper", handle_notification=answer(DROP))) as (hooks, _):
        assert await hooks.handle_notification(push_of("hi", {1})) is None
    async with running(spec("narrow", handle_notification=narrow)) as (hooks, _):
        assert await hooks.handle_notification(push_of("hi", {1})) is None  # nobody left
    settings = {plugin_settings.NOTIFICATION_BUDGET_MS.key: 10}
    async with running(spec("slow", handle_notification=hanging()), settings=settings) as (hooks, _):
        kept = push_of("hi", {1})
        assert await hooks.handle_notification(kept) is kept  # fails open: pushed as it was


# -- check_message ---------------------------------------------------------------------------------------


async def test_content_checks_replace_text_in_order_refuse_and_fail_closed() -> None:
    content = MessageContent(1, 2, False, "darn it", ())

    async def clean(self: Any, c: MessageContent) -> ReplaceText:
        return ReplaceText((c.text or "").replace("darn", "****"))

    async def sign(self: Any, c: MessageContent) -> ReplaceText:
        return ReplaceText(f"{c.text} (checked)")

    async with running(spec("clean", check_message=clean), spec("sign", check_message=sign)) as (hooks, _):
        assert await hooks.check_message(content) == ReplaceText("**** it (checked)")
    refuser = spec("refuser", check_message=answer(Refuse(Code.MESSAGE_IS_ILLEGAL)))
    async with running(refuser, spec("sign", check_message=sign)) as (hooks, _):
        assert await hooks.check_message(content) == Refuse(Code.MESSAGE_IS_ILLEGAL)
    async with running(spec("broken", check_message=raising(ValueError("x")))) as (hooks, _):
        assert await hooks.check_message(content) == CONTENT_UNAVAILABLE
    async with running(spec("ok", check_message=answer(None))) as (hooks, _):
        assert await hooks.check_message(content) is None


# -- events ----------------------------------------------------------------------------------------------


async def test_events_run_off_the_request_path_and_are_bounded() -> None:
    release = asyncio.Event()
    seen: list[OnlineStatusChange] = []

    async def record(self: Any, change: OnlineStatusChange) -> None:
        await release.wait()
        seen.append(change)

    change = OnlineStatusChange(7, 0, "s-1", True, 0, 1)
    settings = {plugin_settings.MAX_PENDING_EVENTS.key: 2, plugin_settings.EVENT_BUDGET_MS.key: 60_000}
    before = calls("recorder", "on_online_status_change", "dropped")
    async with running(spec("recorder", on_online_status_change=record), settings=settings) as (hooks, _):
        for _ in range(3):
            hooks.online_status(change)  # returns at once: the handler is still waiting
        assert seen == [] and hooks.pending == 2
        assert calls("recorder", "on_online_status_change", "dropped") == before + 1
        release.set()
        await hooks.drain(5.0)
        assert seen == [change, change]


async def test_a_slow_event_handler_is_cut_at_its_budget_and_the_next_plugin_still_hears() -> None:
    heard: list[Any] = []

    async def hear(self: Any, change: Any) -> None:
        heard.append(change)

    settings = {plugin_settings.EVENT_BUDGET_MS.key: 20}
    slow, listener = spec("slow", on_admin_action=hanging()), spec("listener", on_admin_action=hear)
    before = calls("slow", "on_admin_action", "timeout")
    async with running(slow, listener, settings=settings) as (hooks, _):
        hooks.admin_action("action")  # type: ignore[arg-type]
        await hooks.drain(5.0)
    assert heard == ["action"]
    assert calls("slow", "on_admin_action", "timeout") == before + 1


# -- the host --------------------------------------------------------------------------------------------


class Lifecycle:
    log: list[str] = []

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    async def start(self) -> None:
        Lifecycle.log.append(f"start {self.ctx.name} level={self.ctx.setting('level')}")

    async def stop(self) -> None:
        Lifecycle.log.append(f"stop {self.ctx.name}")

    async def handle_request(self, request: ClientRequest) -> Any:
        return Refuse(Code.UNAUTHORIZED_REQUEST, self.ctx.name)


class CannotStart(Lifecycle):
    async def start(self) -> None:
        raise RuntimeError("no endpoint configured")

    async def authenticate(self, attempt: LoginAttempt) -> bool:
        return True

    async def on_admin_action(self, action: Any) -> None:
        return None


async def test_the_host_follows_plugins_enabled_live_and_reports_states() -> None:
    from turms.plugins.api import PluginSetting

    level = (PluginSetting("level", int, 1, "A level.", live=True),)
    one = PluginSpec("one", Lifecycle, settings=level)
    two = PluginSpec("two", Lifecycle, settings=level)
    catalog = catalog_of(one, two)
    settings = settings_for(catalog, {"plugins.one.level": 5})
    published: list[dict[str, Any]] = []

    async def publish(states: dict[str, Any]) -> None:
        published.append(states)

    Lifecycle.log = []
    hooks = Hooks()
    host = PluginHost(settings, catalog, hooks, instance_id="w1", on_states=publish)
    await host.start()
    assert hooks.request_handlers == () and published[-1] == {}
    applied = settings.apply_live({"plugins.enabled": ["two", "one"]})
    await host.settings_changed(applied)
    await host.settled()
    assert Lifecycle.log == ["start two level=1", "start one level=5"]
    assert [i.plugin for i in hooks.request_handlers] == ["two", "one"]
    refusal = await hooks.handle_request(client_request(text="x"))
    assert refusal == Refuse(Code.UNAUTHORIZED_REQUEST, "two")
    assert published[-1] == {
        "two": {"state": RUNNING, "version": "0", "error": None},
        "one": {"state": RUNNING, "version": "0", "error": None},
    }
    # Another setting changes nothing; reordering reorders without a restart; disabling stops.
    await host.settings_changed(settings.apply_live({"plugins.one.level": 6}))
    await host.settled()
    await host.settings_changed(settings.apply_live({"plugins.enabled": ["one", "two"]}))
    await host.settled()
    assert await hooks.handle_request(client_request(text="x")) == Refuse(Code.UNAUTHORIZED_REQUEST, "one")
    await host.settings_changed(settings.apply_live({"plugins.enabled": ["two"]}))
    await host.settled()
    assert Lifecycle.log[2:] == ["stop one"]
    assert [i.plugin for i in hooks.request_handlers] == ["two"]
    await host.stop()
    assert Lifecycle.log[-1] == "stop two" and hooks.request_handlers == ()
    assert published[-1] == {}
    # Once stopped (the drain), later changes are ignored.
    await host.settings_changed(settings.apply_live({"plugins.enabled": ["one"]}))
    await host.settled()
    assert hooks.request_handlers == ()


async def test_a_plugin_that_cannot_start_refuses_at_its_fail_closed_points_only() -> None:
    broken = PluginSpec("broken", CannotStart, settings=())
    async with running(broken) as (hooks, host):
        assert host.states() == {
            "broken": {"state": FAILED, "version": "0", "error": "RuntimeError: no endpoint configured"}
        }
        # authenticate fails closed: an authenticator that did not start must not let everyone in.
        assert await hooks.authenticate(ATTEMPT) == AUTH_UNAVAILABLE
        assert hooks.admin_handlers == ()  # an event point: skipped
        assert hooks.request_handlers == ()  # not fail_closed: skipped
        assert calls("broken", "authenticate", "failed") >= 1


def test_every_point_has_a_budget_setting_and_unique_methods() -> None:
    methods = [m for p in POINTS for m in p.methods]
    assert len(set(methods)) == len(methods)
    for p in POINTS:
        assert p.budget.key.startswith("plugins.budget.") and p.budget.live
        assert p.operations == () or p.mode is Mode.PROVIDER  # several methods: a provider only
    assert AUTHENTICATE.fails_closed and not HANDLE_REQUEST.fails_closed
    assert [p.method for p in POINTS if p.mode is Mode.PROVIDER] == [CONFERENCE.method]


async def test_a_new_point_is_one_protocol_and_one_row() -> None:
    """A provider point (the shape a conference or storage backend takes) works through the same machinery."""
    provide = ExtensionPoint(
        "create_meeting", object, Mode.PROVIDER, False, plugin_settings.EVENT_BUDGET_MS, "a meeting backend"
    )

    class Backend:
        def __init__(self, ctx: Any) -> None:
            self.name = ctx.name

        async def create_meeting(self, title: str) -> str:
            return f"{self.name}:{title}"

    catalog = catalog_of(PluginSpec("livekit", Backend), PluginSpec("other", Backend))
    table = (*POINTS, provide)  # the row a new point adds to turms.plugins.points.POINTS
    for name, installed in list(catalog.plugins.items()):
        catalog.plugins[name] = dataclasses.replace(installed, points=implemented(Backend, table))
    hooks = Hooks(points=table)
    host = PluginHost(settings_for(catalog, {"plugins.enabled": ["livekit", "other"]}), catalog, hooks, instance_id="w")
    await host.start()
    impl = hooks.provider(provide)
    assert impl is not None and impl.plugin == "livekit"
    assert await hooks.call(impl, "standup") == "livekit:standup"
    await host.stop()
    assert hooks.provider(provide) is None


class Rooms:
    """A conference provider: every method of the point."""

    def __init__(self, ctx: Any) -> None:
        self.name = ctx.name
        if ctx.name == "unstartable":
            raise ValueError("no media server configured")

    async def create_room(self, room: RoomSpec) -> None:
        return None

    async def room_exists(self, meeting_id: int) -> bool:
        return True

    async def delete_room(self, meeting_id: int) -> None:
        raise ProviderError(f"{self.name} cannot delete {meeting_id}")

    async def grant(self, meeting_id: int, user_id: int) -> JoinGrant:
        return JoinGrant(f"{self.name}:{meeting_id}:{user_id}")


async def test_a_provider_point_is_served_by_the_first_running_plugin_that_has_all_its_methods() -> None:
    class Partial:
        def __init__(self, ctx: Any) -> None: ...

        async def create_room(self, room: RoomSpec) -> None: ...

    catalog = catalog_of(PluginSpec("partial", Partial))
    assert "Partial.grant must be an async def (with create_room, it implements a provider)" in (
        catalog.broken["partial"].error
    )
    specs = (PluginSpec("unstartable", Rooms), PluginSpec("first", Rooms), PluginSpec("second", Rooms))
    async with running(*specs) as (hooks, host):
        assert host.states()["unstartable"]["state"] == FAILED
        impl = hooks.provider(CONFERENCE)  # a provider that did not start serves nothing: the next one serves
        assert impl is not None and impl.plugin == "first"
        grant = await hooks.serve(impl, "grant", 7, 8, expect=(JoinGrant,))
        assert grant == JoinGrant("first:7:8")
        assert await hooks.serve(impl, "room_exists", 7, expect=(bool,)) is True
        before = calls("first", "delete_room", "error")
        assert await hooks.serve(impl, "delete_room", 7, expect=(type(None),)) is FAILED_CALL
        assert calls("first", "delete_room", "error") == before + 1  # counted under the operation's name
        assert await hooks.serve(impl, "create_room", 7, expect=(bool,)) is FAILED_CALL  # a wrong answer fails
        with pytest.raises(ValueError, match="not a method of the point create_room"):
            await hooks.serve(impl, "stop")


async def test_a_disabled_plugin_is_out_of_service_before_it_stops_and_a_request_that_picked_it_calls_nothing() -> None:
    """Disabling a plugin while requests are in flight: from the moment the host begins to stop it, the hooks no
    longer offer it, and a request that picked it earlier does not call into the stopping instance (it gets the
    point's failure: for a provider, the domain's 1201 after its undo), with nothing logged as the plugin's fault."""
    seen_while_stopping: list[Any] = []
    created: list[int] = []

    class Stopping(Rooms):
        def __init__(self, ctx: Any) -> None:
            super().__init__(ctx)
            self.stopped = False

        async def create_room(self, room: RoomSpec) -> None:
            assert not self.stopped, "called after stop"
            created.append(room.meeting_id)

        async def stop(self) -> None:
            seen_while_stopping.append(hooks.provider(CONFERENCE))
            await asyncio.sleep(0)
            self.stopped = True

    spec = PluginSpec("rooms", Stopping)
    catalog = catalog_of(spec)
    settings = settings_for(catalog, {"plugins.enabled": ["rooms"]})
    hooks = Hooks()
    host = PluginHost(settings, catalog, hooks, instance_id="w1")
    await host.start()
    room = RoomSpec(meeting_id=1, empty_timeout_s=60, is_group=False)
    picked = hooks.provider(CONFERENCE)  # a request picks the provider, then awaits something else
    assert picked is not None
    assert await hooks.serve(picked, "create_room", room, expect=(type(None),)) is None
    assert created == [1]
    await host.settings_changed(settings.apply_live({"plugins.enabled": []}))
    await host.settled()
    assert seen_while_stopping == [None]  # out of service before its stop() began
    before = calls("rooms", "create_room", "disabled")
    errors = calls("rooms", "create_room", "error")
    assert await hooks.serve(picked, "create_room", room, expect=(type(None),)) is FAILED_CALL
    assert created == [1]  # the stopped instance was not called
    assert calls("rooms", "create_room", "disabled") == before + 1
    assert calls("rooms", "create_room", "error") == errors
    await host.stop()

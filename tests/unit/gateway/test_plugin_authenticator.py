"""Login through the plugins' ``authenticate`` chain in front of the built-in check (Turms's UserAuthenticator)."""

from __future__ import annotations

from typing import Any

import pytest

from turms.clock import FakeClock
from turms.gateway.auth import NoAuthenticator, PluginAuthenticator, authenticate_login
from turms.plugins.api import LoginAttempt, PluginSpec, Refuse
from turms.plugins.hooks import Hooks
from turms.plugins.testing import running
from turms.protocol.status import ResponseStatusCode as Code
from turms.security.login_throttle import LocalFailureBuckets, LoginThrottle
from turms.settings import load_settings


class BuiltIn:
    """The built-in check's port: refuses every password but "right", and counts its calls."""

    calls = 0

    async def authenticate(self, attempt: LoginAttempt) -> Code | None:
        BuiltIn.calls += 1
        return None if attempt.password == "right" else Code.LOGIN_AUTHENTICATION_FAILED


def deciding(decision: Any) -> PluginSpec:
    class Plugin:
        def __init__(self, ctx: Any) -> None:
            pass

        async def authenticate(self, attempt: LoginAttempt) -> Any:
            return decision if attempt.password == "token" else None

    return PluginSpec("tokens", Plugin)


@pytest.mark.parametrize(
    ("decision", "with_token", "builtin_asked"),
    [
        (True, None, False),  # replaces the built-in check: the user need not exist here
        (False, Code.LOGIN_AUTHENTICATION_FAILED, False),
        (Refuse(Code.LOGGING_IN_USER_NOT_ACTIVE), Code.LOGGING_IN_USER_NOT_ACTIVE, False),
        (Refuse(Code.OK), Code.LOGIN_AUTHENTICATION_FAILED, False),  # a refusal always refuses
        (Refuse(9999), Code.LOGIN_AUTHENTICATION_FAILED, False),  # type: ignore[arg-type]
    ],
)
async def test_a_plugin_decides_or_passes_to_the_built_in_check(
    decision: Any, with_token: Code | None, builtin_asked: bool
) -> None:
    async with running(deciding(decision)) as (hooks, _):
        auth = PluginAuthenticator(hooks, BuiltIn())
        BuiltIn.calls = 0
        assert await auth.authenticate(LoginAttempt(1, "token", 0, "10.0.0.1", 0)) == with_token
        assert BuiltIn.calls == int(builtin_asked)
        # The plugin passes (None) on anything else: the built-in check decides (chain).
        assert await auth.authenticate(LoginAttempt(1, "right", 0, "10.0.0.1", 0)) is None
        assert await auth.authenticate(LoginAttempt(1, "wrong", 0, "10.0.0.1", 0)) == Code.LOGIN_AUTHENTICATION_FAILED
        assert BuiltIn.calls == int(builtin_asked) + 2


async def test_without_plugins_only_the_built_in_check_runs() -> None:
    auth = PluginAuthenticator(Hooks(), BuiltIn())
    BuiltIn.calls = 0
    assert await auth.authenticate(LoginAttempt(1, "right", 0, "", 0)) is None
    assert BuiltIn.calls == 1


class CountingBuckets(LocalFailureBuckets):
    """The local failure buckets, counting the throttle's lookups (each is a Redis round trip in a worker)."""

    lookups = 0

    async def wait_ms(self, key: str, burst: int, refill_ms: int, now_ms: int, *, take: bool) -> int:
        CountingBuckets.lookups += 1
        return await super().wait_ms(key, burst, refill_ms, now_ms, take=take)


def login_throttle() -> LoginThrottle:
    flags = [("gateway.auth.failed_login.user_burst", "2"), ("gateway.auth.failed_login.ip_burst", "100")]
    return LoginThrottle(load_settings(None, env={}, flags=flags), FakeClock(), CountingBuckets())


async def test_the_failed_login_throttle_applies_to_plugin_decisions() -> None:
    """Issue 22's throttle is around the whole authenticator: a plugin's refusals count as failed logins, and a
    throttled login reaches no plugin."""
    asked: list[str | None] = []

    class Tokens:
        def __init__(self, ctx: Any) -> None:
            pass

        async def authenticate(self, attempt: LoginAttempt) -> bool:
            asked.append(attempt.password)
            return attempt.password == "token"

    throttle = login_throttle()
    async with running(PluginSpec("tokens", Tokens)) as (hooks, _):
        auth = PluginAuthenticator(hooks, NoAuthenticator())  # gateway.auth.type = none: only the plugin refuses
        for _ in range(2):
            refused = await authenticate_login(auth, throttle, LoginAttempt(1, "guess", 0, "10.0.0.1", 0))
            assert refused is not None and refused.code == Code.LOGIN_AUTHENTICATION_FAILED
        throttled = await authenticate_login(auth, throttle, LoginAttempt(1, "token", 0, "10.0.0.1", 0))
        assert throttled is not None and throttled.code == Code.CLIENT_REQUESTS_TOO_FREQUENT
        assert asked == ["guess", "guess"]  # the throttled attempt never reached the plugin
        assert await authenticate_login(auth, throttle, LoginAttempt(2, "token", 0, "10.0.0.1", 0)) is None
    # Without a plugin, gateway.auth.type = none refuses nobody: the throttle is not even asked.
    CountingBuckets.lookups = 0
    auth = PluginAuthenticator(Hooks(), NoAuthenticator())
    assert await authenticate_login(auth, login_throttle(), LoginAttempt(1, "x", 0, "10.0.0.1", 0)) is None
    assert CountingBuckets.lookups == 0

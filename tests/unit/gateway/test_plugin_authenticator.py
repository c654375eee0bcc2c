"""Login through the plugins' ``authenticate`` chain in front of the built-in check (Turms's UserAuthenticator)."""

from __future__ import annotations

from typing import Any

import pytest

from turms.gateway.auth import PluginAuthenticator
from turms.plugins.api import LoginAttempt, PluginSpec, Refuse
from turms.plugins.hooks import Hooks
from turms.plugins.testing import running
from turms.protocol.status import ResponseStatusCode as Code


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

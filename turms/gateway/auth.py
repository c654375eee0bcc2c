"""Authenticators: who is logging in, and may they. Pluggable: anything with ``authenticate`` will do.

The session handler asks one authenticator per login: :class:`PluginAuthenticator`, which asks the enabled
plugins' ``authenticate`` first (in ``plugins.enabled`` order; each may accept, refuse or pass) and then the
built-in check chosen by ``gateway.auth.type``. Whatever wraps the session handler's call (a failed-login
throttle) therefore applies to plugin decisions and built-in ones alike.
"""

from __future__ import annotations

import logging
from typing import Protocol

from turms.plugins.api import LoginAttempt, Refuse
from turms.plugins.hooks import Hooks
from turms.protocol.status import ResponseStatusCode
from turms.security.tokens import JwtVerifier, TokenError
from turms.service import accounts
from turms.settings import Settings
from turms.settings import auth as auth_settings
from turms.storage.port import Store

log = logging.getLogger("turms.gateway.auth")


class Authenticator(Protocol):
    async def authenticate(self, attempt: LoginAttempt) -> ResponseStatusCode | None:
        """None when the user may log in, else the status code that refuses the login."""
        ...


class PasswordAuthenticator:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def authenticate(self, attempt: LoginAttempt) -> ResponseStatusCode | None:
        if not attempt.password:
            return ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED
        return (await accounts.check_password(self.store, attempt.user_id, attempt.password)).code


class JwtAuthenticator:
    """The password field carries a JWT whose ``sub`` must equal the user id; the user must be active."""

    def __init__(self, verifier: JwtVerifier, store: Store) -> None:
        self.verifier = verifier
        self.store = store

    async def authenticate(self, attempt: LoginAttempt) -> ResponseStatusCode | None:
        user_id, password = attempt.user_id, attempt.password
        if not password:
            return ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED
        try:
            subject = self.verifier.user_id(password)
        except TokenError as e:
            log.info("JWT login of user %d refused: %s", user_id, e)  # the reason never contains the token
            return ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED
        if subject != user_id:
            return ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED
        return (await accounts.check_active(self.store, user_id)).code


class NoAuthenticator:
    """Accepts every user id (``gateway.auth.type = none``): tests and trusted networks only."""

    async def authenticate(self, attempt: LoginAttempt) -> ResponseStatusCode | None:
        return None


class PluginAuthenticator:
    """The plugins' ``authenticate`` chain in front of a built-in authenticator (Turms's UserAuthenticator).

    A plugin's ``True`` accepts without the built-in check (the user need not exist in our store), ``False``
    refuses (LOGIN_AUTHENTICATION_FAILED), a ``Refuse`` refuses with its code, ``None`` asks the next plugin and
    finally the built-in check. A plugin that fails or overruns its budget refuses (SERVER_UNAVAILABLE)."""

    def __init__(self, hooks: Hooks, builtin: Authenticator) -> None:
        self.hooks = hooks
        self.builtin = builtin

    async def authenticate(self, attempt: LoginAttempt) -> ResponseStatusCode | None:
        if self.hooks.authenticators:
            decision = await self.hooks.authenticate(attempt)
            if decision is True:
                return None
            if decision is False:
                return ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED
            if isinstance(decision, Refuse):
                code = ResponseStatusCode.from_code(int(decision.code))
                # A refusal refuses: a success code or an unknown number becomes the usual failure.
                if code is None or code.is_success:
                    return ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED
                return code
        return await self.builtin.authenticate(attempt)


def authenticator_from_settings(settings: Settings, store: Store) -> Authenticator:
    kind = settings.get(auth_settings.AUTH_TYPE)
    if kind == "password":
        return PasswordAuthenticator(store)
    if kind == "jwt":
        algorithms: list[str] = settings.get(auth_settings.JWT_ALGORITHMS)
        verifier = JwtVerifier.from_settings(
            key=settings.get(auth_settings.JWT_KEY),
            key_file=settings.get(auth_settings.JWT_KEY_FILE),
            algorithms=algorithms,
            issuer=settings.get(auth_settings.JWT_ISSUER),
            audience=settings.get(auth_settings.JWT_AUDIENCE),
            leeway_s=settings.get(auth_settings.JWT_LEEWAY_S),
        )
        return JwtAuthenticator(verifier, store)
    log.warning("gateway.auth.type = none: every user id is accepted without a password")
    return NoAuthenticator()

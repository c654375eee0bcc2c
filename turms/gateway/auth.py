"""Authenticators: who is logging in, and may they. Pluggable: anything with ``authenticate`` will do.

:func:`authenticate_login` is what a login runs: the failed-login throttle (per user id and per IP,
cluster-wide: :mod:`turms.security.login_throttle`), then the authenticator, with its failures counted and a
full password-hashing queue answered ``SERVER_UNAVAILABLE`` at once (:mod:`turms.security.passwords`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Protocol

from turms.errors import TurmsError
from turms.observability import metrics
from turms.protocol.status import ResponseStatusCode
from turms.security import passwords
from turms.security.login_throttle import LoginThrottle
from turms.security.passwords import HashingBusy
from turms.security.tokens import JwtVerifier, TokenError
from turms.service import accounts
from turms.settings import Settings
from turms.settings import auth as auth_settings
from turms.storage.port import Store

log = logging.getLogger("turms.gateway.auth")


class Authenticator(Protocol):
    async def authenticate(self, user_id: int, password: str | None) -> ResponseStatusCode | None:
        """None when the user may log in, else the status code that refuses the login."""
        ...


class PasswordAuthenticator:
    #: Each login costs a password hash (:func:`authenticate_login` refuses at once when none can be had).
    hashes_passwords = True

    def __init__(self, store: Store) -> None:
        self.store = store

    async def authenticate(self, user_id: int, password: str | None) -> ResponseStatusCode | None:
        if not password:
            return ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED
        return (await accounts.check_password(self.store, user_id, password)).code


class JwtAuthenticator:
    """The password field carries a JWT whose ``sub`` must equal the user id; the user must be active."""

    def __init__(self, verifier: JwtVerifier, store: Store) -> None:
        self.verifier = verifier
        self.store = store

    async def authenticate(self, user_id: int, password: str | None) -> ResponseStatusCode | None:
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

    async def authenticate(self, user_id: int, password: str | None) -> ResponseStatusCode | None:
        return None


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


@dataclass(frozen=True, slots=True)
class LoginRefusal:
    code: ResponseStatusCode
    reason: str | None = None


async def authenticate_login(
    authenticator: Authenticator, throttle: LoginThrottle | None, user_id: int, password: str | None, ip: str
) -> LoginRefusal | None:
    """None when ``user_id`` may log in from ``ip``; else the code (and reason) that refuses the login.

    Throttled logins are refused before the authenticator runs (no hash is spent on them); a login the
    authenticator refuses as ``LOGIN_AUTHENTICATION_FAILED`` is counted as a failure of the user id and the IP.
    """
    if getattr(authenticator, "hashes_passwords", False) and passwords.busy():
        # Refused before any other work (the throttle's round trip to Redis, the user's record), so a flood is
        # turned away as fast as it arrives and a hash that frees up goes to a login still waiting for one.
        metrics.rate_limit_refused("password_hashing")
        busy = HashingBusy()
        return LoginRefusal(busy.code, busy.reason)
    if throttle is not None:
        wait = await throttle.retry_after_s(user_id, ip)
        if wait is not None:
            metrics.rate_limit_refused("client_login")
            return LoginRefusal(
                ResponseStatusCode.CLIENT_REQUESTS_TOO_FREQUENT,
                f"too many failed logins; retry in {max(1, math.ceil(wait))} s",
            )
    try:
        code = await authenticator.authenticate(user_id, password)
    except HashingBusy as e:
        metrics.rate_limit_refused("password_hashing")
        return LoginRefusal(e.code, e.reason)
    except TurmsError as e:
        return LoginRefusal(e.code, e.reason)
    if code is None:
        return None
    if code is ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED and throttle is not None:
        await throttle.failed(user_id, ip)
    return LoginRefusal(code)

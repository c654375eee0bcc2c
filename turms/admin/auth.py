"""Who is calling: HTTP Basic credentials (as Turms) or, when configured, a JWT bearer token.

Passwords are checked with the stored scrypt hash off the event loop. A verified credential is remembered per
worker for ``admin.auth.credential_cache_s`` under a keyed hash of the password (never the password itself) and
only while the stored hash is unchanged, so an admin tool polling the API does not pay a hash per request and a
password change or deletion takes effect at once. An unknown login name costs the same hash as a wrong
password, so response times do not reveal which login names exist. Failed attempts are throttled per IP and per
login name, cluster-wide (:class:`turms.security.login_throttle.FailedLogins`: in Redis in a worker, so spreading
attempts over workers and hosts gains nothing): while a bucket is empty, requests are answered 429 before any
password is checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import os
from dataclasses import dataclass
from typing import Any

from turms.admin.rbac import ADMIN, Principal, principal_of
from turms.admin.routes import ApiError
from turms.clock import Clock
from turms.observability import metrics
from turms.protocol.status import ResponseStatusCode
from turms.security.login_throttle import Bucket, FailedLogins, FailureBuckets, LocalFailureBuckets, throttle_key
from turms.security.passwords import verify_dummy, verify_password_async
from turms.security.tokens import JwtVerifier, TokenError
from turms.settings import Settings
from turms.settings import admin as admin_settings
from turms.storage.port import Store

MAX_CACHED = 10_000
WWW_AUTHENTICATE = 'Basic realm="turms-admin", charset="UTF-8"'


def unauthorized(reason: str) -> ApiError:
    return ApiError(
        ResponseStatusCode.UNAUTHORIZED, reason, http_status=401, headers={"WWW-Authenticate": WWW_AUTHENTICATE}
    )


@dataclass(frozen=True)
class _Cached:
    stored_hash: bytes
    expires: float


class AdminAuthenticator:
    def __init__(self, settings: Settings, store: Store, clock: Clock, failures: FailureBuckets | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        #: Failed logins per IP and login name (in Redis when the worker gives it; else in this process).
        self.failures = FailedLogins(clock, failures if failures is not None else LocalFailureBuckets())
        self._cache: dict[tuple[str, bytes], _Cached] = {}
        self._cache_key = os.urandom(32)
        self.jwt = self._jwt_verifier(settings)

    @staticmethod
    def _jwt_verifier(settings: Settings) -> JwtVerifier | None:
        key, key_file = settings.get(admin_settings.JWT_KEY), settings.get(admin_settings.JWT_KEY_FILE)
        if not key and not key_file:
            return None
        algorithms: list[str] = settings.get(admin_settings.JWT_ALGORITHMS)
        return JwtVerifier.from_settings(
            key=key,
            key_file=key_file,
            algorithms=algorithms,
            issuer=settings.get(admin_settings.JWT_ISSUER),
            audience=settings.get(admin_settings.JWT_AUDIENCE),
            leeway_s=5.0,
        )

    async def authenticate(self, authorization: str | None, ip: str) -> Principal:
        if not authorization:
            raise unauthorized("credentials required (HTTP Basic, or a bearer token when enabled)")
        scheme, _, credentials = authorization.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            login, password = _decode_basic(credentials.strip())
            return await self._basic(login, password, ip)
        if scheme == "bearer" and self.jwt is not None:
            return await self._bearer(credentials.strip(), ip)
        raise unauthorized("unsupported authorization scheme")

    def _buckets(self, ip: str, account: str | None) -> list[Bucket]:
        burst = self.settings.get(admin_settings.FAILED_LOGIN_BURST)
        refill_ms = round(self.settings.get(admin_settings.FAILED_LOGIN_REFILL_S) * 1000)
        keys = [f"admin:ip:{throttle_key(ip)}"] + ([f"admin:acct:{account}"] if account else [])
        return [(k, burst, refill_ms) for k in keys]

    async def _throttle(self, ip: str, account: str | None) -> None:
        wait = await self.failures.retry_after_s(self._buckets(ip, account))
        if wait is not None:
            metrics.rate_limit_refused("admin_login")
            raise ApiError(
                ResponseStatusCode.ADMIN_REQUESTS_TOO_FREQUENT,
                "too many failed logins; retry later",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )

    async def _failed(self, ip: str, account: str | None) -> None:
        await self.failures.failed(self._buckets(ip, account))

    async def _basic(self, login: str, password: str, ip: str) -> Principal:
        principal, _ = await self._verified(login, password, ip)
        return principal

    async def _verified(self, login: str, password: str, ip: str) -> tuple[Principal, bytes]:
        """The admin whose password this is, and its stored hash (read once)."""
        await self._throttle(ip, login)
        admin = await self.store.find_one(ADMIN, {"ln": login})
        stored = _hash_bytes(admin)
        if admin is None or stored is None:
            await verify_dummy(password)
            await self._failed(ip, login)
            raise unauthorized("wrong login name or password")
        if not self._cached_ok(login, password, stored):
            if not await verify_password_async(password, stored.decode(errors="replace")):
                await self._failed(ip, login)
                raise unauthorized("wrong login name or password")
            self._remember(login, password, stored)
        return await principal_of(self.store, admin), stored

    async def login(self, login: str, password: str, ip: str) -> tuple[Principal, str]:
        """A password login outside HTTP Basic (the console's form), under the same failed-login throttle:
        the admin and the fingerprint of its stored password hash (see :meth:`session_principal`)."""
        if not login or len(login) > 64 or len(password) > 1024:
            await self._throttle(ip, None)
            await self._failed(ip, None)
            raise unauthorized("wrong login name or password")
        principal, stored = await self._verified(login, password, ip)
        return principal, password_fingerprint(stored)

    async def session_principal(self, admin_id: int, fingerprint: str) -> Principal | None:
        """The admin of a console session, with its roles as they are now; None when the admin is gone or its
        password changed since the session began (``fingerprint`` no longer matches), which ends the session."""
        admin = await self.store.find_one(ADMIN, {"_id": admin_id})
        if admin is None or not hmac.compare_digest(password_fingerprint(_hash_bytes(admin)), fingerprint):
            return None
        return await principal_of(self.store, admin)

    async def _bearer(self, token: str, ip: str) -> Principal:
        await self._throttle(ip, None)
        assert self.jwt is not None
        try:
            claims = self.jwt.verify(token)
        except TokenError as e:
            await self._failed(ip, None)
            raise unauthorized(f"bad token: {e}") from None
        admin = await self.store.find_one(ADMIN, {"ln": str(claims["sub"])})
        if admin is None:
            await self._failed(ip, None)
            raise unauthorized("the token's admin does not exist")
        return await principal_of(self.store, admin)

    # -- credential cache --------------------------------------------------------------------------------

    def _key(self, login: str, password: str) -> tuple[str, bytes]:
        return login, hmac.new(self._cache_key, password.encode(), hashlib.sha256).digest()

    def _cached_ok(self, login: str, password: str, stored: bytes) -> bool:
        entry = self._cache.get(self._key(login, password))
        return entry is not None and entry.stored_hash == stored and entry.expires > self.clock.monotonic()

    def _remember(self, login: str, password: str, stored: bytes) -> None:
        ttl = self.settings.get(admin_settings.CREDENTIAL_CACHE_S)
        if ttl <= 0:
            return
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[self._key(login, password)] = _Cached(stored, self.clock.monotonic() + ttl)


def password_fingerprint(stored_hash: bytes | None) -> str:
    """A short digest of a stored password hash: it changes when the password does and reveals nothing the
    (salted, slow) hash does not."""
    return hashlib.sha256(stored_hash or b"").hexdigest()[:32]


def _hash_bytes(admin: dict[str, Any] | None) -> bytes | None:
    if admin is None:
        return None
    pw = admin.get("pw")
    if isinstance(pw, bytes) and pw:
        return pw
    if isinstance(pw, str) and pw:
        return pw.encode()
    return None


def _decode_basic(credentials: str) -> tuple[str, str]:
    try:
        text = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise unauthorized("malformed Basic credentials") from None
    login, sep, password = text.partition(":")
    if not sep or not login or len(login) > 64 or len(password) > 1024:
        raise unauthorized("malformed Basic credentials")
    return login, password

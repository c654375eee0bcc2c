"""Browser sessions of the admin console, kept in Redis so that any worker of any host serves any page.

A login creates a random 256-bit token (the cookie's value) and a session hash under the SHA-256 of the token
(:meth:`turms.cluster.keys.Keys.console_session`), so a Redis dump yields no usable cookie. The hash holds the
admin's id and login name, the fingerprint of its password hash (a password change ends its sessions), the
per-session CSRF token, the login time and one-shot flash messages. Its TTL is the idle timeout
(``admin.console.session_idle_timeout_s``), renewed by each request; a session older than
``admin.console.session_max_age_s`` is deleted however active. Logging out deletes it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import orjson
import redis.asyncio as aioredis

from turms.clock import Clock
from turms.cluster.keys import Keys
from turms.settings import Settings
from turms.settings import admin as admin_settings

#: At most this many flash messages wait for the next page.
MAX_FLASHES = 10


@dataclass(frozen=True)
class ConsoleSession:
    token: str
    admin_id: int
    login_name: str
    fingerprint: str
    csrf: str
    created_ms: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class ConsoleSessions:
    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: Settings, clock: Clock) -> None:
        self.redis = redis
        self.keys = keys
        self.settings = settings
        self.clock = clock

    def _key(self, token: str) -> str:
        return self.keys.console_session(_digest(token))

    def _idle_ms(self) -> int:
        return max(1, int(self.settings.get(admin_settings.CONSOLE_IDLE_TIMEOUT_S) * 1000))

    async def create(self, admin_id: int, login_name: str, fingerprint: str) -> ConsoleSession:
        session = ConsoleSession(
            token=secrets.token_urlsafe(32),
            admin_id=admin_id,
            login_name=login_name,
            fingerprint=fingerprint,
            csrf=secrets.token_urlsafe(32),
            created_ms=self.clock.now_ms(),
        )
        key = self._key(session.token)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "aid": session.admin_id,
                    "ln": session.login_name,
                    "fp": session.fingerprint,
                    "csrf": session.csrf,
                    "cd": session.created_ms,
                },
            )
            pipe.pexpire(key, self._idle_ms())
            await pipe.execute()
        return session

    async def get(self, token: str | None) -> ConsoleSession | None:
        """The live session of this cookie value (its idle timeout renewed), or None."""
        if not token or len(token) > 128:
            return None
        key = self._key(token)
        raw = await self.redis.hgetall(key)
        if not raw:
            return None
        fields = {_text(k): _text(v) for k, v in raw.items()}
        try:
            session = ConsoleSession(
                token=token,
                admin_id=int(fields["aid"]),
                login_name=fields["ln"],
                fingerprint=fields["fp"],
                csrf=fields["csrf"],
                created_ms=int(fields["cd"]),
            )
        except (KeyError, ValueError):
            await self.redis.delete(key)
            return None
        max_age_ms = self.settings.get(admin_settings.CONSOLE_MAX_AGE_S) * 1000
        if self.clock.now_ms() - session.created_ms > max_age_ms:
            await self.redis.delete(key)
            return None
        await self.redis.pexpire(key, self._idle_ms())
        return session

    async def delete(self, token: str) -> None:
        await self.redis.delete(self._key(token))

    async def flash(self, token: str, kind: str, text: str) -> None:
        """Keep a message for the next page of this session (``kind``: ok or error)."""
        key = self._key(token)
        raw = await self.redis.hget(key, "flash")
        messages: list[list[str]] = orjson.loads(raw) if raw else []
        messages = [*messages, [kind, text[:2000]]][-MAX_FLASHES:]
        # The TTL is set again with the field: had the session just expired, HSET alone would leave a key
        # without one (and without the fields :meth:`get` needs, so it would never be used).
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, "flash", orjson.dumps(messages))
            pipe.pexpire(key, self._idle_ms())
            await pipe.execute()

    async def take_flashes(self, token: str) -> list[tuple[str, str]]:
        key = self._key(token)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hget(key, "flash")
            pipe.hdel(key, "flash")
            raw, _ = await pipe.execute()
        if not raw:
            return []
        return [(str(kind), str(text)) for kind, text in orjson.loads(raw)]

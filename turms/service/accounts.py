"""User accounts as login and the admin API need them: creation with a password, and credential lookup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode
from turms.security.passwords import hash_password_async, verify_dummy, verify_password_async
from turms.service.relationship.relations import ensure_default_group
from turms.storage.errors import DuplicateKeyError
from turms.storage.port import Store

USER = "user"
USER_VERSION = "userVersion"
#: Turms's profile access strategies (``ProfileAccessStrategy``).
PROFILE_ACCESS_ALL = 0


@dataclass(frozen=True)
class LoginCheck:
    code: ResponseStatusCode | None
    """None when the credentials are good; else why the login is refused."""


async def create_user(
    store: Store,
    user_id: int,
    password: str | None,
    now: datetime,
    *,
    name: str = "",
    intro: str = "",
    profile_picture: str = "",
    profile_access: int = PROFILE_ACCESS_ALL,
    role_id: int = 0,
    active: bool = True,
    attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Insert a user; ``RECORD_CONTAINS_DUPLICATE_KEY`` when the id is taken."""
    doc: dict[str, Any] = {
        "_id": user_id,
        "n": name,
        "intro": intro,
        "pp": profile_picture,
        "pas": profile_access,
        "pgid": role_id,
        "rd": now,
        "lud": now,
        "act": active,
        "uda": attributes or {},
    }
    if password is not None:
        doc["pw"] = (await hash_password_async(password)).encode()
    try:
        await store.insert_one(USER, doc)
    except DuplicateKeyError:
        raise TurmsError(ResponseStatusCode.RECORD_CONTAINS_DUPLICATE_KEY, f"user {user_id} exists") from None
    # Every user owns the default relationship group (index 0), as in Turms; queries also create it lazily
    # for users who never went through here (``gateway.auth.type = none``).
    await ensure_default_group(store, user_id, now)
    return doc


async def check_password(store: Store, user_id: int, password: str) -> LoginCheck:
    """Turms's login outcomes: unknown, deleted or wrong password → 2011; inactive → 2012.

    Raises :class:`~turms.security.passwords.HashingBusy` (1201) when the hashing queue is full."""
    user = await store.find_one(USER, {"_id": user_id}, projection={"pw": 1, "act": 1, "dd": 1})
    if user is None or user.get("dd") is not None or not user.get("pw"):
        # As slow as a wrong password: the answer's timing must not tell which user ids exist.
        await verify_dummy(password)
        return LoginCheck(ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED)
    stored = user["pw"]
    if not await verify_password_async(password, stored.decode() if isinstance(stored, bytes) else str(stored)):
        return LoginCheck(ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED)
    if not user.get("act", True):
        return LoginCheck(ResponseStatusCode.LOGGING_IN_USER_NOT_ACTIVE)
    return LoginCheck(None)


async def check_active(store: Store, user_id: int) -> LoginCheck:
    """For token logins: the user must exist, not be deleted, and be active."""
    user = await store.find_one(USER, {"_id": user_id}, projection={"act": 1, "dd": 1})
    if user is None or user.get("dd") is not None:
        return LoginCheck(ResponseStatusCode.LOGIN_AUTHENTICATION_FAILED)
    if not user.get("act", True):
        return LoginCheck(ResponseStatusCode.LOGGING_IN_USER_NOT_ACTIVE)
    return LoginCheck(None)

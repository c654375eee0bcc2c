"""The root admin: created once per cluster, never with a default password.

The password comes from ``admin.root.password``, else from the file named by ``admin.root.password_file``
(e.g. a systemd credential), else it is generated. Every worker of every host runs :func:`ensure_root_admin`
at start; the root admin's fixed id (0) and unique login name make the insert succeed exactly once
cluster-wide, and only the winner of that race writes a generated password, mode 0600, to
``<server.data_dir>/admin-root-password`` and logs that file's path (once, at WARNING; never the password). A
configured password that no longer matches the stored one replaces it, which is how an operator resets a lost
root password, and the only way to change it: the API cannot change the root admin, not even the root itself.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from turms.admin.permissions import ROOT_ADMIN_ID, ROOT_ROLE_ID
from turms.admin.rbac import ADMIN
from turms.clock import Clock
from turms.security.passwords import hash_password_async, verify_password_async
from turms.settings import Settings, server
from turms.settings import admin as admin_settings
from turms.storage.errors import DuplicateKeyError
from turms.storage.port import Store

log = logging.getLogger("turms.admin")

PASSWORD_FILE_NAME = "admin-root-password"


@dataclass(frozen=True)
class RootOutcome:
    created: bool
    #: Set only in the one process that generated the password.
    generated_password: str | None = None
    password_file: Path | None = None


def configured_password(settings: Settings) -> str | None:
    password = settings.get(admin_settings.ROOT_PASSWORD)
    if password:
        return password
    path = settings.get(admin_settings.ROOT_PASSWORD_FILE)
    if path:
        text = Path(path).read_text(encoding="utf-8").strip()
        if not text:
            raise ValueError(f"the root admin password file {path} is empty")
        return text
    return None


async def ensure_root_admin(store: Store, settings: Settings, clock: Clock) -> RootOutcome:
    login = settings.get(admin_settings.ROOT_LOGIN_NAME)
    configured = configured_password(settings)
    existing = await store.find_one(ADMIN, {"_id": ROOT_ADMIN_ID})
    if existing is not None:
        changes: dict[str, object] = {}
        if existing.get("ln") != login:
            changes["ln"] = login
        if configured is not None:
            stored = existing.get("pw")
            stored_text = stored.decode(errors="replace") if isinstance(stored, bytes) else str(stored or "")
            if not await verify_password_async(configured, stored_text, bounded=False):  # start-up: never refused
                changes["pw"] = (await hash_password_async(configured, bounded=False)).encode()
        if changes:
            await store.update_one(ADMIN, {"_id": ROOT_ADMIN_ID}, {"$set": changes})
            log.warning("root admin %r updated from the configuration: %s", login, ", ".join(sorted(changes)))
        return RootOutcome(created=False)
    password = configured if configured is not None else secrets.token_urlsafe(18)
    doc = {
        "_id": ROOT_ADMIN_ID,
        "ln": login,
        "pw": (await hash_password_async(password, bounded=False)).encode(),
        "n": login,
        "rid": [ROOT_ROLE_ID],
        "rd": clock.now(),
    }
    try:
        await store.insert_one(ADMIN, doc)
    except DuplicateKeyError:
        return RootOutcome(created=False)  # another worker or host won the race; its password stands
    if configured is not None:
        log.info("root admin %r created with the configured password", login)
        return RootOutcome(created=True)
    path = Path(settings.get(server.DATA_DIR)) / PASSWORD_FILE_NAME
    _write_secret(path, password + "\n")
    # The secret goes to the 0600 file only: logs are shipped, kept and read by more people than the data dir.
    log.warning(
        "generated the root admin password (login %r) and wrote it to %s (mode 0600); to choose another, set "
        "admin.root.password_file",
        login,
        path,
    )
    return RootOutcome(created=True, generated_password=password, password_file=path)


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the file may have existed with wider permissions
        os.write(fd, text.encode())
    finally:
        os.close(fd)

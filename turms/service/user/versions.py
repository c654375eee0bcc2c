"""``userVersion``: the last-change date of each user-side collection, for clients' incremental sync.

A query carrying ``last_updated_date`` is answered ``ALREADY_UP_TO_DATE`` when the matching version is not
newer. A user without a version document has never changed that data, so any date is up to date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode
from turms.storage.port import Store, UpdateOne

USER_VERSION = "userVersion"

#: Field names of ``userVersion`` (Turms's ``UserVersion.Fields``).
SENT_FRIEND_REQUESTS = "sfr"
RECEIVED_FRIEND_REQUESTS = "rfr"
RELATIONSHIPS = "r"
RELATIONSHIP_GROUPS = "rg"
RELATIONSHIP_GROUP_MEMBERS = "rgm"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(dt: datetime) -> int:
    """Exact epoch milliseconds (``timestamp() * 1000`` can round a stored millisecond down)."""
    return (dt - _EPOCH) // _MS


def ms_floor(dt: datetime) -> datetime:
    """``dt`` cut to the millisecond, the precision the store keeps, so versions compare as stored."""
    return dt.replace(microsecond=dt.microsecond - dt.microsecond % 1000)


async def bump(store: Store, user_ids: Iterable[int], fields: Iterable[str], now: datetime) -> None:
    """Set ``fields`` of each user's version to ``now`` (creating the document when missing)."""
    names = tuple(fields)
    ops = [UpdateOne({"_id": uid}, {"$max": dict.fromkeys(names, now)}, upsert=True) for uid in dict.fromkeys(user_ids)]
    if ops:
        # $max: a delayed write from another worker never moves a version backwards.
        await store.bulk_write(USER_VERSION, ops)


async def version_of(store: Store, user_id: int, *fields: str) -> datetime | None:
    """The latest of ``fields`` in the user's version document, or None when none was ever set."""
    doc = await store.find_one(USER_VERSION, {"_id": user_id}, projection=dict.fromkeys(fields, 1))
    if doc is None:
        return None
    dates = [doc[f] for f in fields if isinstance(doc.get(f), datetime)]
    return max(dates) if dates else None


def is_up_to_date(last_updated_ms: int | None, version: datetime | None) -> bool:
    """Turms's rule: the client's date is at or after the version (a missing version never changed)."""
    if last_updated_ms is None:
        return False
    return version is None or to_ms(version) <= last_updated_ms


def optional_ms(message: Any, field: str) -> int | None:
    """An ``optional int64`` date field in ms, or None when the client left it out."""
    return int(getattr(message, field)) if message.HasField(field) else None


async def check_version(store: Store, user_id: int, last_updated_ms: int | None, *fields: str) -> datetime | None:
    """Raise ``ALREADY_UP_TO_DATE`` when nothing changed since ``last_updated_ms``; else return the version."""
    version = await version_of(store, user_id, *fields)
    if is_up_to_date(last_updated_ms, version):
        raise TurmsError(ResponseStatusCode.ALREADY_UP_TO_DATE)
    return version

"""Sequence-hole repair: a sequence id that was allocated but never stored is filled with a tombstone.

On MongoDB a message's sequence id comes from a counter (``$inc``) before the insert. If the insert fails, the
writer stores a tombstone in its place; if the writer dies between the two steps (``kill -9``, a host lost),
nobody does, and the number is a *hole*: clients syncing the conversation by sequence id would wait for it
forever. On SQLite counter and insert share a transaction and holes never occur, so none of this runs there.

The first sequence-range query (the sync path) that meets a hole repairs it:

* it waits until the hole is at least ``service.message.query.sequence_hole_grace_s`` old (measured from the
  delivery date of the next stored message, which was allocated after the hole), so an insert still in flight
  lands first;
* then it inserts a tombstone at that number. The unique (``cid``, ``sqid``) index decides any race: if the
  original insert lands after all, whichever of the two came second gets a duplicate-key error; a late
  original insert then takes a new number (``insert_with_sequence``), so a number never holds two documents
  and no acknowledged message is lost.

Numbers at or below the conversation's purge mark (retention deleted them) are never asked for: a sequence
range that starts there is answered from above the mark (``turms.service.message.retention``). Every other
missing number from the start of the asked range is a hole (an insert in flight, a dead writer, or a message
an admin deleted).
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from datetime import datetime
from typing import Any

from turms.service.context import Services
from turms.service.message.model import MESSAGE, tombstone
from turms.settings import message as message_settings
from turms.storage.errors import DuplicateKeyError

log = logging.getLogger("turms.service.message")

#: Most holes one query repairs; any others are repaired by the next query that meets them.
MAX_REPAIRS_PER_QUERY = 1000


def missing_numbers(docs: list[dict[str, Any]], start: int, ascending: bool) -> list[tuple[int, datetime]]:
    """The holes a sequence-range answer ``docs`` (from ``start``) would show, each with the delivery date of
    the next stored message above it."""
    by_seq = {int(d["sqid"]): d["dyd"] for d in docs if d.get("sqid") is not None}
    if not by_seq:
        return []
    seqs = sorted(by_seq)
    low = seqs[0]
    if ascending and start < low:
        low = start
    holes: list[tuple[int, datetime]] = []
    for n in range(low, seqs[-1]):
        if n in by_seq:
            continue
        above = seqs[bisect.bisect_right(seqs, n)]
        holes.append((n, by_seq[above]))
        if len(holes) >= MAX_REPAIRS_PER_QUERY:
            break
    return holes


async def repair(services: Services, cid: bytes, holes: list[tuple[int, datetime]]) -> int:
    """Fill ``holes`` with tombstones once each is older than the grace period; the number filled."""
    grace = services.settings.get(message_settings.SEQUENCE_HOLE_GRACE_S)
    youngest = max(date for _, date in holes)
    wait = grace - (services.clock.now() - youngest).total_seconds()
    if wait > 0:
        await asyncio.sleep(min(wait, grace))
        numbers = [n for n, _ in holes]
        landed = await services.store.find(
            MESSAGE, {"cid": cid, "sqid": {"$in": numbers}}, projection={"sqid": 1}, limit=len(numbers)
        )
        taken = {int(d["sqid"]) for d in landed}
        holes = [(n, date) for n, date in holes if n not in taken]
    filled = 0
    for n, date in holes:
        try:
            await services.store.insert_one(MESSAGE, tombstone(services.ids.next_id(), cid, date, n))
            filled += 1
        except DuplicateKeyError:
            pass  # the insert landed after all, or another query filled it
    if filled:
        log.warning(
            "filled %d sequence hole(s) in conversation %s with tombstones (a writer died between counter and "
            "insert, or its insert was slower than the grace period and will take a new number)",
            filled,
            cid.hex(),
        )
    return filled

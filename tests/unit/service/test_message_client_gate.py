"""The client's delivery gate (turms.client.message): each message once, in sequence order per conversation,
buffering past a gap until a sync fills it; tombstones advance the sequence without reaching the app."""

from __future__ import annotations

from turms.client import TurmsClient
from turms.client.message import ChatMessage, ConversationKey, MessageService

K = ConversationKey(False, 7)
G = ConversationKey(True, 9)


def msg(key: ConversationKey, seq: int) -> ChatMessage:
    return ChatMessage(key, 1000 + seq, seq, 7, 0, f"m{seq}")


async def test_in_order_once_with_gaps_buffered_and_tombstones_skipped() -> None:
    svc = MessageService(TurmsClient(), 1)  # never connected: the syncs a gap schedules fail quietly
    seen: list[tuple[ConversationKey, int]] = []
    svc.on_message(lambda m: seen.append((m.conversation, m.sequence_id or 0)))
    svc._offer(K, 1, msg(K, 1))
    svc._offer(K, 1, msg(K, 1))  # duplicate
    svc._offer(K, 3, msg(K, 3))  # gap: buffered, a sync is scheduled
    svc._offer(G, 1, msg(G, 1))
    assert seen == [(K, 1), (G, 1)]
    svc._offer(K, 2, None)  # a tombstone fills the gap
    assert seen == [(K, 1), (G, 1), (K, 3)]
    svc._offer(K, 5, msg(K, 5))
    svc._offer(K, 4, msg(K, 4))
    svc._offer(K, 3, msg(K, 3))
    assert seen[3:] == [(K, 4), (K, 5)]
    assert svc.last_sequence_ids == {K: 5, G: 1}
    await svc.wait_synced()
    assert [(await svc.next_message(1)).sequence_id for _ in range(5)] == [1, 1, 3, 4, 5]
    await svc.close()


async def test_resume_from_persisted_sequence_ids() -> None:
    svc = MessageService(TurmsClient(), 1, since={K: 10})
    svc._offer(K, 10, msg(K, 10))
    svc._offer(K, 11, msg(K, 11))
    assert (await svc.next_message(1)).sequence_id == 11
    await svc.close()


async def test_a_purge_marker_skips_what_retention_deleted() -> None:
    svc = MessageService(TurmsClient(), 1, since={K: 2})
    seen: list[int] = []
    svc.on_message(lambda m: seen.append(m.sequence_id or 0))
    svc._offer(K, 6, msg(K, 6))  # pushed while 3..5 are missing: buffered
    svc._offer(K, 9, msg(K, 9))
    svc._skip_purged(K, 4)  # the sync from 3 says 3 and 4 are gone
    assert seen == [] and svc.last_sequence_ids == {K: 4}
    svc._offer(K, 5, msg(K, 5))  # the rest of that sync's answer
    assert seen == [5, 6] and svc.last_sequence_ids == {K: 6}
    svc._skip_purged(K, 3)  # an old marker changes nothing
    assert svc.last_sequence_ids == {K: 6}
    # Messages pushed before their numbers were purged are still delivered, in order, then delivery goes on.
    svc._offer(K, 8, msg(K, 8))
    svc._skip_purged(K, 8)
    assert seen == [5, 6, 8, 9] and svc.last_sequence_ids == {K: 9}
    await svc.wait_synced()
    await svc.close()

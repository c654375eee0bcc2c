"""The dataset's shape for the default 1,000 users is Turms's development data: ranges, ids, dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from turms.demo import dataset as d
from turms.demo.dataset import Plan


def test_ranges_follow_step_of_a_tenth_of_the_users() -> None:
    p = Plan(1000)
    assert p.step == 100
    assert (p.friends.start, p.friends.stop) == (2, 101)  # users 2..100
    assert (p.friend_request_recipients.start, p.friend_request_recipients.stop) == (101, 202)  # 101..201
    assert (p.group_members.start, p.group_members.stop) == (1, 101)
    assert (p.join_requesters.start, p.join_requesters.stop) == (701, 801)
    assert (p.invitees.start, p.invitees.stop) == (801, 901)
    assert (p.blocked_users.start, p.blocked_users.stop) == (901, 1001)
    assert not p.is_muted_member(50) and p.is_muted_member(51) and p.is_muted_member(100)


def test_ids_are_handed_out_in_turms_order_from_one() -> None:
    p = Plan(1000)
    assert p.guest_admin_id == 1 and p.admin_ids == list(range(2, 12))
    assert p.invitation_ids == list(range(12, 112))
    assert p.question_id == 112
    assert p.join_request_ids == list(range(113, 213))
    assert [m.id for m in p.messages()] == list(range(213, 513))
    assert p.friend_request_ids == list(range(513, 614))
    assert p.last_id == 613


def test_messages_three_per_round_to_users_two_to_ten() -> None:
    messages = Plan(1000).messages()
    assert len(messages) == 3 * d.MESSAGE_ROUNDS
    first, reply, group = messages[:3]
    assert (first.sender_id, first.target_id, first.is_group) == (1, 3, False)  # 2 + 1 % 9
    assert (reply.sender_id, reply.target_id, reply.is_group) == (3, 1, False)
    assert (group.sender_id, group.target_id, group.is_group) == (1, d.GROUP_ID, True)
    assert first.delivery_date == datetime(2000, 1, 1, 1, tzinfo=UTC)
    assert messages[-1].delivery_date == datetime(2000, 1, 5, 4, tzinfo=UTC)  # + 100 hours
    assert sorted({m.target_id for m in messages if not m.is_group and m.sender_id == 1}) == list(range(2, 11))
    assert Plan(1000).private_targets == list(range(2, 11))
    # Turms's texts: a prefix and 16 alphanumerics; ours are stable across loads.
    assert first.text.startswith("private-message-text") and len(first.text) == len("private-message-text") + 16
    assert first.text.isalnum() is False and first.text[-16:].isalnum()
    assert [m.text for m in Plan(1000).messages()] == [m.text for m in messages]
    assert len({m.text for m in messages}) == len(messages)
    # Alternating IPv4 (even rounds) and IPv6 (odd rounds) senders, as Turms.
    assert first.sender_ip == d.IPV6_SENDER and messages[3].sender_ip == d.IPV4_SENDER


def test_dates_and_too_small_counts() -> None:
    assert d.user_date(1) == datetime(2000, 1, 2, tzinfo=UTC)
    assert d.FAR_FUTURE.year == 2286
    with pytest.raises(ValueError, match="at least 10"):
        Plan(9)

"""Client-supplied ``Value`` trees are bounded in depth and count wherever a request can carry them."""

from __future__ import annotations

from typing import Any

import pytest

from turms.errors import TurmsError
from turms.protocol.pb import model_common_pb2, model_group_pb2, turms_notification_pb2, turms_request_pb2
from turms.protocol.status import ResponseStatusCode
from turms.protocol.values import VALUE_PLANS, check_values, value_depth
from turms.service.push import relayed

Value = model_common_pb2.Value


def nested(depth: int) -> Any:
    """A ``Value`` of exactly ``depth`` levels: lists of lists around one string."""
    v = Value(string_value="x")
    for _ in range(depth - 1):
        outer = Value()
        outer.list_value.append(v)
        v = outer
    return v


def refused(request: Any, depth: int = 4, count: int = 256) -> str:
    with pytest.raises(TurmsError) as e:
        check_values(request, depth, count)
    assert e.value.code is ResponseStatusCode.ILLEGAL_ARGUMENT
    return e.value.reason or ""


def test_depth_counts_levels() -> None:
    assert [value_depth(nested(n)) for n in (1, 2, 4, 98)] == [1, 2, 4, 98]
    assert value_depth(Value()) == 1


def test_every_place_a_value_can_hide_is_checked() -> None:
    # Top-level custom attributes, a kind's own, a map of values, and values inside nested messages.
    envelope = turms_request_pb2.TurmsRequest(request_id=1)
    envelope.create_message_request.text = "hi"
    envelope.custom_attributes.append(nested(5))
    assert "custom_attributes" in refused(envelope)

    body = turms_request_pb2.TurmsRequest(request_id=1)
    body.create_message_request.custom_attributes.append(nested(5))
    assert "create_message_request.custom_attributes" in refused(body)

    attrs = turms_request_pb2.TurmsRequest(request_id=1)
    attrs.update_group_request.group_id = 1
    attrs.update_group_request.user_defined_attributes["k"].CopyFrom(nested(5))
    assert "user_defined_attributes" in refused(attrs)

    deep_in_question = turms_request_pb2.TurmsRequest(request_id=1)
    question = model_group_pb2.GroupJoinQuestion(question="q")
    question.custom_attributes.append(nested(5))
    deep_in_question.create_group_join_questions_request.questions.append(question)
    assert "questions.custom_attributes" in refused(deep_in_question)

    # Everything at the limit passes.
    ok = turms_request_pb2.TurmsRequest(request_id=1)
    ok.custom_attributes.append(nested(4))
    ok.update_group_request.user_defined_attributes["k"].CopyFrom(nested(4))
    check_values(ok, 4, 256)


def test_the_count_of_values_is_bounded() -> None:
    request = turms_request_pb2.TurmsRequest(request_id=1)
    wide = Value()
    wide.list_value.extend(Value(int64_value=i) for i in range(300))
    request.create_message_request.custom_attributes.append(wide)
    assert "more than 256 values" in refused(request)
    check_values(request, 4, 301)


def test_every_kind_that_carries_values_has_a_plan() -> None:
    kinds = turms_request_pb2.TurmsRequest.DESCRIPTOR.oneofs_by_name["kind"].fields
    missing = [f.name for f in kinds if f.message_type.full_name not in VALUE_PLANS]
    assert missing == []  # every kind has at least its custom_attributes


def test_a_relay_of_an_accepted_request_decodes_in_a_client() -> None:
    """The worst request the bounds accept, relayed in a push, decodes (protobuf's limit is 100 levels)."""
    request = turms_request_pb2.TurmsRequest(request_id=1)
    request.custom_attributes.append(nested(4))
    request.update_group_request.user_defined_attributes["k"].CopyFrom(nested(4))
    check_values(request, 4, 256)
    payload = relayed(request, 7, 0)
    decoded = turms_notification_pb2.TurmsNotification.FromString(payload)
    assert decoded.relayed_request == request
    # And the attack the bound exists for: a tree that decodes on the server, but not once relayed (the depth at
    # which that happens depends on the decoder; 99 for upb, fewer for Turms's Java and JavaScript clients).
    attack = turms_request_pb2.TurmsRequest(request_id=1)
    attack.create_message_request.custom_attributes.append(nested(99))
    turms_request_pb2.TurmsRequest.FromString(attack.SerializeToString())
    with pytest.raises(Exception):  # noqa: B017 - upb raises DecodeError; the point is that it cannot decode
        turms_notification_pb2.TurmsNotification.FromString(relayed(attack, 7, 0))
    refused(attack)

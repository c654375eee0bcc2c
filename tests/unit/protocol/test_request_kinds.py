"""The TurmsRequest oneof: exactly Turms's 72 kinds at their field numbers; the notification layout."""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor

from turms.protocol.pb.turms_notification_pb2 import TurmsNotification
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.requests import KINDS, KINDS_BY_NUMBER

# Typed out from the Turms protocol, grouped by domain (see docs/protocol.md).
EXPECTED_KINDS: dict[str, int] = {
    # session 3-4
    "create_session_request": 3,
    "delete_session_request": 4,
    # conversation 5-7
    "query_conversations_request": 5,
    "update_conversation_request": 6,
    "update_typing_status_request": 7,
    # message 8-10
    "create_message_request": 8,
    "query_messages_request": 9,
    "update_message_request": 10,
    # group member 11-14
    "create_group_members_request": 11,
    "delete_group_members_request": 12,
    "query_group_members_request": 13,
    "update_group_member_request": 14,
    # user 100-108
    "query_user_profiles_request": 100,
    "query_nearby_users_request": 101,
    "query_user_online_statuses_request": 102,
    "update_user_location_request": 103,
    "update_user_online_status_request": 104,
    "update_user_request": 105,
    "update_user_settings_request": 106,
    "delete_user_settings_request": 107,
    "query_user_settings_request": 108,
    # relationship 200-212
    "create_friend_request_request": 200,
    "create_relationship_group_request": 201,
    "create_relationship_request": 202,
    "delete_friend_request_request": 203,
    "delete_relationship_group_request": 204,
    "delete_relationship_request": 205,
    "query_friend_requests_request": 206,
    "query_related_user_ids_request": 207,
    "query_relationship_groups_request": 208,
    "query_relationships_request": 209,
    "update_friend_request_request": 210,
    "update_relationship_group_request": 211,
    "update_relationship_request": 212,
    # group 300-305
    "create_group_request": 300,
    "delete_group_request": 301,
    "query_groups_request": 302,
    "query_joined_group_ids_request": 303,
    "query_joined_group_infos_request": 304,
    "update_group_request": 305,
    # group blocklist 400-403
    "create_group_blocked_user_request": 400,
    "delete_group_blocked_user_request": 401,
    "query_group_blocked_user_ids_request": 402,
    "query_group_blocked_user_infos_request": 403,
    # group enrollment 500-512
    "check_group_join_questions_answers_request": 500,
    "create_group_invitation_request": 501,
    "create_group_join_request_request": 502,
    "create_group_join_questions_request": 503,
    "delete_group_invitation_request": 504,
    "delete_group_join_request_request": 505,
    "delete_group_join_questions_request": 506,
    "query_group_invitations_request": 507,
    "query_group_join_requests_request": 508,
    "query_group_join_questions_request": 509,
    "update_group_invitation_request": 510,
    "update_group_join_question_request": 511,
    "update_group_join_request_request": 512,
    # conference 900-904
    "create_meeting_request": 900,
    "delete_meeting_request": 901,
    "query_meetings_request": 902,
    "update_meeting_request": 903,
    "update_meeting_invitation_request": 904,
    # storage 1000-1004
    "delete_resource_request": 1000,
    "query_resource_download_info_request": 1001,
    "query_resource_upload_info_request": 1002,
    "query_message_attachment_infos_request": 1003,
    "update_message_attachment_info_request": 1004,
    # conversation settings 1100-1102
    "delete_conversation_settings_request": 1100,
    "query_conversation_settings_request": 1101,
    "update_conversation_settings_request": 1102,
    # message reactions 1200-1201
    "create_message_reactions_request": 1200,
    "delete_message_reactions_request": 1201,
}


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def test_expected_table_itself_has_72_distinct_kinds() -> None:
    assert len(EXPECTED_KINDS) == 72
    assert len(set(EXPECTED_KINDS.values())) == 72


def test_turms_request_oneof_has_exactly_the_72_kinds() -> None:
    oneof = TurmsRequest.DESCRIPTOR.oneofs_by_name["kind"]
    actual = {f.name: f.number for f in oneof.fields}
    assert actual == EXPECTED_KINDS
    for field in oneof.fields:
        assert field.type == FieldDescriptor.TYPE_MESSAGE
        message_type = field.message_type
        assert message_type is not None
        # Each kind's message is named after it: create_session_request -> CreateSessionRequest.
        assert message_type.full_name == "im.turms.proto." + _camel(field.name)


def test_turms_request_envelope_fields() -> None:
    fields = TurmsRequest.DESCRIPTOR.fields_by_name
    assert fields["request_id"].number == 1
    assert fields["request_id"].type == FieldDescriptor.TYPE_INT64
    assert fields["request_id"].has_presence
    assert fields["custom_attributes"].number == 2
    assert fields["custom_attributes"].is_repeated
    assert {f.number for f in TurmsRequest.DESCRIPTOR.fields} == {1, 2, *EXPECTED_KINDS.values()}


def test_kind_table_is_derived_from_the_descriptor() -> None:
    assert {k.name: k.number for k in KINDS.values()} == EXPECTED_KINDS
    assert list(KINDS) == sorted(KINDS, key=lambda name: EXPECTED_KINDS[name])
    for kind in KINDS.values():
        assert KINDS_BY_NUMBER[kind.number] is kind
        assert kind.message_class.__name__ == _camel(kind.name)
        # Setting the kind through its class works and selects it.
        request = TurmsRequest(request_id=1)
        getattr(request, kind.name).CopyFrom(kind.message_class())
        assert request.WhichOneof("kind") == kind.name


def test_every_request_message_carries_custom_attributes_at_15() -> None:
    for kind in KINDS.values():
        field = kind.message_class.DESCRIPTOR.fields_by_name["custom_attributes"]
        assert field.number == 15, kind.name
        assert field.is_repeated


def test_turms_notification_fields() -> None:
    expected = {
        "timestamp": (1, FieldDescriptor.TYPE_INT64),
        "custom_attributes": (2, FieldDescriptor.TYPE_MESSAGE),
        "request_id": (4, FieldDescriptor.TYPE_INT64),
        "code": (5, FieldDescriptor.TYPE_INT32),
        "reason": (6, FieldDescriptor.TYPE_STRING),
        "data": (7, FieldDescriptor.TYPE_MESSAGE),
        "requester_id": (10, FieldDescriptor.TYPE_INT64),
        "close_status": (11, FieldDescriptor.TYPE_INT32),
        "relayed_request": (12, FieldDescriptor.TYPE_MESSAGE),
    }
    actual = {f.name: (f.number, f.type) for f in TurmsNotification.DESCRIPTOR.fields}
    assert actual == expected


def test_turms_notification_data_oneof() -> None:
    expected = {
        "long": 1,
        "string": 2,
        "longs_with_version": 3,
        "strings_with_version": 4,
        "conversations": 5,
        "messages": 6,
        "messages_with_total_list": 7,
        "user_session": 8,
        "user_infos_with_version": 9,
        "user_online_statuses": 10,
        "user_friend_requests_with_version": 11,
        "user_relationship_groups_with_version": 12,
        "user_relationships_with_version": 13,
        "nearby_users": 14,
        "group_invitations_with_version": 15,
        "group_join_question_answer_result": 16,
        "group_join_requests_with_version": 17,
        "group_join_questions_with_version": 18,
        "group_members_with_version": 19,
        "groups_with_version": 20,
        "meetings": 40,
        "storage_resource_infos": 50,
        "conversation_settings_list": 200,
        "user_settings": 400,
    }
    oneof = TurmsNotification.Data.DESCRIPTOR.oneofs_by_name["kind"]
    assert {f.name: f.number for f in oneof.fields} == expected

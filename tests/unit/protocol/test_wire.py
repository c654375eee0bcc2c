"""Wire compatibility with the Turms client protocol, checked against bytes derived by hand.

Every expected byte string below is written out from the protobuf encoding rules, not produced by protobuf:
a field is ``tag = (field_number << 3) | wire_type`` as a varint (wire type 0 = varint, 2 = length-delimited),
varints are little-endian groups of 7 bits with the high bit set on all but the last byte, and a
length-delimited field is the tag, the payload length as a varint, then the payload. protobuf writes fields in
field-number order, as Turms's Java encoder does.
"""

from __future__ import annotations

from turms.protocol.pb.constant_pb2 import ANDROID, DeviceType
from turms.protocol.pb.model_common_pb2 import Value
from turms.protocol.pb.model_user_pb2 import UserSession
from turms.protocol.pb.request_conversation_pb2 import UpdateConversationSettingsRequest
from turms.protocol.pb.request_message_pb2 import CreateMessageReactionsRequest
from turms.protocol.pb.request_session_pb2 import CreateSessionRequest
from turms.protocol.pb.turms_notification_pb2 import TurmsNotification
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.status import ResponseStatusCode, SessionCloseStatus

# TurmsRequest{request_id=1,
#              create_session_request{version=1, user_id=300, password="pw", device_type=ANDROID}}
#   CreateSessionRequest:
#     version=1         field 1 varint: tag 1<<3|0 = 0x08, value 0x01                       -> 08 01
#     user_id=300       field 2 varint: tag 0x10; 300 = 0b10_0101100 -> 0xAC (0x2C|0x80), 0x02 -> 10 AC 02
#     password="pw"     field 3 len:    tag 3<<3|2 = 0x1A, length 2, 'p' 'w'                    -> 1A 02 70 77
#     device_type=3     field 5 varint: tag 5<<3|0 = 0x28, ANDROID = 3                          -> 28 03
#     total 2 + 3 + 4 + 2 = 11 bytes
#   TurmsRequest:
#     request_id=1      field 1 varint: 08 01
#     kind=create_session_request, field 3 len: tag 0x1A, length 0x0B, then the 11 bytes above
CREATE_SESSION_BYTES = bytes.fromhex("0801 1A0B 0801 10AC02 1A027077 2803")

# TurmsRequest{request_id=7,
#              create_message_reactions_request (field 1200){message_id=42, reaction_types=[1, 2]}}
#   CreateMessageReactionsRequest:
#     message_id=42          field 1 varint: 08 2A
#     reaction_types=[1,2]   field 2, repeated int32, packed in proto3: tag 2<<3|2 = 0x12, length 2, 01 02
#     total 2 + 4 = 6 bytes
#   TurmsRequest:
#     request_id=7           08 07
#     field 1200 len: tag = 1200<<3|2 = 9602 = 75*128 + 2 -> 0x82 (2|0x80), 0x4B (75); length 06
REACTIONS_BYTES = bytes.fromhex("0807 824B06 082A 12020102")

# TurmsRequest{request_id=8,
#              update_conversation_settings_request (field 1102){group_id=9, settings={"mute": true}}}
#   Value{bool_value=true}: field 5 varint: tag 0x28, 01                                -> 28 01 (2 bytes)
#   map entry {key="mute", value=Value}:
#     key   field 1 len: 0A 04 6D 75 74 65                                                     (6 bytes)
#     value field 2 len: 12 02 28 01                                                           (4 bytes)
#   UpdateConversationSettingsRequest:
#     group_id=9     field 2 varint: 10 09
#     settings       field 3 len, one entry: 1A 0A + the 10 entry bytes
#     total 2 + 12 = 14 = 0x0E bytes
#   TurmsRequest:
#     request_id=8   08 08
#     field 1102 len: tag = 1102<<3|2 = 8818 = 68*128 + 114 -> 0xF2 (114|0x80), 0x44 (68); length 0E
CONVERSATION_SETTINGS_BYTES = bytes.fromhex("0808 F2440E 1009 1A0A 0A046D757465 12022801")

# TurmsNotification{timestamp=1000000, request_id=5, code=1000, data{user_session{"s1", "n1"}},
#                   requester_id=300, close_status=201}
#   timestamp=1000000  field 1 varint: 1000000 = 61*16384 + 4*128 + 64 -> C0 (64|0x80) 84 (4|0x80) 3D (61)
#                      -> 08 C0 84 3D
#   request_id=5       field 4 varint: tag 4<<3 = 0x20 -> 20 05
#   code=1000          field 5 varint: tag 0x28; 1000 = 7*128 + 104 -> E8 (104|0x80) 07 -> 28 E8 07
#   data               field 7 len: tag 7<<3|2 = 0x3A
#     Data.user_session  field 8 len: tag 8<<3|2 = 0x42
#       UserSession: session_id field 1: 0A 02 73 31 ("s1"); server_id field 2: 12 02 6E 31 ("n1") (8 bytes)
#     Data = 42 08 + 8 bytes = 10 bytes -> 3A 0A ...
#   requester_id=300   field 10 varint: tag 10<<3 = 0x50 -> 50 AC 02
#   close_status=201   field 11 varint: tag 11<<3 = 0x58; 201 = 1*128 + 73 -> C9 (73|0x80) 01 -> 58 C9 01
NOTIFICATION_BYTES = bytes.fromhex("08C0843D 2005 28E807 3A0A 4208 0A027331 12026E31 50AC02 58C901")


def test_create_session_request_encodes_to_hand_computed_bytes() -> None:
    request = TurmsRequest(
        request_id=1,
        create_session_request=CreateSessionRequest(version=1, user_id=300, password="pw", device_type=ANDROID),
    )
    assert request.SerializeToString() == CREATE_SESSION_BYTES


def test_create_session_request_decodes_from_hand_computed_bytes() -> None:
    request = TurmsRequest.FromString(CREATE_SESSION_BYTES)
    assert request.request_id == 1
    assert request.WhichOneof("kind") == "create_session_request"
    login = request.create_session_request
    assert (login.version, login.user_id, login.password) == (1, 300, "pw")
    assert login.device_type == DeviceType.ANDROID == 3
    assert not login.HasField("user_status")
    assert not login.HasField("location")


def test_oneof_field_above_1000_message_reactions() -> None:
    request = TurmsRequest(
        request_id=7,
        create_message_reactions_request=CreateMessageReactionsRequest(message_id=42, reaction_types=[1, 2]),
    )
    assert request.SerializeToString() == REACTIONS_BYTES
    decoded = TurmsRequest.FromString(REACTIONS_BYTES)
    assert decoded.WhichOneof("kind") == "create_message_reactions_request"
    assert list(decoded.create_message_reactions_request.reaction_types) == [1, 2]


def test_oneof_field_above_1000_conversation_settings_with_map() -> None:
    inner = UpdateConversationSettingsRequest(group_id=9)
    inner.settings["mute"].bool_value = True
    request = TurmsRequest(request_id=8, update_conversation_settings_request=inner)
    assert request.SerializeToString() == CONVERSATION_SETTINGS_BYTES
    decoded = TurmsRequest.FromString(CONVERSATION_SETTINGS_BYTES).update_conversation_settings_request
    assert decoded.group_id == 9
    assert not decoded.HasField("user_id")
    assert decoded.settings["mute"].WhichOneof("kind") == "bool_value"


def test_repeated_scalars_also_decode_unpacked() -> None:
    # Decoders must accept the unpacked form too: field 2 varint twice (tag 0x10): 10 01 10 02.
    # TurmsRequest: 08 07, field 1200 len (82 4B) length 6: 08 2A 10 01 10 02.
    decoded = TurmsRequest.FromString(bytes.fromhex("0807 824B06 082A 1001 1002"))
    assert list(decoded.create_message_reactions_request.reaction_types) == [1, 2]


def test_notification_encodes_to_hand_computed_bytes() -> None:
    notification = TurmsNotification(
        timestamp=1_000_000,
        request_id=5,
        code=ResponseStatusCode.OK,
        requester_id=300,
        close_status=SessionCloseStatus.SERVER_CLOSED,
    )
    notification.data.user_session.CopyFrom(UserSession(session_id="s1", server_id="n1"))
    assert notification.SerializeToString() == NOTIFICATION_BYTES


def test_notification_decodes_from_hand_computed_bytes() -> None:
    n = TurmsNotification.FromString(NOTIFICATION_BYTES)
    assert (n.timestamp, n.request_id, n.code, n.requester_id, n.close_status) == (
        1_000_000,
        5,
        1000,
        300,
        201,
    )
    assert n.data.WhichOneof("kind") == "user_session"
    assert (n.data.user_session.session_id, n.data.user_session.server_id) == ("s1", "n1")
    assert not n.HasField("reason")
    assert not n.HasField("relayed_request")


def test_decodes_turms_shaped_push_with_relayed_request() -> None:
    # A push as Turms sends it: timestamp=1, requester_id=1, relayed_request = the sender's request as sent:
    #   CreateMessageRequest{recipient_id=2 (field 4: 20 02), text="hi" (field 6: 32 02 68 69)}  (6 bytes)
    #   TurmsRequest{request_id=9 (08 09), create_message_request (field 8: tag 0x42, len 06)}  (10 bytes)
    #   TurmsNotification: 08 01, requester_id 50 01, relayed_request field 12: tag 12<<3|2 = 0x62, len 0A
    n = TurmsNotification.FromString(bytes.fromhex("0801 5001 620A 0809 4206 2002 32026869"))
    assert n.requester_id == 1
    assert not n.HasField("request_id")
    assert not n.HasField("code")
    relayed = n.relayed_request
    assert relayed.request_id == 9
    assert relayed.WhichOneof("kind") == "create_message_request"
    assert relayed.create_message_request.recipient_id == 2
    assert relayed.create_message_request.text == "hi"
    assert not relayed.create_message_request.HasField("group_id")


def test_decodes_data_oneof_with_high_field_number_and_long() -> None:
    # Data.user_settings is field 400: tag 400<<3|2 = 3202 = 25*128 + 2 -> 82 19.
    #   UserSettings{last_updated_date=5 (field 2: 10 05)} -> 2 bytes -> Data = 82 19 02 10 05 (5 bytes)
    #   TurmsNotification{request_id=3 (20 03), code=1000 (28 E8 07), data (3A 05 ...)}
    n = TurmsNotification.FromString(bytes.fromhex("2003 28E807 3A05 82190210 05"))
    assert n.data.WhichOneof("kind") == "user_settings"
    assert n.data.user_settings.last_updated_date == 5
    # Data.long is field 1 varint: 08 2A -> 42; TurmsNotification data: 3A 02 08 2A.
    n = TurmsNotification.FromString(bytes.fromhex("3A02082A"))
    assert n.data.WhichOneof("kind") == "long"
    assert n.data.long == 42


def test_negative_int64_request_id_is_ten_bytes() -> None:
    # int64 -1 is the varint of 2**64 - 1: nine bytes FF, then 01. Turms answers undecodable requests with -1.
    n = TurmsNotification(request_id=-1)
    assert n.SerializeToString() == bytes.fromhex("20 FFFFFFFFFFFFFFFFFF01")


def test_unknown_fields_are_tolerated() -> None:
    # A newer client may send fields we do not know: field 99 varint (tag 99<<3 = 792 = 6*128 + 24 -> 98 06).
    request = TurmsRequest.FromString(CREATE_SESSION_BYTES + bytes.fromhex("980601"))
    assert request.WhichOneof("kind") == "create_session_request"


def test_value_list_and_scalars() -> None:
    # Value{list_value=[Value{int32_value=1}, Value{string_value="a"}]}
    #   Value{int32_value=1}: 08 01 (2 bytes); Value{string_value="a"}: field 7 len: 3A 01 61 (3 bytes)
    #   list_value field 8 len: tag 0x42 -> 42 02 0801, 42 03 3A0161
    value = Value(list_value=[Value(int32_value=1), Value(string_value="a")])
    assert value.SerializeToString() == bytes.fromhex("42020801 42033A0161")
    assert value.WhichOneof("kind") is None

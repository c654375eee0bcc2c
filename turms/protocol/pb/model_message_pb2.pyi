from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from turms.protocol.pb import model_user_pb2 as _model_user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Message(_message.Message):
    __slots__ = ("id", "delivery_date", "modification_date", "text", "sender_id", "group_id", "is_system_message", "recipient_id", "records", "sequence_id", "pre_message_id", "reaction_groups", "custom_attributes")
    ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_DATE_FIELD_NUMBER: _ClassVar[int]
    MODIFICATION_DATE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    IS_SYSTEM_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_ID_FIELD_NUMBER: _ClassVar[int]
    PRE_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REACTION_GROUPS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: int
    delivery_date: int
    modification_date: int
    text: str
    sender_id: int
    group_id: int
    is_system_message: bool
    recipient_id: int
    records: _containers.RepeatedScalarFieldContainer[bytes]
    sequence_id: int
    pre_message_id: int
    reaction_groups: _containers.RepeatedCompositeFieldContainer[MessageReactionGroup]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id: _Optional[int] = ..., delivery_date: _Optional[int] = ..., modification_date: _Optional[int] = ..., text: _Optional[str] = ..., sender_id: _Optional[int] = ..., group_id: _Optional[int] = ..., is_system_message: _Optional[bool] = ..., recipient_id: _Optional[int] = ..., records: _Optional[_Iterable[bytes]] = ..., sequence_id: _Optional[int] = ..., pre_message_id: _Optional[int] = ..., reaction_groups: _Optional[_Iterable[_Union[MessageReactionGroup, _Mapping]]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class MessageReactionGroup(_message.Message):
    __slots__ = ("reaction_type", "reaction_count", "user_infos", "custom_attributes")
    REACTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    REACTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    USER_INFOS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    reaction_type: int
    reaction_count: int
    user_infos: _containers.RepeatedCompositeFieldContainer[_model_user_pb2.UserInfo]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, reaction_type: _Optional[int] = ..., reaction_count: _Optional[int] = ..., user_infos: _Optional[_Iterable[_Union[_model_user_pb2.UserInfo, _Mapping]]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class Messages(_message.Message):
    __slots__ = ("messages",)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[Message]
    def __init__(self, messages: _Optional[_Iterable[_Union[Message, _Mapping]]] = ...) -> None: ...

class MessagesWithTotal(_message.Message):
    __slots__ = ("total", "is_group_message", "from_id", "messages")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    IS_GROUP_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FROM_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    total: int
    is_group_message: bool
    from_id: int
    messages: _containers.RepeatedCompositeFieldContainer[Message]
    def __init__(self, total: _Optional[int] = ..., is_group_message: _Optional[bool] = ..., from_id: _Optional[int] = ..., messages: _Optional[_Iterable[_Union[Message, _Mapping]]] = ...) -> None: ...

class MessagesWithTotalList(_message.Message):
    __slots__ = ("messages_with_total_list",)
    MESSAGES_WITH_TOTAL_LIST_FIELD_NUMBER: _ClassVar[int]
    messages_with_total_list: _containers.RepeatedCompositeFieldContainer[MessagesWithTotal]
    def __init__(self, messages_with_total_list: _Optional[_Iterable[_Union[MessagesWithTotal, _Mapping]]] = ...) -> None: ...

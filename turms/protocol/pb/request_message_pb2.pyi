from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateMessageRequest(_message.Message):
    __slots__ = ("message_id", "is_system_message", "group_id", "recipient_id", "delivery_date", "text", "records", "burn_after", "pre_message_id", "custom_attributes")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    IS_SYSTEM_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_DATE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    BURN_AFTER_FIELD_NUMBER: _ClassVar[int]
    PRE_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    message_id: int
    is_system_message: bool
    group_id: int
    recipient_id: int
    delivery_date: int
    text: str
    records: _containers.RepeatedScalarFieldContainer[bytes]
    burn_after: int
    pre_message_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, message_id: _Optional[int] = ..., is_system_message: _Optional[bool] = ..., group_id: _Optional[int] = ..., recipient_id: _Optional[int] = ..., delivery_date: _Optional[int] = ..., text: _Optional[str] = ..., records: _Optional[_Iterable[bytes]] = ..., burn_after: _Optional[int] = ..., pre_message_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryMessagesRequest(_message.Message):
    __slots__ = ("ids", "are_group_messages", "are_system_messages", "from_ids", "delivery_date_start", "delivery_date_end", "max_count", "with_total", "descending", "custom_attributes")
    IDS_FIELD_NUMBER: _ClassVar[int]
    ARE_GROUP_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    ARE_SYSTEM_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    FROM_IDS_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_DATE_START_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_DATE_END_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    WITH_TOTAL_FIELD_NUMBER: _ClassVar[int]
    DESCENDING_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    are_group_messages: bool
    are_system_messages: bool
    from_ids: _containers.RepeatedScalarFieldContainer[int]
    delivery_date_start: int
    delivery_date_end: int
    max_count: int
    with_total: bool
    descending: bool
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, ids: _Optional[_Iterable[int]] = ..., are_group_messages: _Optional[bool] = ..., are_system_messages: _Optional[bool] = ..., from_ids: _Optional[_Iterable[int]] = ..., delivery_date_start: _Optional[int] = ..., delivery_date_end: _Optional[int] = ..., max_count: _Optional[int] = ..., with_total: _Optional[bool] = ..., descending: _Optional[bool] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateMessageRequest(_message.Message):
    __slots__ = ("message_id", "text", "records", "recall_date", "custom_attributes")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    RECALL_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    message_id: int
    text: str
    records: _containers.RepeatedScalarFieldContainer[bytes]
    recall_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, message_id: _Optional[int] = ..., text: _Optional[str] = ..., records: _Optional[_Iterable[bytes]] = ..., recall_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class CreateMessageReactionsRequest(_message.Message):
    __slots__ = ("message_id", "reaction_types", "custom_attributes")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REACTION_TYPES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    message_id: int
    reaction_types: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, message_id: _Optional[int] = ..., reaction_types: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteMessageReactionsRequest(_message.Message):
    __slots__ = ("message_id", "reaction_types", "custom_attributes")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REACTION_TYPES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    message_id: int
    reaction_types: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, message_id: _Optional[int] = ..., reaction_types: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

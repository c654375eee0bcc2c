from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QueryConversationsRequest(_message.Message):
    __slots__ = ("user_ids", "group_ids", "custom_attributes")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[int]
    group_ids: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_ids: _Optional[_Iterable[int]] = ..., group_ids: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateConversationRequest(_message.Message):
    __slots__ = ("user_id", "group_id", "read_date", "custom_attributes")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    READ_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    group_id: int
    read_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_id: _Optional[int] = ..., group_id: _Optional[int] = ..., read_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateTypingStatusRequest(_message.Message):
    __slots__ = ("is_group_message", "to_id", "custom_attributes")
    IS_GROUP_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TO_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    is_group_message: bool
    to_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, is_group_message: _Optional[bool] = ..., to_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteConversationSettingsRequest(_message.Message):
    __slots__ = ("user_ids", "group_ids", "names", "custom_attributes")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[int]
    group_ids: _containers.RepeatedScalarFieldContainer[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_ids: _Optional[_Iterable[int]] = ..., group_ids: _Optional[_Iterable[int]] = ..., names: _Optional[_Iterable[str]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryConversationSettingsRequest(_message.Message):
    __slots__ = ("user_ids", "group_ids", "names", "last_updated_date_start", "custom_attributes")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_START_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[int]
    group_ids: _containers.RepeatedScalarFieldContainer[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    last_updated_date_start: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_ids: _Optional[_Iterable[int]] = ..., group_ids: _Optional[_Iterable[int]] = ..., names: _Optional[_Iterable[str]] = ..., last_updated_date_start: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateConversationSettingsRequest(_message.Message):
    __slots__ = ("user_id", "group_id", "settings", "custom_attributes")
    class SettingsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _model_common_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_model_common_pb2.Value, _Mapping]] = ...) -> None: ...
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    group_id: int
    settings: _containers.MessageMap[str, _model_common_pb2.Value]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_id: _Optional[int] = ..., group_id: _Optional[int] = ..., settings: _Optional[_Mapping[str, _model_common_pb2.Value]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

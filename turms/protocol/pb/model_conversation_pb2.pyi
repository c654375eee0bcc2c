from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PrivateConversation(_message.Message):
    __slots__ = ("owner_id", "target_id", "read_date", "custom_attributes")
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ID_FIELD_NUMBER: _ClassVar[int]
    READ_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    owner_id: int
    target_id: int
    read_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, owner_id: _Optional[int] = ..., target_id: _Optional[int] = ..., read_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class GroupConversation(_message.Message):
    __slots__ = ("group_id", "member_id_to_read_date", "custom_attributes")
    class MemberIdToReadDateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: int
        def __init__(self, key: _Optional[int] = ..., value: _Optional[int] = ...) -> None: ...
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_TO_READ_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    member_id_to_read_date: _containers.ScalarMap[int, int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., member_id_to_read_date: _Optional[_Mapping[int, int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class Conversations(_message.Message):
    __slots__ = ("private_conversations", "group_conversations")
    PRIVATE_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    GROUP_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    private_conversations: _containers.RepeatedCompositeFieldContainer[PrivateConversation]
    group_conversations: _containers.RepeatedCompositeFieldContainer[GroupConversation]
    def __init__(self, private_conversations: _Optional[_Iterable[_Union[PrivateConversation, _Mapping]]] = ..., group_conversations: _Optional[_Iterable[_Union[GroupConversation, _Mapping]]] = ...) -> None: ...

class ConversationSettings(_message.Message):
    __slots__ = ("user_id", "group_id", "settings", "last_updated_date", "custom_attributes")
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
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    group_id: int
    settings: _containers.MessageMap[str, _model_common_pb2.Value]
    last_updated_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_id: _Optional[int] = ..., group_id: _Optional[int] = ..., settings: _Optional[_Mapping[str, _model_common_pb2.Value]] = ..., last_updated_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class ConversationSettingsList(_message.Message):
    __slots__ = ("conversation_settings_list",)
    CONVERSATION_SETTINGS_LIST_FIELD_NUMBER: _ClassVar[int]
    conversation_settings_list: _containers.RepeatedCompositeFieldContainer[ConversationSettings]
    def __init__(self, conversation_settings_list: _Optional[_Iterable[_Union[ConversationSettings, _Mapping]]] = ...) -> None: ...

from turms.protocol.pb import constant_pb2 as _constant_pb2
from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateGroupRequest(_message.Message):
    __slots__ = ("name", "intro", "announcement", "min_score", "type_id", "mute_end_date", "user_defined_attributes", "custom_attributes")
    class UserDefinedAttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _model_common_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_model_common_pb2.Value, _Mapping]] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    ANNOUNCEMENT_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_DATE_FIELD_NUMBER: _ClassVar[int]
    USER_DEFINED_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    name: str
    intro: str
    announcement: str
    min_score: int
    type_id: int
    mute_end_date: int
    user_defined_attributes: _containers.MessageMap[str, _model_common_pb2.Value]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, name: _Optional[str] = ..., intro: _Optional[str] = ..., announcement: _Optional[str] = ..., min_score: _Optional[int] = ..., type_id: _Optional[int] = ..., mute_end_date: _Optional[int] = ..., user_defined_attributes: _Optional[_Mapping[str, _model_common_pb2.Value]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteGroupRequest(_message.Message):
    __slots__ = ("group_id", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryGroupsRequest(_message.Message):
    __slots__ = ("group_ids", "last_updated_date", "name", "skip", "limit", "fields_to_highlight", "custom_attributes")
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SKIP_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_TO_HIGHLIGHT_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_ids: _containers.RepeatedScalarFieldContainer[int]
    last_updated_date: int
    name: str
    skip: int
    limit: int
    fields_to_highlight: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_ids: _Optional[_Iterable[int]] = ..., last_updated_date: _Optional[int] = ..., name: _Optional[str] = ..., skip: _Optional[int] = ..., limit: _Optional[int] = ..., fields_to_highlight: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryJoinedGroupIdsRequest(_message.Message):
    __slots__ = ("last_updated_date", "user_ids_for_common_groups", "custom_attributes")
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FOR_COMMON_GROUPS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    last_updated_date: int
    user_ids_for_common_groups: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, last_updated_date: _Optional[int] = ..., user_ids_for_common_groups: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryJoinedGroupInfosRequest(_message.Message):
    __slots__ = ("last_updated_date", "user_ids_for_common_groups", "custom_attributes")
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FOR_COMMON_GROUPS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    last_updated_date: int
    user_ids_for_common_groups: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, last_updated_date: _Optional[int] = ..., user_ids_for_common_groups: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateGroupRequest(_message.Message):
    __slots__ = ("group_id", "quit_after_transfer", "name", "intro", "announcement", "min_score", "type_id", "mute_end_date", "successor_id", "user_defined_attributes", "custom_attributes")
    class UserDefinedAttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _model_common_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_model_common_pb2.Value, _Mapping]] = ...) -> None: ...
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    QUIT_AFTER_TRANSFER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    ANNOUNCEMENT_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_DATE_FIELD_NUMBER: _ClassVar[int]
    SUCCESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    USER_DEFINED_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    quit_after_transfer: bool
    name: str
    intro: str
    announcement: str
    min_score: int
    type_id: int
    mute_end_date: int
    successor_id: int
    user_defined_attributes: _containers.MessageMap[str, _model_common_pb2.Value]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., quit_after_transfer: _Optional[bool] = ..., name: _Optional[str] = ..., intro: _Optional[str] = ..., announcement: _Optional[str] = ..., min_score: _Optional[int] = ..., type_id: _Optional[int] = ..., mute_end_date: _Optional[int] = ..., successor_id: _Optional[int] = ..., user_defined_attributes: _Optional[_Mapping[str, _model_common_pb2.Value]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class CreateGroupMembersRequest(_message.Message):
    __slots__ = ("group_id", "user_ids", "name", "role", "mute_end_date", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    user_ids: _containers.RepeatedScalarFieldContainer[int]
    name: str
    role: _constant_pb2.GroupMemberRole
    mute_end_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., user_ids: _Optional[_Iterable[int]] = ..., name: _Optional[str] = ..., role: _Optional[_Union[_constant_pb2.GroupMemberRole, str]] = ..., mute_end_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteGroupMembersRequest(_message.Message):
    __slots__ = ("group_id", "member_ids", "successor_id", "quit_after_transfer", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    SUCCESSOR_ID_FIELD_NUMBER: _ClassVar[int]
    QUIT_AFTER_TRANSFER_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    member_ids: _containers.RepeatedScalarFieldContainer[int]
    successor_id: int
    quit_after_transfer: bool
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., member_ids: _Optional[_Iterable[int]] = ..., successor_id: _Optional[int] = ..., quit_after_transfer: _Optional[bool] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryGroupMembersRequest(_message.Message):
    __slots__ = ("group_id", "last_updated_date", "member_ids", "with_status", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    WITH_STATUS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    last_updated_date: int
    member_ids: _containers.RepeatedScalarFieldContainer[int]
    with_status: bool
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., last_updated_date: _Optional[int] = ..., member_ids: _Optional[_Iterable[int]] = ..., with_status: _Optional[bool] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateGroupMemberRequest(_message.Message):
    __slots__ = ("group_id", "member_id", "name", "role", "mute_end_date", "note", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    member_id: int
    name: str
    role: _constant_pb2.GroupMemberRole
    mute_end_date: int
    note: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., member_id: _Optional[int] = ..., name: _Optional[str] = ..., role: _Optional[_Union[_constant_pb2.GroupMemberRole, str]] = ..., mute_end_date: _Optional[int] = ..., note: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class CreateGroupBlockedUserRequest(_message.Message):
    __slots__ = ("group_id", "user_id", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    user_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., user_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteGroupBlockedUserRequest(_message.Message):
    __slots__ = ("group_id", "user_id", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    user_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., user_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryGroupBlockedUserIdsRequest(_message.Message):
    __slots__ = ("group_id", "last_updated_date", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    last_updated_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., last_updated_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryGroupBlockedUserInfosRequest(_message.Message):
    __slots__ = ("group_id", "last_updated_date", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    last_updated_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., last_updated_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

from turms.protocol.pb import constant_pb2 as _constant_pb2
from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateFriendRequestRequest(_message.Message):
    __slots__ = ("recipient_id", "content", "custom_attributes")
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    recipient_id: int
    content: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, recipient_id: _Optional[int] = ..., content: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class CreateRelationshipGroupRequest(_message.Message):
    __slots__ = ("name", "custom_attributes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    name: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, name: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class CreateRelationshipRequest(_message.Message):
    __slots__ = ("user_id", "blocked", "group_index", "name", "custom_attributes")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    blocked: bool
    group_index: int
    name: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_id: _Optional[int] = ..., blocked: _Optional[bool] = ..., group_index: _Optional[int] = ..., name: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteFriendRequestRequest(_message.Message):
    __slots__ = ("request_id", "custom_attributes")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, request_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteRelationshipGroupMemberRequest(_message.Message):
    __slots__ = ("user_id", "group_index", "target_group_index", "custom_attributes")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    TARGET_GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    group_index: int
    target_group_index: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_id: _Optional[int] = ..., group_index: _Optional[int] = ..., target_group_index: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteRelationshipGroupRequest(_message.Message):
    __slots__ = ("group_index", "target_group_index", "custom_attributes")
    GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    TARGET_GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_index: int
    target_group_index: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_index: _Optional[int] = ..., target_group_index: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteRelationshipRequest(_message.Message):
    __slots__ = ("user_id", "group_index", "target_group_index", "custom_attributes")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    TARGET_GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    group_index: int
    target_group_index: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_id: _Optional[int] = ..., group_index: _Optional[int] = ..., target_group_index: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryFriendRequestsRequest(_message.Message):
    __slots__ = ("are_sent_by_me", "last_updated_date", "custom_attributes")
    ARE_SENT_BY_ME_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    are_sent_by_me: bool
    last_updated_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, are_sent_by_me: _Optional[bool] = ..., last_updated_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryRelatedUserIdsRequest(_message.Message):
    __slots__ = ("blocked", "group_indexes", "last_updated_date", "user_ids_for_common_relationships", "custom_attributes")
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    GROUP_INDEXES_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FOR_COMMON_RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    blocked: bool
    group_indexes: _containers.RepeatedScalarFieldContainer[int]
    last_updated_date: int
    user_ids_for_common_relationships: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, blocked: _Optional[bool] = ..., group_indexes: _Optional[_Iterable[int]] = ..., last_updated_date: _Optional[int] = ..., user_ids_for_common_relationships: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryRelationshipGroupsRequest(_message.Message):
    __slots__ = ("last_updated_date", "custom_attributes")
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    last_updated_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, last_updated_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryRelationshipsRequest(_message.Message):
    __slots__ = ("user_ids", "blocked", "group_indexes", "last_updated_date", "user_ids_for_common_relationships", "custom_attributes")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    GROUP_INDEXES_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FOR_COMMON_RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[int]
    blocked: bool
    group_indexes: _containers.RepeatedScalarFieldContainer[int]
    last_updated_date: int
    user_ids_for_common_relationships: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_ids: _Optional[_Iterable[int]] = ..., blocked: _Optional[bool] = ..., group_indexes: _Optional[_Iterable[int]] = ..., last_updated_date: _Optional[int] = ..., user_ids_for_common_relationships: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateFriendRequestRequest(_message.Message):
    __slots__ = ("request_id", "response_action", "reason", "custom_attributes")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    response_action: _constant_pb2.ResponseAction
    reason: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, request_id: _Optional[int] = ..., response_action: _Optional[_Union[_constant_pb2.ResponseAction, str]] = ..., reason: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateRelationshipGroupRequest(_message.Message):
    __slots__ = ("group_index", "new_name", "custom_attributes")
    GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    NEW_NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_index: int
    new_name: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_index: _Optional[int] = ..., new_name: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateRelationshipRequest(_message.Message):
    __slots__ = ("user_id", "blocked", "new_group_index", "delete_group_index", "name", "note", "custom_attributes")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    NEW_GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    DELETE_GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    blocked: bool
    new_group_index: int
    delete_group_index: int
    name: str
    note: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_id: _Optional[int] = ..., blocked: _Optional[bool] = ..., new_group_index: _Optional[int] = ..., delete_group_index: _Optional[int] = ..., name: _Optional[str] = ..., note: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

from turms.protocol.pb import constant_pb2 as _constant_pb2
from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserInfo(_message.Message):
    __slots__ = ("id", "name", "intro", "profile_picture", "profile_access_strategy", "registration_date", "last_updated_date", "active", "user_defined_attributes", "custom_attributes")
    class UserDefinedAttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _model_common_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_model_common_pb2.Value, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    PROFILE_PICTURE_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ACCESS_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_DATE_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    USER_DEFINED_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    intro: str
    profile_picture: str
    profile_access_strategy: _constant_pb2.ProfileAccessStrategy
    registration_date: int
    last_updated_date: int
    active: bool
    user_defined_attributes: _containers.MessageMap[str, _model_common_pb2.Value]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., intro: _Optional[str] = ..., profile_picture: _Optional[str] = ..., profile_access_strategy: _Optional[_Union[_constant_pb2.ProfileAccessStrategy, str]] = ..., registration_date: _Optional[int] = ..., last_updated_date: _Optional[int] = ..., active: _Optional[bool] = ..., user_defined_attributes: _Optional[_Mapping[str, _model_common_pb2.Value]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UserInfosWithVersion(_message.Message):
    __slots__ = ("user_infos", "last_updated_date")
    USER_INFOS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    user_infos: _containers.RepeatedCompositeFieldContainer[UserInfo]
    last_updated_date: int
    def __init__(self, user_infos: _Optional[_Iterable[_Union[UserInfo, _Mapping]]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

class UserLocation(_message.Message):
    __slots__ = ("latitude", "longitude", "timestamp", "details", "custom_attributes")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    timestamp: int
    details: _containers.ScalarMap[str, str]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., timestamp: _Optional[int] = ..., details: _Optional[_Mapping[str, str]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UserOnlineStatus(_message.Message):
    __slots__ = ("user_id", "user_status", "device_types", "custom_attributes")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_STATUS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    user_status: _constant_pb2.UserStatus
    device_types: _containers.RepeatedScalarFieldContainer[_constant_pb2.DeviceType]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_id: _Optional[int] = ..., user_status: _Optional[_Union[_constant_pb2.UserStatus, str]] = ..., device_types: _Optional[_Iterable[_Union[_constant_pb2.DeviceType, str]]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UserOnlineStatuses(_message.Message):
    __slots__ = ("statuses",)
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[UserOnlineStatus]
    def __init__(self, statuses: _Optional[_Iterable[_Union[UserOnlineStatus, _Mapping]]] = ...) -> None: ...

class UserRelationship(_message.Message):
    __slots__ = ("owner_id", "related_user_id", "block_date", "group_index", "establishment_date", "name", "note", "custom_attributes")
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    RELATED_USER_ID_FIELD_NUMBER: _ClassVar[int]
    BLOCK_DATE_FIELD_NUMBER: _ClassVar[int]
    GROUP_INDEX_FIELD_NUMBER: _ClassVar[int]
    ESTABLISHMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    owner_id: int
    related_user_id: int
    block_date: int
    group_index: int
    establishment_date: int
    name: str
    note: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, owner_id: _Optional[int] = ..., related_user_id: _Optional[int] = ..., block_date: _Optional[int] = ..., group_index: _Optional[int] = ..., establishment_date: _Optional[int] = ..., name: _Optional[str] = ..., note: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UserRelationshipsWithVersion(_message.Message):
    __slots__ = ("user_relationships", "last_updated_date")
    USER_RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    user_relationships: _containers.RepeatedCompositeFieldContainer[UserRelationship]
    last_updated_date: int
    def __init__(self, user_relationships: _Optional[_Iterable[_Union[UserRelationship, _Mapping]]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

class UserRelationshipGroup(_message.Message):
    __slots__ = ("index", "name", "custom_attributes")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    index: int
    name: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, index: _Optional[int] = ..., name: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UserRelationshipGroupsWithVersion(_message.Message):
    __slots__ = ("user_relationship_groups", "last_updated_date")
    USER_RELATIONSHIP_GROUPS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    user_relationship_groups: _containers.RepeatedCompositeFieldContainer[UserRelationshipGroup]
    last_updated_date: int
    def __init__(self, user_relationship_groups: _Optional[_Iterable[_Union[UserRelationshipGroup, _Mapping]]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

class UserFriendRequest(_message.Message):
    __slots__ = ("id", "creation_date", "content", "request_status", "reason", "expiration_date", "requester_id", "recipient_id", "custom_attributes")
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATION_DATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_DATE_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: int
    creation_date: int
    content: str
    request_status: _constant_pb2.RequestStatus
    reason: str
    expiration_date: int
    requester_id: int
    recipient_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id: _Optional[int] = ..., creation_date: _Optional[int] = ..., content: _Optional[str] = ..., request_status: _Optional[_Union[_constant_pb2.RequestStatus, str]] = ..., reason: _Optional[str] = ..., expiration_date: _Optional[int] = ..., requester_id: _Optional[int] = ..., recipient_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UserFriendRequestsWithVersion(_message.Message):
    __slots__ = ("user_friend_requests", "last_updated_date")
    USER_FRIEND_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    user_friend_requests: _containers.RepeatedCompositeFieldContainer[UserFriendRequest]
    last_updated_date: int
    def __init__(self, user_friend_requests: _Optional[_Iterable[_Union[UserFriendRequest, _Mapping]]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

class NearbyUser(_message.Message):
    __slots__ = ("user_id", "device_type", "info", "distance", "location", "custom_attributes")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    device_type: _constant_pb2.DeviceType
    info: UserInfo
    distance: int
    location: UserLocation
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_id: _Optional[int] = ..., device_type: _Optional[_Union[_constant_pb2.DeviceType, str]] = ..., info: _Optional[_Union[UserInfo, _Mapping]] = ..., distance: _Optional[int] = ..., location: _Optional[_Union[UserLocation, _Mapping]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class NearbyUsers(_message.Message):
    __slots__ = ("nearby_users",)
    NEARBY_USERS_FIELD_NUMBER: _ClassVar[int]
    nearby_users: _containers.RepeatedCompositeFieldContainer[NearbyUser]
    def __init__(self, nearby_users: _Optional[_Iterable[_Union[NearbyUser, _Mapping]]] = ...) -> None: ...

class UserSession(_message.Message):
    __slots__ = ("session_id", "server_id", "custom_attributes")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    server_id: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, session_id: _Optional[str] = ..., server_id: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UserSettings(_message.Message):
    __slots__ = ("settings", "last_updated_date", "custom_attributes")
    class SettingsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _model_common_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_model_common_pb2.Value, _Mapping]] = ...) -> None: ...
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    settings: _containers.MessageMap[str, _model_common_pb2.Value]
    last_updated_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, settings: _Optional[_Mapping[str, _model_common_pb2.Value]] = ..., last_updated_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

from turms.protocol.pb import constant_pb2 as _constant_pb2
from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QueryUserProfilesRequest(_message.Message):
    __slots__ = ("user_ids", "last_updated_date", "name", "skip", "limit", "fields_to_highlight", "custom_attributes")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SKIP_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_TO_HIGHLIGHT_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[int]
    last_updated_date: int
    name: str
    skip: int
    limit: int
    fields_to_highlight: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_ids: _Optional[_Iterable[int]] = ..., last_updated_date: _Optional[int] = ..., name: _Optional[str] = ..., skip: _Optional[int] = ..., limit: _Optional[int] = ..., fields_to_highlight: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryNearbyUsersRequest(_message.Message):
    __slots__ = ("latitude", "longitude", "max_count", "max_distance", "with_coordinates", "with_distance", "with_user_info", "custom_attributes")
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    WITH_COORDINATES_FIELD_NUMBER: _ClassVar[int]
    WITH_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    WITH_USER_INFO_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    max_count: int
    max_distance: int
    with_coordinates: bool
    with_distance: bool
    with_user_info: bool
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., max_count: _Optional[int] = ..., max_distance: _Optional[int] = ..., with_coordinates: _Optional[bool] = ..., with_distance: _Optional[bool] = ..., with_user_info: _Optional[bool] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryUserOnlineStatusesRequest(_message.Message):
    __slots__ = ("user_ids", "custom_attributes")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_ids: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateUserLocationRequest(_message.Message):
    __slots__ = ("latitude", "longitude", "details", "custom_attributes")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    details: _containers.ScalarMap[str, str]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., details: _Optional[_Mapping[str, str]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateUserOnlineStatusRequest(_message.Message):
    __slots__ = ("device_types", "user_status", "custom_attributes")
    DEVICE_TYPES_FIELD_NUMBER: _ClassVar[int]
    USER_STATUS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    device_types: _containers.RepeatedScalarFieldContainer[_constant_pb2.DeviceType]
    user_status: _constant_pb2.UserStatus
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, device_types: _Optional[_Iterable[_Union[_constant_pb2.DeviceType, str]]] = ..., user_status: _Optional[_Union[_constant_pb2.UserStatus, str]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateUserRequest(_message.Message):
    __slots__ = ("password", "name", "intro", "profile_picture", "profile_access_strategy", "user_defined_attributes", "custom_attributes")
    class UserDefinedAttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _model_common_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_model_common_pb2.Value, _Mapping]] = ...) -> None: ...
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    PROFILE_PICTURE_FIELD_NUMBER: _ClassVar[int]
    PROFILE_ACCESS_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    USER_DEFINED_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    password: str
    name: str
    intro: str
    profile_picture: str
    profile_access_strategy: _constant_pb2.ProfileAccessStrategy
    user_defined_attributes: _containers.MessageMap[str, _model_common_pb2.Value]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, password: _Optional[str] = ..., name: _Optional[str] = ..., intro: _Optional[str] = ..., profile_picture: _Optional[str] = ..., profile_access_strategy: _Optional[_Union[_constant_pb2.ProfileAccessStrategy, str]] = ..., user_defined_attributes: _Optional[_Mapping[str, _model_common_pb2.Value]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateUserSettingsRequest(_message.Message):
    __slots__ = ("settings", "custom_attributes")
    class SettingsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _model_common_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_model_common_pb2.Value, _Mapping]] = ...) -> None: ...
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    settings: _containers.MessageMap[str, _model_common_pb2.Value]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, settings: _Optional[_Mapping[str, _model_common_pb2.Value]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteUserSettingsRequest(_message.Message):
    __slots__ = ("names", "custom_attributes")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, names: _Optional[_Iterable[str]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryUserSettingsRequest(_message.Message):
    __slots__ = ("names", "last_updated_date_start", "custom_attributes")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_START_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    last_updated_date_start: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, names: _Optional[_Iterable[str]] = ..., last_updated_date_start: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

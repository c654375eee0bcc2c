from turms.protocol.pb import constant_pb2 as _constant_pb2
from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from turms.protocol.pb import model_user_pb2 as _model_user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateSessionRequest(_message.Message):
    __slots__ = ("version", "user_id", "password", "user_status", "device_type", "device_details", "location", "custom_attributes")
    class DeviceDetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    USER_STATUS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_DETAILS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    version: int
    user_id: int
    password: str
    user_status: _constant_pb2.UserStatus
    device_type: _constant_pb2.DeviceType
    device_details: _containers.ScalarMap[str, str]
    location: _model_user_pb2.UserLocation
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, version: _Optional[int] = ..., user_id: _Optional[int] = ..., password: _Optional[str] = ..., user_status: _Optional[_Union[_constant_pb2.UserStatus, str]] = ..., device_type: _Optional[_Union[_constant_pb2.DeviceType, str]] = ..., device_details: _Optional[_Mapping[str, str]] = ..., location: _Optional[_Union[_model_user_pb2.UserLocation, _Mapping]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteSessionRequest(_message.Message):
    __slots__ = ("custom_attributes",)
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Meeting(_message.Message):
    __slots__ = ("id", "user_id", "group_id", "creator_id", "access_token", "name", "intro", "password", "start_date", "end_date", "cancel_date", "custom_attributes")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    CREATOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: int
    user_id: int
    group_id: int
    creator_id: int
    access_token: str
    name: str
    intro: str
    password: str
    start_date: int
    end_date: int
    cancel_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id: _Optional[int] = ..., user_id: _Optional[int] = ..., group_id: _Optional[int] = ..., creator_id: _Optional[int] = ..., access_token: _Optional[str] = ..., name: _Optional[str] = ..., intro: _Optional[str] = ..., password: _Optional[str] = ..., start_date: _Optional[int] = ..., end_date: _Optional[int] = ..., cancel_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class Meetings(_message.Message):
    __slots__ = ("meetings",)
    MEETINGS_FIELD_NUMBER: _ClassVar[int]
    meetings: _containers.RepeatedCompositeFieldContainer[Meeting]
    def __init__(self, meetings: _Optional[_Iterable[_Union[Meeting, _Mapping]]] = ...) -> None: ...

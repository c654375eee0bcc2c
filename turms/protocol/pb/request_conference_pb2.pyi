from turms.protocol.pb import constant_pb2 as _constant_pb2
from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateMeetingRequest(_message.Message):
    __slots__ = ("user_id", "group_id", "name", "intro", "password", "start_date", "custom_attributes")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    group_id: int
    name: str
    intro: str
    password: str
    start_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_id: _Optional[int] = ..., group_id: _Optional[int] = ..., name: _Optional[str] = ..., intro: _Optional[str] = ..., password: _Optional[str] = ..., start_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteMeetingRequest(_message.Message):
    __slots__ = ("id", "custom_attributes")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryMeetingsRequest(_message.Message):
    __slots__ = ("ids", "creator_ids", "user_ids", "group_ids", "creation_date_start", "creation_date_end", "skip", "limit", "custom_attributes")
    IDS_FIELD_NUMBER: _ClassVar[int]
    CREATOR_IDS_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATION_DATE_START_FIELD_NUMBER: _ClassVar[int]
    CREATION_DATE_END_FIELD_NUMBER: _ClassVar[int]
    SKIP_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    creator_ids: _containers.RepeatedScalarFieldContainer[int]
    user_ids: _containers.RepeatedScalarFieldContainer[int]
    group_ids: _containers.RepeatedScalarFieldContainer[int]
    creation_date_start: int
    creation_date_end: int
    skip: int
    limit: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, ids: _Optional[_Iterable[int]] = ..., creator_ids: _Optional[_Iterable[int]] = ..., user_ids: _Optional[_Iterable[int]] = ..., group_ids: _Optional[_Iterable[int]] = ..., creation_date_start: _Optional[int] = ..., creation_date_end: _Optional[int] = ..., skip: _Optional[int] = ..., limit: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateMeetingRequest(_message.Message):
    __slots__ = ("id", "name", "intro", "password", "custom_attributes")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    intro: str
    password: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., intro: _Optional[str] = ..., password: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateMeetingInvitationRequest(_message.Message):
    __slots__ = ("meeting_id", "password", "response_action", "custom_attributes")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_ACTION_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    meeting_id: int
    password: str
    response_action: _constant_pb2.ResponseAction
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, meeting_id: _Optional[int] = ..., password: _Optional[str] = ..., response_action: _Optional[_Union[_constant_pb2.ResponseAction, str]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

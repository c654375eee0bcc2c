from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StorageResourceInfo(_message.Message):
    __slots__ = ("id_num", "id_str", "name", "media_type", "uploader_id", "creation_date", "custom_attributes")
    ID_NUM_FIELD_NUMBER: _ClassVar[int]
    ID_STR_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    UPLOADER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATION_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id_num: int
    id_str: str
    name: str
    media_type: str
    uploader_id: int
    creation_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id_num: _Optional[int] = ..., id_str: _Optional[str] = ..., name: _Optional[str] = ..., media_type: _Optional[str] = ..., uploader_id: _Optional[int] = ..., creation_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class StorageResourceInfos(_message.Message):
    __slots__ = ("infos",)
    INFOS_FIELD_NUMBER: _ClassVar[int]
    infos: _containers.RepeatedCompositeFieldContainer[StorageResourceInfo]
    def __init__(self, infos: _Optional[_Iterable[_Union[StorageResourceInfo, _Mapping]]] = ...) -> None: ...

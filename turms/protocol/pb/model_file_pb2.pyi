from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AudioFile(_message.Message):
    __slots__ = ("description", "data", "custom_attributes")
    class Description(_message.Message):
        __slots__ = ("url", "duration", "size", "format")
        URL_FIELD_NUMBER: _ClassVar[int]
        DURATION_FIELD_NUMBER: _ClassVar[int]
        SIZE_FIELD_NUMBER: _ClassVar[int]
        FORMAT_FIELD_NUMBER: _ClassVar[int]
        url: str
        duration: int
        size: int
        format: str
        def __init__(self, url: _Optional[str] = ..., duration: _Optional[int] = ..., size: _Optional[int] = ..., format: _Optional[str] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    description: AudioFile.Description
    data: bytes
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, description: _Optional[_Union[AudioFile.Description, _Mapping]] = ..., data: _Optional[bytes] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class File(_message.Message):
    __slots__ = ("description", "data", "custom_attributes")
    class Description(_message.Message):
        __slots__ = ("url", "size", "format")
        URL_FIELD_NUMBER: _ClassVar[int]
        SIZE_FIELD_NUMBER: _ClassVar[int]
        FORMAT_FIELD_NUMBER: _ClassVar[int]
        url: str
        size: int
        format: str
        def __init__(self, url: _Optional[str] = ..., size: _Optional[int] = ..., format: _Optional[str] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    description: File.Description
    data: bytes
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, description: _Optional[_Union[File.Description, _Mapping]] = ..., data: _Optional[bytes] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class ImageFile(_message.Message):
    __slots__ = ("description", "data", "custom_attributes")
    class Description(_message.Message):
        __slots__ = ("url", "original", "image_size", "file_size")
        URL_FIELD_NUMBER: _ClassVar[int]
        ORIGINAL_FIELD_NUMBER: _ClassVar[int]
        IMAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
        FILE_SIZE_FIELD_NUMBER: _ClassVar[int]
        url: str
        original: bool
        image_size: int
        file_size: int
        def __init__(self, url: _Optional[str] = ..., original: _Optional[bool] = ..., image_size: _Optional[int] = ..., file_size: _Optional[int] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    description: ImageFile.Description
    data: bytes
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, description: _Optional[_Union[ImageFile.Description, _Mapping]] = ..., data: _Optional[bytes] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class VideoFile(_message.Message):
    __slots__ = ("description", "data", "custom_attributes")
    class Description(_message.Message):
        __slots__ = ("url", "duration", "size", "format")
        URL_FIELD_NUMBER: _ClassVar[int]
        DURATION_FIELD_NUMBER: _ClassVar[int]
        SIZE_FIELD_NUMBER: _ClassVar[int]
        FORMAT_FIELD_NUMBER: _ClassVar[int]
        url: str
        duration: int
        size: int
        format: str
        def __init__(self, url: _Optional[str] = ..., duration: _Optional[int] = ..., size: _Optional[int] = ..., format: _Optional[str] = ...) -> None: ...
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    description: VideoFile.Description
    data: bytes
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, description: _Optional[_Union[VideoFile.Description, _Mapping]] = ..., data: _Optional[bytes] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

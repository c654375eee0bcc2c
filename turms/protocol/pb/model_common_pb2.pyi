from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Value(_message.Message):
    __slots__ = ("int32_value", "int64_value", "float_value", "double_value", "bool_value", "bytes_value", "string_value", "list_value")
    INT32_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT64_VALUE_FIELD_NUMBER: _ClassVar[int]
    FLOAT_VALUE_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    BYTES_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    LIST_VALUE_FIELD_NUMBER: _ClassVar[int]
    int32_value: int
    int64_value: int
    float_value: float
    double_value: float
    bool_value: bool
    bytes_value: bytes
    string_value: str
    list_value: _containers.RepeatedCompositeFieldContainer[Value]
    def __init__(self, int32_value: _Optional[int] = ..., int64_value: _Optional[int] = ..., float_value: _Optional[float] = ..., double_value: _Optional[float] = ..., bool_value: _Optional[bool] = ..., bytes_value: _Optional[bytes] = ..., string_value: _Optional[str] = ..., list_value: _Optional[_Iterable[_Union[Value, _Mapping]]] = ...) -> None: ...

class LongsWithVersion(_message.Message):
    __slots__ = ("longs", "last_updated_date")
    LONGS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    longs: _containers.RepeatedScalarFieldContainer[int]
    last_updated_date: int
    def __init__(self, longs: _Optional[_Iterable[int]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

class StringsWithVersion(_message.Message):
    __slots__ = ("strings", "last_updated_date")
    STRINGS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    strings: _containers.RepeatedScalarFieldContainer[str]
    last_updated_date: int
    def __init__(self, strings: _Optional[_Iterable[str]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

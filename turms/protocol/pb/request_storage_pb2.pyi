from turms.protocol.pb import constant_pb2 as _constant_pb2
from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeleteResourceRequest(_message.Message):
    __slots__ = ("type", "id_num", "id_str", "custom_attributes")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUM_FIELD_NUMBER: _ClassVar[int]
    ID_STR_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    type: _constant_pb2.StorageResourceType
    id_num: int
    id_str: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, type: _Optional[_Union[_constant_pb2.StorageResourceType, str]] = ..., id_num: _Optional[int] = ..., id_str: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryResourceDownloadInfoRequest(_message.Message):
    __slots__ = ("type", "id_num", "id_str", "custom_attributes")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUM_FIELD_NUMBER: _ClassVar[int]
    ID_STR_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    type: _constant_pb2.StorageResourceType
    id_num: int
    id_str: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, type: _Optional[_Union[_constant_pb2.StorageResourceType, str]] = ..., id_num: _Optional[int] = ..., id_str: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryResourceUploadInfoRequest(_message.Message):
    __slots__ = ("type", "id_num", "id_str", "name", "media_type", "custom_attributes")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUM_FIELD_NUMBER: _ClassVar[int]
    ID_STR_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    type: _constant_pb2.StorageResourceType
    id_num: int
    id_str: str
    name: str
    media_type: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, type: _Optional[_Union[_constant_pb2.StorageResourceType, str]] = ..., id_num: _Optional[int] = ..., id_str: _Optional[str] = ..., name: _Optional[str] = ..., media_type: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryMessageAttachmentInfosRequest(_message.Message):
    __slots__ = ("user_ids", "group_ids", "creation_date_start", "creation_date_end", "in_private_conversation", "are_shared_by_me", "custom_attributes")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATION_DATE_START_FIELD_NUMBER: _ClassVar[int]
    CREATION_DATE_END_FIELD_NUMBER: _ClassVar[int]
    IN_PRIVATE_CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    ARE_SHARED_BY_ME_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[int]
    group_ids: _containers.RepeatedScalarFieldContainer[int]
    creation_date_start: int
    creation_date_end: int
    in_private_conversation: bool
    are_shared_by_me: bool
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, user_ids: _Optional[_Iterable[int]] = ..., group_ids: _Optional[_Iterable[int]] = ..., creation_date_start: _Optional[int] = ..., creation_date_end: _Optional[int] = ..., in_private_conversation: _Optional[bool] = ..., are_shared_by_me: _Optional[bool] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateMessageAttachmentInfoRequest(_message.Message):
    __slots__ = ("attachment_id_num", "attachment_id_str", "user_id_to_share_with", "user_id_to_unshare_with", "group_id_to_share_with", "group_id_to_unshare_with", "custom_attributes")
    ATTACHMENT_ID_NUM_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_ID_STR_FIELD_NUMBER: _ClassVar[int]
    USER_ID_TO_SHARE_WITH_FIELD_NUMBER: _ClassVar[int]
    USER_ID_TO_UNSHARE_WITH_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_TO_SHARE_WITH_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_TO_UNSHARE_WITH_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    attachment_id_num: int
    attachment_id_str: str
    user_id_to_share_with: int
    user_id_to_unshare_with: int
    group_id_to_share_with: int
    group_id_to_unshare_with: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, attachment_id_num: _Optional[int] = ..., attachment_id_str: _Optional[str] = ..., user_id_to_share_with: _Optional[int] = ..., user_id_to_unshare_with: _Optional[int] = ..., group_id_to_share_with: _Optional[int] = ..., group_id_to_unshare_with: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

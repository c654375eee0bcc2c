from turms.protocol.pb import constant_pb2 as _constant_pb2
from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Group(_message.Message):
    __slots__ = ("id", "type_id", "creator_id", "owner_id", "name", "intro", "announcement", "creation_date", "last_updated_date", "mute_end_date", "active", "user_defined_attributes", "custom_attributes")
    class UserDefinedAttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _model_common_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_model_common_pb2.Value, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATOR_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    ANNOUNCEMENT_FIELD_NUMBER: _ClassVar[int]
    CREATION_DATE_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    USER_DEFINED_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: int
    type_id: int
    creator_id: int
    owner_id: int
    name: str
    intro: str
    announcement: str
    creation_date: int
    last_updated_date: int
    mute_end_date: int
    active: bool
    user_defined_attributes: _containers.MessageMap[str, _model_common_pb2.Value]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id: _Optional[int] = ..., type_id: _Optional[int] = ..., creator_id: _Optional[int] = ..., owner_id: _Optional[int] = ..., name: _Optional[str] = ..., intro: _Optional[str] = ..., announcement: _Optional[str] = ..., creation_date: _Optional[int] = ..., last_updated_date: _Optional[int] = ..., mute_end_date: _Optional[int] = ..., active: _Optional[bool] = ..., user_defined_attributes: _Optional[_Mapping[str, _model_common_pb2.Value]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class GroupsWithVersion(_message.Message):
    __slots__ = ("groups", "last_updated_date")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[Group]
    last_updated_date: int
    def __init__(self, groups: _Optional[_Iterable[_Union[Group, _Mapping]]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

class GroupMember(_message.Message):
    __slots__ = ("group_id", "user_id", "name", "role", "join_date", "mute_end_date", "user_status", "using_device_types", "note", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    JOIN_DATE_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_DATE_FIELD_NUMBER: _ClassVar[int]
    USER_STATUS_FIELD_NUMBER: _ClassVar[int]
    USING_DEVICE_TYPES_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    user_id: int
    name: str
    role: _constant_pb2.GroupMemberRole
    join_date: int
    mute_end_date: int
    user_status: _constant_pb2.UserStatus
    using_device_types: _containers.RepeatedScalarFieldContainer[_constant_pb2.DeviceType]
    note: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., user_id: _Optional[int] = ..., name: _Optional[str] = ..., role: _Optional[_Union[_constant_pb2.GroupMemberRole, str]] = ..., join_date: _Optional[int] = ..., mute_end_date: _Optional[int] = ..., user_status: _Optional[_Union[_constant_pb2.UserStatus, str]] = ..., using_device_types: _Optional[_Iterable[_Union[_constant_pb2.DeviceType, str]]] = ..., note: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class GroupMembersWithVersion(_message.Message):
    __slots__ = ("group_members", "last_updated_date")
    GROUP_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    group_members: _containers.RepeatedCompositeFieldContainer[GroupMember]
    last_updated_date: int
    def __init__(self, group_members: _Optional[_Iterable[_Union[GroupMember, _Mapping]]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

class GroupInvitation(_message.Message):
    __slots__ = ("id", "creation_date", "content", "status", "expiration_date", "group_id", "inviter_id", "invitee_id", "custom_attributes")
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATION_DATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_DATE_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    INVITER_ID_FIELD_NUMBER: _ClassVar[int]
    INVITEE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: int
    creation_date: int
    content: str
    status: _constant_pb2.RequestStatus
    expiration_date: int
    group_id: int
    inviter_id: int
    invitee_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id: _Optional[int] = ..., creation_date: _Optional[int] = ..., content: _Optional[str] = ..., status: _Optional[_Union[_constant_pb2.RequestStatus, str]] = ..., expiration_date: _Optional[int] = ..., group_id: _Optional[int] = ..., inviter_id: _Optional[int] = ..., invitee_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class GroupInvitationsWithVersion(_message.Message):
    __slots__ = ("group_invitations", "last_updated_date")
    GROUP_INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    group_invitations: _containers.RepeatedCompositeFieldContainer[GroupInvitation]
    last_updated_date: int
    def __init__(self, group_invitations: _Optional[_Iterable[_Union[GroupInvitation, _Mapping]]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

class GroupJoinRequest(_message.Message):
    __slots__ = ("id", "creation_date", "content", "status", "expiration_date", "group_id", "requester_id", "responder_id", "custom_attributes")
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATION_DATE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_DATE_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONDER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: int
    creation_date: int
    content: str
    status: _constant_pb2.RequestStatus
    expiration_date: int
    group_id: int
    requester_id: int
    responder_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id: _Optional[int] = ..., creation_date: _Optional[int] = ..., content: _Optional[str] = ..., status: _Optional[_Union[_constant_pb2.RequestStatus, str]] = ..., expiration_date: _Optional[int] = ..., group_id: _Optional[int] = ..., requester_id: _Optional[int] = ..., responder_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class GroupJoinRequestsWithVersion(_message.Message):
    __slots__ = ("group_join_requests", "last_updated_date")
    GROUP_JOIN_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    group_join_requests: _containers.RepeatedCompositeFieldContainer[GroupJoinRequest]
    last_updated_date: int
    def __init__(self, group_join_requests: _Optional[_Iterable[_Union[GroupJoinRequest, _Mapping]]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

class GroupJoinQuestion(_message.Message):
    __slots__ = ("id", "group_id", "question", "answers", "score", "custom_attributes")
    ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: int
    group_id: int
    question: str
    answers: _containers.RepeatedScalarFieldContainer[str]
    score: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, id: _Optional[int] = ..., group_id: _Optional[int] = ..., question: _Optional[str] = ..., answers: _Optional[_Iterable[str]] = ..., score: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class GroupJoinQuestionsWithVersion(_message.Message):
    __slots__ = ("group_join_questions", "last_updated_date")
    GROUP_JOIN_QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    group_join_questions: _containers.RepeatedCompositeFieldContainer[GroupJoinQuestion]
    last_updated_date: int
    def __init__(self, group_join_questions: _Optional[_Iterable[_Union[GroupJoinQuestion, _Mapping]]] = ..., last_updated_date: _Optional[int] = ...) -> None: ...

class GroupJoinQuestionsAnswerResult(_message.Message):
    __slots__ = ("score", "question_ids", "joined")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    QUESTION_IDS_FIELD_NUMBER: _ClassVar[int]
    JOINED_FIELD_NUMBER: _ClassVar[int]
    score: int
    question_ids: _containers.RepeatedScalarFieldContainer[int]
    joined: bool
    def __init__(self, score: _Optional[int] = ..., question_ids: _Optional[_Iterable[int]] = ..., joined: _Optional[bool] = ...) -> None: ...

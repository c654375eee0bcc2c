from turms.protocol.pb import constant_pb2 as _constant_pb2
from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from turms.protocol.pb import model_group_pb2 as _model_group_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CheckGroupJoinQuestionsAnswersRequest(_message.Message):
    __slots__ = ("question_id_to_answer", "custom_attributes")
    class QuestionIdToAnswerEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: str
        def __init__(self, key: _Optional[int] = ..., value: _Optional[str] = ...) -> None: ...
    QUESTION_ID_TO_ANSWER_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    question_id_to_answer: _containers.ScalarMap[int, str]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, question_id_to_answer: _Optional[_Mapping[int, str]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class CreateGroupInvitationRequest(_message.Message):
    __slots__ = ("group_id", "invitee_id", "content", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    INVITEE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    invitee_id: int
    content: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., invitee_id: _Optional[int] = ..., content: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class CreateGroupJoinRequestRequest(_message.Message):
    __slots__ = ("group_id", "content", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    content: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., content: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class CreateGroupJoinQuestionsRequest(_message.Message):
    __slots__ = ("group_id", "questions", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    questions: _containers.RepeatedCompositeFieldContainer[_model_group_pb2.GroupJoinQuestion]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., questions: _Optional[_Iterable[_Union[_model_group_pb2.GroupJoinQuestion, _Mapping]]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteGroupInvitationRequest(_message.Message):
    __slots__ = ("invitation_id", "custom_attributes")
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    invitation_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, invitation_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteGroupJoinRequestRequest(_message.Message):
    __slots__ = ("request_id", "custom_attributes")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, request_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class DeleteGroupJoinQuestionsRequest(_message.Message):
    __slots__ = ("group_id", "question_ids", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_IDS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    question_ids: _containers.RepeatedScalarFieldContainer[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., question_ids: _Optional[_Iterable[int]] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryGroupInvitationsRequest(_message.Message):
    __slots__ = ("group_id", "are_sent_by_me", "last_updated_date", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ARE_SENT_BY_ME_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    are_sent_by_me: bool
    last_updated_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., are_sent_by_me: _Optional[bool] = ..., last_updated_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryGroupJoinRequestsRequest(_message.Message):
    __slots__ = ("group_id", "last_updated_date", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    last_updated_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., last_updated_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class QueryGroupJoinQuestionsRequest(_message.Message):
    __slots__ = ("group_id", "with_answers", "last_updated_date", "custom_attributes")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    WITH_ANSWERS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    with_answers: bool
    last_updated_date: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, group_id: _Optional[int] = ..., with_answers: _Optional[bool] = ..., last_updated_date: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateGroupInvitationRequest(_message.Message):
    __slots__ = ("invitation_id", "response_action", "reason", "custom_attributes")
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    invitation_id: int
    response_action: _constant_pb2.ResponseAction
    reason: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, invitation_id: _Optional[int] = ..., response_action: _Optional[_Union[_constant_pb2.ResponseAction, str]] = ..., reason: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateGroupJoinQuestionRequest(_message.Message):
    __slots__ = ("question_id", "question", "answers", "score", "custom_attributes")
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    question_id: int
    question: str
    answers: _containers.RepeatedScalarFieldContainer[str]
    score: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, question_id: _Optional[int] = ..., question: _Optional[str] = ..., answers: _Optional[_Iterable[str]] = ..., score: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

class UpdateGroupJoinRequestRequest(_message.Message):
    __slots__ = ("request_id", "response_action", "reason", "custom_attributes")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_ACTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    response_action: _constant_pb2.ResponseAction
    reason: str
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    def __init__(self, request_id: _Optional[int] = ..., response_action: _Optional[_Union[_constant_pb2.ResponseAction, str]] = ..., reason: _Optional[str] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ...) -> None: ...

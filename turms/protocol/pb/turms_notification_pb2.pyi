from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from turms.protocol.pb import model_conference_pb2 as _model_conference_pb2
from turms.protocol.pb import model_conversation_pb2 as _model_conversation_pb2
from turms.protocol.pb import model_group_pb2 as _model_group_pb2
from turms.protocol.pb import model_message_pb2 as _model_message_pb2
from turms.protocol.pb import model_storage_pb2 as _model_storage_pb2
from turms.protocol.pb import model_user_pb2 as _model_user_pb2
from turms.protocol.pb import turms_request_pb2 as _turms_request_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TurmsNotification(_message.Message):
    __slots__ = ("timestamp", "custom_attributes", "request_id", "code", "reason", "data", "requester_id", "close_status", "relayed_request")
    class Data(_message.Message):
        __slots__ = ("long", "string", "longs_with_version", "strings_with_version", "conversations", "messages", "messages_with_total_list", "user_session", "user_infos_with_version", "user_online_statuses", "user_friend_requests_with_version", "user_relationship_groups_with_version", "user_relationships_with_version", "nearby_users", "group_invitations_with_version", "group_join_question_answer_result", "group_join_requests_with_version", "group_join_questions_with_version", "group_members_with_version", "groups_with_version", "meetings", "storage_resource_infos", "conversation_settings_list", "user_settings")
        LONG_FIELD_NUMBER: _ClassVar[int]
        STRING_FIELD_NUMBER: _ClassVar[int]
        LONGS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        STRINGS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
        MESSAGES_FIELD_NUMBER: _ClassVar[int]
        MESSAGES_WITH_TOTAL_LIST_FIELD_NUMBER: _ClassVar[int]
        USER_SESSION_FIELD_NUMBER: _ClassVar[int]
        USER_INFOS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        USER_ONLINE_STATUSES_FIELD_NUMBER: _ClassVar[int]
        USER_FRIEND_REQUESTS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        USER_RELATIONSHIP_GROUPS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        USER_RELATIONSHIPS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        NEARBY_USERS_FIELD_NUMBER: _ClassVar[int]
        GROUP_INVITATIONS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        GROUP_JOIN_QUESTION_ANSWER_RESULT_FIELD_NUMBER: _ClassVar[int]
        GROUP_JOIN_REQUESTS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        GROUP_JOIN_QUESTIONS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        GROUP_MEMBERS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        GROUPS_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
        MEETINGS_FIELD_NUMBER: _ClassVar[int]
        STORAGE_RESOURCE_INFOS_FIELD_NUMBER: _ClassVar[int]
        CONVERSATION_SETTINGS_LIST_FIELD_NUMBER: _ClassVar[int]
        USER_SETTINGS_FIELD_NUMBER: _ClassVar[int]
        long: int
        string: str
        longs_with_version: _model_common_pb2.LongsWithVersion
        strings_with_version: _model_common_pb2.StringsWithVersion
        conversations: _model_conversation_pb2.Conversations
        messages: _model_message_pb2.Messages
        messages_with_total_list: _model_message_pb2.MessagesWithTotalList
        user_session: _model_user_pb2.UserSession
        user_infos_with_version: _model_user_pb2.UserInfosWithVersion
        user_online_statuses: _model_user_pb2.UserOnlineStatuses
        user_friend_requests_with_version: _model_user_pb2.UserFriendRequestsWithVersion
        user_relationship_groups_with_version: _model_user_pb2.UserRelationshipGroupsWithVersion
        user_relationships_with_version: _model_user_pb2.UserRelationshipsWithVersion
        nearby_users: _model_user_pb2.NearbyUsers
        group_invitations_with_version: _model_group_pb2.GroupInvitationsWithVersion
        group_join_question_answer_result: _model_group_pb2.GroupJoinQuestionsAnswerResult
        group_join_requests_with_version: _model_group_pb2.GroupJoinRequestsWithVersion
        group_join_questions_with_version: _model_group_pb2.GroupJoinQuestionsWithVersion
        group_members_with_version: _model_group_pb2.GroupMembersWithVersion
        groups_with_version: _model_group_pb2.GroupsWithVersion
        meetings: _model_conference_pb2.Meetings
        storage_resource_infos: _model_storage_pb2.StorageResourceInfos
        conversation_settings_list: _model_conversation_pb2.ConversationSettingsList
        user_settings: _model_user_pb2.UserSettings
        def __init__(self, long: _Optional[int] = ..., string: _Optional[str] = ..., longs_with_version: _Optional[_Union[_model_common_pb2.LongsWithVersion, _Mapping]] = ..., strings_with_version: _Optional[_Union[_model_common_pb2.StringsWithVersion, _Mapping]] = ..., conversations: _Optional[_Union[_model_conversation_pb2.Conversations, _Mapping]] = ..., messages: _Optional[_Union[_model_message_pb2.Messages, _Mapping]] = ..., messages_with_total_list: _Optional[_Union[_model_message_pb2.MessagesWithTotalList, _Mapping]] = ..., user_session: _Optional[_Union[_model_user_pb2.UserSession, _Mapping]] = ..., user_infos_with_version: _Optional[_Union[_model_user_pb2.UserInfosWithVersion, _Mapping]] = ..., user_online_statuses: _Optional[_Union[_model_user_pb2.UserOnlineStatuses, _Mapping]] = ..., user_friend_requests_with_version: _Optional[_Union[_model_user_pb2.UserFriendRequestsWithVersion, _Mapping]] = ..., user_relationship_groups_with_version: _Optional[_Union[_model_user_pb2.UserRelationshipGroupsWithVersion, _Mapping]] = ..., user_relationships_with_version: _Optional[_Union[_model_user_pb2.UserRelationshipsWithVersion, _Mapping]] = ..., nearby_users: _Optional[_Union[_model_user_pb2.NearbyUsers, _Mapping]] = ..., group_invitations_with_version: _Optional[_Union[_model_group_pb2.GroupInvitationsWithVersion, _Mapping]] = ..., group_join_question_answer_result: _Optional[_Union[_model_group_pb2.GroupJoinQuestionsAnswerResult, _Mapping]] = ..., group_join_requests_with_version: _Optional[_Union[_model_group_pb2.GroupJoinRequestsWithVersion, _Mapping]] = ..., group_join_questions_with_version: _Optional[_Union[_model_group_pb2.GroupJoinQuestionsWithVersion, _Mapping]] = ..., group_members_with_version: _Optional[_Union[_model_group_pb2.GroupMembersWithVersion, _Mapping]] = ..., groups_with_version: _Optional[_Union[_model_group_pb2.GroupsWithVersion, _Mapping]] = ..., meetings: _Optional[_Union[_model_conference_pb2.Meetings, _Mapping]] = ..., storage_resource_infos: _Optional[_Union[_model_storage_pb2.StorageResourceInfos, _Mapping]] = ..., conversation_settings_list: _Optional[_Union[_model_conversation_pb2.ConversationSettingsList, _Mapping]] = ..., user_settings: _Optional[_Union[_model_user_pb2.UserSettings, _Mapping]] = ...) -> None: ...
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    CLOSE_STATUS_FIELD_NUMBER: _ClassVar[int]
    RELAYED_REQUEST_FIELD_NUMBER: _ClassVar[int]
    timestamp: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    request_id: int
    code: int
    reason: str
    data: TurmsNotification.Data
    requester_id: int
    close_status: int
    relayed_request: _turms_request_pb2.TurmsRequest
    def __init__(self, timestamp: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ..., request_id: _Optional[int] = ..., code: _Optional[int] = ..., reason: _Optional[str] = ..., data: _Optional[_Union[TurmsNotification.Data, _Mapping]] = ..., requester_id: _Optional[int] = ..., close_status: _Optional[int] = ..., relayed_request: _Optional[_Union[_turms_request_pb2.TurmsRequest, _Mapping]] = ...) -> None: ...

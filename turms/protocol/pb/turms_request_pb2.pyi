from turms.protocol.pb import model_common_pb2 as _model_common_pb2
from turms.protocol.pb import request_conference_pb2 as _request_conference_pb2
from turms.protocol.pb import request_conversation_pb2 as _request_conversation_pb2
from turms.protocol.pb import request_group_pb2 as _request_group_pb2
from turms.protocol.pb import request_group_enrollment_pb2 as _request_group_enrollment_pb2
from turms.protocol.pb import request_message_pb2 as _request_message_pb2
from turms.protocol.pb import request_relationship_pb2 as _request_relationship_pb2
from turms.protocol.pb import request_session_pb2 as _request_session_pb2
from turms.protocol.pb import request_storage_pb2 as _request_storage_pb2
from turms.protocol.pb import request_user_pb2 as _request_user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TurmsRequest(_message.Message):
    __slots__ = ("request_id", "custom_attributes", "create_session_request", "delete_session_request", "query_conversations_request", "update_conversation_request", "update_typing_status_request", "create_message_request", "query_messages_request", "update_message_request", "create_group_members_request", "delete_group_members_request", "query_group_members_request", "update_group_member_request", "query_user_profiles_request", "query_nearby_users_request", "query_user_online_statuses_request", "update_user_location_request", "update_user_online_status_request", "update_user_request", "update_user_settings_request", "delete_user_settings_request", "query_user_settings_request", "create_friend_request_request", "create_relationship_group_request", "create_relationship_request", "delete_friend_request_request", "delete_relationship_group_request", "delete_relationship_request", "query_friend_requests_request", "query_related_user_ids_request", "query_relationship_groups_request", "query_relationships_request", "update_friend_request_request", "update_relationship_group_request", "update_relationship_request", "create_group_request", "delete_group_request", "query_groups_request", "query_joined_group_ids_request", "query_joined_group_infos_request", "update_group_request", "create_group_blocked_user_request", "delete_group_blocked_user_request", "query_group_blocked_user_ids_request", "query_group_blocked_user_infos_request", "check_group_join_questions_answers_request", "create_group_invitation_request", "create_group_join_request_request", "create_group_join_questions_request", "delete_group_invitation_request", "delete_group_join_request_request", "delete_group_join_questions_request", "query_group_invitations_request", "query_group_join_requests_request", "query_group_join_questions_request", "update_group_invitation_request", "update_group_join_question_request", "update_group_join_request_request", "create_meeting_request", "delete_meeting_request", "query_meetings_request", "update_meeting_request", "update_meeting_invitation_request", "delete_resource_request", "query_resource_download_info_request", "query_resource_upload_info_request", "query_message_attachment_infos_request", "update_message_attachment_info_request", "delete_conversation_settings_request", "query_conversation_settings_request", "update_conversation_settings_request", "create_message_reactions_request", "delete_message_reactions_request")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CREATE_SESSION_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_SESSION_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_CONVERSATIONS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_CONVERSATION_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TYPING_STATUS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_MESSAGE_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_MESSAGES_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MESSAGE_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_GROUP_MEMBERS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_GROUP_MEMBERS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_GROUP_MEMBERS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_GROUP_MEMBER_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_USER_PROFILES_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_NEARBY_USERS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_USER_ONLINE_STATUSES_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_USER_LOCATION_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_USER_ONLINE_STATUS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_USER_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_USER_SETTINGS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_USER_SETTINGS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_USER_SETTINGS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_FRIEND_REQUEST_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_RELATIONSHIP_GROUP_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_RELATIONSHIP_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_FRIEND_REQUEST_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_RELATIONSHIP_GROUP_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_RELATIONSHIP_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_FRIEND_REQUESTS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_RELATED_USER_IDS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_RELATIONSHIP_GROUPS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_RELATIONSHIPS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FRIEND_REQUEST_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_RELATIONSHIP_GROUP_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_RELATIONSHIP_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_GROUP_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_GROUP_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_GROUPS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_JOINED_GROUP_IDS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_JOINED_GROUP_INFOS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_GROUP_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_GROUP_BLOCKED_USER_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_GROUP_BLOCKED_USER_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_GROUP_BLOCKED_USER_IDS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_GROUP_BLOCKED_USER_INFOS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CHECK_GROUP_JOIN_QUESTIONS_ANSWERS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_GROUP_INVITATION_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_GROUP_JOIN_REQUEST_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_GROUP_JOIN_QUESTIONS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_GROUP_INVITATION_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_GROUP_JOIN_REQUEST_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_GROUP_JOIN_QUESTIONS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_GROUP_INVITATIONS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_GROUP_JOIN_REQUESTS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_GROUP_JOIN_QUESTIONS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_GROUP_INVITATION_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_GROUP_JOIN_QUESTION_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_GROUP_JOIN_REQUEST_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_MEETING_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_MEETING_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_MEETINGS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MEETING_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MEETING_INVITATION_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_RESOURCE_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_RESOURCE_DOWNLOAD_INFO_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_RESOURCE_UPLOAD_INFO_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_MESSAGE_ATTACHMENT_INFOS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MESSAGE_ATTACHMENT_INFO_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_CONVERSATION_SETTINGS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    QUERY_CONVERSATION_SETTINGS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_CONVERSATION_SETTINGS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_MESSAGE_REACTIONS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_MESSAGE_REACTIONS_REQUEST_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    custom_attributes: _containers.RepeatedCompositeFieldContainer[_model_common_pb2.Value]
    create_session_request: _request_session_pb2.CreateSessionRequest
    delete_session_request: _request_session_pb2.DeleteSessionRequest
    query_conversations_request: _request_conversation_pb2.QueryConversationsRequest
    update_conversation_request: _request_conversation_pb2.UpdateConversationRequest
    update_typing_status_request: _request_conversation_pb2.UpdateTypingStatusRequest
    create_message_request: _request_message_pb2.CreateMessageRequest
    query_messages_request: _request_message_pb2.QueryMessagesRequest
    update_message_request: _request_message_pb2.UpdateMessageRequest
    create_group_members_request: _request_group_pb2.CreateGroupMembersRequest
    delete_group_members_request: _request_group_pb2.DeleteGroupMembersRequest
    query_group_members_request: _request_group_pb2.QueryGroupMembersRequest
    update_group_member_request: _request_group_pb2.UpdateGroupMemberRequest
    query_user_profiles_request: _request_user_pb2.QueryUserProfilesRequest
    query_nearby_users_request: _request_user_pb2.QueryNearbyUsersRequest
    query_user_online_statuses_request: _request_user_pb2.QueryUserOnlineStatusesRequest
    update_user_location_request: _request_user_pb2.UpdateUserLocationRequest
    update_user_online_status_request: _request_user_pb2.UpdateUserOnlineStatusRequest
    update_user_request: _request_user_pb2.UpdateUserRequest
    update_user_settings_request: _request_user_pb2.UpdateUserSettingsRequest
    delete_user_settings_request: _request_user_pb2.DeleteUserSettingsRequest
    query_user_settings_request: _request_user_pb2.QueryUserSettingsRequest
    create_friend_request_request: _request_relationship_pb2.CreateFriendRequestRequest
    create_relationship_group_request: _request_relationship_pb2.CreateRelationshipGroupRequest
    create_relationship_request: _request_relationship_pb2.CreateRelationshipRequest
    delete_friend_request_request: _request_relationship_pb2.DeleteFriendRequestRequest
    delete_relationship_group_request: _request_relationship_pb2.DeleteRelationshipGroupRequest
    delete_relationship_request: _request_relationship_pb2.DeleteRelationshipRequest
    query_friend_requests_request: _request_relationship_pb2.QueryFriendRequestsRequest
    query_related_user_ids_request: _request_relationship_pb2.QueryRelatedUserIdsRequest
    query_relationship_groups_request: _request_relationship_pb2.QueryRelationshipGroupsRequest
    query_relationships_request: _request_relationship_pb2.QueryRelationshipsRequest
    update_friend_request_request: _request_relationship_pb2.UpdateFriendRequestRequest
    update_relationship_group_request: _request_relationship_pb2.UpdateRelationshipGroupRequest
    update_relationship_request: _request_relationship_pb2.UpdateRelationshipRequest
    create_group_request: _request_group_pb2.CreateGroupRequest
    delete_group_request: _request_group_pb2.DeleteGroupRequest
    query_groups_request: _request_group_pb2.QueryGroupsRequest
    query_joined_group_ids_request: _request_group_pb2.QueryJoinedGroupIdsRequest
    query_joined_group_infos_request: _request_group_pb2.QueryJoinedGroupInfosRequest
    update_group_request: _request_group_pb2.UpdateGroupRequest
    create_group_blocked_user_request: _request_group_pb2.CreateGroupBlockedUserRequest
    delete_group_blocked_user_request: _request_group_pb2.DeleteGroupBlockedUserRequest
    query_group_blocked_user_ids_request: _request_group_pb2.QueryGroupBlockedUserIdsRequest
    query_group_blocked_user_infos_request: _request_group_pb2.QueryGroupBlockedUserInfosRequest
    check_group_join_questions_answers_request: _request_group_enrollment_pb2.CheckGroupJoinQuestionsAnswersRequest
    create_group_invitation_request: _request_group_enrollment_pb2.CreateGroupInvitationRequest
    create_group_join_request_request: _request_group_enrollment_pb2.CreateGroupJoinRequestRequest
    create_group_join_questions_request: _request_group_enrollment_pb2.CreateGroupJoinQuestionsRequest
    delete_group_invitation_request: _request_group_enrollment_pb2.DeleteGroupInvitationRequest
    delete_group_join_request_request: _request_group_enrollment_pb2.DeleteGroupJoinRequestRequest
    delete_group_join_questions_request: _request_group_enrollment_pb2.DeleteGroupJoinQuestionsRequest
    query_group_invitations_request: _request_group_enrollment_pb2.QueryGroupInvitationsRequest
    query_group_join_requests_request: _request_group_enrollment_pb2.QueryGroupJoinRequestsRequest
    query_group_join_questions_request: _request_group_enrollment_pb2.QueryGroupJoinQuestionsRequest
    update_group_invitation_request: _request_group_enrollment_pb2.UpdateGroupInvitationRequest
    update_group_join_question_request: _request_group_enrollment_pb2.UpdateGroupJoinQuestionRequest
    update_group_join_request_request: _request_group_enrollment_pb2.UpdateGroupJoinRequestRequest
    create_meeting_request: _request_conference_pb2.CreateMeetingRequest
    delete_meeting_request: _request_conference_pb2.DeleteMeetingRequest
    query_meetings_request: _request_conference_pb2.QueryMeetingsRequest
    update_meeting_request: _request_conference_pb2.UpdateMeetingRequest
    update_meeting_invitation_request: _request_conference_pb2.UpdateMeetingInvitationRequest
    delete_resource_request: _request_storage_pb2.DeleteResourceRequest
    query_resource_download_info_request: _request_storage_pb2.QueryResourceDownloadInfoRequest
    query_resource_upload_info_request: _request_storage_pb2.QueryResourceUploadInfoRequest
    query_message_attachment_infos_request: _request_storage_pb2.QueryMessageAttachmentInfosRequest
    update_message_attachment_info_request: _request_storage_pb2.UpdateMessageAttachmentInfoRequest
    delete_conversation_settings_request: _request_conversation_pb2.DeleteConversationSettingsRequest
    query_conversation_settings_request: _request_conversation_pb2.QueryConversationSettingsRequest
    update_conversation_settings_request: _request_conversation_pb2.UpdateConversationSettingsRequest
    create_message_reactions_request: _request_message_pb2.CreateMessageReactionsRequest
    delete_message_reactions_request: _request_message_pb2.DeleteMessageReactionsRequest
    def __init__(self, request_id: _Optional[int] = ..., custom_attributes: _Optional[_Iterable[_Union[_model_common_pb2.Value, _Mapping]]] = ..., create_session_request: _Optional[_Union[_request_session_pb2.CreateSessionRequest, _Mapping]] = ..., delete_session_request: _Optional[_Union[_request_session_pb2.DeleteSessionRequest, _Mapping]] = ..., query_conversations_request: _Optional[_Union[_request_conversation_pb2.QueryConversationsRequest, _Mapping]] = ..., update_conversation_request: _Optional[_Union[_request_conversation_pb2.UpdateConversationRequest, _Mapping]] = ..., update_typing_status_request: _Optional[_Union[_request_conversation_pb2.UpdateTypingStatusRequest, _Mapping]] = ..., create_message_request: _Optional[_Union[_request_message_pb2.CreateMessageRequest, _Mapping]] = ..., query_messages_request: _Optional[_Union[_request_message_pb2.QueryMessagesRequest, _Mapping]] = ..., update_message_request: _Optional[_Union[_request_message_pb2.UpdateMessageRequest, _Mapping]] = ..., create_group_members_request: _Optional[_Union[_request_group_pb2.CreateGroupMembersRequest, _Mapping]] = ..., delete_group_members_request: _Optional[_Union[_request_group_pb2.DeleteGroupMembersRequest, _Mapping]] = ..., query_group_members_request: _Optional[_Union[_request_group_pb2.QueryGroupMembersRequest, _Mapping]] = ..., update_group_member_request: _Optional[_Union[_request_group_pb2.UpdateGroupMemberRequest, _Mapping]] = ..., query_user_profiles_request: _Optional[_Union[_request_user_pb2.QueryUserProfilesRequest, _Mapping]] = ..., query_nearby_users_request: _Optional[_Union[_request_user_pb2.QueryNearbyUsersRequest, _Mapping]] = ..., query_user_online_statuses_request: _Optional[_Union[_request_user_pb2.QueryUserOnlineStatusesRequest, _Mapping]] = ..., update_user_location_request: _Optional[_Union[_request_user_pb2.UpdateUserLocationRequest, _Mapping]] = ..., update_user_online_status_request: _Optional[_Union[_request_user_pb2.UpdateUserOnlineStatusRequest, _Mapping]] = ..., update_user_request: _Optional[_Union[_request_user_pb2.UpdateUserRequest, _Mapping]] = ..., update_user_settings_request: _Optional[_Union[_request_user_pb2.UpdateUserSettingsRequest, _Mapping]] = ..., delete_user_settings_request: _Optional[_Union[_request_user_pb2.DeleteUserSettingsRequest, _Mapping]] = ..., query_user_settings_request: _Optional[_Union[_request_user_pb2.QueryUserSettingsRequest, _Mapping]] = ..., create_friend_request_request: _Optional[_Union[_request_relationship_pb2.CreateFriendRequestRequest, _Mapping]] = ..., create_relationship_group_request: _Optional[_Union[_request_relationship_pb2.CreateRelationshipGroupRequest, _Mapping]] = ..., create_relationship_request: _Optional[_Union[_request_relationship_pb2.CreateRelationshipRequest, _Mapping]] = ..., delete_friend_request_request: _Optional[_Union[_request_relationship_pb2.DeleteFriendRequestRequest, _Mapping]] = ..., delete_relationship_group_request: _Optional[_Union[_request_relationship_pb2.DeleteRelationshipGroupRequest, _Mapping]] = ..., delete_relationship_request: _Optional[_Union[_request_relationship_pb2.DeleteRelationshipRequest, _Mapping]] = ..., query_friend_requests_request: _Optional[_Union[_request_relationship_pb2.QueryFriendRequestsRequest, _Mapping]] = ..., query_related_user_ids_request: _Optional[_Union[_request_relationship_pb2.QueryRelatedUserIdsRequest, _Mapping]] = ..., query_relationship_groups_request: _Optional[_Union[_request_relationship_pb2.QueryRelationshipGroupsRequest, _Mapping]] = ..., query_relationships_request: _Optional[_Union[_request_relationship_pb2.QueryRelationshipsRequest, _Mapping]] = ..., update_friend_request_request: _Optional[_Union[_request_relationship_pb2.UpdateFriendRequestRequest, _Mapping]] = ..., update_relationship_group_request: _Optional[_Union[_request_relationship_pb2.UpdateRelationshipGroupRequest, _Mapping]] = ..., update_relationship_request: _Optional[_Union[_request_relationship_pb2.UpdateRelationshipRequest, _Mapping]] = ..., create_group_request: _Optional[_Union[_request_group_pb2.CreateGroupRequest, _Mapping]] = ..., delete_group_request: _Optional[_Union[_request_group_pb2.DeleteGroupRequest, _Mapping]] = ..., query_groups_request: _Optional[_Union[_request_group_pb2.QueryGroupsRequest, _Mapping]] = ..., query_joined_group_ids_request: _Optional[_Union[_request_group_pb2.QueryJoinedGroupIdsRequest, _Mapping]] = ..., query_joined_group_infos_request: _Optional[_Union[_request_group_pb2.QueryJoinedGroupInfosRequest, _Mapping]] = ..., update_group_request: _Optional[_Union[_request_group_pb2.UpdateGroupRequest, _Mapping]] = ..., create_group_blocked_user_request: _Optional[_Union[_request_group_pb2.CreateGroupBlockedUserRequest, _Mapping]] = ..., delete_group_blocked_user_request: _Optional[_Union[_request_group_pb2.DeleteGroupBlockedUserRequest, _Mapping]] = ..., query_group_blocked_user_ids_request: _Optional[_Union[_request_group_pb2.QueryGroupBlockedUserIdsRequest, _Mapping]] = ..., query_group_blocked_user_infos_request: _Optional[_Union[_request_group_pb2.QueryGroupBlockedUserInfosRequest, _Mapping]] = ..., check_group_join_questions_answers_request: _Optional[_Union[_request_group_enrollment_pb2.CheckGroupJoinQuestionsAnswersRequest, _Mapping]] = ..., create_group_invitation_request: _Optional[_Union[_request_group_enrollment_pb2.CreateGroupInvitationRequest, _Mapping]] = ..., create_group_join_request_request: _Optional[_Union[_request_group_enrollment_pb2.CreateGroupJoinRequestRequest, _Mapping]] = ..., create_group_join_questions_request: _Optional[_Union[_request_group_enrollment_pb2.CreateGroupJoinQuestionsRequest, _Mapping]] = ..., delete_group_invitation_request: _Optional[_Union[_request_group_enrollment_pb2.DeleteGroupInvitationRequest, _Mapping]] = ..., delete_group_join_request_request: _Optional[_Union[_request_group_enrollment_pb2.DeleteGroupJoinRequestRequest, _Mapping]] = ..., delete_group_join_questions_request: _Optional[_Union[_request_group_enrollment_pb2.DeleteGroupJoinQuestionsRequest, _Mapping]] = ..., query_group_invitations_request: _Optional[_Union[_request_group_enrollment_pb2.QueryGroupInvitationsRequest, _Mapping]] = ..., query_group_join_requests_request: _Optional[_Union[_request_group_enrollment_pb2.QueryGroupJoinRequestsRequest, _Mapping]] = ..., query_group_join_questions_request: _Optional[_Union[_request_group_enrollment_pb2.QueryGroupJoinQuestionsRequest, _Mapping]] = ..., update_group_invitation_request: _Optional[_Union[_request_group_enrollment_pb2.UpdateGroupInvitationRequest, _Mapping]] = ..., update_group_join_question_request: _Optional[_Union[_request_group_enrollment_pb2.UpdateGroupJoinQuestionRequest, _Mapping]] = ..., update_group_join_request_request: _Optional[_Union[_request_group_enrollment_pb2.UpdateGroupJoinRequestRequest, _Mapping]] = ..., create_meeting_request: _Optional[_Union[_request_conference_pb2.CreateMeetingRequest, _Mapping]] = ..., delete_meeting_request: _Optional[_Union[_request_conference_pb2.DeleteMeetingRequest, _Mapping]] = ..., query_meetings_request: _Optional[_Union[_request_conference_pb2.QueryMeetingsRequest, _Mapping]] = ..., update_meeting_request: _Optional[_Union[_request_conference_pb2.UpdateMeetingRequest, _Mapping]] = ..., update_meeting_invitation_request: _Optional[_Union[_request_conference_pb2.UpdateMeetingInvitationRequest, _Mapping]] = ..., delete_resource_request: _Optional[_Union[_request_storage_pb2.DeleteResourceRequest, _Mapping]] = ..., query_resource_download_info_request: _Optional[_Union[_request_storage_pb2.QueryResourceDownloadInfoRequest, _Mapping]] = ..., query_resource_upload_info_request: _Optional[_Union[_request_storage_pb2.QueryResourceUploadInfoRequest, _Mapping]] = ..., query_message_attachment_infos_request: _Optional[_Union[_request_storage_pb2.QueryMessageAttachmentInfosRequest, _Mapping]] = ..., update_message_attachment_info_request: _Optional[_Union[_request_storage_pb2.UpdateMessageAttachmentInfoRequest, _Mapping]] = ..., delete_conversation_settings_request: _Optional[_Union[_request_conversation_pb2.DeleteConversationSettingsRequest, _Mapping]] = ..., query_conversation_settings_request: _Optional[_Union[_request_conversation_pb2.QueryConversationSettingsRequest, _Mapping]] = ..., update_conversation_settings_request: _Optional[_Union[_request_conversation_pb2.UpdateConversationSettingsRequest, _Mapping]] = ..., create_message_reactions_request: _Optional[_Union[_request_message_pb2.CreateMessageReactionsRequest, _Mapping]] = ..., delete_message_reactions_request: _Optional[_Union[_request_message_pb2.DeleteMessageReactionsRequest, _Mapping]] = ...) -> None: ...

"""Status numbers of the client protocol: response codes, session close statuses, system message types.

The numbers are Turms's and are part of the wire contract (``TurmsNotification.code`` and
``TurmsNotification.close_status``); the wording is ours. This module imports nothing from ``turms`` so that
every layer, including :mod:`turms.errors`, may depend on it.
"""

from __future__ import annotations

from enum import IntEnum


class ResponseStatusCode(IntEnum):
    """The ``code`` of a response. Each member also knows the HTTP status it maps to and a short meaning.

    Ranges: 1000-1099 success; 1100-1199 bad client request; 1200-1299 server failure; 1300-1899 admin API;
    2000-2999 users, sessions and relationships; 3000-3999 groups; 4000-4999 conversations;
    5000-5999 messages; 6000-6999 storage; 7000-7999 search; 8000-8999 conferences.
    """

    _value_: int
    _http_status: int
    _meaning: str

    # The extra parameters only serve the member definitions below; ``ResponseStatusCode(1000)`` looks a
    # member up by number as with any IntEnum.
    def __new__(cls, code: int, http_status: int = 500, meaning: str = "") -> ResponseStatusCode:
        member = int.__new__(cls, code)
        member._value_ = code
        member._http_status = http_status
        member._meaning = meaning
        return member

    @property
    def http_status(self) -> int:
        """The HTTP status this code maps to (used by HTTP APIs and for classification)."""
        return self._http_status

    @property
    def meaning(self) -> str:
        """A short human-readable explanation, usable as a default ``reason``."""
        return self._meaning

    @property
    def is_success(self) -> bool:
        return 1000 <= self.value < 1100

    @property
    def is_server_error(self) -> bool:
        """True for 12xx: failures of the server, not of the request."""
        return 1200 <= self.value < 1300

    @property
    def is_illegal_request(self) -> bool:
        """True for the two codes that blame the shape of the request itself."""
        return self in (ResponseStatusCode.INVALID_REQUEST, ResponseStatusCode.ILLEGAL_ARGUMENT)

    @classmethod
    def from_code(cls, code: int) -> ResponseStatusCode | None:
        """The member for ``code``, or None for a number this protocol version does not define."""
        member = cls._value2member_map_.get(code)
        return member if isinstance(member, cls) else None

    # --- success --------------------------------------------------------------------------------------------
    OK = 1000, 200, "Done."
    NO_CONTENT = 1001, 204, "Done; there is nothing to return."
    ALREADY_UP_TO_DATE = 1002, 204, "Nothing changed since the client's last_updated_date."

    # --- client request -------------------------------------------------------------------------------------
    INVALID_REQUEST = 1100, 400, "The request could not be understood."
    CLIENT_REQUESTS_TOO_FREQUENT = 1101, 429, "The client sends requests too fast; slow down."
    ILLEGAL_ARGUMENT = 1102, 400, "A request field has an unacceptable value."
    RECORD_CONTAINS_DUPLICATE_KEY = 1103, 409, "A record with the same key already exists."
    REQUESTED_RECORDS_TOO_MANY = 1104, 429, "The request asks for more records than allowed."
    SEND_REQUEST_FROM_NONEXISTENT_SESSION = 1105, 403, "Log in before sending this request."
    UNAUTHORIZED_REQUEST = 1106, 401, "The session is not allowed to send this kind of request."

    # --- server ---------------------------------------------------------------------------------------------
    SERVER_INTERNAL_ERROR = 1200, 500, "The server failed to handle the request."
    SERVER_UNAVAILABLE = 1201, 503, "The server cannot serve requests right now; retry later."

    # --- admin API ------------------------------------------------------------------------------------------
    UNAUTHORIZED = 1300, 401, "Admin credentials are missing or wrong."
    NO_FILTER_FOR_DELETE_OPERATION = 1301, 400, "A delete must name at least one filter."
    RESOURCE_NOT_FOUND = 1302, 404, "No such resource."
    DUPLICATE_RESOURCE = 1303, 409, "The resource already exists."
    ADMIN_REQUESTS_TOO_FREQUENT = 1304, 429, "The admin sends requests too fast."
    DUMP_JFR_IN_ILLEGAL_STATUS = 1310, 406, "A recording dump is not possible in the current state."
    JAVASCRIPT_PLUGIN_IS_DISABLED = 1320, 403, "Script plugins are turned off."
    SAVING_JAVA_PLUGIN_IS_DISABLED = 1321, 403, "Uploading compiled plugins is turned off."
    SAVING_JAVASCRIPT_PLUGIN_IS_DISABLED = 1322, 403, "Uploading script plugins is turned off."
    IP_BLOCKLIST_IS_DISABLED = 1400, 403, "The IP blocklist is turned off."
    USER_ID_BLOCKLIST_IS_DISABLED = 1401, 403, "The user-id blocklist is turned off."
    DEBUG_IS_DISABLED = 1500, 403, "Debug endpoints are turned off."
    NONEXISTENT_MEMBER_TO_BE_LEADER = 1800, 404, "The node proposed as leader is not in the cluster."
    NO_QUALIFIED_MEMBER_TO_BE_LEADER = 1801, 503, "No node is eligible to become leader."
    NOT_QUALIFIED_MEMBER_TO_BE_LEADER = 1802, 403, "That node is not eligible to become leader."

    # --- login and session ----------------------------------------------------------------------------------
    UNSUPPORTED_CLIENT_VERSION = 2000, 403, "The login's protocol version is not supported (must be 1)."
    LOGIN_TIMEOUT = 2010, 408, "Login did not complete in time."
    LOGIN_AUTHENTICATION_FAILED = 2011, 401, "Wrong user id or password."
    LOGGING_IN_USER_NOT_ACTIVE = 2012, 401, "The account is inactive."
    LOGIN_FROM_FORBIDDEN_DEVICE_TYPE = 2013, 401, "Logging in from this device type is not allowed."
    SESSION_SIMULTANEOUS_CONFLICTS_DECLINE = 2100, 409, "Login refused: another device of the user is online."
    SESSION_SIMULTANEOUS_CONFLICTS_NOTIFY = 2101, 409, "Another device tried to log in to this account."
    SESSION_SIMULTANEOUS_CONFLICTS_OFFLINE = 2102, 409, "Another device logged in and took over this account."
    CREATE_EXISTING_SESSION = 2103, 503, "This connection already has a session."
    UPDATE_HEARTBEAT_OF_NONEXISTENT_SESSION = 2104, 403, "Heartbeat for a session that does not exist."

    # --- user -----------------------------------------------------------------------------------------------
    USER_LOCATION_RELATED_FEATURES_ARE_DISABLED = 2200, 510, "Location features are turned off."
    QUERYING_NEAREST_USERS_BY_SESSION_ID_IS_DISABLED = (
        2201,
        510,
        "Nearby-user lookup by session is turned off.",
    )
    UPDATE_INFO_OF_NONEXISTENT_USER = 2300, 403, "The user to update does not exist."
    NOT_FRIEND_TO_QUERY_USER_PROFILE = (
        2301,
        403,
        "The profile is visible to friends (or non-blocked users) only.",
    )
    BLOCKED_USER_TO_QUERY_USER_PROFILE = 2302, 403, "The profile owner has blocked the requester."
    QUERY_PERMISSION_OF_NONEXISTENT_USER = (
        2400,
        404,
        "The user whose permissions were asked for does not exist.",
    )
    ADD_NON_RELATED_USER_TO_GROUP = 2500, 403, "Only existing contacts can be put in a relationship group."
    CREATE_EXISTING_RELATIONSHIP = 2501, 409, "The relationship already exists."
    CANNOT_BLOCK_ONESELF = 2502, 403, "A user cannot block themself."
    CREATE_EXISTING_FRIEND_REQUEST = 2600, 409, "A pending friend request already exists."
    BLOCKED_USER_TO_SEND_FRIEND_REQUEST = 2601, 403, "The recipient has blocked the sender."
    RECALL_NON_PENDING_FRIEND_REQUEST = 2602, 403, "Only a pending friend request can be recalled."
    RECALLING_FRIEND_REQUEST_IS_DISABLED = 2603, 510, "Recalling friend requests is turned off."
    NOT_SENDER_TO_RECALL_FRIEND_REQUEST = 2604, 403, "Only the sender can recall a friend request."
    UPDATE_NON_PENDING_FRIEND_REQUEST = 2605, 403, "Only a pending friend request can be answered."
    NOT_RECIPIENT_TO_UPDATE_FRIEND_REQUEST = 2606, 403, "Only the recipient can answer a friend request."

    # --- group: info, type, ownership -----------------------------------------------------------------------
    UPDATE_INFO_OF_NONEXISTENT_GROUP = 3000, 403, "The group to update does not exist."
    NOT_GROUP_OWNER_TO_UPDATE_GROUP_INFO = 3001, 403, "Only the owner may update this group."
    NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_INFO = (
        3002,
        403,
        "Only the owner or a manager may update this group.",
    )
    NOT_GROUP_MEMBER_TO_UPDATE_GROUP_INFO = 3003, 403, "Only members may update this group."
    NO_PERMISSION_TO_CREATE_GROUP_WITH_GROUP_TYPE = 3100, 403, "The user may not create groups of this type."
    CREATE_GROUP_WITH_NONEXISTENT_GROUP_TYPE = 3101, 403, "The group type does not exist."
    UPDATING_GROUP_TYPE_IS_DISABLED = 3102, 510, "Changing a group's type is turned off."
    NOT_GROUP_OWNER_TO_UPDATE_GROUP_TYPE = 3103, 403, "Only the owner may change the group type."
    NO_PERMISSION_TO_UPDATE_GROUP_TO_GROUP_TYPE = 3104, 403, "The user may not switch a group to this type."
    UPDATE_GROUP_TO_NONEXISTENT_GROUP_TYPE = 3105, 403, "The target group type does not exist."
    NOT_ACTIVE_USER_TO_CREATE_GROUP = 3200, 403, "An inactive user cannot create groups."
    NOT_GROUP_OWNER_TO_TRANSFER_GROUP = 3201, 403, "Only the owner may transfer the group."
    NOT_GROUP_OWNER_TO_DELETE_GROUP = 3202, 403, "Only the owner may delete the group."
    GROUP_SUCCESSOR_NOT_GROUP_MEMBER = 3203, 403, "The new owner must be a member of the group."
    GROUP_OWNER_QUIT_WITHOUT_SPECIFYING_SUCCESSOR = 3204, 400, "An owner who quits must name a successor."
    MAX_OWNED_GROUPS_REACHED = 3205, 403, "The user owns the maximum number of groups."
    TRANSFER_NONEXISTENT_GROUP = 3206, 403, "The group to transfer does not exist."

    # --- group: join questions ------------------------------------------------------------------------------
    NOT_GROUP_OWNER_OR_MANAGER_TO_CREATE_GROUP_QUESTION = (
        3300,
        403,
        "Only the owner or a manager may add questions.",
    )
    NOT_GROUP_OWNER_OR_MANAGER_TO_DELETE_GROUP_QUESTION = (
        3301,
        403,
        "Only the owner or a manager may delete questions.",
    )
    NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_QUESTION = (
        3302,
        403,
        "Only the owner or a manager may edit questions.",
    )
    NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_QUESTION_ANSWER = (
        3303,
        403,
        "Only the owner or a manager may see question answers.",
    )
    CREATE_GROUP_QUESTION_FOR_INACTIVE_GROUP = 3304, 403, "Questions cannot be added to an inactive group."
    CREATE_GROUP_QUESTION_FOR_GROUP_USING_JOIN_REQUEST = (
        3305,
        403,
        "The group admits by join request, not questions.",
    )
    CREATE_GROUP_QUESTION_FOR_GROUP_USING_INVITATION = (
        3306,
        403,
        "The group admits by invitation, not questions.",
    )
    CREATE_GROUP_QUESTION_FOR_GROUP_USING_MEMBERSHIP_REQUEST = (
        3307,
        403,
        "The group admits by membership request, not questions.",
    )
    GROUP_QUESTION_ANSWERER_HAS_BEEN_BLOCKED = 3308, 403, "The group has blocked the user answering."
    GROUP_MEMBER_ANSWER_GROUP_QUESTION = 3309, 409, "Members do not answer join questions."
    ANSWER_INACTIVE_GROUP_QUESTION = 3310, 403, "The questions no longer apply since the group type changed."
    ANSWER_GROUP_QUESTION_OF_INACTIVE_GROUP = 3311, 403, "The group is inactive."

    # --- group: members -------------------------------------------------------------------------------------
    ADD_USER_TO_GROUP_REQUIRING_USERS_APPROVAL = (
        3400,
        403,
        "The user must approve joining (invite them instead).",
    )
    ADD_USER_TO_INACTIVE_GROUP = 3401, 403, "Users cannot be added to an inactive group."
    NOT_GROUP_OWNER_TO_ADD_GROUP_MANAGER = 3402, 403, "Only the owner may add managers."
    ADD_USER_TO_GROUP_WITH_SIZE_LIMIT_REACHED = 3403, 403, "The group is full."
    ADD_BLOCKED_USER_TO_GROUP = 3404, 403, "The user is on the group's blocklist."
    NOT_GROUP_OWNER_TO_ADD_GROUP_MEMBER = 3405, 403, "Only the owner may add members to this group."
    NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_GROUP_MEMBER = 3406, 403, "Only the owner or a manager may add members."
    NOT_GROUP_MEMBER_TO_ADD_GROUP_MEMBER = 3407, 403, "Only members may add members to this group."
    NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_GROUP_MEMBER = (
        3408,
        403,
        "Only the owner or a manager may remove members.",
    )
    NOT_GROUP_OWNER_TO_REMOVE_GROUP_OWNER_OR_MANAGER = (
        3409,
        403,
        "Only the owner may remove the owner or managers.",
    )
    NOT_GROUP_OWNER_TO_UPDATE_GROUP_MEMBER_ROLE = 3410, 403, "Only the owner may change member roles."
    UPDATE_GROUP_MEMBER_ROLE_OF_NONEXISTENT_GROUP = 3411, 403, "The group does not exist."
    NOT_GROUP_OWNER_TO_UPDATE_GROUP_MEMBER_INFO = 3412, 403, "Only the owner may edit member info."
    NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_MEMBER_INFO = (
        3413,
        403,
        "Only the owner or a manager may edit member info.",
    )
    NOT_GROUP_MEMBER_TO_UPDATE_GROUP_MEMBER_INFO = 3414, 403, "Only members may edit member info."
    UPDATE_GROUP_MEMBER_INFO_OF_NONEXISTENT_GROUP = 3415, 403, "The group does not exist."
    UPDATE_INFO_OF_NONEXISTENT_GROUP_MEMBER = 3416, 403, "The member to update does not exist."
    NOT_GROUP_OWNER_OR_MANAGER_TO_MUTE_GROUP_MEMBER = (
        3417,
        403,
        "Only the owner or a manager may mute members.",
    )
    MUTE_GROUP_MEMBER_WITH_ROLE_EQUAL_TO_OR_HIGHER_THAN_REQUESTER = (
        3418,
        403,
        "A member of equal or higher role cannot be muted.",
    )
    MUTE_GROUP_MEMBER_OF_NONEXISTENT_GROUP = 3419, 403, "The group does not exist."
    MUTE_NONEXISTENT_GROUP_MEMBER = 3420, 403, "The member to mute does not exist."
    NOT_GROUP_MEMBER_TO_QUERY_GROUP_MEMBER_INFO = 3421, 403, "Only members may list the group's members."
    USER_JOIN_GROUP_WITHOUT_ACCEPTING_GROUP_INVITATION = (
        3422,
        403,
        "Joining this group needs an accepted invitation.",
    )
    USER_JOIN_GROUP_WITHOUT_ANSWERING_GROUP_QUESTION = (
        3423,
        403,
        "Joining this group needs answered questions.",
    )
    USER_JOIN_GROUP_WITHOUT_SENDING_GROUP_JOIN_REQUEST = 3424, 403, "Joining this group needs a join request."

    # --- group: blocklist -----------------------------------------------------------------------------------
    NOT_GROUP_OWNER_OR_MANAGER_TO_ADD_BLOCKED_USER = 3500, 403, "Only the owner or a manager may block users."
    NOT_GROUP_OWNER_OR_MANAGER_TO_REMOVE_BLOCKED_USER = (
        3501,
        403,
        "Only the owner or a manager may unblock users.",
    )

    # --- group: join requests -------------------------------------------------------------------------------
    BLOCKED_USER_SEND_GROUP_JOIN_REQUEST = 3600, 403, "The group has blocked the requester."
    GROUP_MEMBER_SEND_GROUP_JOIN_REQUEST = 3601, 409, "The requester is already a member."
    NOT_SENDER_TO_RECALL_GROUP_JOIN_REQUEST = 3602, 403, "Only the sender may recall a join request."
    NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_JOIN_REQUEST = (
        3603,
        403,
        "Only the owner or a manager may list join requests.",
    )
    RECALL_NON_PENDING_GROUP_JOIN_REQUEST = 3604, 403, "Only a pending join request can be recalled."
    SEND_GROUP_JOIN_REQUEST_TO_INACTIVE_GROUP = 3605, 403, "The group is inactive."
    SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_MEMBERSHIP_REQUEST = (
        3606,
        403,
        "The group admits by membership request, not join requests.",
    )
    SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_INVITATION = 3607, 403, "The group admits by invitation only."
    SEND_GROUP_JOIN_REQUEST_TO_GROUP_USING_QUESTION = 3608, 403, "The group admits by answering questions."
    RECALLING_GROUP_JOIN_REQUEST_IS_DISABLED = 3609, 510, "Recalling join requests is turned off."
    UPDATE_NON_PENDING_GROUP_JOIN_REQUEST = 3610, 403, "Only a pending join request can be answered."
    NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_JOIN_REQUEST = (
        3611,
        403,
        "Only the owner or a manager may answer join requests.",
    )

    # --- group: invitations ---------------------------------------------------------------------------------
    SEND_GROUP_INVITATION_TO_GROUP_MEMBER = 3700, 409, "The invitee is already a member."
    SEND_GROUP_INVITATION_TO_BLOCKED_USER = 3701, 403, "The group has blocked the invitee."
    SEND_GROUP_INVITATION_TO_GROUP_NOT_REQUIRING_USERS_APPROVAL = (
        3702,
        406,
        "The group adds users directly; no invitation is needed.",
    )
    NOT_GROUP_OWNER_TO_SEND_GROUP_INVITATION = 3703, 403, "Only the owner may invite to this group."
    NOT_GROUP_OWNER_OR_MANAGER_TO_SEND_GROUP_INVITATION = 3704, 403, "Only the owner or a manager may invite."
    NOT_GROUP_MEMBER_TO_SEND_GROUP_INVITATION = 3705, 403, "Only members may invite."
    RECALLING_GROUP_INVITATION_IS_DISABLED = 3706, 510, "Recalling invitations is turned off."
    NOT_GROUP_OWNER_OR_MANAGER_TO_RECALL_GROUP_INVITATION = (
        3707,
        403,
        "Only the owner or a manager may recall invitations.",
    )
    NOT_GROUP_OWNER_OR_MANAGER_OR_SENDER_TO_RECALL_GROUP_INVITATION = (
        3708,
        403,
        "Only the owner, a manager or the inviter may recall this invitation.",
    )
    RECALL_NON_PENDING_GROUP_INVITATION = 3709, 403, "Only a pending invitation can be recalled."
    UPDATE_NON_PENDING_GROUP_INVITATION = 3710, 403, "Only a pending invitation can be answered."
    NOT_INVITEE_TO_UPDATE_GROUP_INVITATION = 3711, 403, "Only the invitee may answer an invitation."
    NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_INVITATION = (
        3712,
        403,
        "Only the owner or a manager may list invitations.",
    )

    # --- conversations --------------------------------------------------------------------------------------
    UPDATING_READ_DATE_IS_DISABLED = 4000, 510, "Read positions are turned off."
    UPDATING_READ_DATE_IS_DISABLED_BY_GROUP = 4001, 510, "The group has turned read positions off."
    UPDATING_READ_DATE_OF_NONEXISTENT_GROUP_CONVERSATION = 4002, 510, "The group conversation does not exist."
    NOT_GROUP_MEMBER_TO_UPDATE_READ_DATE_OF_GROUP_CONVERSATION = (
        4003,
        403,
        "Only members may set a read position in the group.",
    )
    MOVING_READ_DATE_FORWARD_IS_DISABLED = (
        4004,
        510,
        "A read position may not be moved back to an earlier date.",
    )
    UPDATING_TYPING_STATUS_IS_DISABLED = 4100, 510, "Typing notifications are turned off."
    NOT_GROUP_MEMBER_TO_SEND_TYPING_STATUS = 4101, 403, "Only members may send typing status to the group."
    NOT_FRIEND_TO_SEND_TYPING_STATUS = 4102, 403, "Only contacts may send typing status."
    NOT_RELATED_USER_TO_UPDATE_PRIVATE_CONVERSATION_SETTING = (
        4200,
        403,
        "Only a related user may change this private conversation's settings.",
    )
    NOT_GROUP_MEMBER_TO_UPDATE_GROUP_CONVERSATION_SETTING = (
        4201,
        403,
        "Only members may change group conversation settings.",
    )

    # --- messages -------------------------------------------------------------------------------------------
    MESSAGE_RECIPIENT_NOT_ACTIVE = 5000, 403, "The recipient is inactive."
    NOT_FRIEND_TO_SEND_PRIVATE_MESSAGE = (
        5001,
        403,
        "Only contacts (or non-blocked users) may message this user.",
    )
    BLOCKED_USER_SEND_PRIVATE_MESSAGE = 5002, 403, "The recipient has blocked the sender."
    BLOCKED_USER_SEND_GROUP_MESSAGE = 5003, 403, "The group has blocked the sender."
    SEND_MESSAGE_TO_INACTIVE_GROUP = 5004, 403, "The group is inactive."
    SEND_MESSAGE_TO_MUTED_GROUP = 5005, 403, "The group is muted."
    SEND_MESSAGE_TO_NONEXISTENT_GROUP = 5006, 403, "The group does not exist."
    SENDING_MESSAGES_TO_ONESELF_IS_DISABLED = 5007, 510, "Messages to oneself are turned off."
    MUTED_GROUP_MEMBER_SEND_MESSAGE = 5008, 403, "The sender is muted in this group."
    NOT_SPEAKABLE_GROUP_GUEST_TO_SEND_MESSAGE = 5009, 403, "Guests of this group may not speak."
    MESSAGE_IS_ILLEGAL = 5010, 403, "The text contains forbidden words."
    NOT_MESSAGE_RECIPIENT_OR_SENDER_TO_FORWARD_MESSAGE = (
        5011,
        403,
        "Only the sender or a recipient may forward it.",
    )
    UPDATING_MESSAGE_BY_SENDER_IS_DISABLED = 5100, 510, "Editing sent messages is turned off."
    NOT_SENDER_TO_UPDATE_MESSAGE = 5101, 403, "Only the sender may edit the message."
    UPDATE_MESSAGE_OF_NONEXISTENT_GROUP = 5102, 403, "The group does not exist."
    UPDATING_GROUP_MESSAGE_BY_SENDER_IS_DISABLED = 5103, 403, "The group has turned message editing off."
    RECALL_NONEXISTENT_MESSAGE = 5200, 403, "The message to recall does not exist."
    RECALLING_MESSAGE_IS_DISABLED = 5201, 510, "Recalling messages is turned off."
    NOT_SENDER_TO_RECALL_MESSAGE = 5202, 403, "Only the sender may recall the message."
    RECALL_MESSAGE_OF_NONEXISTENT_GROUP = 5203, 403, "The group does not exist."
    MESSAGE_RECALL_TIMEOUT = 5204, 403, "Too late to recall the message."
    NOT_GROUP_MEMBER_TO_QUERY_GROUP_MESSAGES = 5300, 403, "Only members may read the group's messages."

    # --- storage --------------------------------------------------------------------------------------------
    STORAGE_NOT_IMPLEMENTED = 6000, 501, "No storage backend is configured."
    NOT_FRIEND_TO_UPLOAD_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION = (
        6100,
        403,
        "Only contacts may upload attachments to a private conversation.",
    )
    NOT_GROUP_MEMBER_TO_UPLOAD_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION = (
        6101,
        403,
        "Only members may upload attachments to the group.",
    )
    NOT_UPLOADER_TO_SHARE_MESSAGE_ATTACHMENT = 6102, 403, "Only the uploader may share the attachment."
    NOT_UPLOADER_OR_GROUP_MANAGER_TO_UNSHARE_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION = (
        6103,
        403,
        "Only the uploader or a manager may unshare a group attachment.",
    )
    NOT_UPLOADER_TO_UNSHARE_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION = (
        6104,
        403,
        "Only the uploader may unshare a private attachment.",
    )
    NOT_UPLOADER_OR_GROUP_MANAGER_TO_DELETE_MESSAGE_ATTACHMENT_IN_GROUP_CONVERSATION = (
        6105,
        403,
        "Only the uploader or a manager may delete a group attachment.",
    )
    NOT_UPLOADER_TO_DELETE_MESSAGE_ATTACHMENT_IN_PRIVATE_CONVERSATION = (
        6106,
        403,
        "Only the uploader may delete a private attachment.",
    )
    NOT_UPLOADER_OR_SHARED_WITH_USER_TO_DOWNLOAD_MESSAGE_ATTACHMENT = (
        6107,
        403,
        "Only the uploader or users it was shared with may download it.",
    )
    NOT_FRIEND_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_PRIVATE_CONVERSATION = (
        6130,
        403,
        "Only contacts may list attachments of a private conversation.",
    )
    NOT_GROUP_MEMBER_TO_QUERY_MESSAGE_ATTACHMENT_INFO_IN_GROUP_CONVERSATION = (
        6131,
        403,
        "Only members may list the group's attachments.",
    )

    # --- search ---------------------------------------------------------------------------------------------
    SEARCHING_USER_IS_DISABLED = 7100, 510, "User search is turned off."
    SEARCHING_GROUP_IS_DISABLED = 7200, 510, "Group search is turned off."

    # --- conferences ----------------------------------------------------------------------------------------
    CONFERENCE_NOT_IMPLEMENTED = 8000, 501, "No conference backend is configured."
    CREATE_MEETING_EXCEEDING_MAX_ACTIVE_MEETING_COUNT = 8100, 403, "The user has too many active meetings."
    NOT_CREATOR_TO_CANCEL_MEETING = 8101, 403, "Only the creator may cancel the meeting."
    CANCELING_MEETING_IS_DISABLED = 8102, 510, "Cancelling meetings is turned off."
    CANCEL_NONEXISTENT_MEETING = 8103, 403, "The meeting to cancel does not exist."
    NOT_CREATOR_TO_UPDATE_MEETING_PASSWORD = 8104, 403, "Only the creator may change the meeting password."
    UPDATE_INFO_OF_NONEXISTENT_MEETING = 8105, 403, "The meeting to update does not exist."
    ACCEPT_MEETING_INVITATION_WITH_WRONG_PASSWORD = 8200, 403, "Wrong meeting password."
    ACCEPT_MEETING_INVITATION_OF_CANCELED_MEETING = 8201, 403, "The meeting was cancelled."
    ACCEPT_MEETING_INVITATION_OF_ENDED_MEETING = 8202, 403, "The meeting has ended."
    ACCEPT_MEETING_INVITATION_OF_EXPIRED_MEETING = 8203, 403, "The meeting invitation has expired."
    ACCEPT_MEETING_INVITATION_OF_PENDING_MEETING = 8204, 403, "The meeting has not started yet."
    ACCEPT_NONEXISTENT_MEETING_INVITATION = 8205, 403, "No such meeting invitation."


class SessionCloseStatus(IntEnum):
    """The ``close_status`` of the notification sent just before the server closes a connection.

    Hundreds tell who caused it: 1xx the client misbehaved or timed out, 2xx the server, 3xx the network,
    4xx unknown, 5xx the user, 6xx an admin, 7xx a change of the user's account.
    """

    _value_: int
    _meaning: str

    def __new__(cls, code: int, meaning: str = "") -> SessionCloseStatus:
        member = int.__new__(cls, code)
        member._value_ = code
        member._meaning = meaning
        return member

    @property
    def meaning(self) -> str:
        return self._meaning

    @property
    def should_reconnect(self) -> bool:
        """Whether a client may reasonably log in again right away (not for user/admin/account closes)."""
        return self.value < 500

    ILLEGAL_REQUEST = 100, "The client sent bytes that break the protocol."
    HEARTBEAT_TIMEOUT = 110, "No heartbeat or request arrived within the idle timeout."
    LOGIN_TIMEOUT = 111, "No successful login within the login timeout."
    SWITCH = 112, "The connection went idle and the client should switch transport."
    SERVER_ERROR = 200, "The server failed."
    SERVER_CLOSED = 201, "The server is shutting down; reconnect to another node."
    SERVER_UNAVAILABLE = 202, "The server cannot serve this session now."
    CONNECTION_CLOSED = 300, "The network connection was lost."
    UNKNOWN_ERROR = 400, "Closed for an unknown reason."
    DISCONNECTED_BY_CLIENT = 500, "The client logged out."
    DISCONNECTED_BY_OTHER_DEVICE = 501, "Another device of the same user logged in and took over."
    DISCONNECTED_BY_ADMIN = 600, "An administrator ended the session."
    USER_IS_DELETED_OR_INACTIVATED = 700, "The user account was deleted or deactivated."
    USER_IS_BLOCKED = 701, "The user was put on the blocklist."


class SystemMessageType(IntEnum):
    """The kind of a system message: the single byte of its ``records[0]``.

    ``NORMAL`` is never written (a system message without a type byte is a plain one).
    A recall notice carries the recalled message id as ``records[1]`` (8 bytes, big-endian).
    """

    NORMAL = 0
    RECALL = 1
    MEETING_INVITATION = 2

    def as_record(self) -> bytes:
        """The ``records[0]`` entry that marks a system message of this kind."""
        return bytes((self.value,))


def markdown_tables() -> str:
    """The status-code and close-status tables of docs/protocol.md (kept current by scripts/gen_proto.py)."""
    lines = [
        "#### Response status codes",
        "",
        "| Code | Name | HTTP | Meaning |",
        "|---:|---|---:|---|",
    ]
    lines += [f"| {c.value} | `{c.name}` | {c.http_status} | {c.meaning} |" for c in ResponseStatusCode]
    lines += [
        "",
        "#### Session close statuses",
        "",
        "| Status | Name | Meaning |",
        "|---:|---|---|",
    ]
    lines += [f"| {s.value} | `{s.name}` | {s.meaning} |" for s in SessionCloseStatus]
    return "\n".join(lines) + "\n"

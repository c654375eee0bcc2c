"""Settings of the conference domain: meetings (Turms's ``turms.service.conference.meeting.*``), who is told about
them (``turms.service.notification.meeting-*``), and the media provider that hosts their rooms.

Defaults are Turms's unless a description says otherwise.
"""

from __future__ import annotations

from turms.settings.registry import at_least, between, setting

PROVIDER = setting(
    "service.conference.provider",
    str,
    "",
    "The media provider that hosts meeting rooms. Empty: none, and the meeting requests that need one "
    "(create, cancel, accept or decline an invitation) are answered CONFERENCE_NOT_IMPLEMENTED (8000), as "
    "Turms without a conference plugin. `livekit`: a LiveKit server (`service.conference.livekit.*`).",
    choices=("", "livekit"),
)

# -- meetings ----------------------------------------------------------------------------------------------

ID_TYPE = setting(
    "service.conference.meeting.id_type",
    str,
    "DIGIT_9",
    "Meeting ids are random (users type them to join), of 9 digits (`DIGIT_9`) or 10 (`DIGIT_10`).",
    choices=("DIGIT_9", "DIGIT_10"),
    live=True,
)
NAME_MIN_LENGTH = setting(
    "service.conference.meeting.name.min_length",
    int,
    0,
    "Shortest meeting name accepted, in characters (0: no minimum).",
    validator=at_least(0),
    live=True,
)
NAME_MAX_LENGTH = setting(
    "service.conference.meeting.name.max_length",
    int,
    20,
    "Longest meeting name accepted, in characters (0: no maximum).",
    validator=at_least(0),
    live=True,
)
INTRO_MIN_LENGTH = setting(
    "service.conference.meeting.intro.min_length",
    int,
    0,
    "Shortest meeting introduction accepted, in characters (0: no minimum).",
    validator=at_least(0),
    live=True,
)
INTRO_MAX_LENGTH = setting(
    "service.conference.meeting.intro.max_length",
    int,
    200,
    "Longest meeting introduction accepted, in characters (0: no maximum).",
    validator=at_least(0),
    live=True,
)
PASSWORD_POLICY = setting(
    "service.conference.meeting.password.policy",
    str,
    "PROHIBITED",
    "Meeting passwords: `USER_INPUT_REQUIRED`, `USER_INPUT_OPTIONAL`, `USER_INPUT_OR_SYSTEM_GENERATED` (the "
    "server generates one when the creator gives none), `SYSTEM_GENERATED` (always generated; users cannot "
    "change it) or `PROHIBITED` (a meeting has none; a request carrying one is ILLEGAL_ARGUMENT).",
    choices=(
        "USER_INPUT_REQUIRED",
        "USER_INPUT_OPTIONAL",
        "USER_INPUT_OR_SYSTEM_GENERATED",
        "SYSTEM_GENERATED",
        "PROHIBITED",
    ),
    live=True,
)
PASSWORD_TYPE = setting(
    "service.conference.meeting.password.type",
    str,
    "NUMERIC",
    "Characters of a generated password: `NUMERIC`, `ALPHABETIC` or `ALPHANUMERIC`.",
    choices=("NUMERIC", "ALPHABETIC", "ALPHANUMERIC"),
    live=True,
)
PASSWORD_MIN_LENGTH = setting(
    "service.conference.meeting.password.min_length",
    int,
    6,
    "Shortest meeting password, given or generated.",
    validator=between(1, 64),
    live=True,
)
PASSWORD_MAX_LENGTH = setting(
    "service.conference.meeting.password.max_length",
    int,
    6,
    "Longest meeting password, given or generated (below `min_length`, `min_length` applies).",
    validator=between(1, 64),
    live=True,
)
MAX_ACTIVE_MEETINGS_PER_USER = setting(
    "service.conference.meeting.quota.max_active_meeting_count_per_user",
    int,
    1,
    "Most active meetings (neither cancelled, ended nor expired; scheduled ones included) a user may have "
    "created; one more is CREATE_MEETING_EXCEEDING_MAX_ACTIVE_MEETING_COUNT (8100). 0: no limit. Turms asks its "
    "provider for the count (its LiveKit plugin cannot tell, so the limit never applies there) and lets a user "
    "reach one more than the limit; here the count is read from the stored meetings and is exact.",
    validator=at_least(0),
    live=True,
)
MAX_START_DATE_OFFSET_S = setting(
    "service.conference.meeting.scheduling.max_allowed_start_date_offset_s",
    int,
    0,
    "How far in the future a meeting may be scheduled (a later `start_date` is ILLEGAL_ARGUMENT). 0: meetings "
    "start when they are created.",
    validator=at_least(0),
    live=True,
)
ALLOW_CANCEL = setting(
    "service.conference.meeting.scheduling.allow_cancel",
    bool,
    True,
    "Let creators cancel their meetings (else CANCELING_MEETING_IS_DISABLED, 8102).",
    live=True,
)
PRIVATE_MEETING_EXPIRY_S = setting(
    "service.conference.meeting.private_meeting_expiry_s",
    int,
    7200,
    "A meeting with a user expires this long after its start: accepting its invitation is then "
    "ACCEPT_MEETING_INVITATION_OF_EXPIRED_MEETING (8203). Also the room's idle timeout at the provider (a "
    "room nobody is in closes after it). Turms: 2 hours, fixed.",
    validator=between(60, 30 * 86_400),
    live=True,
)
GROUP_MEETING_EXPIRY_S = setting(
    "service.conference.meeting.group_meeting_expiry_s",
    int,
    360_000,
    "As `private_meeting_expiry_s`, for meetings of a group. Turms: 100 hours, fixed.",
    validator=between(60, 30 * 86_400),
    live=True,
)
QUERY_MAX_LIMIT = setting(
    "service.conference.meeting.query.max_limit",
    int,
    100,
    "Most meetings one QueryMeetingsRequest returns (a larger or absent `limit` is capped). Turms has no cap.",
    validator=between(1, 10_000),
    live=True,
)

# -- notifications -----------------------------------------------------------------------------------------

NOTIFY_PARTICIPANTS_OF_CANCELED = setting(
    "service.notification.meeting_canceled.notify_meeting_participants",
    bool,
    True,
    "Push a cancellation (the relayed DeleteMeetingRequest) to the meeting's participants: the invited user, "
    "or the group's members. Turms's default is false.",
    live=True,
)
NOTIFY_REQUESTER_OF_CANCELED = setting(
    "service.notification.meeting_canceled.notify_requester_other_online_sessions",
    bool,
    True,
    "Push a cancellation to the creator's other online devices. Turms's default is false.",
    live=True,
)
NOTIFY_PARTICIPANTS_OF_UPDATED = setting(
    "service.notification.meeting_updated.notify_meeting_participants",
    bool,
    True,
    "Push a changed name or introduction (the relayed UpdateMeetingRequest, without its password) to the "
    "meeting's participants. Turms's default is false.",
    live=True,
)
NOTIFY_REQUESTER_OF_UPDATED = setting(
    "service.notification.meeting_updated.notify_requester_other_online_sessions",
    bool,
    True,
    "Push a meeting update (as sent, password included) to the requester's other online devices. Turms's "
    "default is false.",
    live=True,
)
NOTIFY_PARTICIPANTS_OF_INVITATION_UPDATED = setting(
    "service.notification.meeting_invitation_updated.notify_meeting_participants",
    bool,
    True,
    "Push an accepted or declined invitation (the relayed UpdateMeetingInvitationRequest, without its "
    "password) to the meeting's other participants and its creator.",
    live=True,
)
NOTIFY_REQUESTER_OF_INVITATION_UPDATED = setting(
    "service.notification.meeting_invitation_updated.notify_requester_other_online_sessions",
    bool,
    True,
    "Push an accepted or declined invitation to the requester's other online devices.",
    live=True,
)

# -- LiveKit -----------------------------------------------------------------------------------------------

LIVEKIT_URL = setting(
    "service.conference.livekit.url",
    str,
    "",
    "The LiveKit server's API URL the server calls to create and delete rooms, e.g. `http://127.0.0.1:7880`.",
)
LIVEKIT_CLIENT_URL = setting(
    "service.conference.livekit.client_url",
    str,
    "",
    "The URL clients connect to with their access token (e.g. `wss://media.example.com`), sent with each "
    "token (docs/protocol.md, `turms:conference_url`). Empty: `service.conference.livekit.url` with its scheme made "
    "`ws://` or `wss://`.",
)
LIVEKIT_API_KEY = setting(
    "service.conference.livekit.api_key",
    str,
    "",
    "The LiveKit API key (its `keys:` entry) that signs the server's API calls and the clients' tokens.",
)
LIVEKIT_API_SECRET = setting(
    "service.conference.livekit.api_secret",
    str,
    "",
    "The secret of `api_key` (at least 32 characters, as LiveKit requires).",
    secret=True,
)
LIVEKIT_API_SECRET_FILE = setting(
    "service.conference.livekit.api_secret_file",
    str,
    "",
    "Read the API secret from this file instead (it wins), e.g. a systemd credential.",
    path=True,
)
LIVEKIT_TOKEN_TTL_S = setting(
    "service.conference.livekit.access_token_ttl_s",
    int,
    600,
    "How long an access token handed to an invitee who accepted may be used to join the room.",
    validator=between(10, 86_400),
    live=True,
)
LIVEKIT_MAX_PARTICIPANTS = setting(
    "service.conference.livekit.max_participants",
    int,
    0,
    "Most participants in one room (0: LiveKit's limit).",
    validator=at_least(0),
    live=True,
)
LIVEKIT_REQUEST_TIMEOUT_S = setting(
    "service.conference.livekit.request_timeout_s",
    float,
    5.0,
    "Timeout of one call to the LiveKit API; a meeting request whose call fails or times out is answered "
    "SERVER_UNAVAILABLE (1201) and changes nothing.",
    validator=between(0.1, 60),
)

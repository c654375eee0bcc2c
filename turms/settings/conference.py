"""Settings of the conference domain: meetings (Turms's ``turms.service.conference.meeting.*``) and who is told about
them (``turms.service.notification.meeting-*``). The media provider that hosts their rooms is a plugin, with its
own settings (the in-box ``livekit`` plugin: ``plugins.livekit.*``, declared in ``turms/plugins/livekit/``).

Defaults are Turms's unless a description says otherwise.
"""

from __future__ import annotations

from turms.settings.registry import at_least, between, setting

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

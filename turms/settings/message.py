"""Settings of the message domain: limits, who may message whom, edit and recall, queries, retention, fan-out.

Defaults are Turms's (``turms.service.message.*``) unless a description says otherwise.
"""

from __future__ import annotations

from turms.settings.registry import at_least, between, setting

MAX_TEXT_LENGTH = setting(
    "service.message.max_text_length",
    int,
    500,
    "Longest message text accepted, in characters (longer is answered ILLEGAL_ARGUMENT).",
    validator=between(1, 1_000_000),
    live=True,
)
MAX_RECORDS_BYTES = setting(
    "service.message.max_records_bytes",
    int,
    15 * 1024 * 1024,
    "Largest total size of a message's binary records, in bytes. The client frame limit "
    "(`gateway.client_api.max_frame_bytes`) applies first.",
    validator=at_least(0),
    live=True,
)
MAX_RECORDS = setting(
    "service.message.max_records",
    int,
    64,
    "Most binary records one message may carry.",
    validator=between(1, 10_000),
    live=True,
)
ALLOW_SEND_TO_STRANGER = setting(
    "service.message.allow_send_messages_to_stranger",
    bool,
    True,
    "Let users message users they have no relationship with. Off: a private message needs a relationship "
    "from the recipient to the sender that is not blocked (else NOT_FRIEND_TO_SEND_PRIVATE_MESSAGE, 5001).",
    live=True,
)
ALLOW_SEND_TO_ONESELF = setting(
    "service.message.allow_send_messages_to_oneself",
    bool,
    False,
    "Let users send private messages to themselves (else SENDING_MESSAGES_TO_ONESELF_IS_DISABLED, 5007).",
    live=True,
)
CHECK_RECIPIENT_ACTIVE = setting(
    "service.message.check_if_target_active_and_not_deleted",
    bool,
    False,
    "Refuse private messages to inactive or deleted users (MESSAGE_RECIPIENT_NOT_ACTIVE, 5000). Users "
    "unknown to the `user` collection (e.g. with `gateway.auth.type = none`) are then refused too.",
    live=True,
)
RELATIONSHIP_CACHE_TTL_S = setting(
    "service.message.relationship_cache_ttl_s",
    float,
    60.0,
    "How long a worker keeps the relationship a private send checks (whether the recipient blocked the "
    "sender, or is related to them). Changes made through the server (client requests, admin API) drop the "
    "entry on every worker within milliseconds (an announcement that fails is retried for this long; a worker "
    "that lost its Redis subscription drops every entry), so this bounds only changes made around the server "
    "(direct store writes). 0 reads the store for every message, so a block applies to the very next message.",
    validator=between(0.0, 3600.0),
    live=True,
)
RELATIONSHIP_CACHE_MAX_OWNERS = setting(
    "service.message.relationship_cache_max_owners",
    int,
    100_000,
    "Most users whose relationships a worker caches for the send check; the least recently loaded go first.",
    validator=at_least(1),
    live=True,
)
SEND_TO_OTHER_SENDER_DEVICES = setting(
    "service.message.send_message_to_other_sender_online_devices",
    bool,
    True,
    "Push a sent message to the sender's other online devices too (multi-device sync).",
    live=True,
)
ALLOW_EDIT_BY_SENDER = setting(
    "service.message.allow_edit_message_by_sender",
    bool,
    True,
    "Let senders edit their messages (else UPDATING_MESSAGE_BY_SENDER_IS_DISABLED, 5100).",
    live=True,
)
ALLOW_RECALL = setting(
    "service.message.allow_recall_message",
    bool,
    True,
    "Let senders recall their messages (else RECALLING_MESSAGE_IS_DISABLED, 5201).",
    live=True,
)
RECALL_WINDOW_S = setting(
    "service.message.recall_window_s",
    int,
    300,
    "How long after its delivery a message may be recalled (later: MESSAGE_RECALL_TIMEOUT, 5204). "
    "Turms: `available-recall-duration-seconds`.",
    validator=at_least(0),
    live=True,
)
NOTIFY_ON_UPDATE = setting(
    "service.message.notify_recipients_after_message_updated_by_sender",
    bool,
    True,
    "Push an edit or a recall (the relayed UpdateMessageRequest) to the message's recipients.",
    live=True,
)
MAX_DELIVERY_DATE_SKEW_S = setting(
    "service.message.max_delivery_date_skew_s",
    int,
    60,
    "A client's `delivery_date` may lie at most this far in the future (else ILLEGAL_ARGUMENT). The stored "
    "delivery date is always the server's time, as with Turms's default `time-type`.",
    validator=at_least(0),
    live=True,
)
QUERY_DEFAULT_COUNT = setting(
    "service.message.query.default_max_count",
    int,
    100,
    "Messages returned by a QueryMessagesRequest without `max_count`.",
    validator=between(1, 10_000),
    live=True,
)
QUERY_MAX_COUNT = setting(
    "service.message.query.max_count",
    int,
    1000,
    "Most messages one QueryMessagesRequest returns (a larger `max_count` is capped), and most ids it may "
    "name (more is answered REQUESTED_RECORDS_TOO_MANY).",
    validator=between(1, 100_000),
    live=True,
)
SEQUENCE_HOLE_GRACE_S = setting(
    "service.message.query.sequence_hole_grace_s",
    float,
    2.0,
    "MongoDB only: a sequence id allocated without a stored message (its writer died between the counter "
    "and the insert) is filled with a tombstone by the first sequence-range query that finds it once the "
    "hole is this old; until then the query waits for the insert to land. A late insert then takes a new "
    "sequence id, so no number ever holds two messages.",
    validator=between(0.1, 60),
    live=True,
)
WITH_TOTAL_MESSAGES = setting(
    "service.message.query.messages_per_conversation_with_total",
    int,
    1,
    "With `with_total`, how many of each conversation's latest messages come with its unread count.",
    validator=between(0, 1000),
    live=True,
)
WITH_TOTAL_MAX_CONVERSATIONS = setting(
    "service.message.query.max_conversations_with_total",
    int,
    1000,
    "With `with_total` and no `from_ids`, the most conversations answered (the most recently active first "
    "is not guaranteed; name conversations in `from_ids` for exact answers).",
    validator=between(1, 100_000),
    live=True,
)
BROADCAST_MEMBER_THRESHOLD = setting(
    "service.message.broadcast_member_threshold",
    int,
    100,
    "A group message to more members than this is pushed as one broadcast to every worker instead of "
    "looking up each member's sessions. 0 means always broadcast. A lookup costs one registry read per "
    "member, a broadcast one publish that every worker receives: above a group size around the number of "
    "workers in the cluster the broadcast is cheaper (a 500-member fan-out spent 29 % of the sending "
    "worker's CPU in lookups).",
    validator=at_least(0),
    live=True,
)
IDEMPOTENCY_KEY_MAX_LENGTH = setting(
    "service.message.idempotency_key_max_length",
    int,
    64,
    "Longest idempotency key accepted in a CreateMessageRequest (see docs/protocol.md).",
    validator=between(8, 256),
)
RETENTION_PERIOD_H = setting(
    "service.message.retention_period_h",
    int,
    0,
    "Delete messages this many hours after their delivery date. 0 keeps them forever (Turms's default). "
    "One worker in the cluster runs the deletion at a time (a Redis lease).",
    validator=at_least(0),
    live=True,
)
RETENTION_INTERVAL_S = setting(
    "service.message.retention_interval_s",
    float,
    300.0,
    "How often the retention job looks for expired messages.",
    validator=between(1, 86_400),
)
RETENTION_BATCH_SIZE = setting(
    "service.message.retention_batch_size",
    int,
    1000,
    "Messages deleted per batch by the retention job (it yields to other work between batches).",
    validator=between(1, 100_000),
    live=True,
)
RETENTION_LEASE_TTL_S = setting(
    "service.message.retention_lease_ttl_s",
    float,
    30.0,
    "TTL of the retention job's Redis lease; the holder renews it between batches. A dead holder's lease "
    "lapses after this long and another worker takes over.",
    validator=between(3, 3600),
)

# -- reactions (beyond Turms, whose server refuses the two reaction request kinds) --------------------------

REACTIONS_ENABLED = setting(
    "service.message.reaction.enabled",
    bool,
    True,
    'Accept CreateMessageReactionsRequest and DeleteMessageReactionsRequest (docs/protocol.md, "Reactions"). '
    "Off: both are answered ILLEGAL_ARGUMENT, as by Turms.",
    live=True,
)
REACTION_MAX_TYPES_PER_MESSAGE = setting(
    "service.message.reaction.max_types_per_message",
    int,
    20,
    "Most distinct reaction types one message may carry; a reaction of one more type is ILLEGAL_ARGUMENT.",
    validator=between(1, 1000),
    live=True,
)
REACTION_MAX_PER_USER_PER_MESSAGE = setting(
    "service.message.reaction.max_per_user_per_message",
    int,
    3,
    "Most reaction types one user may have on one message; one more is ILLEGAL_ARGUMENT.",
    validator=between(1, 1000),
    live=True,
)
REACTION_USERS_LISTED = setting(
    "service.message.reaction.users_listed_per_type",
    int,
    10,
    "How many of the users who reacted with a type a queried message names in its `reaction_groups` "
    "(`user_infos`, the requester first when it reacted); the count is always exact.",
    validator=between(0, 1000),
    live=True,
)
REACTION_NOTIFY = setting(
    "service.message.reaction.notify_participants",
    bool,
    True,
    "Push a reaction change (the relayed request, with the resulting counts) to the conversation's other "
    "participants: the other user, or the group's members.",
    live=True,
)
REACTION_NOTIFY_OWN_DEVICES = setting(
    "service.message.reaction.notify_requester_other_online_sessions",
    bool,
    True,
    "Push a reaction change to the reacting user's other online devices.",
    live=True,
)

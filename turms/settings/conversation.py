"""Settings of the conversation domain: read positions (read receipts), typing status, conversation settings."""

from __future__ import annotations

from turms.settings.registry import between, setting

READ_RECEIPT_ENABLED = setting(
    "service.conversation.read_receipt.enabled",
    bool,
    True,
    "Accept read positions (UpdateConversationRequest); off: UPDATING_READ_DATE_IS_DISABLED (4000).",
    live=True,
)
READ_RECEIPT_USE_SERVER_TIME = setting(
    "service.conversation.read_receipt.use_server_time",
    bool,
    True,
    "Record the server's time as the read date instead of the client's `read_date`.",
    live=True,
)
READ_RECEIPT_NOTIFY = setting(
    "service.conversation.read_receipt.notify_contacts",
    bool,
    True,
    "Push a read position to the other party (private) or the members (group, when its type enables read "
    "receipts), and to the reader's other devices.",
    live=True,
)
READ_RECEIPT_GROUP_NOTIFY_MAX_MEMBERS = setting(
    "service.conversation.read_receipt.group_notify_max_members",
    int,
    500,
    "Read positions in groups with more members than this are stored but not pushed (clients pull them "
    "with QueryConversationsRequest).",
    validator=between(0, 1_000_000),
    live=True,
)
TYPING_STATUS_ENABLED = setting(
    "service.conversation.typing_status.enabled",
    bool,
    True,
    "Relay typing status (UpdateTypingStatusRequest); off: UPDATING_TYPING_STATUS_IS_DISABLED (4100).",
    live=True,
)
SETTINGS_MAX_COUNT = setting(
    "service.conversation.settings.max_count",
    int,
    64,
    "Most settings one conversation may hold (more is answered ILLEGAL_ARGUMENT).",
    validator=between(1, 10_000),
    live=True,
)
SETTINGS_MAX_VALUE_BYTES = setting(
    "service.conversation.settings.max_value_bytes",
    int,
    4096,
    "Largest serialized value of one conversation setting.",
    validator=between(1, 1_000_000),
    live=True,
)

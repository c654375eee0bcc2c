"""Settings of abuse protection: request rate limits, the IP/user blocklist with auto-block, and antispam.

Defaults follow Turms: a per-IP token bucket of 50 tokens refilled by 1 every 1000 ms, auto-block off, and
block levels of 10, 30 and 60 minutes after 5 triggers.
"""

from __future__ import annotations

from typing import Any

from turms.settings.registry import at_least, between, list_setting, setting

# -- rate limits ------------------------------------------------------------------------------------------

IP_RATE_ENABLED = setting(
    "security.rate_limit.ip.enabled",
    bool,
    True,
    "Limit client requests per client IP (a token bucket per IP, per worker, as Turms does per node). "
    "Over the limit a request is answered CLIENT_REQUESTS_TOO_FREQUENT (1101).",
    live=True,
)
IP_RATE_CAPACITY = setting(
    "security.rate_limit.ip.capacity", int, 50, "Tokens an IP's bucket holds at most.", validator=at_least(1), live=True
)
IP_RATE_INITIAL = setting(
    "security.rate_limit.ip.initial_tokens",
    int,
    50,
    "Tokens a new IP's bucket starts with.",
    validator=at_least(0),
    live=True,
)
IP_RATE_REFILL_TOKENS = setting(
    "security.rate_limit.ip.refill_tokens",
    int,
    1,
    "Tokens added to an IP's bucket every refill interval.",
    validator=at_least(1),
    live=True,
)
IP_RATE_REFILL_INTERVAL_MS = setting(
    "security.rate_limit.ip.refill_interval_ms",
    int,
    1000,
    "Refill interval of the per-IP buckets.",
    validator=at_least(1),
    live=True,
)
SESSION_RATE_ENABLED = setting(
    "security.rate_limit.session.enabled",
    bool,
    True,
    "Also limit client requests per connection (a token bucket per session), so one connection cannot use "
    "up the budget of everyone behind the same IP (NAT). Not in Turms.",
    live=True,
)
SESSION_RATE_CAPACITY = setting(
    "security.rate_limit.session.capacity",
    int,
    50,
    "Tokens a connection's bucket holds at most.",
    validator=at_least(1),
    live=True,
)
SESSION_RATE_INITIAL = setting(
    "security.rate_limit.session.initial_tokens",
    int,
    50,
    "Tokens a new connection's bucket starts with.",
    validator=at_least(0),
    live=True,
)
SESSION_RATE_REFILL_TOKENS = setting(
    "security.rate_limit.session.refill_tokens",
    int,
    1,
    "Tokens added to a connection's bucket every refill interval.",
    validator=at_least(1),
    live=True,
)
SESSION_RATE_REFILL_INTERVAL_MS = setting(
    "security.rate_limit.session.refill_interval_ms",
    int,
    1000,
    "Refill interval of the per-connection buckets.",
    validator=at_least(1),
    live=True,
)


def parse_request_type_rule(text: str) -> tuple[str, int, int]:
    """``kind=capacity/refill_interval_ms`` -> (kind, capacity, interval ms); ValueError when malformed."""
    kind, sep, rest = text.partition("=")
    capacity, sep2, interval = rest.partition("/")
    try:
        if not sep or not sep2 or not kind.strip():
            raise ValueError
        parsed = (kind.strip(), int(capacity), int(interval))
    except ValueError:
        raise ValueError(f"{text!r} is not `kind=capacity/refill_interval_ms`") from None
    if parsed[1] < 1 or parsed[2] < 1:
        raise ValueError(f"{text!r}: capacity and interval must be positive")
    return parsed


def _request_type_rules(values: Any) -> str | None:
    for value in values:
        try:
            parse_request_type_rule(value)
        except ValueError as e:
            return str(e)
    return None


REQUEST_TYPE_RATES = list_setting(
    "security.rate_limit.request_types",
    str,
    [],
    "Extra per-connection limits for some request kinds, each `kind=capacity/refill_interval_ms` (e.g. "
    "`create_message_request=20/500`: a bucket of 20, one token back every 500 ms).",
    validator=_request_type_rules,
    live=True,
)
DISABLED_REQUEST_TYPES = list_setting(
    "security.client_api.disabled_request_types",
    str,
    [],
    "Request kinds (oneof field names, e.g. `query_nearby_users_request`) refused with ILLEGAL_ARGUMENT, as "
    "Turms answers its `disabled-endpoints`. Login and logout cannot be disabled.",
    live=True,
)
MAX_UNAUTHENTICATED_PER_IP = setting(
    "security.connections.max_unauthenticated_per_ip",
    int,
    256,
    "Connections from one IP that have not logged in yet, per worker, on the client TCP and WebSocket ports "
    "(a WebSocket counts from accept, before its upgrade request); more are closed at accept without a "
    "reply. 0 turns the cap off. Kept well above one to leave room for many users behind one NAT.",
    validator=at_least(0),
    live=True,
)
HANDSHAKE_TIMEOUT_S = setting(
    "security.connections.handshake_timeout_s",
    float,
    10.0,
    "A connection to the client WebSocket port that has not completed its upgrade, or to the admin HTTP port "
    "that has not sent a complete request, this long after accept is reset (TCP clients have the login "
    "timeout from accept). 0 turns it off. Before it existed, one-byte connections stayed open for an hour.",
    validator=at_least(0.0),
    live=True,
)

# -- passwords --------------------------------------------------------------------------------------------

MAX_PENDING_HASHES = setting(
    "security.password.max_pending_hashes",
    int,
    2,
    "Password hashes (logins, admin logins, password changes) queued or running per worker on its hashing "
    "thread; one more is refused at once with SERVER_UNAVAILABLE (1201, retryable) instead of waiting behind "
    "them, so a flood of logins cannot make an honest one wait seconds (a hash takes 50-300 ms on a busy "
    "2-core host: 2 means one running and one waiting). 0 removes the bound.",
    validator=between(0, 100_000),
)

# -- blocklist --------------------------------------------------------------------------------------------

IP_BLOCKLIST_ENABLED = setting(
    "security.blocklist.ip.enabled",
    bool,
    True,
    "The IP blocklist: blocked IPs are dropped at accept without a reply, and their sessions closed with "
    "USER_IS_BLOCKED (701).",
)
USER_BLOCKLIST_ENABLED = setting(
    "security.blocklist.user_id.enabled",
    bool,
    True,
    "The user-id blocklist: blocked users cannot log in and their sessions are closed with USER_IS_BLOCKED (701).",
)
SYNC_INTERVAL_S = setting(
    "security.blocklist.sync_interval_s",
    float,
    10.0,
    "How often each worker catches up with the blocklist change log in Redis, in case it missed a pub/sub "
    "announcement (changes normally apply within milliseconds).",
    validator=between(0.05, 3600),
)
MAX_LOG_ENTRIES = setting(
    "security.blocklist.max_log_entries",
    int,
    100_000,
    "Length of the blocklist change log in Redis; a worker further behind reloads the whole blocklist.",
    validator=at_least(10),
)


def parse_block_level(text: str) -> tuple[int, int, int]:
    """``block_s/forgive_one_trigger_ms/next_level_triggers`` -> the three numbers; ValueError when malformed."""
    parts = text.split("/")
    try:
        if len(parts) != 3:
            raise ValueError
        block_s, forgive_ms, next_triggers = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"{text!r} is not `block_s/forgive_one_trigger_ms/next_level_triggers`") from None
    if block_s < 1 or forgive_ms < 0 or next_triggers < 0:
        raise ValueError(f"{text!r}: block_s must be positive, the others not negative")
    return block_s, forgive_ms, next_triggers


def _levels(values: Any) -> str | None:
    if not values:
        return "at least one level is needed"
    for value in values:
        try:
            parse_block_level(value)
        except ValueError as e:
            return str(e)
    return None


AUTO_BLOCK_ENABLED = setting(
    "security.blocklist.auto_block.enabled",
    bool,
    False,
    "Block IPs and users automatically for repeated abuse: requests over the rate limit, corrupted frames, "
    "corrupted requests (each counted separately, per worker). Off by default, as in Turms.",
    live=True,
)
AUTO_BLOCK_TRIGGER_TIMES = setting(
    "security.blocklist.auto_block.trigger_times",
    int,
    5,
    "Violations of one kind that block a client for the first level's duration.",
    validator=at_least(1),
    live=True,
)
AUTO_BLOCK_LEVELS = list_setting(
    "security.blocklist.auto_block.levels",
    str,
    ["600/60000/1", "1800/60000/1", "3600/60000/0"],
    "Block levels, each `block_s/forgive_one_trigger_ms/next_level_triggers`: how long a block lasts, how "
    "often one counted violation is forgiven (0: never), and how many violations while at that level "
    "escalate to the next. Turms's defaults: 10 min, 30 min, 60 min.",
    validator=_levels,
    live=True,
)

# -- antispam ---------------------------------------------------------------------------------------------

ANTISPAM_ENABLED = setting(
    "security.antispam.enabled",
    bool,
    False,
    "Check user-supplied text against the unwanted-word dictionary.",
    live=True,
)
ANTISPAM_DICTIONARY_PATH = setting(
    "security.antispam.dictionary_path",
    str,
    "",
    "The dictionary: a text file with one word per line, or a CSV/TSV file whose header has a `word` column. "
    "Reloaded without a restart when its modification time changes.",
    live=True,
    path=True,
)
ANTISPAM_STRATEGY = setting(
    "security.antispam.strategy",
    str,
    "REJECT",
    "What to do with text that contains an unwanted word: REJECT the request (MESSAGE_IS_ILLEGAL, 5010) or "
    "MASK each unwanted character with `security.antispam.mask`.",
    choices=("REJECT", "MASK"),
    live=True,
)
ANTISPAM_MASK = setting(
    "security.antispam.mask",
    str,
    "*",
    "The character that replaces each character of an unwanted word (MASK strategy).",
    validator=lambda v: None if len(v) == 1 else "must be exactly one character",
    live=True,
)
_TEXT_TYPES = (
    "MESSAGE_TEXT",
    "GROUP_NAME",
    "GROUP_INTRO",
    "GROUP_ANNOUNCEMENT",
    "GROUP_INVITATION_CONTENT",
    "GROUP_JOIN_QUESTION",
    "GROUP_JOIN_REQUEST_CONTENT",
    "GROUP_MEMBER_NAME",
    "FRIEND_REQUEST_CONTENT",
    "FRIEND_REQUEST_REASON",
    "RELATIONSHIP_GROUP_NAME",
    "USER_NAME",
    "USER_INTRO",
)
ANTISPAM_TEXT_TYPES = list_setting(
    "security.antispam.text_types",
    str,
    list(_TEXT_TYPES),
    "The kinds of text that are checked (Turms's list).",
    choices=_TEXT_TYPES,
    live=True,
)
ANTISPAM_SILENT_TEXT_TYPES = list_setting(
    "security.antispam.silent_text_types",
    str,
    [],
    "Kinds of text whose illegal requests are answered OK but dropped (the sender is not told), e.g. "
    "`MESSAGE_TEXT`. Applies with the REJECT strategy.",
    choices=_TEXT_TYPES,
    live=True,
)
ANTISPAM_CHECK_INTERVAL_S = setting(
    "security.antispam.reload_check_interval_s",
    float,
    5.0,
    "How often each worker checks whether the dictionary file changed.",
    validator=between(0.05, 3600),
)

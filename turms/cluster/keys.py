"""Every Redis key and channel this server uses, in one place (documented in docs/architecture.md).

All names start with the configured prefix (``redis.key_prefix``, default ``turms:``) and carry a hash tag
(the part in braces): on a Redis Cluster only the tag decides a key's slot, so keys that one script or one
MULTI touches together share a tag and stay in one slot, while per-user keys (one tag per user) and per-worker
channels (one tag per instance) spread over the shards. On a single Redis or a Sentinel-managed one the tags
change nothing. No caller builds a name itself; everything goes through :class:`Keys`.

Groups that must stay together:

* ``{m}``: the live workers, their infos, the settings versions they applied and the node records (one Lua
  script writes the first three; the admin API scans the node records);
* ``{blocklist}``: both sorted sets and the change log (one MULTI);
* ``{geo}``: the GEO set and its update times (one MULTI);
* ``{wid:<n>}``: a worker id's lease and its high-water mark (one script).
"""

from __future__ import annotations

from dataclasses import dataclass


def check_prefix(prefix: str) -> str:
    """Braces in the prefix would become the hash tag of every key and put them all in one slot."""
    if "{" in prefix or "}" in prefix:
        raise ValueError(f"the Redis key prefix may not contain braces (hash tags): {prefix!r}")
    return prefix


@dataclass(frozen=True)
class Keys:
    prefix: str = "turms:"

    def __post_init__(self) -> None:
        check_prefix(self.prefix)

    # Sessions (one tag per user: the registry spreads over the shards) -----------------------------------

    def session(self, user_id: int) -> str:
        """Hash: device type → ``instance|session_id|login_ms``; ``$`` → the user's status. Has a TTL."""
        return f"{self.prefix}sess:{{{user_id}}}"

    @property
    def session_pattern(self) -> str:
        """SCAN pattern of every session hash (the admin API's listing of online users)."""
        return f"{self.prefix}sess:*"

    @staticmethod
    def user_of_session_key(key: str | bytes) -> int:
        """The user id in a session hash's name (inverse of :meth:`session`)."""
        text = key.decode() if isinstance(key, bytes) else key
        return int(text[text.rindex("{") + 1 : -1])

    # Membership (one tag) --------------------------------------------------------------------------------

    @property
    def workers(self) -> str:
        """Sorted set: live worker instance id → last heartbeat (ms, Redis clock)."""
        return f"{self.prefix}{{m}}:workers"

    @property
    def worker_infos(self) -> str:
        """Hash: worker instance id → JSON (node id, pid, host, started)."""
        return f"{self.prefix}{{m}}:workers:info"

    @property
    def settings_applied(self) -> str:
        """Hash: worker instance id → the cluster-settings version it runs with."""
        return f"{self.prefix}{{m}}:settings:applied"

    def node(self, node_id: str) -> str:
        """String with a TTL: one host's node record (JSON: host, ports, workers, start time)."""
        return f"{self.prefix}{{m}}:node:{node_id}"

    @property
    def node_pattern(self) -> str:
        return f"{self.prefix}{{m}}:node:*"

    # Routing bus channels ----------------------------------------------------------------------------------

    def worker_channel(self, instance_id: str) -> str:
        """Pub/sub channel of one worker instance: notifications for its sessions, kicks."""
        return f"{self.prefix}ch:{{{instance_id}}}"

    @property
    def broadcast_channel(self) -> str:
        """Pub/sub channel every worker subscribes to: settings changes, blocklist, large fan-outs."""
        return f"{self.prefix}ch:{{*broadcast}}"

    # Failed-login buckets (one tag per bucket) ----------------------------------------------------------

    def login_failures(self, bucket: str) -> str:
        """Hash with a TTL: one failed-login bucket (``user:<id>`` or ``ip:<address>``), see login_throttle."""
        return f"{self.prefix}login:failed:{{{bucket}}}"

    # Admin console (one tag per session) -----------------------------------------------------------------

    @property
    def plugin_states(self) -> str:
        """Hash: worker instance id → JSON of its enabled plugins' states (running or failed, version, error).
        Tagged with the membership it follows."""
        return f"{self.prefix}{{m}}:plugins:state"

    def console_session(self, token_digest: str) -> str:
        """Hash with a TTL (the idle timeout): one admin console session, keyed by the SHA-256 of its cookie."""
        return f"{self.prefix}console:sess:{{{token_digest}}}"

    # Leases ----------------------------------------------------------------------------------------------

    def worker_id_lease(self, worker_id: int) -> str:
        """String with a TTL: the holder of a Snowflake worker id."""
        return f"{self.prefix}{{wid:{worker_id}}}:holder"

    def worker_id_high_water_mark(self, worker_id: int) -> str:
        """String: the last millisecond any holder of the worker id used."""
        return f"{self.prefix}{{wid:{worker_id}}}:hwm"

    def lease(self, name: str) -> str:
        """String with a TTL: a leader lease (e.g. ``message-retention``)."""
        return f"{self.prefix}lease:{{{name}}}"

    # Blocklist (one tag) ---------------------------------------------------------------------------------

    @property
    def blocklist_ips(self) -> str:
        return f"{self.prefix}{{blocklist}}:ip"

    @property
    def blocklist_users(self) -> str:
        return f"{self.prefix}{{blocklist}}:user"

    @property
    def blocklist_log(self) -> str:
        return f"{self.prefix}{{blocklist}}:log"

    # Locations (one tag) ---------------------------------------------------------------------------------

    @property
    def geo_locations(self) -> str:
        return f"{self.prefix}{{geo}}:loc"

    @property
    def geo_times(self) -> str:
        return f"{self.prefix}{{geo}}:ts"

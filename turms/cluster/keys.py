"""Every Redis key and channel this server uses, in one place (documented in docs/architecture.md).

All names start with the configured prefix (``redis.key_prefix``, default ``turms:``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str = "turms:"

    def session(self, user_id: int) -> str:
        """Hash: device type → ``instance|session_id|login_ms``; ``$`` → the user's status. Has a TTL."""
        return f"{self.prefix}sess:{user_id}"

    @property
    def workers(self) -> str:
        """Sorted set: live worker instance id → last heartbeat (ms, Redis clock)."""
        return f"{self.prefix}workers"

    @property
    def worker_infos(self) -> str:
        """Hash: worker instance id → JSON (node id, pid, host, started)."""
        return f"{self.prefix}workers:info"

    def node(self, node_id: str) -> str:
        """String with a TTL: one host's node record (JSON: host, ports, workers, start time)."""
        return f"{self.prefix}node:{node_id}"

    @property
    def node_pattern(self) -> str:
        return f"{self.prefix}node:*"

    def worker_channel(self, instance_id: str) -> str:
        """Pub/sub channel of one worker instance: notifications for its sessions, kicks."""
        return f"{self.prefix}ch:{instance_id}"

    @property
    def broadcast_channel(self) -> str:
        """Pub/sub channel every worker subscribes to: settings changes, blocklist, large fan-outs."""
        return f"{self.prefix}ch:*broadcast"

    @property
    def settings_applied(self) -> str:
        """Hash: worker instance id → the cluster-settings version it runs with."""
        return f"{self.prefix}settings:applied"

    def console_session(self, token_digest: str) -> str:
        """Hash with a TTL (the idle timeout): one admin console session, keyed by the SHA-256 of its cookie."""
        return f"{self.prefix}console:sess:{token_digest}"

    def worker_id_lease(self, worker_id: int) -> str:
        """String with a TTL: the holder of a Snowflake worker id."""
        return f"{self.prefix}wid:{worker_id}"

"""The worker's table of logged-in sessions, by user and by cluster-wide session id.

It is what the routing bus writes into: ``deliver_local`` hands the same notification bytes to every local
session of the recipients (the transports coalesce the writes), ``close_local`` closes sessions kicked from
anywhere in the cluster, and ``resync_all`` tells every session that pushes may have been lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from turms.gateway.connection import ClientSession
from turms.gateway.gateway import Gateway
from turms.protocol.pb import model_common_pb2, turms_notification_pb2
from turms.protocol.status import SessionCloseStatus

log = logging.getLogger("turms.gateway.local")

#: The marker (first custom attribute) of the push that asks a client to pull what it may have missed.
RESYNC_MARKER = "turms:resync"


def resync_notification(now_ms: int) -> bytes:
    n = turms_notification_pb2.TurmsNotification(timestamp=now_ms)
    n.custom_attributes.append(model_common_pb2.Value(string_value=RESYNC_MARKER))
    return bytes(n.SerializeToString())


class LocalSessions:
    def __init__(self, gateway: Gateway, instance_id: str) -> None:
        self.gateway = gateway
        self.instance_id = instance_id
        self._by_user: dict[int, dict[int, ClientSession]] = {}
        self._by_id: dict[str, ClientSession] = {}
        self.delivered = 0

    def cluster_session_id(self, session: ClientSession) -> str:
        """Cluster-unique: the worker instance plus the worker-local connection number."""
        return f"{self.instance_id}:{session.id}"

    def add(self, session: ClientSession) -> None:
        assert session.user_id is not None and session.device_type is not None
        self._by_user.setdefault(session.user_id, {})[session.device_type] = session
        self._by_id[self.cluster_session_id(session)] = session

    def remove(self, session: ClientSession) -> bool:
        """Forget ``session``; True if it was its user's session on its device type here.

        A session displaced here by a newer login of the same user and device type (the client reconnected
        before this worker saw the old connection close) is no longer its user's, so False, but it is still
        forgotten by id: before, every such reconnect left its session object in the table for good."""
        if session.user_id is None or session.device_type is None:
            return False
        sid = self.cluster_session_id(session)
        if self._by_id.get(sid) is session:
            del self._by_id[sid]
        devices = self._by_user.get(session.user_id)
        if devices is None or devices.get(session.device_type) is not session:
            return False
        del devices[session.device_type]
        if not devices:
            del self._by_user[session.user_id]
        return True

    def of_user(self, user_id: int) -> list[ClientSession]:
        return list(self._by_user.get(user_id, {}).values())

    def users(self) -> Iterator[int]:
        return iter(list(self._by_user))

    def __len__(self) -> int:
        return len(self._by_id)

    # The routing bus's side -------------------------------------------------------------------------

    def deliver_local(
        self, user_ids: Sequence[int], payload: bytes, exclude_session: str | None, trace_id: str | None
    ) -> int:
        sent = 0
        excluded = self._local_id(exclude_session)
        by_user = self._by_user
        for uid in user_ids:
            devices = by_user.get(uid)
            if not devices:
                continue
            for session in devices.values():
                if session.closing is None and session.id != excluded:
                    session.conn.send(payload)
                    sent += 1
        self.delivered += sent
        return sent

    def _local_id(self, cluster_session_id: str | None) -> int | None:
        """The worker-local connection number of a cluster-wide session id held here, else None."""
        if cluster_session_id is None:
            return None
        instance, _, local = cluster_session_id.rpartition(":")
        return int(local) if instance == self.instance_id and local.isdecimal() else None

    def close_local(self, session_ids: Sequence[str], close_status: int, reason: str | None) -> int:
        closed = 0
        for sid in session_ids:
            session = self._by_id.get(sid)
            if session is None:
                continue
            self.gateway.close(session, SessionCloseStatus(close_status), reason or "")
            closed += 1
        return closed

    def resync_all(self) -> None:
        payload = resync_notification(0)
        for devices in list(self._by_user.values()):
            for session in devices.values():
                if session.closing is None:
                    session.conn.send(payload)

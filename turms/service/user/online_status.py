"""Who is told that a user changed their online status (``UpdateUserOnlineStatusRequest``).

The status itself lives in the session registry (Redis), which the gateway owns: it stores the new status and
then dispatches the request here (for OFFLINE, it dispatches first and then closes the named devices'
sessions), so that the audience Turms's ``service.notification.user_online_status_updated.*`` settings name
gets the relayed request: the requester's other devices (on by default) and the users the requester has a
non-blocked relationship with (off by default). Turms's third audience, the members of the requester's groups
(``group_member_online_status_updated.notify_group_members``, off by default), is not offered: this package
does not read the group domain.
"""

from __future__ import annotations

from turms.errors import TurmsError
from turms.protocol.pb import constant_pb2
from turms.protocol.status import ResponseStatusCode
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.push import push
from turms.service.relationship import relations
from turms.settings import user as us

KNOWN_STATUSES = frozenset(int(v) for v in constant_pb2.UserStatus.values())


def check_status(status: int) -> None:
    """ILLEGAL_ARGUMENT for a status value the protocol does not define (Turms: ``UNRECOGNIZED``)."""
    if int(status) not in KNOWN_STATUSES:
        raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"unknown user status {int(status)}")


class OnlineStatuses:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def updated(self, req: ServiceRequest) -> Response:
        """Relay the (already applied) status change to its audience."""
        check_status(req.body.user_status)
        settings = self.s.settings
        recipients: list[int] = []
        if settings.get(us.USER_ONLINE_STATUS_UPDATED_NOTIFY_RELATED_USERS):
            recipients = await relations.related_user_ids(self.s.store, req.requester.user_id, blocked=False)
        await push(
            self.s.notifier,
            req,
            recipients,
            include_own_other_sessions=settings.get(us.USER_ONLINE_STATUS_UPDATED_NOTIFY_OWN_SESSIONS),
        )
        return OK

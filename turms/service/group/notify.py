"""Who is told about a group event, and how the push leaves.

Audiences follow Turms's ``service.notification.group-*`` flags (``turms.settings.group.NOTIFY``). A push
relays a request (the triggering one, or a synthesized ``CreateGroupMembersRequest`` when a user joins by
an accepted invitation, join request or answered questions) and is serialized once. Audiences larger than
``service.group.broadcast_member_threshold`` go out as one broadcast to every worker, so a 2,000-member
group costs one Redis publish instead of 2,000 registry lookups.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from turms.protocol.pb import constant_pb2, request_group_pb2, turms_request_pb2
from turms.protocol.requests import to_enum
from turms.service.api import ServiceRequest
from turms.service.context import Services
from turms.service.group import access
from turms.service.group.model import Role
from turms.service.push import relayed
from turms.settings import group as gs


class Audience:
    """Collects the recipients of one event, reading each audience flag once."""

    def __init__(self, services: Services, event: str, group_id: int) -> None:
        self.services = services
        self.flags = gs.NOTIFY[event]
        self.group_id = group_id
        self.recipients: set[int] = set()
        self._members: list[int] | None = None

    def on(self, audience: str) -> bool:
        return bool(self.services.settings.get(self.flags[audience]))

    async def members(self) -> list[int]:
        if self._members is None:
            self._members = await access.member_ids(self.services.store, self.group_id)
        return self._members

    def add(self, audience: str, user_ids: Iterable[int]) -> None:
        if self.on(audience):
            self.recipients.update(user_ids)

    async def add_members(self, audience: str, *, known: Iterable[int] | None = None) -> None:
        """Add the group's members (or ``known``, members read before they were removed) if flagged."""
        if self.on(audience):
            self.recipients.update(known if known is not None else await self.members())

    async def add_owner_and_managers(self, audience: str = "notify_group_owner_and_managers") -> None:
        if self.on(audience):
            self.recipients.update(await access.owner_and_manager_ids(self.services.store, self.group_id))

    async def send(self, req: ServiceRequest, request: Any = None) -> None:
        await send(
            self.services,
            req,
            self.recipients,
            requester_others=self.on("notify_requester_other_online_sessions"),
            request=request,
        )


async def send(
    services: Services,
    req: ServiceRequest,
    recipients: Iterable[int],
    *,
    requester_others: bool,
    request: Any = None,
) -> None:
    """Relay ``request`` (default: the triggering one) to ``recipients``, never to the requesting session.

    The requester's other sessions get it only with ``requester_others``.
    """
    targets = set(recipients)
    if requester_others:
        targets.add(req.requester.user_id)
    else:
        targets.discard(req.requester.user_id)
    if not targets:
        return
    payload = relayed(req.request if request is None else request, req.requester.user_id, services.clock.now_ms())
    threshold = services.settings.get(gs.BROADCAST_MEMBER_THRESHOLD)
    await services.notifier.notify(
        targets,
        payload,
        exclude_session=req.requester.session_id,
        trace_id=req.trace_id,
        broadcast=len(targets) > threshold,
    )


def member_added_request(group_id: int, user_id: int) -> Any:
    """The ``CreateGroupMembersRequest`` Turms relays when a user joined without such a request."""
    request = turms_request_pb2.TurmsRequest()
    body = request_group_pb2.CreateGroupMembersRequest(group_id=group_id, user_ids=[user_id])
    body.role = to_enum(constant_pb2.GroupMemberRole, int(Role.MEMBER))
    request.create_group_members_request.CopyFrom(body)
    return request


async def notify_member_joined(services: Services, req: ServiceRequest, group_id: int, user_id: int) -> None:
    """A user joined by invitation, join request or questions: tell the group (``group_member_added``)."""
    audience = Audience(services, "group_member_added", group_id)
    members = await audience.members()
    await audience.add_members("notify_other_group_members", known=[m for m in members if m != user_id])
    audience.add("notify_added_group_member", [user_id])
    # As in Turms, the requester gets this push too when it is in the audience (the user who joined by
    # accepting an invitation or answering questions, or a member who accepted a join request) — but only
    # on its other sessions: the requesting one learns it from the response.
    requester_in = req.requester.user_id in audience.recipients
    await send(
        services,
        req,
        audience.recipients,
        requester_others=requester_in,
        request=member_added_request(group_id, user_id),
    )

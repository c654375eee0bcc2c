"""The conference domain: meetings (Turms's five conference request kinds) and the media provider port.

The meeting itself (who, when, password, invitations, cancellation, expiry, quotas) lives here and in the store
(the ``meeting`` collection); the media room is delegated to a :class:`~.provider.ConferenceProvider`, as Turms
delegates it to its ``ConferenceServiceProvider`` plugin. Without a provider the requests that need one answer
CONFERENCE_NOT_IMPLEMENTED (8000).

Modules: ``provider`` (the port), ``model`` (stored shape, wire model, ids, passwords), ``meetings`` (create,
cancel, update, query), ``invitations`` (accept, decline), ``providers`` (the implementations and the factory
that picks one from the settings; ``providers.livekit`` is the only module that imports a media server's
library).

May import what ``turms.service`` may, plus ``turms.service.api``/``context``/``push`` and the message domain's
send path (``turms.service.message.create``, ``policy``): a meeting invitation is a system message, stored and
pushed like any message, and who may create a meeting is who may message its user or group. Never
``turms.cluster``, the gateway or the worker.
"""

from __future__ import annotations

from turms.service.api import Response, Router, ServiceRequest
from turms.service.conference.invitations import handle_update_invitation
from turms.service.conference.meetings import handle_cancel, handle_create, handle_query, handle_update
from turms.service.context import Services


def register(router: Router, services: Services) -> None:
    async def create(req: ServiceRequest) -> Response:
        return await handle_create(services, req)

    async def cancel(req: ServiceRequest) -> Response:
        return await handle_cancel(services, req)

    async def update(req: ServiceRequest) -> Response:
        return await handle_update(services, req)

    async def query(req: ServiceRequest) -> Response:
        return await handle_query(services, req)

    async def update_invitation(req: ServiceRequest) -> Response:
        return await handle_update_invitation(services, req)

    router.register("create_meeting_request", create)
    router.register("delete_meeting_request", cancel)
    router.register("update_meeting_request", update)
    router.register("query_meetings_request", query)
    router.register("update_meeting_invitation_request", update_invitation)

"""The conference domain: meetings (Turms's five conference request kinds), their media rooms through a plugin.

The meeting itself (who, when, password, invitations, cancellation, expiry, quotas) lives here and in the store
(the ``meeting`` collection); the media room is delegated to the plugin that serves the conference provider
extension point (:class:`turms.plugins.api.ConferenceProvider`; the in-box ``livekit`` plugin drives a LiveKit
server), as Turms delegates it to its ``ConferenceServiceProvider`` plugin. With no such plugin enabled the
requests that need one answer CONFERENCE_NOT_IMPLEMENTED (8000).

Modules: ``rooms`` (the provider as the domain calls it, through the plugin hooks), ``model`` (stored shape, wire
model, ids, passwords), ``meetings`` (create, cancel, update, query), ``invitations`` (accept, decline). No media
server's library is imported here.

May import what ``turms.service`` may, plus ``turms.service.api``/``context``/``push``, the plugin hooks and API
(``turms.plugins.hooks``, ``guard``, ``points``, ``api``) and the message domain's send path
(``turms.service.message.create``, ``policy``): a meeting invitation is a system message, stored and pushed like
any message, and who may create a meeting is who may message its user or group. Never ``turms.cluster``, the
gateway or the worker.
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

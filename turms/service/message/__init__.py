"""The message domain: send (with idempotency and dense per-conversation sequence ids), query, edit, recall,
reactions, retention.

Modules: ``model`` (conversation ids, stored shapes, wire extensions), ``policy`` (who may message whom:
read-only checks of the user, relationship and group collections), ``create``, ``query``, ``update``
(edit and recall), ``reactions`` (add and remove reactions, beyond Turms), ``retention`` (the periodic deletion
job, behind a lease Protocol).

May import what ``turms.service`` may (the store port, schema and errors, ``turms.protocol``,
``turms.settings``, ``turms.clock``, ``turms.errors``) plus ``turms.service.api``/``context``/``push``. Never
another domain's package (users, relationships and groups are read through the store), never
``turms.cluster``.
"""

from __future__ import annotations

from turms.service.api import Response, Router, ServiceRequest
from turms.service.context import Services
from turms.service.message.create import handle_create
from turms.service.message.query import handle_query
from turms.service.message.reactions import handle as handle_reactions
from turms.service.message.update import handle_update


def register(router: Router, services: Services) -> None:
    async def create(req: ServiceRequest) -> Response:
        # The gateway writes the ack, then runs the push (Response.after_sent).
        return await handle_create(services, req, defer_push=True)

    async def query(req: ServiceRequest) -> Response:
        return await handle_query(services, req)

    async def update(req: ServiceRequest) -> Response:
        return await handle_update(services, req)

    async def react(req: ServiceRequest) -> Response:
        return await handle_reactions(services, req, add=True)

    async def unreact(req: ServiceRequest) -> Response:
        return await handle_reactions(services, req, add=False)

    router.register("create_message_request", create)
    router.register("query_messages_request", query)
    router.register("update_message_request", update)
    router.register("create_message_reactions_request", react)
    router.register("delete_message_reactions_request", unreact)

"""The conversation domain: read positions (read receipts), typing status, conversation settings, deletion.

Modules: ``read`` (QueryConversations, UpdateConversation, UpdateTypingStatus, ``delete_conversations``)
and ``settings`` (Query/Update/DeleteConversationSettings).

May import what ``turms.service`` may, plus ``turms.service.api``/``context``/``push`` and the message
domain's read-only ``policy`` (membership and relationship checks). Never ``turms.cluster``.
"""

from __future__ import annotations

from turms.service.api import Response, Router, ServiceRequest
from turms.service.context import Services
from turms.service.conversation import read
from turms.service.conversation import settings as conversation_settings


def register(router: Router, services: Services) -> None:
    async def query(req: ServiceRequest) -> Response:
        return await read.handle_query(services, req)

    async def update(req: ServiceRequest) -> Response:
        return await read.handle_update(services, req)

    async def typing(req: ServiceRequest) -> Response:
        return await read.handle_typing(services, req)

    async def query_settings(req: ServiceRequest) -> Response:
        return await conversation_settings.handle_query(services, req)

    async def update_settings(req: ServiceRequest) -> Response:
        return await conversation_settings.handle_update(services, req)

    async def delete_settings(req: ServiceRequest) -> Response:
        return await conversation_settings.handle_delete(services, req)

    router.register("query_conversations_request", query)
    router.register("update_conversation_request", update)
    router.register("update_typing_status_request", typing)
    router.register("query_conversation_settings_request", query_settings)
    router.register("update_conversation_settings_request", update_settings)
    router.register("delete_conversation_settings_request", delete_settings)

"""Wires every domain module's handlers into one router."""

from __future__ import annotations

from turms.service import conference, conversation, group, message, relationship, resource, user
from turms.service.api import Router
from turms.service.context import Services


def build_router(services: Services) -> Router:
    router = Router()
    # Each domain module adds its request kinds here: register(router, services).
    group.register(router, services)
    message.register(router, services)
    conversation.register(router, services)
    user.register(router, services)
    relationship.register(router, services)
    resource.register(router, services)
    conference.register(router, services)
    return router

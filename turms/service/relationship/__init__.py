"""The relationship domain: one-sided relationships with a blocked flag, relationship groups, friend requests,
and who is told about each change.

Modules: ``relations`` (storage of relationships and group membership, block checks: the functions other
domains call), ``relationships``, ``groups`` and ``friend_requests`` (request handlers).

May import what ``turms.service`` may, plus ``turms.service.api``/``context``/``push`` and
``turms.service.user.versions``. Handlers are imported when the domain registers, so that ``turms.service.user``
and this package can use each other's storage helpers without an import cycle.
"""

from __future__ import annotations

from turms.service.api import Router
from turms.service.context import Services


def register(router: Router, services: Services) -> None:
    from turms.service.relationship.friend_requests import FriendRequests
    from turms.service.relationship.groups import RelationshipGroups
    from turms.service.relationship.relationships import Relationships

    rel, groups, requests = Relationships(services), RelationshipGroups(services), FriendRequests(services)
    for kind, handler in {
        "create_friend_request_request": requests.create,
        "delete_friend_request_request": requests.recall,
        "update_friend_request_request": requests.reply,
        "query_friend_requests_request": requests.query,
        "create_relationship_request": rel.create,
        "update_relationship_request": rel.update,
        "delete_relationship_request": rel.delete,
        "query_relationships_request": rel.query,
        "query_related_user_ids_request": rel.query_related_ids,
        "create_relationship_group_request": groups.create,
        "update_relationship_group_request": groups.update,
        "delete_relationship_group_request": groups.delete,
        "query_relationship_groups_request": groups.query,
    }.items():
        router.register(kind, handler)

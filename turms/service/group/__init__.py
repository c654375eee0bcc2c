"""The group domain: group types, groups, members and roles, invitations, join requests, join questions,
the group blocklist, mute, and who is told about each change.

Modules: ``model`` (collections, enums, group types), ``permissions`` (pure role/strategy decisions),
``access`` (shared reads, quotas, versions), ``notify`` (audiences and fan-out), ``proto`` (documents to
protobuf), and one module per concern with the request handlers: ``groups``, ``members``, ``blocklist``,
``enrollment`` (invitations and join requests), ``questions``. ``group_types`` is the admin API's entry
point for types. Who may send a group message is decided by the messaging domain
(``turms.service.message.policy``), which reads this domain's collections directly.

May import what ``turms.service`` may (the store port, protocol, settings, errors, clock) plus
``turms.service.api``/``context``/``push``. Only the registry, the service context (the member-ids
cache), the demo loader and the admin API may import this package.

The default group type is created when the domain registers (a background task on the worker's loop) and,
should that fail or an admin delete it, again on the first read of it (``access.find_type``).
"""

from __future__ import annotations

import asyncio
import logging

from turms.service.api import Handler, Router
from turms.service.context import Services
from turms.service.group.access import ensure_default_type
from turms.service.group.blocklist import Blocklist
from turms.service.group.enrollment import Invitations, JoinRequests
from turms.service.group.groups import Groups
from turms.service.group.members import Members
from turms.service.group.questions import Questions

log = logging.getLogger("turms.service.group")

_background: set[asyncio.Task[None]] = set()


def handlers(services: Services) -> dict[str, Handler]:
    """Every request kind of the group, group member, group blocklist and group enrollment domains."""
    groups, members, blocklist = Groups(services), Members(services), Blocklist(services)
    invitations, join_requests, questions = Invitations(services), JoinRequests(services), Questions(services)
    return {
        "create_group_request": groups.create,
        "delete_group_request": groups.delete,
        "query_groups_request": groups.query,
        "query_joined_group_ids_request": groups.query_joined_ids,
        "query_joined_group_infos_request": groups.query_joined_infos,
        "update_group_request": groups.update,
        "create_group_members_request": members.create,
        "delete_group_members_request": members.delete,
        "query_group_members_request": members.query,
        "update_group_member_request": members.update,
        "create_group_blocked_user_request": blocklist.block,
        "delete_group_blocked_user_request": blocklist.unblock,
        "query_group_blocked_user_ids_request": blocklist.query_ids,
        "query_group_blocked_user_infos_request": blocklist.query_infos,
        "check_group_join_questions_answers_request": questions.check_answers,
        "create_group_invitation_request": invitations.create,
        "create_group_join_request_request": join_requests.create,
        "create_group_join_questions_request": questions.create,
        "delete_group_invitation_request": invitations.recall,
        "delete_group_join_request_request": join_requests.recall,
        "delete_group_join_questions_request": questions.delete,
        "query_group_invitations_request": invitations.query,
        "query_group_join_requests_request": join_requests.query,
        "query_group_join_questions_request": questions.query,
        "update_group_invitation_request": invitations.reply,
        "update_group_join_question_request": questions.update,
        "update_group_join_request_request": join_requests.reply,
    }


def register(router: Router, services: Services) -> None:
    for kind, handler in handlers(services).items():
        router.register(kind, handler)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return  # no loop (tools, tests building a router): the first read creates the default type
    task = loop.create_task(_create_default_type(services), name="group-default-type")
    _background.add(task)
    task.add_done_callback(_background.discard)


async def _create_default_type(services: Services) -> None:
    try:
        await ensure_default_type(services.store)
    except Exception as e:  # the lazy path retries on first use; never crash the worker's boot
        log.warning("creating the default group type failed (it is retried on first use): %s", e)

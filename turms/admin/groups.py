"""``DELETE /groups``: dissolve groups through the group service, as a group owner's DeleteGroupRequest does.

The generic ``/groups`` routes (:mod:`turms.admin.content`) create, query and update the stored records; a
deletion instead goes through :func:`turms.service.group.groups.delete_groups`, so dissolving a group also removes
its members, drops its version record, moves each former member's joined-groups version (their clients re-sync
their group lists) and invalidates every worker's member cache, as Turms's admin deletion does. The group itself
is deleted logically (a deletion date) or physically as ``service.group.delete_group_logically_by_default``
says. Members are not sent a push: an operator's dissolution is not a member's action.
"""

from __future__ import annotations

from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.messages import message_services
from turms.admin.paging import DELETE_RESULT
from turms.admin.permissions import AdminPermission
from turms.admin.routes import Call, Param, Route
from turms.service.group.groups import delete_groups
from turms.service.group.model import GROUP, GROUP_MEMBER


def routes(deps: AdminDeps) -> list[Route]:
    store = deps.store
    services = message_services(deps)

    async def dissolve(call: Call) -> dict[str, Any]:
        ids: list[int] = call.query["ids"]
        existing = [d["_id"] for d in await store.find(GROUP, {"_id": {"$in": ids}, "dd": None}, projection={"_id": 1})]
        if not existing:
            return {"deletedCount": 0}
        members = await store.find(GROUP_MEMBER, {"_id.gid": {"$in": existing}}, projection={"_id": 1})
        member_ids = sorted({int(m["_id"]["uid"]) for m in members})
        await delete_groups(services, existing, deps.clock.now(), member_ids)
        return {"deletedCount": len(existing)}

    return [
        Route(
            "DELETE",
            "/groups",
            AdminPermission.GROUP_DELETE,
            "Dissolve groups: delete them (logically unless `service.group.delete_group_logically_by_default` is "
            "false) with all their members, through the group service.",
            dissolve,
            "groups",
            params=(Param("ids", "int[]", "Ids of the groups to dissolve.", required=True),),
            response=DELETE_RESULT,
        )
    ]

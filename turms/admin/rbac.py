"""Role-based access: who an admin is (roles, permissions, rank) and whom they may manage.

An admin holds role ids (``admin.rid``); each role (``adminRole``) has permissions and a rank. The admin's
permissions are the union over its roles and its rank the highest of them. The ROOT role (id 0) is built in,
never stored, holds every permission and the highest rank, and cannot be created, changed or deleted. An admin
may create, change or delete only admins whose every role ranks strictly below its own, may only hand out roles
ranking strictly below its own, and may only grant permissions it holds itself (Turms's rules).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from turms.admin.permissions import (
    ALL_PERMISSIONS,
    ROOT_RANK,
    ROOT_ROLE_ID,
    ROOT_ROLE_NAME,
    AdminPermission,
)
from turms.admin.routes import forbidden
from turms.storage.port import Store

ADMIN = "admin"
ADMIN_ROLE = "adminRole"


@dataclass(frozen=True)
class Role:
    id: int
    name: str
    permissions: frozenset[AdminPermission]
    rank: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "permissions": sorted(p.value for p in self.permissions),
            "rank": self.rank,
        }


ROOT_ROLE = Role(ROOT_ROLE_ID, ROOT_ROLE_NAME, ALL_PERMISSIONS, ROOT_RANK)


def role_from_doc(doc: dict[str, Any]) -> Role:
    perms = frozenset(AdminPermission(p) for p in doc.get("perm") or () if p in AdminPermission.__members__)
    return Role(int(doc["_id"]), str(doc.get("n", "")), perms, int(doc.get("rank", 0)))


async def load_roles(store: Store, role_ids: Iterable[int]) -> dict[int, Role]:
    """The roles with these ids that exist (ROOT included when asked for)."""
    ids = set(role_ids)
    out: dict[int, Role] = {}
    if ROOT_ROLE_ID in ids:
        out[ROOT_ROLE_ID] = ROOT_ROLE
        ids.discard(ROOT_ROLE_ID)
    if ids:
        for doc in await store.find(ADMIN_ROLE, {"_id": {"$in": sorted(ids)}}):
            role = role_from_doc(doc)
            out[role.id] = role
    return out


@dataclass(frozen=True)
class Principal:
    """An authenticated admin."""

    admin_id: int
    login_name: str
    role_ids: tuple[int, ...]
    permissions: frozenset[AdminPermission]
    #: The highest rank of its roles; -1 when it has none (it then outranks nobody).
    rank: int

    def has(self, permission: AdminPermission) -> bool:
        return permission in self.permissions

    def require_outranks_rank(self, rank: int, what: str) -> None:
        if not self.rank > rank:
            raise forbidden(f"only {what} ranked lower than your own role (rank {self.rank}) can be managed")

    def require_permissions(self, permissions: Iterable[AdminPermission]) -> None:
        missing = sorted(p.value for p in set(permissions) - self.permissions)
        if missing:
            raise forbidden(f"you cannot grant permissions you do not hold: {', '.join(missing)}")


async def principal_of(store: Store, admin: dict[str, Any]) -> Principal:
    role_ids = tuple(int(r) for r in admin.get("rid") or ())
    roles = await load_roles(store, role_ids)
    permissions: frozenset[AdminPermission] = frozenset().union(*(r.permissions for r in roles.values()))
    rank = max((r.rank for r in roles.values()), default=-1)
    return Principal(int(admin["_id"]), str(admin["ln"]), role_ids, permissions, rank)


async def rank_of_roles(store: Store, role_ids: Iterable[int]) -> int:
    """The highest rank among these roles; unknown role ids count as rank 0 (they grant nothing)."""
    ids = list(role_ids)
    roles = await load_roles(store, ids)
    return max((roles[i].rank if i in roles else 0 for i in ids), default=-1)

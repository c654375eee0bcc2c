"""Generic CRUD over one store collection, declared in a few lines.

A :class:`Resource` maps Turms-style JSON names to the collection's short field names and names the permission
of each operation; :func:`crud_routes` turns it into up to four routes: ``POST`` (create), ``GET`` (query with
paging and the key filters), ``PUT`` (update the records matching the key filters) and ``DELETE``. Updates and
deletes must name at least one key filter (Turms's NO_FILTER_FOR_DELETE_OPERATION), so an empty query string
never wipes a collection. These routes work on stored records directly: notifications, versions and cascades
of the domain services are not applied, which is what an operator repairing data wants. What is written stays
inside the values the domain can read back: a field's ``write_schema`` (a role or a strategy is one of its
enum's numbers) is enforced on every body, and a resource's :class:`Rules` check what a schema cannot (ids
that must exist, invariants such as one owner per group) before anything is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from turms.admin.context import AdminDeps
from turms.admin.paging import DELETE_RESULT, UPDATE_RESULT, page_result, page_schema, page_window
from turms.admin.permissions import AdminPermission
from turms.admin.routes import ApiError, Call, Param, Route, bad_request, paging_params
from turms.admin.validation import INT64_MAX, INT64_MIN, int64, string
from turms.protocol.status import ResponseStatusCode

_SCHEMAS: dict[str, dict[str, Any]] = {
    "int": int64(),
    "str": string(0, 4096),
    "bool": {"type": "boolean"},
    "date": {"type": "string", "format": "date-time"},
    "bytes": {"type": "string", "contentEncoding": "base64"},
    "array": {"type": "array"},
    "map": {"type": "object"},
}


@dataclass(frozen=True)
class Field:
    json: str
    path: str
    kind: str
    writable: bool = True
    #: Part of the record's key: required on create, immutable after.
    key: bool = False
    #: Writable on create only (a group's owner: changed by a transfer, never by an update).
    updatable: bool = True
    #: The values a record may hold (in responses), when narrower than the kind's (an enum's numbers).
    values: dict[str, Any] | None = None
    #: The values a body may write, when narrower still (a group member's role: never OWNER).
    writes: dict[str, Any] | None = None

    def schema(self) -> dict[str, Any]:
        return self.values if self.values is not None else _SCHEMAS[self.kind]

    def write_schema(self) -> dict[str, Any]:
        return self.writes if self.writes is not None else self.schema()


#: A check before a write: (the call, the document or changes about to be written, the key filter) → None, or
#: raise ``ApiError``/``TurmsError``. It may add to the document (a default) but must not write.
Check = Callable[[Call, dict[str, Any], dict[str, Any]], Awaitable[None]]
#: After a write: (the call, the key filter or the created document).
After = Callable[[Call, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Rules:
    """What a resource's writes must satisfy beyond the body schema, and what follows them."""

    create: Check | None = None
    update: Check | None = None
    delete: Check | None = None
    after_write: After | None = None


@dataclass(frozen=True)
class Filter:
    param: str
    path: str
    type: str = "int[]"


@dataclass(frozen=True)
class Resource:
    path: str
    collection: str
    tag: str
    fields: tuple[Field, ...]
    filters: tuple[Filter, ...]
    create: AdminPermission | None = None
    query: AdminPermission | None = None
    update: AdminPermission | None = None
    delete: AdminPermission | None = None
    #: ``_id`` is a Snowflake id generated on create when the body has none.
    generated_id: bool = False
    #: Set to the creation time on create.
    created_at: str | None = None
    #: The resource's :class:`Rules`, made per API (they close over its dependencies).
    rules: Callable[[AdminDeps], Rules] | None = None
    #: An example body for ``POST`` in the document (when its rules need records that exist).
    create_example: dict[str, Any] | None = None

    def to_json(self, doc: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            value = _get(doc, f.path)
            if value is not None:
                out[f.json] = value
        return out

    def record_schema(self) -> dict[str, Any]:
        return {"type": "object", "properties": {f.json: f.schema() for f in self.fields}}


def _get(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _stored(f: Field, value: Any) -> Any:
    if f.kind == "date":
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise bad_request(f"{f.json}: expected an ISO 8601 date-time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if f.kind == "int" and not INT64_MIN <= value <= INT64_MAX:
        raise bad_request(f"{f.json}: out of range")
    return value


def crud_routes(deps: AdminDeps, r: Resource) -> list[Route]:
    store, settings = deps.store, deps.settings
    rules = r.rules(deps) if r.rules is not None else Rules()
    out: list[Route] = []
    filter_params = tuple(Param(f.param, f.type) for f in r.filters)

    def key_filter(call: Call, *, required: bool) -> dict[str, Any]:
        flt: dict[str, Any] = {}
        for f in r.filters:
            values = call.query.get(f.param)
            if values is None:
                continue
            flt[f.path] = {"$in": values} if isinstance(values, list) else values
        if required and not flt:
            raise ApiError(
                ResponseStatusCode.NO_FILTER_FOR_DELETE_OPERATION,
                f"name at least one of: {', '.join(f.param for f in r.filters)}",
            )
        return flt

    if r.create is not None:

        async def create(call: Call) -> dict[str, Any]:
            doc: dict[str, Any] = {}
            for f in r.fields:
                if f.json in call.body and (f.writable or f.key or (f.path == "_id" and r.generated_id)):
                    _set(doc, f.path, _stored(f, call.body[f.json]))
            if r.generated_id and "_id" not in doc:
                doc["_id"] = deps.ids.next_id()
            if r.created_at is not None and _get(doc, r.created_at) is None:
                _set(doc, r.created_at, deps.clock.now())
            call.targets.append(doc.get("_id"))
            if rules.create is not None:
                await rules.create(call, doc, {})
            await store.insert_one(r.collection, doc)
            if rules.after_write is not None:
                await rules.after_write(call, doc)
            return r.to_json(doc)

        writable = {f.json: f.write_schema() for f in r.fields if f.writable or f.key or f.path == "_id"}
        required = [f.json for f in r.fields if f.key]
        body = {"type": "object", "properties": writable, "additionalProperties": False, "required": required}
        if r.create_example is not None:
            body["examples"] = [r.create_example]
        out.append(
            Route(
                "POST",
                r.path,
                r.create,
                f"Create a record of `{r.collection}`.",
                create,
                r.tag,
                body=body,
                response=r.record_schema(),
            )
        )

    if r.query is not None:

        async def query(call: Call) -> dict[str, Any]:
            flt = key_filter(call, required=False)
            skip, limit = page_window(call, settings)
            docs = await store.find(r.collection, flt, projection={"pw": 0}, sort=[("_id", 1)], skip=skip, limit=limit)
            return page_result(await store.count(r.collection, flt), [r.to_json(d) for d in docs])

        out.append(
            Route(
                "GET",
                r.path,
                r.query,
                f"Query `{r.collection}`.",
                query,
                r.tag,
                params=(*filter_params, *paging_params()),
                response=page_schema(r.record_schema()),
            )
        )

    target = r.filters[0].param if r.filters else None
    if r.update is not None:

        async def update(call: Call) -> dict[str, Any]:
            flt = key_filter(call, required=True)
            changes = {}
            for f in r.fields:
                if f.json in call.body:
                    changes[f.path] = _stored(f, call.body[f.json])
            if rules.update is not None:
                await rules.update(call, changes, flt)
            result = await store.update_many(r.collection, flt, {"$set": changes})
            if rules.after_write is not None and result.modified:
                await rules.after_write(call, flt)
            return {"updatedCount": result.modified}

        props = {
            f.json: f.write_schema() for f in r.fields if f.writable and f.updatable and not f.key and f.path != "_id"
        }
        body = {"type": "object", "properties": props, "additionalProperties": False, "minProperties": 1}
        out.append(
            Route(
                "PUT",
                r.path,
                r.update,
                f"Update records of `{r.collection}` matching the filters.",
                update,
                r.tag,
                params=filter_params,
                body=body,
                response=UPDATE_RESULT,
                target_param=target,
            )
        )

    if r.delete is not None:

        async def delete(call: Call) -> dict[str, Any]:
            flt = key_filter(call, required=True)
            if rules.delete is not None:
                await rules.delete(call, {}, flt)
            deleted = await store.delete_many(r.collection, flt)
            if rules.after_write is not None and deleted:
                await rules.after_write(call, flt)
            return {"deletedCount": deleted}

        out.append(
            Route(
                "DELETE",
                r.path,
                r.delete,
                f"Delete records of `{r.collection}` matching the filters.",
                delete,
                r.tag,
                params=filter_params,
                response=DELETE_RESULT,
                target_param=target,
            )
        )
    return out

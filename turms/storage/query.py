"""The in-process query engine: MongoDB's semantics for the filter, update, projection and sort subset.

It is the reference the SQLite adapter uses wherever SQL cannot answer exactly (filters on undeclared fields,
every update), and the validator both adapters run before touching a database, so that an unsupported operator
fails the same way everywhere.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from turms.storage.errors import InvalidDocumentError, InvalidQueryError, InvalidUpdateError
from turms.storage.port import Document, Filter, Projection, Sort, Update
from turms.storage.values import (
    INT64_MAX,
    INT64_MIN,
    SortKey,
    check_keys,
    compare,
    equal,
    normalize,
    type_rank,
)

FIELD_OPERATORS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists"})
LOGICAL_OPERATORS = frozenset({"$and", "$or"})
UPDATE_OPERATORS = frozenset({"$set", "$unset", "$setOnInsert", "$inc", "$min", "$max", "$push", "$addToSet", "$pull"})


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def is_operator_expr(value: Any) -> bool:
    """``{"$gt": 1}`` is an operator expression; ``{"a": 1}`` is an embedded document to compare with."""
    if not isinstance(value, dict) or not value:
        return False
    dollar = [k.startswith("$") for k in value]
    if all(dollar):
        return True
    if any(dollar):
        raise InvalidQueryError("an expression mixes operators and field names")
    return False


# Validation ------------------------------------------------------------------------------------------------


def validate_filter(flt: Filter | None) -> dict[str, Any]:
    """Check ``flt`` is inside the subset and return it normalised (UTC millisecond datetimes)."""
    if flt is None:
        return {}
    if not isinstance(flt, Mapping):
        raise InvalidQueryError("a filter must be a mapping")
    out: dict[str, Any] = {}
    for key, cond in flt.items():
        if key in LOGICAL_OPERATORS:
            if not isinstance(cond, list | tuple) or not cond:
                raise InvalidQueryError(f"{key} needs a non-empty list of filters")
            out[key] = [validate_filter(sub) for sub in cond]
        elif key.startswith("$"):
            raise InvalidQueryError(f"unsupported query operator {key}")
        else:
            _check_path(key)
            out[key] = _validate_condition(key, cond)
    return out


def _check_path(path: str) -> None:
    if not path or any(not part for part in path.split(".")):
        raise InvalidQueryError(f"invalid field path {path!r}")


def _validate_condition(path: str, cond: Any) -> Any:
    if not is_operator_expr(cond):
        return normalize(cond, where=path)
    out: dict[str, Any] = {}
    for op, arg in cond.items():
        if op not in FIELD_OPERATORS:
            raise InvalidQueryError(f"unsupported query operator {op} (on {path})")
        if op in ("$in", "$nin"):
            if not isinstance(arg, list | tuple | set | frozenset):
                raise InvalidQueryError(f"{op} needs a list")
            if any(is_operator_expr(v) for v in arg):
                raise InvalidQueryError(f"{op} cannot hold operator expressions")
            out[op] = [normalize(v, where=path) for v in arg]
        elif op == "$exists":
            if not isinstance(arg, bool):
                raise InvalidQueryError("$exists takes true or false")
            out[op] = arg
        else:
            if is_operator_expr(arg):
                raise InvalidQueryError(f"{op} takes a value, not an expression")
            out[op] = normalize(arg, where=path)
    return out


def validate_update(update: Update) -> dict[str, dict[str, Any]]:
    if not isinstance(update, Mapping) or not update:
        raise InvalidUpdateError("an update needs at least one operator")
    out: dict[str, dict[str, Any]] = {}
    seen: list[str] = []
    for op, spec in update.items():
        if op not in UPDATE_OPERATORS:
            raise InvalidUpdateError(f"unsupported update operator {op!r}")
        if not isinstance(spec, Mapping) or not spec:
            raise InvalidUpdateError(f"{op} needs a non-empty document")
        norm: dict[str, Any] = {}
        for path, value in spec.items():
            if not isinstance(path, str) or not path or any(not p or p.startswith("$") for p in path.split(".")):
                raise InvalidUpdateError(f"invalid field path {path!r}")
            for other in seen:
                if other == path or other.startswith(path + ".") or path.startswith(other + "."):
                    raise InvalidUpdateError(f"updating the path {path!r} would create a conflict")
            seen.append(path)
            if op in ("$push", "$addToSet") and isinstance(value, dict) and "$each" in value:
                if set(value) != {"$each"} or not isinstance(value["$each"], list | tuple):
                    raise InvalidUpdateError(f"{op} supports only $each with a list")
                norm[path] = {"$each": [normalize(v, where=path) for v in value["$each"]]}
            elif op == "$pull" and is_operator_expr(value):
                # Only exact values: FerretDB v1 has no $pull conditions, and $pullAll means the same
                # everywhere (the MongoDB adapter sends $pull as $pullAll).
                if set(value) != {"$in"} or not isinstance(value["$in"], list | tuple):
                    raise InvalidUpdateError("$pull takes a value or {$in: [values]}")
                norm[path] = {"$in": [normalize(v, where=path) for v in value["$in"]]}
            elif op == "$inc":
                if not isinstance(value, int | float) or isinstance(value, bool):
                    raise InvalidUpdateError(f"$inc on {path!r} needs a number")
                norm[path] = normalize(value, where=path)
            else:
                norm[path] = normalize(value, where=path)
        for path, value in norm.items():
            items = [value]
            if isinstance(value, dict) and set(value) in ({"$each"}, {"$in"}):
                items = next(iter(value.values()))
            for item in items:
                if op in ("$push", "$addToSet") and isinstance(item, list):
                    raise InvalidUpdateError(f"{op} on {path!r}: arrays cannot directly contain arrays")
                try:
                    check_keys({"v": item}, top=False)
                except InvalidDocumentError as exc:
                    raise InvalidUpdateError(f"{op} on {path!r}: {exc.reason}") from None
        out[op] = norm
    return out


def validate_projection(projection: Projection | None) -> dict[str, bool] | None:
    if projection is None:
        return None
    out: dict[str, bool] = {}
    for path, flag in projection.items():
        _check_path(path)
        if flag not in (0, 1, True, False) or isinstance(flag, float):
            raise InvalidQueryError("projection values are 0/1 or false/true")
        out[path] = bool(flag)
    modes = {v for k, v in out.items() if k != "_id"}
    if len(modes) > 1:
        raise InvalidQueryError("a projection cannot mix inclusion and exclusion (except for _id)")
    return out


def validate_sort(sort: Sort | None) -> list[tuple[str, int]]:
    if not sort:
        return []
    out: list[tuple[str, int]] = []
    for item in sort:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise InvalidQueryError("sort is a list of (field, 1 | -1) pairs")
        path, direction = item
        _check_path(path)
        if direction not in (1, -1) or isinstance(direction, bool):
            raise InvalidQueryError("sort direction is 1 or -1")
        out.append((path, int(direction)))
    return out


# Matching --------------------------------------------------------------------------------------------------


def resolve(doc: Any, path: str) -> list[Any]:
    """The values at ``path``, expanding arrays of documents as MongoDB does (``MISSING`` where absent)."""
    return list(_walk(doc, path.split(".")))


def _walk(cur: Any, parts: list[str]) -> Iterator[Any]:
    if not parts:
        yield cur
        return
    head, rest = parts[0], parts[1:]
    if isinstance(cur, dict):
        if head in cur:
            yield from _walk(cur[head], rest)
        else:
            yield MISSING
    elif isinstance(cur, list):
        found = False
        if head.isdigit():
            idx = int(head)
            if idx < len(cur):
                found = True
                yield from _walk(cur[idx], rest)
        for el in cur:
            if isinstance(el, dict):
                found = True
                yield from _walk(el, parts)
        if not found:
            yield MISSING
    else:
        yield MISSING


def _eq(candidates: list[Any], value: Any) -> bool:
    for c in candidates:
        if c is MISSING:
            if value is None:
                return True
            continue
        if equal(c, value):
            return True
        if isinstance(c, list) and any(equal(e, value) for e in c):
            return True
    return False


_RANGE: dict[str, Callable[[int], bool]] = {
    "$gt": lambda c: c > 0,
    "$gte": lambda c: c >= 0,
    "$lt": lambda c: c < 0,
    "$lte": lambda c: c <= 0,
}


def _range(candidates: list[Any], op: str, value: Any) -> bool:
    if value is None:
        # Only $gte/$lte null match, and then exactly like equality with null.
        return op in ("$gte", "$lte") and _eq(candidates, None)
    test = _RANGE[op]
    rank = type_rank(value)
    for c in candidates:
        if c is MISSING:
            continue
        items = [c, *c] if isinstance(c, list) and not isinstance(value, list) else [c]
        for item in items:
            if type_rank(item) == rank and test(compare(item, value)):
                return True
    return False


def _match_condition(candidates: list[Any], cond: Any) -> bool:
    if not is_operator_expr(cond):
        return _eq(candidates, cond)
    for op, arg in cond.items():
        if op == "$eq":
            ok = _eq(candidates, arg)
        elif op == "$ne":
            ok = not _eq(candidates, arg)
        elif op == "$in":
            ok = any(_eq(candidates, v) for v in arg)
        elif op == "$nin":
            ok = not any(_eq(candidates, v) for v in arg)
        elif op == "$exists":
            ok = any(c is not MISSING for c in candidates) == bool(arg)
        else:
            ok = _range(candidates, op, arg)
        if not ok:
            return False
    return True


def matches(doc: Document, flt: Mapping[str, Any]) -> bool:
    """Whether ``doc`` matches the (validated) filter ``flt``."""
    for key, cond in flt.items():
        if key == "$and":
            if not all(matches(doc, sub) for sub in cond):
                return False
        elif key == "$or":
            if not any(matches(doc, sub) for sub in cond):
                return False
        elif not _match_condition(resolve(doc, key), cond):
            return False
    return True


# Projection and sort ---------------------------------------------------------------------------------------


def project(doc: Document, projection: dict[str, bool] | None) -> Document:
    if not projection:
        return doc
    include_id = projection.get("_id", True)
    fields = {k: v for k, v in projection.items() if k != "_id"}
    if any(fields.values()):
        out: Document = {}
        if include_id and "_id" in doc:
            out["_id"] = doc["_id"]
        for path in fields:
            _copy_path(doc, out, path.split("."))
        reordered: Document = _reorder(doc, out)
        return reordered
    if not fields:
        # Only ``_id`` named: ``{_id: 1}`` keeps just the id, ``{_id: 0}`` everything else (MongoDB's rules).
        if include_id:
            return {"_id": doc["_id"]} if "_id" in doc else {}
        return {k: v for k, v in doc.items() if k != "_id"}
    # Exclusion: a copy of the containers the dropped paths go through, never of the whole document.
    out = dict(doc) if all("." not in path for path in fields) else copy.deepcopy(doc)
    for path in fields:
        _drop_path(out, path.split("."))
    if not include_id:
        out.pop("_id", None)
    return out


def _copy_path(src: Any, dst: dict[str, Any], parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if not isinstance(src, dict) or head not in src:
        return
    value = src[head]
    if not rest:
        dst[head] = value
    elif isinstance(value, dict):
        sub = dst.setdefault(head, {})
        if isinstance(sub, dict):
            _copy_path(value, sub, rest)
    elif isinstance(value, list):
        items = dst.setdefault(head, [{} for v in value if isinstance(v, dict)])
        dicts = [v for v in value if isinstance(v, dict)]
        for s, d in zip(dicts, items, strict=False):
            _copy_path(s, d, rest)


def _reorder(src: Any, dst: Any) -> Any:
    """Keep the stored field order in projected documents, as MongoDB does."""
    if isinstance(src, dict) and isinstance(dst, dict):
        return {k: _reorder(src[k], dst[k]) if k in src else dst[k] for k in [*[k for k in src if k in dst]]}
    return dst


def _drop_path(doc: Any, parts: list[str]) -> None:
    if isinstance(doc, list):
        for el in doc:
            _drop_path(el, parts)
        return
    if not isinstance(doc, dict) or parts[0] not in doc:
        return
    if len(parts) == 1:
        del doc[parts[0]]
    else:
        _drop_path(doc[parts[0]], parts[1:])


def _sort_value(doc: Document, path: str, direction: int) -> SortKey:
    values: list[Any] = []
    for c in resolve(doc, path):
        if c is MISSING:
            values.append(None)
        elif isinstance(c, list):
            values.extend(c if c else [c])
        else:
            values.append(c)
    if not values:
        return SortKey(None)
    best = values[0]
    for v in values[1:]:
        c = compare(v, best)
        if (direction == 1 and c < 0) or (direction == -1 and c > 0):
            best = v
    return SortKey(best)


def sort_documents(docs: list[Document], sort: Sequence[tuple[str, int]]) -> list[Document]:
    out = list(docs)
    for path, direction in reversed(sort):
        out.sort(key=lambda d, p=path, di=direction: _sort_value(d, p, di), reverse=direction == -1)  # type: ignore[misc]
    return out


# Updates ---------------------------------------------------------------------------------------------------


def upsert_seed(flt: Mapping[str, Any]) -> Document:
    """The document an upsert starts from: the filter's equality conditions."""
    seed: Document = {}
    _seed_into(seed, flt)
    return seed


def _seed_into(seed: Document, flt: Mapping[str, Any]) -> None:
    for key, cond in flt.items():
        if key == "$and":
            for sub in cond:
                _seed_into(seed, sub)
        elif key.startswith("$"):
            continue
        elif not is_operator_expr(cond):
            _set_path(seed, key.split("."), copy.deepcopy(cond), create=True)
        elif "$eq" in cond:
            _set_path(seed, key.split("."), copy.deepcopy(cond["$eq"]), create=True)


def apply_update(doc: Document, update: Mapping[str, Mapping[str, Any]], *, inserting: bool) -> Document:
    """A new document: ``doc`` with the validated ``update`` applied (MongoDB semantics)."""
    out = copy.deepcopy(doc)
    for op, spec in update.items():
        if op == "$setOnInsert" and not inserting:
            continue
        for path, value in spec.items():
            parts = path.split(".")
            if op in ("$set", "$setOnInsert"):
                _set_path(out, parts, copy.deepcopy(value), create=True)
            elif op == "$unset":
                _unset_path(out, parts)
            else:
                current = _get_path(out, parts)
                combined = _combine(op, path, current, value)
                if combined is not MISSING:
                    _set_path(out, parts, combined, create=True)
    if "_id" in doc and not (("_id" in out) and equal(out["_id"], doc["_id"])):
        raise InvalidUpdateError("the update would modify the immutable field '_id'")
    return out


def _combine(op: str, path: str, current: Any, value: Any) -> Any:
    if op == "$inc":
        if current is MISSING:
            return value
        if not isinstance(current, int | float) or isinstance(current, bool):
            raise InvalidUpdateError(f"cannot apply $inc to the non-numeric field {path!r}")
        result = current + value
        if isinstance(result, int) and not INT64_MIN <= result <= INT64_MAX:
            raise InvalidUpdateError(f"$inc on {path!r} overflows 64 bits")
        return result
    if op in ("$min", "$max"):
        if current is MISSING:
            return value
        c = compare(value, current)
        return value if (c < 0 if op == "$min" else c > 0) else current
    # Array operators.
    if current is MISSING:
        if op == "$pull":
            return MISSING
        current = []
    elif not isinstance(current, list):
        raise InvalidUpdateError(f"cannot apply {op} to the non-array field {path!r}")
    if op == "$pull":
        values = value["$in"] if isinstance(value, dict) and "$in" in value else [value]
        return [el for el in current if not any(equal(el, v) for v in values)]
    items = value["$each"] if isinstance(value, dict) and "$each" in value else [value]
    result = list(current)
    for item in items:
        if op == "$addToSet" and any(equal(item, el) for el in result):
            continue
        result.append(copy.deepcopy(item))
    return result


def _get_path(doc: Any, parts: list[str]) -> Any:
    cur = doc
    for part in parts:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return MISSING
    return cur


def _set_path(doc: Document, parts: list[str], value: Any, *, create: bool) -> None:
    cur: Any = doc
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(cur, dict):
            if last:
                cur[part] = value
                return
            if part not in cur and create:
                cur[part] = {}
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit():
            idx = int(part)
            while len(cur) <= idx:
                cur.append(None)
            if last:
                cur[idx] = value
                return
            if cur[idx] is None:
                cur[idx] = {}
            cur = cur[idx]
        else:
            raise InvalidUpdateError(f"cannot create field {part!r} in a non-document value")


def _unset_path(doc: Document, parts: list[str]) -> None:
    cur: Any = doc
    for part in parts[:-1]:
        cur = _get_path(cur, [part])
        if cur is MISSING:
            return
    last = parts[-1]
    if isinstance(cur, dict):
        cur.pop(last, None)
    elif isinstance(cur, list) and last.isdigit() and int(last) < len(cur):
        cur[int(last)] = None


def strictly_equal(a: Any, b: Any) -> bool:
    """Equality that also tells ``1`` from ``1.0`` and ``True``: whether an update modified a document."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(strictly_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strictly_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)

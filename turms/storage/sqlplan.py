"""Translation of filters and sorts to SQL for the SQLite adapter.

Only conditions on ``_id`` and on declared scalar fields are translated (see :mod:`turms.storage.schema`):
there the schema guarantees one type per field, no ``null`` and no arrays, so MongoDB's semantics reduce to plain
SQL comparisons on ``json_extract(doc, '$.path')``, the very expressions the declared indexes are built on.
Every other condition stays *residual*: the SQL then selects a superset and the in-process engine
(:func:`turms.storage.query.matches`) decides, and sort/skip/limit are applied in Python too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from turms.storage.query import is_operator_expr
from turms.storage.schema import Collection, Field, Kind
from turms.storage.values import encode_id, encode_scalar

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OPS = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}


@dataclass(frozen=True)
class Plan:
    where: str
    params: list[Any]
    #: True when ``where`` is exactly the filter (no residual condition left for Python).
    exact: bool


def json_expr(path: str) -> str:
    return f"json_extract(doc, '$.{path}')"


def column_expr(collection: Collection, path: str) -> str | None:
    """The SQL expression for ``path`` when SQL may compare it exactly, else ``None``."""
    if path == "_id":
        return "id"
    if not all(_IDENT.match(part) for part in path.split(".")):
        return None
    if collection.scalar_field(path) is None:
        return None
    return json_expr(path)


def _fits(field: Field | None, value: Any) -> bool:
    """Whether ``value`` has the declared kind (only then can SQL compare it against the column)."""
    kind = field.kind if field is not None else None
    if kind in (Kind.INT, Kind.NUMBER):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is Kind.STR:
        return isinstance(value, str)
    if kind is Kind.BOOL:
        return isinstance(value, bool)
    if kind is Kind.DATE:
        return isinstance(value, datetime)
    if kind is Kind.BYTES:
        return isinstance(value, bytes)
    if kind is Kind.OBJECT:
        return isinstance(value, dict)
    return False


def _param(path: str, value: Any) -> Any:
    if path == "_id":
        return encode_id(value)
    if isinstance(value, bool):
        return int(value)
    return encode_scalar(value)


class _Translator:
    def __init__(self, collection: Collection) -> None:
        self.collection = collection
        self.params: list[Any] = []
        self.exact = True

    def conjunction(self, flt: Mapping[str, Any]) -> str:
        parts: list[str] = []
        for key, cond in flt.items():
            sql: str | None
            if key == "$and":
                sql = " AND ".join(f"({self.conjunction(sub)})" for sub in cond)
            elif key == "$or":
                sql = self._or(cond)
            else:
                sql = self._field(key, cond)
            if sql is None:
                self.exact = False
            elif sql != "1":
                parts.append(sql)
        return " AND ".join(parts) if parts else "1"

    def _or(self, branches: Sequence[Mapping[str, Any]]) -> str | None:
        sub = _Translator(self.collection)
        sqls = [f"({sub.conjunction(b)})" for b in branches]
        if not sub.exact:
            return None
        self.params.extend(sub.params)
        return "(" + " OR ".join(sqls) + ")"

    def _field(self, path: str, cond: Any) -> str | None:
        expr = column_expr(self.collection, path)
        if expr is None:
            return None
        field = self.collection.field_map.get(path)
        if path == "_id" and field is not None and field.kind is Kind.BOOL:
            return None
        if not is_operator_expr(cond):
            return self._eq(path, expr, field, cond)
        parts: list[str] = []
        for op, arg in cond.items():
            sql = self._op(path, expr, field, op, arg)
            if sql is None:
                return None
            parts.append(sql)
        return " AND ".join(parts)

    def _eq(self, path: str, expr: str, field: Field | None, value: Any) -> str | None:
        if value is None:
            return "0" if path == "_id" else f"{expr} IS NULL"
        if not _fits(field, value):
            return "0"
        self.params.append(_param(path, value))
        return f"{expr} = ?"

    def _in(self, path: str, expr: str, field: Field | None, values: Sequence[Any]) -> str:
        fitting = [v for v in values if v is not None and _fits(field, v)]
        clauses: list[str] = []
        if fitting:
            self.params.extend(_param(path, v) for v in fitting)
            clauses.append(f"{expr} IN ({', '.join('?' * len(fitting))})")
        if any(v is None for v in values) and path != "_id":
            clauses.append(f"{expr} IS NULL")
        return "(" + " OR ".join(clauses) + ")" if clauses else "0"

    def _op(self, path: str, expr: str, field: Field | None, op: str, arg: Any) -> str | None:
        if op == "$eq":
            return self._eq(path, expr, field, arg)
        if op == "$ne":
            eq = self._eq(path, expr, field, arg)
            if eq == "0":
                return "1"
            if arg is None:
                return f"{expr} IS NOT NULL"
            return f"({expr} IS NULL OR NOT ({eq}))"
        if op == "$in":
            return self._in(path, expr, field, arg)
        if op == "$nin":
            inside = self._in(path, expr, field, arg)
            if inside == "0":
                return "1"
            if any(v is None for v in arg):
                return f"NOT {inside}"
            return f"({expr} IS NULL OR NOT {inside})"
        if op == "$exists":
            if path == "_id":
                return "1" if arg else "0"
            return f"{expr} IS {'NOT ' if arg else ''}NULL"
        # Ranges are type-bracketed: a value of another kind matches nothing.
        if arg is None:
            return f"{expr} IS NULL" if op in ("$gte", "$lte") and path != "_id" else "0"
        if path == "_id" and (field is None or field.kind is Kind.OBJECT):
            return None
        if not _fits(field, arg):
            return "0"
        self.params.append(_param(path, arg))
        return f"{expr} {_OPS[op]} ?"


def translate(collection: Collection, flt: Mapping[str, Any]) -> Plan:
    """The WHERE clause for a validated filter."""
    t = _Translator(collection)
    where = t.conjunction(flt)
    return Plan(where, t.params, t.exact)


def order_by(collection: Collection, sort: Sequence[tuple[str, int]]) -> str | None:
    """The ORDER BY clause, or ``None`` when a sort key is not a declared scalar."""
    if not sort:
        return ""
    terms: list[str] = []
    for path, direction in sort:
        expr = column_expr(collection, path)
        if expr is None:
            return None
        if path == "_id":
            id_field = collection.field_map.get("_id")
            if id_field is None or id_field.kind not in (Kind.INT, Kind.NUMBER, Kind.STR, Kind.DATE):
                return None
        terms.append(f"{expr} {'ASC' if direction == 1 else 'DESC'}")
    return ", ".join(terms)


def index_sql(collection: Collection) -> list[str]:
    """``CREATE INDEX IF NOT EXISTS`` statements for the collection's declared indexes."""
    out: list[str] = []
    for ix in collection.indexes:
        cols = []
        for path, direction in ix.keys:
            expr = column_expr(collection, path)
            if expr is None:  # pragma: no cover - the schema checks index fields are declared scalars
                raise ValueError(f"{collection.name}: cannot index {path}")
            cols.append(f"{expr} {'DESC' if direction == -1 else 'ASC'}")
        unique = "UNIQUE " if ix.unique else ""
        out.append(
            f'CREATE {unique}INDEX IF NOT EXISTS "ix_{collection.name}_{ix.name}" '
            f'ON "{collection.name}" ({", ".join(cols)})'
        )
    return out

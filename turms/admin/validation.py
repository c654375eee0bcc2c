"""A small JSON Schema validator for the subset the route declarations use.

The same schema dict is published in ``/openapi.json`` and enforced here, so the document cannot drift from the
behaviour. Supported keywords: ``type`` (a name or a list, ``integer`` excludes booleans and floats),
``properties``, ``required``, ``additionalProperties`` (bool or schema), ``minProperties``, ``maxProperties``,
``items``, ``minItems``, ``maxItems``, ``uniqueItems``, ``minLength``, ``maxLength``, ``minimum``, ``maximum``,
``enum``. Anything else in a schema is documentation only.
"""

from __future__ import annotations

import math
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def int64(minimum: int = INT64_MIN, maximum: int = INT64_MAX, **extra: Any) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, "maximum": maximum, **extra}


def string(min_length: int = 0, max_length: int = 4096, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": min_length, "maxLength": max_length, **extra}


def array(items: dict[str, Any], max_items: int = 1000, **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, "maxItems": max_items, **extra}


def obj(properties: dict[str, Any], required: tuple[str, ...] = (), *, extra: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": extra}
    if required:
        schema["required"] = list(required)
    return schema


class SchemaError(ValueError):
    """The value does not match the schema; the message names the JSON path."""


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, name) for name in names):
            raise SchemaError(f"{path}: expected {' or '.join(names)}")
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
        raise SchemaError(f"{path}: must be one of {schema['enum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            raise SchemaError(f"{path}: shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise SchemaError(f"{path}: longer than {schema['maxLength']} characters")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise SchemaError(f"{path}: must be at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise SchemaError(f"{path}: must be at most {schema['maximum']}")
    elif isinstance(value, list):
        _validate_array(value, schema, path)
    elif isinstance(value, dict):
        _validate_object(value, schema, path)


def _validate_array(value: list[Any], schema: dict[str, Any], path: str) -> None:
    if len(value) < schema.get("minItems", 0):
        raise SchemaError(f"{path}: fewer than {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        raise SchemaError(f"{path}: more than {schema['maxItems']} items")
    if schema.get("uniqueItems"):
        seen: list[Any] = []
        for item in value:
            if any(_same(item, s) for s in seen):
                raise SchemaError(f"{path}: items must be unique")
            seen.append(item)
    items = schema.get("items")
    if items is not None:
        for i, item in enumerate(value):
            validate(item, items, f"{path}[{i}]")


def _validate_object(value: dict[str, Any], schema: dict[str, Any], path: str) -> None:
    if len(value) < schema.get("minProperties", 0):
        raise SchemaError(f"{path}: needs at least {schema['minProperties']} properties")
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        raise SchemaError(f"{path}: has more than {schema['maxProperties']} properties")
    for name in schema.get("required", ()):
        if name not in value:
            raise SchemaError(f"{path}: missing required property {name!r}")
    properties: dict[str, Any] = schema.get("properties", {})
    additional = schema.get("additionalProperties", True)
    for name, item in value.items():
        sub = properties.get(name)
        if sub is not None:
            validate(item, sub, f"{path}.{name}")
        elif additional is False:
            raise SchemaError(f"{path}: unknown property {name!r}")
        elif isinstance(additional, dict):
            validate(item, additional, f"{path}.{name}")


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    if name == "null":
        return value is None
    return False


def _same(a: Any, b: Any) -> bool:
    # JSON equality: True is not 1.
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b

"""Conversions between the protocol's ``Value`` and stored scalars, for user settings and profile attributes."""

from __future__ import annotations

import math
from typing import Any

from turms.errors import TurmsError
from turms.protocol.pb import model_common_pb2
from turms.protocol.status import ResponseStatusCode

#: Setting types (as written in ``service.user.settings.allowed``) → the ``Value`` field that carries them.
TYPE_FIELDS = {
    "bool": "bool_value",
    "int32": "int32_value",
    "int64": "int64_value",
    "float": "float_value",
    "double": "double_value",
    "string": "string_value",
    "bytes": "bytes_value",
}

Scalar = bool | int | float | str | bytes


def from_value(value: Any, *, name: str, expected_field: str | None = None) -> Scalar:
    """The scalar a ``Value`` carries; ILLEGAL_ARGUMENT when it carries none, a list, or the wrong type."""
    field = value.WhichOneof("kind")
    if field is None or len(value.list_value):
        raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"{name}: a single scalar value is required")
    if expected_field is not None and field != expected_field:
        wanted = expected_field.removesuffix("_value")
        raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"{name}: a {wanted} value is required")
    scalar: Scalar = getattr(value, field)
    if isinstance(scalar, float) and not math.isfinite(scalar):
        raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"{name}: the number must be finite")
    return scalar


def to_value(scalar: Any, field: str | None = None) -> Any:
    """A ``Value`` holding ``scalar`` in ``field`` (inferred from the Python type when None)."""
    if field is None:
        if isinstance(scalar, bool):
            field = "bool_value"
        elif isinstance(scalar, int):
            field = "int64_value"
        elif isinstance(scalar, float):
            field = "double_value"
        elif isinstance(scalar, bytes):
            field = "bytes_value"
        else:
            field, scalar = "string_value", str(scalar)
    try:
        return model_common_pb2.Value(**{field: scalar})
    except (TypeError, ValueError):
        # Stored under an older declared type (the allowed settings changed): report it as it is.
        return to_value(scalar)

"""Document values: validation and normalisation, MongoDB's ordering of values, and the SQLite JSON codec.

Both adapters pass every document and filter value through :func:`normalize` so that they agree bit for bit:
datetimes become timezone-aware UTC truncated to milliseconds (BSON's resolution), ints must fit in 64 bits,
floats must be finite.

:func:`compare` implements MongoDB's comparison order across types (null < numbers < strings < documents <
arrays < binary < booleans < dates), used by the in-process query engine.

The SQLite codec (:func:`to_json` / :func:`from_json`) stores documents as JSON. Values JSON lacks are tagged
strings whose SQL (binary) order equals MongoDB's order within the type, so indexes and ranges work in SQL:

* datetime: ``"\\x01d"`` + 15 digits of milliseconds since year 1 (fixed width, so text order is time order);
* bytes: ``"\\x01x"`` + 8 hex digits of length + hex (MongoDB orders binary by length, then bytes);
* a string that itself starts with a control character below ``"\\x08"`` is escaped as ``"\\x01s"`` + string,
  which keeps its order among strings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from turms.storage.errors import InvalidDocumentError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Milliseconds from 0001-01-01 to the Unix epoch: the offset that makes every date code non-negative.
_DATE_OFFSET_MS = 62_135_596_800_000
_TAG = "\x01"
_ESCAPE_BELOW = "\x08"


def to_ms(value: datetime) -> int:
    """Milliseconds since the Unix epoch (naive datetimes are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def normalize_date(value: datetime) -> datetime:
    return from_ms(to_ms(value))


def normalize(value: Any, *, where: str = "value") -> Any:
    """Validate ``value`` and return it in canonical form (UTC ms datetimes, plain containers)."""
    if value is None or isinstance(value, bool | str | bytes):
        return value
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise InvalidDocumentError(f"{where}: integer outside the signed 64-bit range")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidDocumentError(f"{where}: floats must be finite")
        return value
    if isinstance(value, datetime):
        return normalize_date(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidDocumentError(f"{where}: document keys must be strings")
            out[k] = normalize(v, where=where)
        return out
    if isinstance(value, list | tuple):
        return [normalize(v, where=where) for v in value]
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    raise InvalidDocumentError(f"{where}: unsupported value type {type(value).__name__}")


def check_keys(doc: Mapping[str, Any], *, top: bool = True) -> None:
    """Field names of stored documents (non-empty, no leading ``$``, no ``.``) and no nested arrays."""
    for k, v in doc.items():
        if not k or k.startswith("$") or "." in k:
            raise InvalidDocumentError(f"invalid field name {k!r}")
        if isinstance(v, dict):
            check_keys(v, top=False)
        elif isinstance(v, list):
            for item in v:
                if isinstance(item, dict):
                    check_keys(item, top=False)
                elif isinstance(item, list):
                    # Arrays directly inside arrays: FerretDB v1 refuses them, so the port does too.
                    raise InvalidDocumentError(f"field {k!r}: arrays cannot directly contain arrays")
    if top and isinstance(doc.get("_id"), list):
        raise InvalidDocumentError("_id cannot be an array")


def normalize_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(doc, Mapping):
        raise InvalidDocumentError("a document must be a mapping")
    if "_id" not in doc or doc["_id"] is None:
        raise InvalidDocumentError("every document needs an `_id` (the store does not invent ids)")
    out: dict[str, Any] = normalize(doc, where="document")
    check_keys(out)
    return out


# MongoDB's order of values --------------------------------------------------------------------------------


def type_rank(value: Any) -> int:
    if value is None:
        return 1
    if isinstance(value, bool):
        return 8
    if isinstance(value, int | float):
        return 2
    if isinstance(value, str):
        return 3
    if isinstance(value, dict):
        return 4
    if isinstance(value, list):
        return 5
    if isinstance(value, bytes):
        return 6
    if isinstance(value, datetime):
        return 9
    raise InvalidDocumentError(f"unsupported value type {type(value).__name__}")


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 as MongoDB orders ``a`` and ``b`` (numbers compare across int and float)."""
    ra, rb = type_rank(a), type_rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 1:
        return 0
    if ra == 4:
        for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=False):
            c = compare(va, vb) if ka == kb else (-1 if ka < kb else 1)
            if ka == kb and c == 0:
                continue
            if ka != kb:
                # MongoDB compares the field's type first, then its name, then its value.
                tr = type_rank(va) - type_rank(vb)
                if tr:
                    return -1 if tr < 0 else 1
            return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ra == 5:
        for va, vb in zip(a, b, strict=False):
            c = compare(va, vb)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ra == 6:
        ka_, kb_ = (len(a), a), (len(b), b)
        return (ka_ > kb_) - (ka_ < kb_)
    return int((a > b) - (a < b))


def equal(a: Any, b: Any) -> bool:
    return type_rank(a) == type_rank(b) and compare(a, b) == 0


class SortKey:
    """Wraps a value so that Python's ``sorted`` orders values as MongoDB does."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: SortKey) -> bool:
        return compare(self.value, other.value) < 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SortKey) and compare(self.value, other.value) == 0

    __hash__ = None  # type: ignore[assignment]


# The SQLite JSON codec ---------------------------------------------------------------------------------------


def encode_scalar(value: Any) -> Any:
    """A scalar as it is stored inside the JSON text (and bound as an SQL parameter for comparisons)."""
    if isinstance(value, str):
        return _TAG + "s" + value if value and value[0] < _ESCAPE_BELOW else value
    if isinstance(value, datetime):
        return f"{_TAG}d{to_ms(value) + _DATE_OFFSET_MS:015d}"
    if isinstance(value, bytes):
        return f"{_TAG}x{len(value):08x}{value.hex()}"
    return value


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return encode_scalar(value)


def _decode_str(s: str) -> Any:
    tag = s[1:2]
    if tag == "d":
        return from_ms(int(s[2:]) - _DATE_OFFSET_MS)
    if tag == "x":
        return bytes.fromhex(s[10:])
    return s[2:]


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        return _decode_str(value) if value[:1] == _TAG else value
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def to_json(doc: Mapping[str, Any]) -> str:
    return orjson.dumps(_encode(doc)).decode()


def from_json(text: str | bytes) -> dict[str, Any]:
    decoded: dict[str, Any] = _decode(orjson.loads(text))
    return decoded


def encode_id(value: Any) -> Any:
    """The value of the SQLite ``id`` column: equal ids (as MongoDB compares them) get equal column values."""
    if isinstance(value, bool):
        return f"{_TAG}b{int(value)}"
    if isinstance(value, dict):
        return _TAG + "o" + orjson.dumps(_encode(value)).decode()
    if value is None or isinstance(value, list):
        raise InvalidDocumentError("_id cannot be null or an array")
    return encode_scalar(value)

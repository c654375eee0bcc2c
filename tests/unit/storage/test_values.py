"""Value normalisation and the SQLite codec: SQL order of encoded values equals MongoDB's order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from turms.storage.values import compare, encode_scalar, from_json, normalize, to_json

DATES = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    st.binary(max_size=64),
    DATES,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(
            st.one_of(
                SCALARS,
                st.dictionaries(
                    st.text(min_size=1).filter(lambda k: "." not in k and not k.startswith("$")), inner, max_size=3
                ),
            ),
            max_size=4,
        ),
        st.dictionaries(
            st.text(min_size=1).filter(lambda k: "." not in k and not k.startswith("$")), inner, max_size=4
        ),
    ),
    max_leaves=20,
)


@given(VALUES)
def test_json_round_trip(value: Any) -> None:
    doc = normalize({"v": value})
    assert from_json(to_json(doc)) == doc


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


@given(st.text(), st.text())
def test_string_order_is_preserved(a: str, b: str) -> None:
    ea, eb = encode_scalar(a), encode_scalar(b)
    assert _sign((ea > eb) - (ea < eb)) == _sign(compare(a, b))


@given(DATES, DATES)
def test_date_order_is_preserved(a: datetime, b: datetime) -> None:
    a, b = normalize(a), normalize(b)
    ea, eb = encode_scalar(a), encode_scalar(b)
    assert _sign((ea > eb) - (ea < eb)) == _sign(compare(a, b))


@given(st.binary(max_size=40), st.binary(max_size=40))
def test_bytes_order_is_preserved(a: bytes, b: bytes) -> None:
    ea, eb = encode_scalar(a), encode_scalar(b)
    assert _sign((ea > eb) - (ea < eb)) == _sign(compare(a, b))


def test_dates_are_truncated_to_milliseconds_in_utc() -> None:
    d = normalize(datetime(2024, 1, 1, 12, 0, 0, 999_999))
    assert d == datetime(2024, 1, 1, 12, 0, 0, 999_000, tzinfo=UTC)
    assert normalize(datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)) == datetime(
        1969, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC
    )
    assert normalize(datetime(2024, 1, 1, tzinfo=UTC) - timedelta(microseconds=1)).microsecond == 999_000


def test_type_order_is_mongodb_order() -> None:
    ordered = [None, 1, "a", {"a": 1}, [1], b"x", False, datetime(2024, 1, 1, tzinfo=UTC)]
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            assert compare(a, b) == -1 and compare(b, a) == 1

"""Property test: every valid populated message survives encode -> frame -> decode in any chunking.

The messages are built by walking the generated descriptors, so every request kind, every ``Data`` kind and
every field they reach (scalars of every wire type, repeated, enum, nested, map and oneof fields) is covered
without listing them by hand. Depth and sizes are bounded so one example stays small and the test fast.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from itertools import pairwise
from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor, OneofDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turms.errors import RequestError
from turms.protocol.framing import FrameDecoder, encode_frame
from turms.protocol.pb.turms_notification_pb2 import TurmsNotification
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.requests import KINDS, parse_request
from turms.protocol.status import ResponseStatusCode

#: Nesting below this depth leaves message fields unset (``Value.list_value`` is recursive).
MAX_DEPTH = 4
#: Longest repeated field or map drawn.
MAX_ITEMS = 3
#: Longest string or bytes value drawn.
MAX_TEXT = 16

INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
UINT32 = st.integers(min_value=0, max_value=2**32 - 1)
UINT64 = st.integers(min_value=0, max_value=2**64 - 1)

_SCALARS: dict[int, st.SearchStrategy[Any]] = {
    FieldDescriptor.TYPE_INT32: INT32,
    FieldDescriptor.TYPE_SINT32: INT32,
    FieldDescriptor.TYPE_SFIXED32: INT32,
    FieldDescriptor.TYPE_INT64: INT64,
    FieldDescriptor.TYPE_SINT64: INT64,
    FieldDescriptor.TYPE_SFIXED64: INT64,
    FieldDescriptor.TYPE_UINT32: UINT32,
    FieldDescriptor.TYPE_FIXED32: UINT32,
    FieldDescriptor.TYPE_UINT64: UINT64,
    FieldDescriptor.TYPE_FIXED64: UINT64,
    FieldDescriptor.TYPE_BOOL: st.booleans(),
    # NaN is never equal to itself, so a message holding one never compares equal; every other value,
    # infinities and -0.0 included, must survive.
    FieldDescriptor.TYPE_FLOAT: st.floats(width=32, allow_nan=False),
    FieldDescriptor.TYPE_DOUBLE: st.floats(allow_nan=False),
    FieldDescriptor.TYPE_STRING: st.text(max_size=MAX_TEXT),
    FieldDescriptor.TYPE_BYTES: st.binary(max_size=MAX_TEXT),
}

Draw = Callable[[st.SearchStrategy[Any]], Any]


@cache
def _enum_values(field: FieldDescriptor) -> st.SearchStrategy[int]:
    known = st.sampled_from([v.number for v in field.enum_type.values])
    if field.enum_type.is_closed:
        return known
    # proto3 enums are open: a number this version does not define must pass through unchanged.
    return st.one_of(known, INT32)


@cache
def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    if field.type == FieldDescriptor.TYPE_ENUM:
        return _enum_values(field)
    return _SCALARS[field.type]


@cache
def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _fill(draw: Draw, message: Message, depth: int, forced: dict[str, str] | None = None) -> None:
    """Populate ``message`` in place from ``draw``. ``forced`` maps a oneof name to the member to set."""
    descriptor: Descriptor = message.DESCRIPTOR
    chosen: set[str] = set()
    for oneof in descriptor.oneofs:
        # Real and synthetic (proto3 ``optional``) oneofs alike: at most one member is set.
        if forced and oneof.name in forced:
            chosen.add(forced[oneof.name])
            continue
        pick = draw(_oneof_choice(oneof, depth))
        if pick is not None:
            chosen.add(pick)
    for field in descriptor.fields:
        if field.containing_oneof is not None and field.name not in chosen:
            continue
        if field.containing_oneof is None and not _reachable(field, depth):
            continue
        _fill_field(draw, message, field, depth)


@cache
def _oneof_choice(oneof: OneofDescriptor, depth: int) -> st.SearchStrategy[str | None]:
    return st.sampled_from([None, *(f.name for f in oneof.fields if _reachable(f, depth))])


@cache
def _keys(field: FieldDescriptor) -> st.SearchStrategy[list[Any]]:
    return st.lists(_scalar(field.message_type.fields_by_name["key"]), max_size=MAX_ITEMS, unique=True)


@cache
def _items(field: FieldDescriptor) -> st.SearchStrategy[list[Any]]:
    return st.lists(_scalar(field), max_size=MAX_ITEMS)


COUNT = st.integers(min_value=0, max_value=MAX_ITEMS)


def _reachable(field: FieldDescriptor, depth: int) -> bool:
    """Message-typed fields stop at MAX_DEPTH; everything else can always be set."""
    return field.type != FieldDescriptor.TYPE_MESSAGE or depth < MAX_DEPTH


def _fill_field(draw: Draw, message: Message, field: FieldDescriptor, depth: int) -> None:
    name = field.name
    if _is_map(field):
        value_field = field.message_type.fields_by_name["value"]
        keys = draw(_keys(field))
        container = getattr(message, name)
        for key in keys:
            if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                _fill(draw, container[key], depth + 1)
            else:
                container[key] = draw(_scalar(value_field))
        return
    if field.is_repeated:
        container = getattr(message, name)
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            for _ in range(draw(COUNT)):
                _fill(draw, container.add(), depth + 1)
        else:
            container.extend(draw(_items(field)))
        return
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        child = getattr(message, name)
        child.SetInParent()  # set even when it stays empty: presence itself must round-trip
        _fill(draw, child, depth + 1)
        return
    setattr(message, name, draw(_scalar(field)))


@st.composite
def requests(draw: Draw, kind: str | None = None) -> TurmsRequest:
    """A populated, valid TurmsRequest (request_id > 0, a kind set): of ``kind``, or of any kind."""
    if kind is None:
        kind = draw(st.sampled_from(sorted(KINDS)))
    request = TurmsRequest()
    _fill(draw, request, 0, forced={"kind": kind, "_request_id": "request_id"})
    request.request_id = draw(st.integers(min_value=1, max_value=2**63 - 1))
    return request


@st.composite
def notifications(draw: Draw, data_kind: str | None = None) -> TurmsNotification:
    """A populated TurmsNotification; its ``data`` carries ``data_kind`` when given."""
    notification = TurmsNotification()
    _fill(draw, notification, 0)
    if data_kind is not None:
        notification.data.Clear()
        _fill(draw, notification.data, 1, forced={"kind": data_kind})
    return notification


def _round_trip(payloads: list[bytes], cuts: list[int]) -> list[bytes]:
    """Frame ``payloads`` into one stream, feed it cut at ``cuts``, and return the decoded payloads."""
    stream = b"".join(encode_frame(p) for p in payloads)
    bounds = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    # The limit is exactly the largest frame: a valid stream must decode right at the boundary.
    decoder = FrameDecoder(max(len(p) for p in payloads))
    out: list[bytes] = []
    for a, b in pairwise(bounds):
        out.extend(decoder.feed(stream[a:b]))
    assert decoder.buffered == 0
    return out


CUTS = st.lists(st.integers(min_value=0, max_value=2**20), max_size=24)
PROPERTY = settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DATA_KINDS = [f.name for f in TurmsNotification.Data.DESCRIPTOR.oneofs_by_name["kind"].fields]


@pytest.mark.parametrize("kind", sorted(KINDS))
@PROPERTY
@given(data=st.data(), cuts=CUTS)
def test_every_request_kind_round_trips_in_any_chunking(kind: str, data: st.DataObject, cuts: list[int]) -> None:
    messages = data.draw(st.lists(requests(kind), min_size=1, max_size=2))
    payloads = [m.SerializeToString() for m in messages]
    decoded = _round_trip(payloads, cuts)
    assert decoded == payloads
    for payload, original in zip(decoded, messages, strict=True):
        request, parsed_kind = parse_request(payload)  # the server's own decode and validation path
        assert parsed_kind == kind
        assert request == original
        # Map order on the wire is unspecified; deterministic serialization makes the bytes comparable.
        assert request.SerializeToString(deterministic=True) == original.SerializeToString(deterministic=True)


@pytest.mark.parametrize("data_kind", DATA_KINDS)
@PROPERTY
@given(data=st.data(), cuts=CUTS)
def test_every_notification_data_kind_round_trips_in_any_chunking(
    data_kind: str, data: st.DataObject, cuts: list[int]
) -> None:
    messages = data.draw(st.lists(notifications(data_kind), min_size=1, max_size=2))
    payloads = [m.SerializeToString() for m in messages]
    decoded = _round_trip(payloads, cuts)
    assert decoded == payloads
    for payload, original in zip(decoded, messages, strict=True):
        notification = TurmsNotification.FromString(payload)
        assert notification.data.WhichOneof("kind") == data_kind
        assert notification == original
        # == cannot tell -0.0 from 0.0; the bytes can.
        assert notification.SerializeToString(deterministic=True) == original.SerializeToString(deterministic=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages=st.lists(st.one_of(requests(), notifications()), min_size=1, max_size=6), cuts=CUTS)
def test_mixed_stream_round_trips(messages: list[Message], cuts: list[int]) -> None:
    payloads = [m.SerializeToString() for m in messages]
    decoded = _round_trip(payloads, cuts)
    assert decoded == payloads
    for payload, original in zip(decoded, messages, strict=True):
        assert type(original).FromString(payload) == original


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests(), edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4))
def test_corrupted_requests_only_raise_request_errors(request: TurmsRequest, edits: list[tuple[int, int]]) -> None:
    """A valid request with bytes overwritten or cut off decodes, or fails with INVALID_REQUEST; nothing else."""
    payload = bytearray(request.SerializeToString())
    for position, value in edits:
        payload[position % len(payload)] = value
    for candidate in (bytes(payload), bytes(payload[: len(payload) // 2])):
        try:
            parse_request(candidate)
        except RequestError as e:
            assert e.code is ResponseStatusCode.INVALID_REQUEST


def _set_fields(message: Message, out: set[str]) -> None:
    """Record ``Type.field`` for every field set anywhere in ``message`` (map entries included)."""
    for field, value in message.ListFields():
        out.add(field.full_name)
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if _is_map(field):
            out.add(field.message_type.fields_by_name["key"].full_name)
            out.add(field.message_type.fields_by_name["value"].full_name)
            items = [v for v in value.values() if isinstance(v, Message)]
        else:
            items = list(value) if field.is_repeated else [value]
        for item in items:
            _set_fields(item, out)


def _all_fields(descriptor: Descriptor, depth: int, out: set[str], visited: dict[str, int]) -> None:
    """Every field the generator can reach from ``descriptor`` at ``depth``."""
    if visited.get(descriptor.full_name, MAX_DEPTH + 1) <= depth:
        return
    visited[descriptor.full_name] = depth
    for field in descriptor.fields:
        if not _reachable(field, depth):
            continue
        out.add(field.full_name)
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            _all_fields(field.message_type, depth + 1, out, visited)


def test_generator_populates_every_reachable_field() -> None:
    """Guards the property tests above: for every request and Data kind, a handful of (derandomized) draws
    set every field reachable within MAX_DEPTH to a non-default value somewhere, so a round-trip bug in any
    field (a map, an open enum, a packed repeated scalar, a nested model, a oneof member) would be drawn."""
    seen: set[str] = set()
    strategies = [requests(kind) for kind in sorted(KINDS)] + [notifications(kind) for kind in DATA_KINDS]
    for strategy in strategies:

        @settings(max_examples=10, deadline=None, derandomize=True, database=None)
        @given(strategy)
        def collect(message: Message) -> None:
            _set_fields(message, seen)

        collect()
    expected: set[str] = set()
    _all_fields(TurmsRequest.DESCRIPTOR, 0, expected, {})
    _all_fields(TurmsNotification.DESCRIPTOR, 0, expected, {})
    assert len(expected) > 600
    missing = sorted(expected - seen)
    assert not missing, f"{len(missing)} fields never set, e.g. {missing[:10]}"

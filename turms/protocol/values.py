"""Bounds on the ``Value`` trees a client sends (custom attributes, user-defined attributes, settings).

``Value`` is the one recursive message of the protocol: its ``list_value`` holds more ``Value``s. A client can
nest them as deep as protobuf lets the server decode (100 levels), and whatever the server relays or stores
and later returns is wrapped in a few more levels (``TurmsNotification.relayed_request`` → the request → its
kind → ...). A tree nested 98 deep in ``custom_attributes`` decoded here but not in any recipient: every
online member of a group got a push its Turms client could not parse and dropped the connection. So every
request is checked before it is handled: no tree deeper than ``max_depth`` (a scalar is depth 1, a list of
scalars depth 2), and no more than ``max_count`` ``Value`` messages in the whole request.

Where ``Value``s can occur is derived once from the descriptors, so a request whose kind has no ``Value``
field costs one dictionary lookup, and a request with empty attribute lists a few length checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from turms.errors import TurmsError
from turms.protocol.pb.model_common_pb2 import Value
from turms.protocol.pb.turms_request_pb2 import TurmsRequest
from turms.protocol.status import ResponseStatusCode

__all__ = ["VALUE_PLANS", "check_values", "value_depth"]

_VALUE_NAME = Value.DESCRIPTOR.full_name

#: How one field of a message leads to ``Value``s: the field, whether it holds them directly (else it holds
#: messages that do), and whether it is a map (its entries' ``value``s), repeated, or singular.
_Step = tuple[Any, bool, str]


def _holds_values(descriptor: Any, seen: frozenset[str]) -> bool:
    if descriptor.full_name == _VALUE_NAME:
        return True
    if descriptor.full_name in seen:
        return False
    seen = seen | {descriptor.full_name}
    return any(
        f.type == FieldDescriptor.TYPE_MESSAGE and _holds_values(f.message_type, seen) for f in descriptor.fields
    )


def _plan(descriptor: Any) -> tuple[_Step, ...]:
    steps: list[_Step] = []
    for f in descriptor.fields:
        if f.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        target = f.message_type
        if target.GetOptions().map_entry:
            target = target.fields_by_name["value"].message_type
            if target is None:
                continue
            shape = "map"
        else:
            shape = "repeated" if f.is_repeated else "single"
        if target.full_name == _VALUE_NAME:
            steps.append((f, True, shape))
        elif _holds_values(target, frozenset()):
            steps.append((f, False, shape))
    return tuple(steps)


def _all_plans() -> dict[str, tuple[_Step, ...]]:
    plans: dict[str, tuple[_Step, ...]] = {}
    pending: list[Any] = [TurmsRequest.DESCRIPTOR]
    while pending:
        descriptor = pending.pop()
        if descriptor.full_name in plans or descriptor.full_name == _VALUE_NAME:
            continue
        plans[descriptor.full_name] = _plan(descriptor)
        for f, _, shape in plans[descriptor.full_name]:
            target = f.message_type
            if shape == "map":
                target = target.fields_by_name["value"].message_type
            pending.append(target)
    return plans


#: Message full name → the fields that lead to ``Value``s (only messages reachable from ``TurmsRequest``).
VALUE_PLANS = MappingProxyType(_all_plans())


def _items(message: Message, field: Any, shape: str) -> Iterable[Any]:
    value = getattr(message, field.name)
    if shape == "map":
        return value.values()  # type: ignore[no-any-return]
    if shape == "repeated":
        return value  # type: ignore[no-any-return]
    return (value,) if message.HasField(field.name) else ()


def value_depth(value: Any) -> int:
    """The nesting depth of one ``Value`` (1 for a scalar or an empty value, 2 for a list of scalars)."""
    depth = 1
    level = [value]
    while True:
        children = [child for v in level for child in v.list_value]
        if not children:
            return depth
        depth += 1
        level = children


class _Budget:
    __slots__ = ("count", "max_count", "max_depth")

    def __init__(self, max_depth: int, max_count: int) -> None:
        self.max_depth = max_depth
        self.max_count = max_count
        self.count = 0

    def tree(self, value: Any, path: str) -> None:
        """Walk one tree breadth-first, failing as soon as it is too deep or the request has too many."""
        depth = 0
        level = [value]
        while level:
            depth += 1
            if depth > self.max_depth:
                raise TurmsError(
                    ResponseStatusCode.ILLEGAL_ARGUMENT, f"{path}: a value is nested deeper than {self.max_depth}"
                )
            self.count += len(level)
            if self.count > self.max_count:
                raise TurmsError(
                    ResponseStatusCode.ILLEGAL_ARGUMENT, f"more than {self.max_count} values in one request"
                )
            level = [child for v in level for child in v.list_value]


def _walk(message: Message, budget: _Budget, path: str) -> None:
    for field, direct, shape in VALUE_PLANS.get(message.DESCRIPTOR.full_name, ()):
        name = f"{path}.{field.name}" if path else field.name
        for item in _items(message, field, shape):
            if direct:
                budget.tree(item, name)
            else:
                _walk(item, budget, name)


def check_values(request: TurmsRequest, max_depth: int, max_count: int) -> None:
    """Raise ``TurmsError(ILLEGAL_ARGUMENT)`` when a ``Value`` tree of ``request`` is deeper than ``max_depth``
    or the request holds more than ``max_count`` ``Value`` messages in all."""
    budget = _Budget(max_depth, max_count)
    for value in request.custom_attributes:
        budget.tree(value, "custom_attributes")
    kind = request.WhichOneof("kind")
    if kind is not None:
        body = getattr(request, kind)
        if VALUE_PLANS.get(body.DESCRIPTOR.full_name):
            _walk(body, budget, kind)

"""What the admin API needs from the worker: the store, the cluster services, and the worker's own state.

The worker wiring fills these in (``turms/worker/runtime.py``); the admin package never imports the worker.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from turms.clock import Clock
from turms.cluster.bus import RoutingBus
from turms.cluster.live_settings import LiveSettings
from turms.cluster.membership import Membership
from turms.cluster.sessions import SessionRegistry
from turms.security.blocklist import BlocklistService
from turms.service.context import Services
from turms.service.resource.port import ObjectStore
from turms.settings import Settings
from turms.storage.port import Store


class IdGenerator(Protocol):
    def next_id(self) -> int: ...


@dataclass
class NodeState:
    """The worker's own state, read at each health probe."""

    index: int
    generation: int
    is_ready: Callable[[], bool]
    is_draining: Callable[[], bool]
    connections: Callable[[], int]
    redis_ping: Callable[[], Awaitable[bool]]
    started: float = field(default_factory=time.monotonic)


@dataclass
class AdminDeps:
    settings: Settings
    store: Store
    clock: Clock
    ids: IdGenerator
    registry: SessionRegistry
    bus: RoutingBus
    membership: Membership
    live: LiveSettings
    node: NodeState
    #: Abuse protection (None where it is not running, e.g. in unit tests of other resources).
    blocklist: BlocklistService | None = None
    antispam_test: Callable[[str], dict[str, Any]] | None = None
    antispam_reload: Callable[[], Awaitable[None]] | None = None
    #: The worker's domain services (messages sent through the API use them, as client sends do).
    services: Services | None = None
    #: The files backend (None: the storage routes that need it answer 501, code 6000).
    files: ObjectStore | None = None

"""The services' dependencies, built once per worker and handed to every domain module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from turms.clock import Clock
from turms.service.api import Notifier, Presence
from turms.settings import Settings
from turms.storage.port import Store


class IdGenerator(Protocol):
    def next_id(self) -> int:
        """A new 64-bit id, unique across the cluster and increasing within this worker."""
        ...


@dataclass
class Services:
    settings: Settings
    store: Store
    clock: Clock
    ids: IdGenerator
    notifier: Notifier
    presence: Presence

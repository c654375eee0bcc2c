"""The services' dependencies, built once per worker and handed to every domain module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from turms.clock import Clock
from turms.plugins.hooks import Hooks
from turms.service.api import ClusterEvents, Notifier, Presence, Response
from turms.service.single_flight import SingleFlight
from turms.settings import Settings
from turms.storage.port import Store

if TYPE_CHECKING:
    from turms.security.antispam import TextModerator
    from turms.service.group.member_cache import MemberIdsCache
    from turms.service.relationship.cache import RelationshipCache
    from turms.service.resource.port import ObjectStore
    from turms.service.user.location import GeoIndex


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
    #: Where users are (Redis GEO); None turns the location features off.
    geo: GeoIndex | None = None
    #: Antispam for user-supplied text (``turms.security.antispam.check_text``); None checks nothing.
    moderator: TextModerator | None = None
    #: Sends with an idempotency key running in this worker, by (sender, device type, key): a retry that
    #: arrives meanwhile waits for the first attempt's ack instead of repeating its work.
    sends_in_flight: SingleFlight[tuple[int, int, str], Response] = field(default_factory=SingleFlight)
    #: Events to and from every worker of the cluster; None in a single process (tests).
    events: ClusterEvents | None = None
    #: The plugins' extension points (content checks, offline recipients, the conference provider); none installed
    #: by default.
    plugins: Hooks = field(default_factory=Hooks)
    #: Where files are kept (``turms.service.resource.backends``); None: storage requests answer 6000.
    files: ObjectStore | None = None
    #: Each group's member ids, for push audiences (``turms.service.group.member_cache``).
    group_members: MemberIdsCache = field(init=False)
    #: The relationships private sends check (``turms.service.relationship.cache``).
    relationships: RelationshipCache = field(init=False)

    def __post_init__(self) -> None:
        from turms.service.group.member_cache import MemberIdsCache
        from turms.service.relationship.cache import RelationshipCache

        self.group_members = MemberIdsCache(self.store, self.settings, self.events)
        self.relationships = RelationshipCache(self.store, self.settings, self.events)

"""The object-store port: what the files domain needs from a backend, and nothing more.

A backend keeps objects in three buckets, one per Turms resource type (Turms's bucket names), under keys the
domain chooses (decimal ids). Clients never send file bytes through the Turms protocol: the domain asks the
backend for an *upload form* (a URL and form fields that authorise one multipart POST of one object, bounded in
size and content type, until an expiry) and for *download URLs* (signed and expiring for attachments, public and
predictable for profile pictures, as Turms's MinIO plugin does). Both backends speak the same upload protocol,
S3's browser-based POST, so one client helper works against either.

Implementations live in :mod:`turms.service.resource.backends`; the domain never imports them.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol


class ResourceType(enum.IntEnum):
    """Turms's ``StorageResourceType``, with its bucket names."""

    USER_PROFILE_PICTURE = 0
    GROUP_PROFILE_PICTURE = 1
    MESSAGE_ATTACHMENT = 2

    @property
    def bucket(self) -> str:
        """Turms's bucket name: ``user-profile-picture``, ``group-profile-picture``, ``message-attachment``."""
        return self.name.lower().replace("_", "-")

    @property
    def setting_key(self) -> str:
        """The settings section of the type (``service.storage.<key>.*``)."""
        return self.name.lower()

    @property
    def public(self) -> bool:
        """Profile pictures are readable by anyone at a predictable URL; attachments only through signed URLs."""
        return self is not ResourceType.MESSAGE_ATTACHMENT


@dataclass(frozen=True)
class MediaRange:
    """The content types an upload may declare: exactly ``value``, or any starting with ``value`` (``prefix``)."""

    value: str
    prefix: bool

    def matches(self, content_type: str) -> bool:
        return content_type.startswith(self.value) if self.prefix else content_type == self.value


ANY_MEDIA = MediaRange("", prefix=True)


@dataclass(frozen=True)
class UploadPolicy:
    """What one upload may be: the object it writes, its content types and size bounds, and how long it may take."""

    type: ResourceType
    key: str
    content_type: MediaRange
    min_bytes: int
    #: 0: no maximum beyond the backend's own.
    max_bytes: int
    expires_in_s: int


@dataclass(frozen=True)
class UploadForm:
    """Where and how the client uploads: a multipart POST to ``url`` with ``fields`` (which include ``key``), then
    the ``Content-Type`` field, then the file as the last part named ``file``."""

    url: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str


#: Told by a backend that learns of uploads itself (the local one) that an object was stored.
StoredHook = Callable[[ResourceType, str, StoredObject], Awaitable[None]]


class ObjectStoreError(Exception):
    """The backend failed (unreachable, refused); the domain answers SERVER_INTERNAL_ERROR or UNAVAILABLE."""


class ObjectStore(Protocol):
    #: ``"local"`` or ``"s3"``: for logs and the admin API, never for branching domain logic.
    name: str
    #: Set by the domain before :meth:`start`; backends that cannot see uploads (S3) never call it.
    on_stored: StoredHook | None

    async def start(self) -> None:
        """Get ready (create buckets or directories); idempotent across workers and restarts."""
        ...

    async def close(self) -> None: ...

    async def upload_form(self, policy: UploadPolicy) -> UploadForm:
        """A form that lets its holder upload one object as ``policy`` allows, until it expires."""
        ...

    async def download_url(self, type: ResourceType, key: str, expires_in_s: int) -> str:
        """A URL that lets its holder read the object for ``expires_in_s`` seconds."""
        ...

    async def public_url(self, type: ResourceType, key: str) -> str:
        """The permanent URL of an object in a public bucket (profile pictures)."""
        ...

    async def stat(self, type: ResourceType, key: str) -> StoredObject | None:
        """The stored object's size and content type, or None when there is none."""
        ...

    async def delete(self, type: ResourceType, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...

"""The storage errors: one small hierarchy that both adapters raise, whatever the driver said.

Each is a :class:`~turms.errors.TurmsError` with the Turms ``ResponseStatusCode`` a client is answered with.
Callers catch :class:`DuplicateKeyError` to implement idempotency and "already exists" answers; every other
failure is a :class:`StorageError`.
"""

from __future__ import annotations

from typing import ClassVar

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode


class StorageError(TurmsError):
    """A store operation failed. ``reason`` is safe to log; it never contains document contents."""

    CODE: ClassVar[ResponseStatusCode] = ResponseStatusCode.SERVER_INTERNAL_ERROR

    def __init__(self, reason: str) -> None:
        super().__init__(self.CODE, reason)

    @property
    def status(self) -> str:
        """The name of the Turms ``ResponseStatusCode`` this error answers a client with."""
        return self.code.name


class StorageUnavailableError(StorageError):
    """The database could not be reached, or stayed locked/busy past the configured timeout."""

    CODE = ResponseStatusCode.SERVER_UNAVAILABLE


class DuplicateKeyError(StorageError):
    """A write would have violated a unique index (``_id`` or a declared unique index)."""

    CODE = ResponseStatusCode.RECORD_CONTAINS_DUPLICATE_KEY


class InvalidDocumentError(StorageError):
    """A document holds a value the store does not accept (type, range, shape or a declared field's type)."""

    CODE = ResponseStatusCode.ILLEGAL_ARGUMENT


class InvalidQueryError(StorageError):
    """A filter, projection or sort outside the documented subset."""

    CODE = ResponseStatusCode.ILLEGAL_ARGUMENT


class InvalidUpdateError(StorageError):
    """An update document outside the subset, or one that cannot apply (``$inc`` on a string, …)."""

    CODE = ResponseStatusCode.ILLEGAL_ARGUMENT

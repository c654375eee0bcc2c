"""Driver errors of the MongoDB adapter as :mod:`turms.storage.errors` (shared by its modules)."""

from __future__ import annotations

from typing import Any

import pymongo.errors as perr

from turms.storage.errors import (
    DuplicateKeyError,
    InvalidQueryError,
    InvalidUpdateError,
    StorageError,
    StorageUnavailableError,
)

#: Server error codes of updates that cannot apply: type mismatch, bad value, path not viable, conflicting
#: operators, immutable field, cannot-apply-to-non-array …
_UPDATE_ERROR_CODES = frozenset({2, 9, 14, 28, 40, 52, 56, 66})


def map_error(exc: Exception, *, updating: bool = False) -> Exception:
    """The storage error for a driver error (non-driver exceptions are returned unchanged)."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, perr.DuplicateKeyError):
        return DuplicateKeyError(f"duplicate key (code {exc.code})")
    if isinstance(exc, perr.BulkWriteError):
        errors = exc.details.get("writeErrors") or []
        if errors:
            code = errors[0].get("code")
            if code == 1 and "UNIQUE constraint failed" in str(errors[0].get("errmsg", "")):
                return DuplicateKeyError("duplicate key")
            return _by_code(code, str(errors[0].get("errmsg", "")), updating=True)
        return StorageError(f"bulk write failed: {exc}")
    if isinstance(exc, perr.ConnectionFailure | perr.ServerSelectionTimeoutError | perr.NetworkTimeout):
        return StorageUnavailableError(f"mongodb unreachable: {type(exc).__name__}")
    if isinstance(exc, perr.OperationFailure):
        if exc.code == 1 and "UNIQUE constraint failed" in str(exc):
            # FerretDB v1 reports a unique violation by an update as an internal error.
            return DuplicateKeyError("duplicate key")
        return _by_code(exc.code, str(exc.details.get("errmsg", exc) if exc.details else exc), updating=updating)
    if isinstance(exc, perr.PyMongoError):
        return StorageError(f"mongodb: {exc}")
    return exc


#: MongoDB's AuthenticationFailed error code.
_AUTHENTICATION_FAILED = 18


def _by_code(code: Any, message: str, *, updating: bool) -> StorageError:
    if code == _AUTHENTICATION_FAILED:
        # Wrong credentials, or (in a new deployment) a user not created yet: the database refuses service.
        return StorageUnavailableError(f"mongodb authentication failed: {message}")
    if code in (11000, 11001):
        return DuplicateKeyError("duplicate key")
    if updating and code in _UPDATE_ERROR_CODES:
        return InvalidUpdateError(f"update cannot apply: {message}")
    if code in (2, 9):
        return InvalidQueryError(message)
    return StorageError(f"mongodb error {code}: {message}")

"""The store: the port the domain layer talks to, the collection schema, and the SQLite and MongoDB adapters.

Domain code imports the port (:class:`Store`, the write operations, the errors) and the schema from here, and
receives a started store from the worker's wiring (:func:`turms.storage.factory.open_store`); it never
imports an adapter or a driver. This package may import the standard library, ``turms.settings``,
``turms.errors``, ``turms.protocol.status`` and the database drivers (``sqlite3``, ``pymongo``), nothing
higher.
"""

from __future__ import annotations

from turms.storage.errors import (
    DuplicateKeyError,
    InvalidDocumentError,
    InvalidQueryError,
    InvalidUpdateError,
    StorageError,
    StorageUnavailableError,
)
from turms.storage.port import (
    BulkResult,
    DeleteMany,
    DeleteOne,
    Document,
    Filter,
    InsertOne,
    Projection,
    ReturnDocument,
    Sort,
    Store,
    Update,
    UpdateMany,
    UpdateOne,
    UpdateResult,
    WriteOp,
)
from turms.storage.schema import SCHEMA, Collection, Field, Index, Kind, Schema

__all__ = [
    "SCHEMA",
    "BulkResult",
    "Collection",
    "DeleteMany",
    "DeleteOne",
    "Document",
    "DuplicateKeyError",
    "Field",
    "Filter",
    "Index",
    "InsertOne",
    "InvalidDocumentError",
    "InvalidQueryError",
    "InvalidUpdateError",
    "Kind",
    "Projection",
    "ReturnDocument",
    "Schema",
    "Sort",
    "StorageError",
    "StorageUnavailableError",
    "Store",
    "Update",
    "UpdateMany",
    "UpdateOne",
    "UpdateResult",
    "WriteOp",
]

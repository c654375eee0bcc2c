"""Logical dump and restore of the MongoDB store (``turms store dump`` / ``turms store restore``).

The files are mongodump's directory format: ``<dir>/<database>/<collection>.bson``, each the collection's
documents one after another as BSON, so ``mongorestore --dir <dir>`` reads a dump made here and a dump that
``mongodump --out`` made (uncompressed) restores here. Every collection of the database is dumped, the
adapter's own (sequence counters) included; indexes are not, because the server creates its declared indexes
at every start. It is for hosts without MongoDB's database tools and for tests: a dump taken while the server
writes is consistent per document, not a point in time across collections (stop the servers first, or use
``mongodump --oplog`` on a replica set, or the data volumes' snapshots).

Restore refuses a collection that already holds documents, unless ``drop`` (then it is emptied first).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from turms.storage.errors import StorageError

log = logging.getLogger("turms.storage.dump")

BATCH = 1000
_RAW = CodecOptions(document_class=RawBSONDocument)


def _database(client: MongoClient[Any], database: str) -> Any:
    return client.get_default_database(default=database)


def dump(uri: str, database: str, out_dir: Path) -> dict[str, int]:
    """Write every collection of the URI's database (or ``database``) under ``out_dir``; return the number of
    documents per collection."""
    counts: dict[str, int] = {}
    try:
        client: MongoClient[Any]
        with MongoClient(uri, serverSelectionTimeoutMS=10_000) as client:
            db = _database(client, database)
            target = out_dir / db.name
            target.mkdir(parents=True, exist_ok=True)
            for name in sorted(db.list_collection_names()):
                if name.startswith("system."):
                    continue
                path = target / f"{name}.bson"
                tmp = path.with_suffix(".bson.tmp")
                n = 0
                with tmp.open("wb") as f:
                    for raw in db.get_collection(name, codec_options=_RAW).find({}, sort=[("_id", 1)]):
                        f.write(raw.raw)
                        n += 1
                tmp.replace(path)
                counts[name] = n
    except PyMongoError as e:
        raise StorageError(f"dump failed: {e}") from e
    return counts


def _documents(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        for doc in bson.decode_file_iter(f, codec_options=_RAW):
            yield bytes(doc.raw)


def restore(uri: str, database: str, in_dir: Path, *, drop: bool = False) -> dict[str, int]:
    """Insert the documents of every ``<collection>.bson`` under ``in_dir/<database>``; return the number of
    documents per collection. Raises :class:`StorageError` if a collection is not empty and not ``drop``."""
    counts: dict[str, int] = {}
    try:
        client: MongoClient[Any]
        with MongoClient(uri, serverSelectionTimeoutMS=10_000) as client:
            db = _database(client, database)
            source = in_dir / db.name
            files = sorted(source.glob("*.bson"))
            if not files:
                raise StorageError(f"no <collection>.bson files in {source}")
            for path in files:
                name = path.name.removesuffix(".bson")
                coll = db.get_collection(name)
                if coll.count_documents({}, limit=1):
                    if not drop:
                        raise StorageError(f"collection {name} is not empty: restore with --drop to replace it")
                    coll.delete_many({})
                raw = db.get_collection(name, codec_options=_RAW)
                batch: list[Any] = []
                n = 0
                for data in _documents(path):
                    batch.append(RawBSONDocument(data))
                    if len(batch) >= BATCH:
                        raw.insert_many(batch, ordered=True)
                        n += len(batch)
                        batch = []
                if batch:
                    raw.insert_many(batch, ordered=True)
                    n += len(batch)
                counts[name] = n
                log.info("restored %d documents into %s", n, name)
    except PyMongoError as e:
        raise StorageError(f"restore failed: {e}") from e
    return counts

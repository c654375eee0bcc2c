"""The schema's own rules, the error mapping and the store factory."""

from __future__ import annotations

from pathlib import Path

import pymongo.errors as perr
import pytest

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode
from turms.settings import Settings
from turms.storage.errors import DuplicateKeyError, InvalidUpdateError, StorageError, StorageUnavailableError
from turms.storage.factory import open_store, sqlite_path
from turms.storage.mongo import MongoStore, map_error
from turms.storage.schema import SCHEMA, Collection, Field, Index, Kind
from turms.storage.sharding import plan
from turms.storage.sqlite import SqliteStore

MODEL = {
    "user",
    "userSettings",
    "userVersion",
    "userRole",
    "userRelationship",
    "userRelationshipGroup",
    "userRelationshipGroupMember",
    "userFriendRequest",
    "group",
    "groupType",
    "groupMember",
    "groupVersion",
    "groupBlockedUser",
    "groupInvitation",
    "groupJoinRequest",
    "groupJoinQuestion",
    "privateConversation",
    "groupConversation",
    "conversationSettings",
    "message",
    "messageIdempotency",
    "messagePurge",
    "sequenceCounter",
    "admin",
    "adminRole",
    "clusterSettings",
}


def test_every_collection_of_the_model_is_declared() -> None:
    assert set(SCHEMA.collections) >= MODEL


def test_shard_keys_are_declared_fields_and_prefix_unique_indexes() -> None:
    for coll in SCHEMA:
        if coll.shard_key is None:
            continue
        for path, _ in coll.shard_key:
            assert path in coll.field_map, (coll.name, path)
        for ix in coll.indexes:
            if ix.unique:
                assert ix.paths[: len(coll.shard_key)] == tuple(p for p, _ in coll.shard_key), coll.name
    cmds = [step.command for step in plan(database="im", uri="mongodb://mongos/im")]
    assert {"shardCollection": "im.message", "key": {"cid": 1}} in cmds


def test_message_keeps_dense_sequences_and_idempotency_expires() -> None:
    assert any(ix.unique and ix.paths == ("cid", "sqid") for ix in SCHEMA["message"].indexes)
    assert SCHEMA["messageIdempotency"].ttl_indexes[0].ttl_s == 86_400


def test_schema_rules() -> None:
    with pytest.raises(ValueError, match="must be required"):
        Collection("x", (Field("_id", Kind.INT, True), Field("a", Kind.STR)), (Index((("a", 1),), unique=True),))
    with pytest.raises(ValueError, match="declared scalar"):
        Collection("x", (Field("_id", Kind.INT, True),), (Index((("a", 1),)),))
    with pytest.raises(ValueError, match="OBJECT"):
        Collection("x", (Field("_id", Kind.INT, True), Field("a.b", Kind.INT)))
    with pytest.raises(ValueError, match="TTL"):
        Collection("x", (Field("_id", Kind.INT, True), Field("a", Kind.INT)), (Index((("a", 1),), ttl_s=5),))


def test_storage_errors_are_turms_errors_with_codes() -> None:
    assert isinstance(DuplicateKeyError("x"), TurmsError)
    assert DuplicateKeyError("x").code is ResponseStatusCode.RECORD_CONTAINS_DUPLICATE_KEY
    assert StorageUnavailableError("x").code is ResponseStatusCode.SERVER_UNAVAILABLE
    assert StorageError("x").code is ResponseStatusCode.SERVER_INTERNAL_ERROR
    assert InvalidUpdateError("x").code is ResponseStatusCode.ILLEGAL_ARGUMENT


def test_driver_errors_are_mapped() -> None:
    assert isinstance(map_error(perr.DuplicateKeyError("E11000", 11000)), DuplicateKeyError)
    assert isinstance(map_error(perr.ServerSelectionTimeoutError("down")), StorageUnavailableError)
    assert isinstance(map_error(perr.AutoReconnect("x")), StorageUnavailableError)
    assert isinstance(map_error(perr.OperationFailure("bad", 14), updating=True), InvalidUpdateError)
    bulk = perr.BulkWriteError({"writeErrors": [{"code": 11000, "errmsg": "dup"}]})
    assert isinstance(map_error(bulk), DuplicateKeyError)
    assert type(map_error(perr.OperationFailure("?", 8000))) is StorageError


def test_factory_defaults_to_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings({"server.data_dir": str(tmp_path)})
    assert sqlite_path(settings) == tmp_path / "turms.sqlite3"
    assert isinstance(open_store(settings), SqliteStore)
    explicit = Settings({"storage.sqlite.path": str(tmp_path / "x.db")})
    assert sqlite_path(explicit) == tmp_path / "x.db"


def test_factory_uses_mongo_when_a_uri_is_set() -> None:
    settings = Settings({"storage.mongo.uri": "mongodb://127.0.0.1:1/", "storage.mongo.message.uri": "mongodb://h/"})
    store = open_store(settings)
    assert isinstance(store, MongoStore) and store.engine == "mongo"

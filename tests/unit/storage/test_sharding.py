"""The sharding plan and ``turms store init --sharded --dry-run``: the commands it would issue (no MongoDB
sharded cluster can run here; FerretDB, the MongoDB-protocol test server, has no sharding)."""

from __future__ import annotations

import json

import pytest

from turms.cli import main
from turms.storage.schema import SCHEMA
from turms.storage.sharding import HOT_COLLECTIONS, MAX_KEY, MIN_KEY, plan, to_driver

URI = "mongodb://admin:secret@mongos-a:27017,mongos-b:27017/im"


def dry_run(capsys: pytest.CaptureFixture[str], *args: str, command: str = "store") -> list[dict[str, object]]:
    code = main([command, "init", "--sharded", "--dry-run", "--set", f"storage.mongo.uri={URI}", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return [json.loads(line) for line in out.splitlines()]


def test_every_collection_with_a_shard_key_is_sharded_after_enable_sharding(capsys: pytest.CaptureFixture[str]) -> None:
    lines = dry_run(capsys)
    assert dry_run(capsys, command="storage") == lines  # `turms storage init`, as the issue names it
    assert all(line["deployment"] == "mongodb://***@mongos-a:27017,mongos-b:27017/im" for line in lines)
    commands = [line["command"] for line in lines]
    assert commands[0] == {"enableSharding": "im"}
    sharded = {c.name: dict(c.shard_key) for c in SCHEMA if c.shard_key is not None}
    assert commands[1:] == [{"shardCollection": f"im.{name}", "key": key} for name, key in sharded.items()]
    assert {"shardCollection": "im.message", "key": {"cid": 1}} in commands
    assert {"shardCollection": "im.user", "key": {"_id": "hashed"}} in commands
    unsharded = {c.name for c in SCHEMA if c.shard_key is None}
    assert unsharded and not any(c.get("shardCollection", "").split(".")[-1] in unsharded for c in commands)


def test_zones_put_what_every_send_writes_on_the_hot_shards(capsys: pytest.CaptureFixture[str]) -> None:
    commands = [
        line["command"] for line in dry_run(capsys, "--hot-shards", "rs-fast1,rs-fast2", "--cold-shards", "rs-big")
    ]
    zones = [c for c in commands if "addShardToZone" in c]
    assert zones == [
        {"addShardToZone": "rs-fast1", "zone": "hot"},
        {"addShardToZone": "rs-fast2", "zone": "hot"},
        {"addShardToZone": "rs-big", "zone": "cold"},
    ]
    ranges = {c["updateZoneKeyRange"]: c for c in commands if "updateZoneKeyRange" in c}
    sharded = [c for c in SCHEMA if c.shard_key is not None]
    assert set(ranges) == {f"im.{c.name}" for c in sharded}
    for c in sharded:
        r = ranges[f"im.{c.name}"]
        assert r["zone"] == ("hot" if c.name in HOT_COLLECTIONS else "cold")
        assert r["min"] == {path: MIN_KEY for path, _ in c.shard_key or ()}
        assert r["max"] == {path: MAX_KEY for path, _ in c.shard_key or ()}
    assert ranges["im.message"]["zone"] == "hot" and ranges["im.user"]["zone"] == "cold"
    # Zone ranges only after every collection is sharded and every shard is in its zone.
    first_range = next(i for i, c in enumerate(commands) if "updateZoneKeyRange" in c)
    assert all("updateZoneKeyRange" in c for c in commands[first_range:])


def test_each_uri_group_is_sharded_on_its_own_deployment() -> None:
    steps = plan(database="im", uri="mongodb://main/im", group_uris={"message": "mongodb://messages/im"})
    by_uri: dict[str, list[dict[str, object]]] = {}
    for step in steps:
        by_uri.setdefault(step.uri, []).append(step.command)
    assert by_uri["mongodb://messages/im"][0] == {"enableSharding": "im"}
    message_colls = {c.name for c in SCHEMA if c.group == "message" and c.shard_key is not None}
    assert {str(c["shardCollection"]).split(".")[1] for c in by_uri["mongodb://messages/im"][1:]} == message_colls
    assert not any(
        str(c.get("shardCollection", "")).split(".")[-1] in message_colls for c in by_uri["mongodb://main/im"]
    )


def test_bad_zone_arguments_and_no_mongo_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="both"):
        plan(database="im", uri="mongodb://m/im", hot_shards=["a"])
    with pytest.raises(ValueError, match="both zones"):
        plan(database="im", uri="mongodb://m/im", hot_shards=["a"], cold_shards=["a"])
    assert main(["storage", "init", "--sharded", "--dry-run"]) == 2
    assert "need a MongoDB URI" in capsys.readouterr().err
    assert to_driver({"a": MIN_KEY, "b": [1]})["a"].__class__.__name__ == "MinKey"

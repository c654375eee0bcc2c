"""The collection schema: every collection of the data model, declared once.

Each :class:`Collection` names its declared fields (path, kind, required), its indexes (keys and direction,
unique, TTL) and the shard key used on a sharded MongoDB. Both adapters create their indexes from this one
declaration at start-up, idempotently. Field names are Turms's short names, so a Turms database and ours
read alike.

Declared fields are a contract the adapters enforce on every write: a declared field holds a value of its kind
(never ``None``; absent when there is no value), a required one is always present, and no array lies on a
declared path. That is what lets SQLite answer filters on declared fields with real indexes and exact SQL, and
what makes unique indexes behave the same on both engines (unique indexes cover required fields only).
Undeclared fields are free-form; filters on them are evaluated in full but without an index on SQLite.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from turms.storage.errors import InvalidDocumentError

HASHED = "hashed"


class Kind(enum.Enum):
    INT = "int"
    NUMBER = "number"  # int or float
    STR = "str"
    BOOL = "bool"
    DATE = "date"
    BYTES = "bytes"
    #: An embedded document (compound ``_id``s); its declared sub-fields are declared separately.
    OBJECT = "object"
    #: Arrays and maps; never pushed down to SQL, never unique-indexed.
    ARRAY = "array"
    MAP = "map"


#: Kinds whose values SQLite compares exactly in SQL (scalar kinds).
SCALAR_KINDS = frozenset({Kind.INT, Kind.NUMBER, Kind.STR, Kind.BOOL, Kind.DATE, Kind.BYTES})


@dataclass(frozen=True)
class Field:
    path: str
    kind: Kind
    required: bool = False


@dataclass(frozen=True)
class Index:
    #: ``(path, 1 | -1 | "hashed")`` pairs.
    keys: tuple[tuple[str, int | str], ...]
    unique: bool = False
    #: Documents expire this many seconds after the date in the (single, DATE-kind) key field.
    ttl_s: int | None = None

    @property
    def name(self) -> str:
        return "_".join(f"{path.replace('.', '_')}_{direction}" for path, direction in self.keys)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(path for path, _ in self.keys)


@dataclass(frozen=True)
class Collection:
    name: str
    fields: tuple[Field, ...]
    indexes: tuple[Index, ...] = ()
    #: ``(path, 1 | "hashed")`` pairs; ``None`` for collections left unsharded.
    shard_key: tuple[tuple[str, int | str], ...] | None = (("_id", HASHED),)
    #: The URI group (``storage.mongo.<group>.uri``) whose database holds the collection.
    group: str = "default"
    doc: str = ""
    field_map: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_map", {f.path: f for f in self.fields})
        if "_id" not in self.field_map:
            raise ValueError(f"{self.name}: `_id` must be declared")
        for f in self.fields:
            parts = f.path.split(".")
            for i in range(1, len(parts)):
                parent = self.field_map.get(".".join(parts[:i]))
                if parent is None or parent.kind is not Kind.OBJECT:
                    raise ValueError(f"{self.name}.{f.path}: its parent must be declared as an OBJECT")
        for ix in self.indexes:
            for path in ix.paths:
                fld = self.field_map.get(path)
                if fld is None or fld.kind not in SCALAR_KINDS:
                    raise ValueError(f"{self.name}: index field {path} must be a declared scalar field")
                if ix.unique and not fld.required:
                    raise ValueError(f"{self.name}: unique index field {path} must be required")
            if ix.ttl_s is not None and (len(ix.keys) != 1 or self.field_map[ix.paths[0]].kind is not Kind.DATE):
                raise ValueError(f"{self.name}: a TTL index has one DATE key")

    @property
    def ttl_indexes(self) -> tuple[Index, ...]:
        return tuple(ix for ix in self.indexes if ix.ttl_s is not None)

    def scalar_field(self, path: str) -> Field | None:
        """The declared field at ``path`` when SQL may compare it directly."""
        f = self.field_map.get(path)
        return f if f is not None and f.kind in SCALAR_KINDS else None


@dataclass(frozen=True)
class Schema:
    collections: Mapping[str, Collection]

    @classmethod
    def of(cls, *collections: Collection) -> Schema:
        names = [c.name for c in collections]
        if len(set(names)) != len(names):
            raise ValueError("a collection is declared twice")
        return cls({c.name: c for c in collections})

    def __getitem__(self, name: str) -> Collection:
        try:
            return self.collections[name]
        except KeyError:
            from turms.storage.errors import InvalidQueryError

            raise InvalidQueryError(f"unknown collection {name!r}") from None

    def __iter__(self) -> Iterator[Collection]:
        return iter(self.collections.values())


# Validation of declared fields ---------------------------------------------------------------------------

_KIND_CHECKS: dict[Kind, Any] = {
    Kind.INT: lambda v: isinstance(v, int) and not isinstance(v, bool),
    Kind.NUMBER: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    Kind.STR: lambda v: isinstance(v, str),
    Kind.BOOL: lambda v: isinstance(v, bool),
    Kind.DATE: lambda v: isinstance(v, datetime),
    Kind.BYTES: lambda v: isinstance(v, bytes),
    Kind.OBJECT: lambda v: isinstance(v, dict),
    Kind.ARRAY: lambda v: isinstance(v, list),
    Kind.MAP: lambda v: isinstance(v, dict),
}

_MISSING = object()


def _lookup(doc: Mapping[str, Any], path: str) -> Any:
    cur: Any = doc
    for part in path.split("."):
        if not isinstance(cur, dict):
            return _MISSING
        cur = cur.get(part, _MISSING)
        if cur is _MISSING:
            return _MISSING
    return cur


def check_declared(collection: Collection, doc: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidDocumentError` unless ``doc`` honours the collection's declared fields."""
    for f in collection.fields:
        value = _lookup(doc, f.path)
        if value is _MISSING:
            if f.required:
                raise InvalidDocumentError(f"{collection.name}: required field {f.path!r} is missing")
            continue
        if not _KIND_CHECKS[f.kind](value):
            raise InvalidDocumentError(
                f"{collection.name}: field {f.path!r} must be {f.kind.value}, not {type(value).__name__}"
            )


def check_update_declared(collection: Collection, update: Mapping[str, Mapping[str, Any]]) -> None:
    """Statically check an update against the declared fields (used where the result is not seen)."""
    for op, spec in update.items():
        for path, value in spec.items():
            f = collection.field_map.get(path)
            prefix = [p for p in collection.field_map if path.startswith(p + ".")]
            if f is None and not prefix:
                continue
            if f is None:
                # A path below a declared field: only OBJECT/MAP/ARRAY fields have sub-paths.
                if any(collection.field_map[p].kind in SCALAR_KINDS for p in prefix):
                    raise InvalidDocumentError(f"{collection.name}: {path!r} lies below a scalar field")
                continue
            if op == "$unset" and f.required:
                raise InvalidDocumentError(f"{collection.name}: required field {path!r} cannot be unset")
            if op in ("$set", "$setOnInsert", "$min", "$max") and not _KIND_CHECKS[f.kind](value):
                raise InvalidDocumentError(f"{collection.name}: field {path!r} must be {f.kind.value}")
            if op in ("$push", "$addToSet", "$pull") and f.kind is not Kind.ARRAY:
                raise InvalidDocumentError(f"{collection.name}: field {path!r} is not an array")
            if op == "$inc" and f.kind not in (Kind.INT, Kind.NUMBER):
                raise InvalidDocumentError(f"{collection.name}: field {path!r} is not a number")


# The data model --------------------------------------------------------------------------------------------
#
# Field names follow Turms's entities (`turms-service/.../domain/*/po/*.java`). Compound keys live in `_id`
# documents, as in Turms. Dates are UTC datetimes; ids are Snowflake ints (see turms.cluster.ids).


def _f(path: str, kind: Kind, required: bool = False) -> Field:
    return Field(path, kind, required)


def _ix(*keys: tuple[str, int | str], unique: bool = False, ttl_s: int | None = None) -> Index:
    return Index(tuple(keys), unique, ttl_s)


_ID_INT = _f("_id", Kind.INT, True)
_ID_OBJ = _f("_id", Kind.OBJECT, True)

#: Idempotency records are kept this long (B1: "keep the record >= 24 h").
IDEMPOTENCY_TTL_S = 86_400
#: Audit records of admin writes are kept this long (Turms's admin queries span at most 90 days).
ADMIN_ACTION_LOG_TTL_S = 90 * 86_400

SCHEMA = Schema.of(
    # -- users ---------------------------------------------------------------------------------------------
    Collection(
        "user",
        (
            _ID_INT,
            _f("pw", Kind.BYTES),
            _f("n", Kind.STR),
            _f("intro", Kind.STR),
            _f("pp", Kind.STR),
            _f("pas", Kind.INT),
            _f("pgid", Kind.INT),
            _f("rd", Kind.DATE),
            _f("dd", Kind.DATE),
            _f("lud", Kind.DATE),
            _f("act", Kind.BOOL),
            _f("uda", Kind.MAP),
        ),
        # `n`: QueryUserProfilesRequest by name is an exact, indexed match.
        (_ix(("dd", 1)), _ix(("rd", 1)), _ix(("n", 1))),
        group="user",
        doc="Users; `pw` is a scrypt/Argon2 hash; `pas` the profile access strategy; `pgid` the role id.",
    ),
    Collection(
        "userSettings",
        (_ID_INT, _f("s", Kind.MAP), _f("lud", Kind.DATE)),
        group="user",
        doc="Per-user settings map; `_id` is the user id.",
    ),
    Collection(
        "userVersion",
        (_ID_INT, *(_f(n, Kind.DATE) for n in ("sfr", "rfr", "r", "rg", "rgm", "gjr", "sgi", "rgi", "jg"))),
        group="user",
        doc="Last-change date of each user-side collection, for clients' incremental sync.",
    ),
    Collection(
        "userRole",
        (
            _ID_INT,
            _f("n", Kind.STR),
            _f("cgtid", Kind.ARRAY),
            _f("ogl", Kind.INT),
            _f("oglegt", Kind.INT),
            _f("gtl", Kind.MAP),
        ),
        shard_key=None,
        group="user",
    ),
    Collection(
        "userRelationship",
        (
            _ID_OBJ,
            _f("_id.oid", Kind.INT, True),
            _f("_id.rid", Kind.INT, True),
            _f("n", Kind.STR),
            _f("nt", Kind.STR),
            _f("bd", Kind.DATE),
            _f("ed", Kind.DATE),
        ),
        (_ix(("_id.oid", 1), ("_id.rid", 1)), _ix(("_id.rid", 1)), _ix(("ed", 1))),
        shard_key=(("_id.oid", HASHED),),
        group="user",
        doc="One document per direction; `bd` set means the owner blocked the related user.",
    ),
    Collection(
        "userRelationshipGroup",
        (
            _ID_OBJ,
            _f("_id.oid", Kind.INT, True),
            _f("_id.gidx", Kind.INT, True),
            _f("n", Kind.STR),
            _f("cd", Kind.DATE),
        ),
        (_ix(("_id.oid", 1)),),
        shard_key=(("_id.oid", HASHED),),
        group="user",
    ),
    Collection(
        "userRelationshipGroupMember",
        (
            _ID_OBJ,
            _f("_id.oid", Kind.INT, True),
            _f("_id.gidx", Kind.INT, True),
            _f("_id.ruid", Kind.INT, True),
            _f("jd", Kind.DATE),
        ),
        (_ix(("_id.oid", 1), ("_id.gidx", 1)), _ix(("_id.ruid", 1))),
        shard_key=(("_id.oid", HASHED),),
        group="user",
    ),
    Collection(
        "userFriendRequest",
        (
            _ID_INT,
            _f("cnt", Kind.STR),
            _f("stat", Kind.INT),
            _f("rsn", Kind.STR),
            _f("cd", Kind.DATE),
            _f("adr", Kind.DATE),
            _f("rrid", Kind.INT, True),
            _f("rtid", Kind.INT, True),
        ),
        (_ix(("rtid", 1), ("cd", 1), ("rrid", 1)), _ix(("rrid", 1), ("cd", 1))),
        shard_key=(("rtid", 1),),
        group="user",
    ),
    # -- groups --------------------------------------------------------------------------------------------
    Collection(
        "group",
        (
            _ID_INT,
            _f("tid", Kind.INT),
            _f("cid", Kind.INT),
            _f("oid", Kind.INT),
            _f("n", Kind.STR),
            _f("intro", Kind.STR),
            _f("annt", Kind.STR),
            _f("ms", Kind.INT),
            _f("cd", Kind.DATE),
            _f("dd", Kind.DATE),
            _f("lud", Kind.DATE),
            _f("med", Kind.DATE),
            _f("ac", Kind.BOOL),
            _f("uda", Kind.MAP),
        ),
        (_ix(("oid", 1)), _ix(("dd", 1))),
        group="group",
    ),
    Collection(
        "groupType",
        (
            _ID_INT,
            _f("n", Kind.STR),
            _f("gsl", Kind.INT),
            _f("is", Kind.INT),
            _f("js", Kind.INT),
            _f("gius", Kind.INT),
            _f("mius", Kind.INT),
            _f("gs", Kind.BOOL),
            _f("siu", Kind.BOOL),
            _f("err", Kind.BOOL),
            _f("me", Kind.BOOL),
        ),
        shard_key=None,
        group="group",
    ),
    Collection(
        "groupMember",
        (
            _ID_OBJ,
            _f("_id.gid", Kind.INT, True),
            _f("_id.uid", Kind.INT, True),
            _f("n", Kind.STR),
            _f("role", Kind.INT),
            _f("jd", Kind.DATE),
            _f("med", Kind.DATE),
        ),
        (_ix(("_id.gid", 1), ("role", 1)), _ix(("_id.uid", 1))),
        shard_key=(("_id.gid", HASHED),),
        group="group",
    ),
    Collection(
        "groupVersion",
        (_ID_INT, *(_f(n, Kind.DATE) for n in ("mbr", "bl", "jr", "jq", "invt"))),
        group="group",
    ),
    Collection(
        "groupBlockedUser",
        (
            _ID_OBJ,
            _f("_id.gid", Kind.INT, True),
            _f("_id.uid", Kind.INT, True),
            _f("bd", Kind.DATE),
            _f("rid", Kind.INT),
        ),
        (_ix(("_id.gid", 1), ("_id.uid", 1)),),
        shard_key=(("_id.gid", 1),),
        group="group",
    ),
    Collection(
        "groupInvitation",
        (
            _ID_INT,
            _f("gid", Kind.INT, True),
            _f("irid", Kind.INT, True),
            _f("ieid", Kind.INT, True),
            _f("cnt", Kind.STR),
            _f("stat", Kind.INT),
            _f("cd", Kind.DATE),
            _f("rd", Kind.DATE),
            _f("rsn", Kind.STR),
        ),
        (_ix(("ieid", 1), ("cd", 1)), _ix(("gid", 1)), _ix(("irid", 1))),
        shard_key=(("ieid", 1),),
        group="group",
    ),
    Collection(
        "groupJoinRequest",
        (
            _ID_INT,
            _f("cnt", Kind.STR),
            _f("stat", Kind.INT),
            _f("cd", Kind.DATE),
            _f("rd", Kind.DATE),
            _f("rsn", Kind.STR),
            _f("gid", Kind.INT, True),
            _f("rqid", Kind.INT, True),
            _f("rpid", Kind.INT),
        ),
        (_ix(("rqid", 1), ("cd", 1)), _ix(("gid", 1))),
        shard_key=(("rqid", 1),),
        group="group",
    ),
    Collection(
        "groupJoinQuestion",
        (_ID_INT, _f("gid", Kind.INT, True), _f("q", Kind.STR), _f("ans", Kind.ARRAY), _f("score", Kind.INT)),
        (_ix(("gid", 1)),),
        shard_key=(("gid", HASHED),),
        group="group",
    ),
    # -- conversations ---------------------------------------------------------------------------------------
    Collection(
        "privateConversation",
        (_ID_OBJ, _f("_id.oid", Kind.INT, True), _f("_id.tid", Kind.INT, True), _f("rd", Kind.DATE)),
        (_ix(("_id.oid", 1)),),
        shard_key=(("_id.oid", HASHED),),
        group="conversation",
        doc="Read date of the owner in the private conversation with the target.",
    ),
    Collection(
        "groupConversation",
        (_ID_INT, _f("mr", Kind.MAP)),
        group="conversation",
        doc="`_id` is the group id; `mr` maps member id (as a string) to its read date.",
    ),
    Collection(
        "conversationSettings",
        (
            _ID_OBJ,
            _f("_id.oid", Kind.INT, True),
            _f("_id.tid", Kind.INT, True),
            _f("s", Kind.MAP),
            _f("lud", Kind.DATE),
        ),
        (_ix(("_id.oid", 1)),),
        shard_key=(("_id.oid", HASHED),),
        group="conversation",
    ),
    # -- messages --------------------------------------------------------------------------------------------
    Collection(
        "message",
        (
            _ID_INT,
            _f("cid", Kind.BYTES, True),
            _f("gm", Kind.BOOL),
            _f("sm", Kind.BOOL),
            _f("dyd", Kind.DATE, True),
            _f("md", Kind.DATE),
            _f("dd", Kind.DATE),
            _f("rd", Kind.DATE),
            _f("txt", Kind.STR),
            _f("sid", Kind.INT),
            _f("sip", Kind.INT),
            _f("tid", Kind.INT),
            _f("rec", Kind.ARRAY),
            _f("bf", Kind.INT),
            _f("rid", Kind.INT),
            _f("sqid", Kind.INT, True),
            _f("pmid", Kind.INT),
            _f("tomb", Kind.BOOL),
            _f("rx", Kind.MAP),
            _f("rxd", Kind.DATE),
            _f("rxv", Kind.INT),
        ),
        (
            # Dense per-conversation sequence: the unique index that makes "$inc then insert" safe.
            _ix(("cid", 1), ("sqid", 1), unique=True),
            _ix(("dyd", 1), ("cid", 1)),
            _ix(("dyd", 1), ("tid", 1)),
            _ix(("sid", 1)),
            _ix(("dd", 1)),
            # Reaction sync: a conversation's messages whose reactions changed since a date.
            _ix(("cid", 1), ("rxd", 1)),
        ),
        # Turms shards by delivery date for tiered storage; a unique index must be prefixed by the shard key,
        # and the unique (cid, sqid) index is what keeps sequence ids dense, so we shard by conversation.
        shard_key=(("cid", 1),),
        group="message",
        doc="Messages, stored once (read diffusion). `cid` is the conversation id (16 bytes private, 8 group), "
        "`sqid` its dense sequence id, `tomb` marks a tombstone left by a failed insert. Reactions: `rx` maps "
        "each reaction type (as a string) to the ids of the users who reacted with it, `rxd` is the date of the "
        "last change and `rxv` its version (changes are compare-and-set on it).",
    ),
    Collection(
        "messageIdempotency",
        (
            _ID_OBJ,
            _f("_id.sid", Kind.INT, True),
            _f("_id.dev", Kind.INT, True),
            _f("_id.cmid", Kind.STR, True),
            _f("mid", Kind.INT),
            _f("cd", Kind.DATE, True),
        ),
        (_ix(("cd", 1), ttl_s=IDEMPOTENCY_TTL_S),),
        shard_key=(("_id.sid", HASHED),),
        group="message",
        doc="Client message id -> the message id its first attempt claimed; kept 24 h.",
    ),
    Collection(
        "messagePurge",
        (_f("_id", Kind.BYTES, True), _f("sqid", Kind.INT, True)),
        group="message",
        doc="Per conversation (`_id` = `cid`), the highest sequence id retention deleted (`sqid`): everything "
        "up to it is gone, so a client syncing from below skips there instead of waiting for the numbers.",
    ),
    Collection(
        "sequenceCounter",
        (_f("_id", Kind.STR, True), _f("seq", Kind.INT, True), _f("cd", Kind.DATE)),
        group="message",
        doc="Per-key dense counters (`seq` is the last value handed out), e.g. per-conversation message "
        "sequence ids. On servers without atomic updates (FerretDB v1) one claim document per number, "
        "`<key>\\x1f<seq>` with its creation date `cd`.",
    ),
    # -- files (Turms's storage service) -------------------------------------------------------------------
    Collection(
        "messageAttachment",
        (
            _ID_INT,
            _f("n", Kind.STR),
            _f("mt", Kind.STR),
            _f("uid", Kind.INT, True),
            _f("cd", Kind.DATE, True),
            _f("sz", Kind.INT),
            _f("st", Kind.INT),
        ),
        (_ix(("uid", 1), ("cd", 1)), _ix(("st", 1), ("cd", 1))),
        group="message",
        doc="Message attachments (Turms's `minioMessageAttachment`): name, media type, uploader, creation date; "
        "`sz` the bytes charged to the uploader's usage (the upload's maximum until the object's size is known), "
        "`st` 0 while the upload may still arrive, 1 once the object is known to be stored.",
    ),
    Collection(
        "messageAttachmentShare",
        (
            _ID_OBJ,
            _f("_id.aid", Kind.INT, True),
            _f("_id.t", Kind.INT, True),
            _f("_id.tid", Kind.INT, True),
            _f("uid", Kind.INT, True),
            _f("acd", Kind.DATE, True),
        ),
        (_ix(("_id.t", 1), ("_id.tid", 1), ("acd", 1)), _ix(("_id.aid", 1))),
        shard_key=(("_id.tid", HASHED),),
        group="message",
        doc="Who an attachment is shared with (Turms keeps arrays in the attachment; one document per share keeps "
        "the listing queries indexed on both engines): `_id.t` 0 a user, 1 a group, `_id.tid` its id; `uid` "
        "the uploader and `acd` the attachment's creation date, copied for the listing filters.",
    ),
    Collection(
        "storageUsage",
        (_ID_INT, _f("c", Kind.INT), _f("b", Kind.INT), _f("qc", Kind.INT), _f("qb", Kind.INT)),
        group="user",
        doc="Per user: message attachments stored (`c`) and bytes charged (`b`); `qc`/`qb` the user's own quota "
        "(count, bytes; absent: the default settings, 0: no limit).",
    ),
    Collection(
        "meeting",
        (
            _ID_INT,
            _f("cid", Kind.INT),
            _f("uid", Kind.INT),
            _f("gid", Kind.INT),
            _f("n", Kind.STR),
            _f("intro", Kind.STR),
            _f("pw", Kind.STR),
            _f("cd", Kind.DATE),
            _f("sd", Kind.DATE),
            _f("ed", Kind.DATE),
            _f("ccd", Kind.DATE),
            _f("rcd", Kind.DATE),
        ),
        (_ix(("cid", 1)), _ix(("cd", 1)), _ix(("uid", 1)), _ix(("gid", 1))),
        shard_key=(("cd", 1),),
        group="conference",
        doc="Meetings: `_id` a random 9- or 10-digit id, `cid` the creator, `uid` the invited user or `gid` the "
        "group, `n` name, `intro`, `pw` password, `cd` creation, `sd` start, `ed` end (the room closed), `ccd` "
        "cancellation, `rcd` when the provider created its room.",
    ),
    # -- administration ------------------------------------------------------------------------------------
    Collection(
        "admin",
        (
            _ID_INT,
            _f("ln", Kind.STR, True),
            _f("pw", Kind.BYTES),
            _f("n", Kind.STR),
            _f("rid", Kind.ARRAY),
            _f("rd", Kind.DATE),
        ),
        (_ix(("ln", 1), unique=True),),
        shard_key=None,
        group="admin",
    ),
    Collection(
        "adminRole",
        (_ID_INT, _f("n", Kind.STR), _f("perm", Kind.ARRAY), _f("rank", Kind.INT), _f("cd", Kind.DATE)),
        shard_key=None,
        group="admin",
    ),
    Collection(
        "clusterSettings",
        (_f("_id", Kind.STR, True), _f("v", Kind.INT), _f("s", Kind.MAP), _f("lud", Kind.DATE)),
        shard_key=None,
        group="admin",
        doc="Cluster-wide live settings, one document per scope, with a version for change detection.",
    ),
    Collection(
        "adminActionLog",
        (
            _ID_INT,
            _f("ln", Kind.STR, True),
            _f("ip", Kind.STR),
            _f("m", Kind.STR, True),
            _f("r", Kind.STR, True),
            _f("tg", Kind.ARRAY),
            _f("st", Kind.INT, True),
            _f("c", Kind.INT),
            _f("tr", Kind.STR),
            _f("cd", Kind.DATE, True),
        ),
        (_ix(("cd", 1), ttl_s=ADMIN_ACTION_LOG_TTL_S), _ix(("ln", 1), ("cd", 1))),
        shard_key=(("cd", 1),),
        group="admin",
        doc="The audit log: one record per write of an authenticated admin (`ln` login name, `m` method, `r` "
        "route, `tg` targets, `st` HTTP status, `c` Turms code, `tr` trace id, `cd` date); kept 90 days.",
    ),
)

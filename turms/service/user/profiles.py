"""User profiles: ``QueryUserProfilesRequest`` and ``UpdateUserRequest``, with the profile access strategy.

A profile is visible to its owner, and to others as the owner's ``pas`` says: ALL, ALL_EXCEPT_BLOCKED_USERS
(not to users the owner blocked) or FRIENDS (only to users the owner has an unblocked relationship with).
Turms checks the strategy only when asked; here every profile query enforces it. The block is read from the
store on every query, so it takes effect at once on every worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from turms.errors import TurmsError
from turms.protocol.pb import constant_pb2, model_user_pb2, turms_notification_pb2
from turms.protocol.requests import to_enum
from turms.protocol.status import ResponseStatusCode
from turms.security.antispam import TextType, check_text
from turms.security.passwords import hash_password_async
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.push import push, stored_relay
from turms.service.relationship import relations
from turms.service.user import values, versions
from turms.settings import user as us
from turms.storage.port import Store

USER = "user"
ALL, ALL_EXCEPT_BLOCKED_USERS, FRIENDS = (
    constant_pb2.ProfileAccessStrategy.ALL,
    constant_pb2.ProfileAccessStrategy.ALL_EXCEPT_BLOCKED_USERS,
    constant_pb2.ProfileAccessStrategy.FRIENDS,
)
_STRATEGIES = frozenset({int(ALL), int(ALL_EXCEPT_BLOCKED_USERS), int(FRIENDS)})
#: The profile fields a query reads (never ``pw``).
PROFILE_FIELDS = {"n": 1, "intro": 1, "pp": 1, "pas": 1, "rd": 1, "lud": 1, "act": 1, "uda": 1}
_DEFAULT_SEARCH_LIMIT = 20


def _stored(doc: dict[str, Any], key: str) -> Any:
    """The stored value at ``key`` (``uda.<name>`` reaches into the attributes)."""
    if key.startswith("uda."):
        return (doc.get("uda") or {}).get(key.removeprefix("uda."))
    return doc.get(key)


def to_proto(doc: dict[str, Any]) -> Any:
    info = model_user_pb2.UserInfo(id=int(doc["_id"]))
    for field, attr in (("n", "name"), ("intro", "intro"), ("pp", "profile_picture")):
        if doc.get(field) is not None:
            setattr(info, attr, str(doc[field]))
    info.profile_access_strategy = to_enum(constant_pb2.ProfileAccessStrategy, int(doc.get("pas", 0)), strict=False)
    if doc.get("rd") is not None:
        info.registration_date = versions.to_ms(doc["rd"])
    if doc.get("lud") is not None:
        info.last_updated_date = versions.to_ms(doc["lud"])
    info.active = bool(doc.get("act", True))
    for name, scalar in (doc.get("uda") or {}).items():
        info.user_defined_attributes[name].CopyFrom(values.to_value(scalar))
    return info


async def access_denial(store: Store, requester_id: int, owner: dict[str, Any]) -> ResponseStatusCode | None:
    """Why ``requester_id`` may not see ``owner``'s profile, or None when they may."""
    owner_id = int(owner["_id"])
    if owner_id == requester_id:
        return None
    strategy = int(owner.get("pas", ALL))
    if strategy == ALL_EXCEPT_BLOCKED_USERS:
        if await relations.is_blocked(store, owner_id, requester_id):
            return ResponseStatusCode.BLOCKED_USER_TO_QUERY_USER_PROFILE
    elif strategy == FRIENDS and not await relations.has_relationship_and_not_blocked(store, owner_id, requester_id):
        return ResponseStatusCode.NOT_FRIEND_TO_QUERY_USER_PROFILE
    return None


async def visible_profiles(services: Services, requester_id: int, user_ids: Iterable[int]) -> dict[int, Any]:
    """The ``UserInfo`` of each live user in ``user_ids`` that ``requester_id`` may see."""
    ids = sorted(set(user_ids))
    docs = await services.store.find(USER, {"_id": {"$in": ids}, "dd": None}, projection=PROFILE_FIELDS)
    out: dict[int, Any] = {}
    for doc in docs:
        if await access_denial(services.store, requester_id, doc) is None:
            out[int(doc["_id"])] = to_proto(doc)
    return out


class Profiles:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    async def query(self, req: ServiceRequest) -> Response:
        body = req.body
        me = req.requester.user_id
        limit_max = self.s.settings.get(us.MAX_QUERIED_PROFILES)
        last = versions.optional_ms(body, "last_updated_date")
        if body.HasField("name") and body.name.strip():
            return await self._search(req, limit_max)
        ids = sorted(set(body.user_ids))
        if not ids:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, "user_ids or name is required")
        if len(ids) > limit_max:
            raise TurmsError(ResponseStatusCode.REQUESTED_RECORDS_TOO_MANY, f"at most {limit_max} users per query")
        docs = await self.store.find(USER, {"_id": {"$in": ids}, "dd": None}, projection=PROFILE_FIELDS)
        visible: list[dict[str, Any]] = []
        for doc in docs:
            denial = await access_denial(self.store, me, doc)
            if denial is None:
                visible.append(doc)
            elif len(ids) == 1:
                # One profile asked for: say why. Several: leave out the hidden ones.
                raise TurmsError(denial)
        if last is not None:
            visible = [d for d in visible if d.get("lud") is None or versions.to_ms(d["lud"]) > last]
            if not visible:
                raise TurmsError(ResponseStatusCode.ALREADY_UP_TO_DATE)
        return self._reply(visible)

    async def _search(self, req: ServiceRequest, limit_max: int) -> Response:
        """By exact name (Turms needs Elasticsearch for this; an indexed equality match needs nothing)."""
        body = req.body
        skip = body.skip if body.HasField("skip") else 0
        limit = body.limit if body.HasField("limit") else _DEFAULT_SEARCH_LIMIT
        if skip < 0 or limit <= 0:
            raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, "skip must be >= 0 and limit > 0")
        flt: dict[str, Any] = {"n": body.name, "dd": None}
        if body.user_ids:
            flt["_id"] = {"$in": sorted(set(body.user_ids))}
        docs = await self.store.find(
            USER, flt, projection=PROFILE_FIELDS, sort=[("_id", 1)], skip=skip, limit=min(limit, limit_max)
        )
        visible = [d for d in docs if await access_denial(self.store, req.requester.user_id, d) is None]
        return self._reply(visible)

    @staticmethod
    def _reply(docs: list[dict[str, Any]]) -> Response:
        result = model_user_pb2.UserInfosWithVersion()
        for doc in sorted(docs, key=lambda d: int(d["_id"])):
            result.user_infos.append(to_proto(doc))
        return Response(data=turms_notification_pb2.TurmsNotification.Data(user_infos_with_version=result))

    async def update(self, req: ServiceRequest) -> Response:
        body = req.body
        me = req.requester.user_id
        settings = self.s.settings
        now = versions.ms_floor(req.now)
        to_set: dict[str, Any] = {}
        for field, attr, limit_setting, text_type in (
            ("n", "name", us.MAX_NAME_LENGTH, TextType.USER_NAME),
            ("intro", "intro", us.MAX_INTRO_LENGTH, TextType.USER_INTRO),
            ("pp", "profile_picture", us.MAX_PROFILE_PICTURE_LENGTH, None),
        ):
            if body.HasField(attr):
                text = getattr(body, attr)
                if len(text) > settings.get(limit_setting):
                    raise TurmsError(
                        ResponseStatusCode.ILLEGAL_ARGUMENT, f"{attr} is longer than {settings.get(limit_setting)}"
                    )
                to_set[field] = text if text_type is None else check_text(self.s.moderator, text_type, text)
        if body.HasField("profile_access_strategy"):
            if int(body.profile_access_strategy) not in _STRATEGIES:
                raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, "unknown profile access strategy")
            to_set["pas"] = int(body.profile_access_strategy)
        if body.user_defined_attributes:
            allowed_names: list[str] = settings.get(us.USER_DEFINED_ATTRIBUTES)
            allowed = set(allowed_names)
            for name, value in body.user_defined_attributes.items():
                if name not in allowed:
                    raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"unknown user-defined attribute {name!r}")
                to_set[f"uda.{name}"] = values.from_value(value, name=name)
        if body.HasField("password"):
            lo, hi = settings.get(us.MIN_PASSWORD_LENGTH), settings.get(us.MAX_PASSWORD_LENGTH)
            if not lo <= len(body.password) <= hi:
                raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"the password must have {lo} to {hi} characters")
            to_set["pw"] = (await hash_password_async(body.password)).encode()
        if not to_set:
            return OK
        current = await self.store.find_one(USER, {"_id": me, "dd": None}, projection=PROFILE_FIELDS)
        if current is None:
            raise TurmsError(ResponseStatusCode.UPDATE_INFO_OF_NONEXISTENT_USER)
        # Only what differs from the stored profile is written and told (a new password always differs).
        changes = {k: v for k, v in to_set.items() if k == "pw" or _stored(current, k) != v}
        if not changes:
            return OK
        changes["lud"] = now
        result = await self.store.update_one(USER, {"_id": me, "dd": None}, {"$set": changes})
        if result.matched == 0:
            raise TurmsError(ResponseStatusCode.UPDATE_INFO_OF_NONEXISTENT_USER)
        relay: dict[str, Any] = {}
        for field, attr in (
            ("n", "name"),
            ("intro", "intro"),
            ("pp", "profile_picture"),
            ("pas", "profile_access_strategy"),
        ):
            if field in changes:
                relay[attr] = changes[field]  # as stored: antispam may have masked a name or an intro
        attributes = {k.removeprefix("uda."): v for k, v in changes.items() if k.startswith("uda.")}
        if attributes:
            relay["user_defined_attributes"] = {k: values.to_value(v) for k, v in attributes.items()}
        recipients: list[int] = []
        if settings.get(us.USER_INFO_UPDATED_NOTIFY_RELATED_USERS) and relay:
            recipients = await relations.related_user_ids(self.store, me, blocked=False)
        # Never relay a password, not even to the user's own devices: a password-only change relays an empty update.
        await push(
            self.s.notifier,
            req,
            recipients,
            request=stored_relay(req.request, relay),
            include_own_other_sessions=settings.get(us.USER_INFO_UPDATED_NOTIFY_OWN_SESSIONS),
        )
        return OK

"""User settings: a small key-value map per user (``userSettings``), with allowed keys and value types from
``service.user.settings.allowed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from turms.errors import TurmsError
from turms.protocol.pb import model_user_pb2, turms_notification_pb2
from turms.protocol.status import ResponseStatusCode
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.push import push
from turms.service.user import values, versions
from turms.settings import user as us

USER_SETTINGS = "userSettings"


@dataclass(frozen=True, slots=True)
class AllowedSetting:
    name: str
    value_field: str
    immutable: bool = False
    deletable: bool = True


def parse_allowed(specs: list[str]) -> dict[str, AllowedSetting]:
    """``name:type[:immutable][:undeletable]`` entries (validated when the settings load)."""
    out: dict[str, AllowedSetting] = {}
    for spec in specs:
        name, typ, *flags = spec.split(":")
        out[name] = AllowedSetting(
            name, values.TYPE_FIELDS[typ], immutable="immutable" in flags, deletable="undeletable" not in flags
        )
    return out


class UserSettings:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    def _allowed(self) -> dict[str, AllowedSetting]:
        return parse_allowed(self.s.settings.get(us.ALLOWED_SETTINGS))

    async def update(self, req: ServiceRequest) -> Response:
        body = req.body
        me = req.requester.user_id
        allowed = self._allowed()
        ignore_unknown = self.s.settings.get(us.IGNORE_UNKNOWN_SETTINGS_ON_UPSERT)
        parsed: dict[str, Any] = {}
        for name in sorted(body.settings):
            spec = allowed.get(name)
            if spec is None:
                if ignore_unknown:
                    continue
                raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"unknown setting {name!r}")
            parsed[name] = values.from_value(body.settings[name], name=name, expected_field=spec.value_field)
        if not parsed:
            return OK
        immutable = [n for n in parsed if allowed[n].immutable]
        if immutable:
            doc = await self.store.find_one(USER_SETTINGS, {"_id": me}, projection={"s": 1})
            existing = sorted(n for n in immutable if n in ((doc or {}).get("s") or {}))
            if existing:
                raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"cannot update immutable settings: {existing}")
        now = versions.ms_floor(req.now)
        await self.store.update_one(
            USER_SETTINGS,
            {"_id": me},
            {"$set": {**{f"s.{n}": v for n, v in parsed.items()}, "lud": now}},
            upsert=True,
        )
        await push(
            self.s.notifier,
            req,
            [],
            include_own_other_sessions=self.s.settings.get(us.USER_SETTING_UPDATED_NOTIFY_OWN_SESSIONS),
        )
        return OK

    async def delete(self, req: ServiceRequest) -> Response:
        body = req.body
        me = req.requester.user_id
        allowed = self._allowed()
        if body.names:
            names = sorted(set(body.names))
            unknown = [n for n in names if n not in allowed]
            if unknown and not self.s.settings.get(us.IGNORE_UNKNOWN_SETTINGS_ON_DELETE):
                raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"cannot delete unknown settings: {unknown}")
            names = [n for n in names if n in allowed]
            undeletable = [n for n in names if not allowed[n].deletable]
            if undeletable:
                raise TurmsError(ResponseStatusCode.ILLEGAL_ARGUMENT, f"cannot delete the settings: {undeletable}")
        else:
            # No names: every deletable setting, as Turms does.
            names = sorted(n for n, spec in allowed.items() if spec.deletable)
        if not names:
            return OK
        now = versions.ms_floor(req.now)
        result = await self.store.update_one(
            USER_SETTINGS, {"_id": me}, {"$unset": {f"s.{n}": "" for n in names}, "$set": {"lud": now}}
        )
        if result.matched:
            await push(
                self.s.notifier,
                req,
                [],
                include_own_other_sessions=self.s.settings.get(us.USER_SETTING_DELETED_NOTIFY_OWN_SESSIONS),
            )
        return OK

    async def query(self, req: ServiceRequest) -> Response:
        body = req.body
        doc = await self.store.find_one(USER_SETTINGS, {"_id": req.requester.user_id})
        if doc is None:
            return Response(ResponseStatusCode.NO_CONTENT)
        lud = doc.get("lud")
        start = versions.optional_ms(body, "last_updated_date_start")
        if start is not None and lud is not None and versions.to_ms(lud) < start:
            raise TurmsError(ResponseStatusCode.ALREADY_UP_TO_DATE)
        stored: dict[str, Any] = doc.get("s") or {}
        wanted = set(body.names) if body.names else None
        allowed = self._allowed()
        result = model_user_pb2.UserSettings()
        for name in sorted(stored):
            if wanted is not None and name not in wanted:
                continue
            spec = allowed.get(name)
            result.settings[name].CopyFrom(values.to_value(stored[name], spec.value_field if spec else None))
        if lud is not None:
            result.last_updated_date = versions.to_ms(lud)
        return Response(data=turms_notification_pb2.TurmsNotification.Data(user_settings=result))

"""Multi-device login policy: which device types may be online together, and who yields on a conflict.

Pure logic (no I/O). Mirrors Turms's seven simultaneous-login strategies: every device type conflicts with
itself (one session per device type at most), and each strategy adds conflicts between types, or forbids a
type outright. Unknown/others devices may be forbidden by separate switches.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from itertools import combinations


class DeviceType(IntEnum):
    """Values of ``im.turms.proto.DeviceType``."""

    DESKTOP = 0
    BROWSER = 1
    IOS = 2
    ANDROID = 3
    OTHERS = 4
    UNKNOWN = 5


ALL_DEVICE_TYPES = tuple(DeviceType)
MOBILE = (DeviceType.IOS, DeviceType.ANDROID)


class SimultaneousLoginStrategy(StrEnum):
    ALLOW_ONE_DEVICE_OF_EACH_DEVICE_TYPE_ONLINE = "ALLOW_ONE_DEVICE_OF_EACH_DEVICE_TYPE_ONLINE"
    ALLOW_ONE_DEVICE_FOR_ALL_DEVICE_TYPES_ONLINE = "ALLOW_ONE_DEVICE_FOR_ALL_DEVICE_TYPES_ONLINE"
    ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_MOBILE_ONLINE = (
        "ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_MOBILE_ONLINE"
    )
    ALLOW_ONE_DEVICE_OF_DESKTOP_OR_BROWSER_AND_ONE_DEVICE_OF_MOBILE_ONLINE = (
        "ALLOW_ONE_DEVICE_OF_DESKTOP_OR_BROWSER_AND_ONE_DEVICE_OF_MOBILE_ONLINE"
    )
    ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_BROWSER_AND_ONE_DEVICE_OF_MOBILE_ONLINE = (
        "ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_BROWSER_AND_ONE_DEVICE_OF_MOBILE_ONLINE"
    )
    ALLOW_ONE_DEVICE_OF_DESKTOP_OR_MOBILE_ONLINE = "ALLOW_ONE_DEVICE_OF_DESKTOP_OR_MOBILE_ONLINE"
    ALLOW_ONE_DEVICE_OF_DESKTOP_OR_BROWSER_OR_MOBILE_ONLINE = "ALLOW_ONE_DEVICE_OF_DESKTOP_OR_BROWSER_OR_MOBILE_ONLINE"


class LoginConflictStrategy(StrEnum):
    #: The sessions already logged in are closed with DISCONNECTED_BY_OTHER_DEVICE (501).
    DISCONNECT_LOGGED_IN_DEVICES = "DISCONNECT_LOGGED_IN_DEVICES"
    #: The new login is refused (2100).
    DISCONNECT_LOGGING_IN_DEVICE = "DISCONNECT_LOGGING_IN_DEVICE"


_S = SimultaneousLoginStrategy
_D = DeviceType

#: Pairs of different device types that may not be online together, per strategy.
_EXTRA_CONFLICTS: dict[SimultaneousLoginStrategy, tuple[tuple[DeviceType, DeviceType], ...]] = {
    _S.ALLOW_ONE_DEVICE_OF_EACH_DEVICE_TYPE_ONLINE: (),
    _S.ALLOW_ONE_DEVICE_FOR_ALL_DEVICE_TYPES_ONLINE: tuple(combinations(ALL_DEVICE_TYPES, 2)),
    _S.ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_MOBILE_ONLINE: ((_D.ANDROID, _D.IOS),),
    _S.ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_BROWSER_AND_ONE_DEVICE_OF_MOBILE_ONLINE: ((_D.ANDROID, _D.IOS),),
    _S.ALLOW_ONE_DEVICE_OF_DESKTOP_OR_BROWSER_AND_ONE_DEVICE_OF_MOBILE_ONLINE: (
        (_D.DESKTOP, _D.BROWSER),
        (_D.ANDROID, _D.IOS),
    ),
    _S.ALLOW_ONE_DEVICE_OF_DESKTOP_OR_MOBILE_ONLINE: tuple(combinations((_D.DESKTOP, *MOBILE), 2)),
    _S.ALLOW_ONE_DEVICE_OF_DESKTOP_OR_BROWSER_OR_MOBILE_ONLINE: tuple(
        combinations((_D.DESKTOP, _D.BROWSER, *MOBILE), 2)
    ),
}

#: Device types a strategy refuses outright (browser has no place in "desktop and mobile").
_FORBIDDEN: dict[SimultaneousLoginStrategy, frozenset[DeviceType]] = {
    _S.ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_MOBILE_ONLINE: frozenset({_D.BROWSER}),
    _S.ALLOW_ONE_DEVICE_OF_DESKTOP_OR_MOBILE_ONLINE: frozenset({_D.BROWSER}),
}


@dataclass(frozen=True)
class LoginPolicy:
    strategy: SimultaneousLoginStrategy
    conflict_strategy: LoginConflictStrategy
    allow_unknown: bool = True
    allow_others: bool = True

    def is_forbidden(self, device: DeviceType) -> bool:
        if device is DeviceType.UNKNOWN and not self.allow_unknown:
            return True
        if device is DeviceType.OTHERS and not self.allow_others:
            return True
        return device in _FORBIDDEN.get(self.strategy, frozenset())

    def conflicts_with(self, device: DeviceType) -> frozenset[DeviceType]:
        """Device types whose online session conflicts with a login on ``device`` (always itself)."""
        out = {device}
        for a, b in _EXTRA_CONFLICTS[self.strategy]:
            if a is device:
                out.add(b)
            elif b is device:
                out.add(a)
        return frozenset(out)

    @property
    def reject_new_login(self) -> bool:
        return self.conflict_strategy is LoginConflictStrategy.DISCONNECT_LOGGING_IN_DEVICE

"""The multi-device rules of Turms's seven strategies, written out by hand (shared by unit and cluster tests)."""

from __future__ import annotations

from itertools import product

from turms.gateway.login_policy import DeviceType, SimultaneousLoginStrategy

D, S = DeviceType, SimultaneousLoginStrategy
DESK, BROW, IOS, AND = D.DESKTOP, D.BROWSER, D.IOS, D.ANDROID
KNOWN4 = {DESK, BROW, IOS, AND}

#: Pairs of *different* device types that may NOT be online together, per strategy.
CONFLICTING_PAIRS: dict[SimultaneousLoginStrategy, set[frozenset[DeviceType]]] = {
    S.ALLOW_ONE_DEVICE_OF_EACH_DEVICE_TYPE_ONLINE: set(),
    S.ALLOW_ONE_DEVICE_FOR_ALL_DEVICE_TYPES_ONLINE: {frozenset((a, b)) for a, b in product(D, D) if a != b},
    S.ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_MOBILE_ONLINE: {frozenset((IOS, AND))},
    S.ALLOW_ONE_DEVICE_OF_DESKTOP_OR_BROWSER_AND_ONE_DEVICE_OF_MOBILE_ONLINE: {
        frozenset((DESK, BROW)),
        frozenset((IOS, AND)),
    },
    S.ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_BROWSER_AND_ONE_DEVICE_OF_MOBILE_ONLINE: {frozenset((IOS, AND))},
    S.ALLOW_ONE_DEVICE_OF_DESKTOP_OR_MOBILE_ONLINE: {
        frozenset((DESK, IOS)),
        frozenset((DESK, AND)),
        frozenset((IOS, AND)),
    },
    S.ALLOW_ONE_DEVICE_OF_DESKTOP_OR_BROWSER_OR_MOBILE_ONLINE: {
        frozenset((a, b)) for a, b in product(KNOWN4, KNOWN4) if a != b
    },
}

#: Device types a strategy refuses outright.
FORBIDDEN: dict[SimultaneousLoginStrategy, set[DeviceType]] = {
    S.ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_MOBILE_ONLINE: {BROW},
    S.ALLOW_ONE_DEVICE_OF_DESKTOP_OR_MOBILE_ONLINE: {BROW},
}


def conflicts(strategy: SimultaneousLoginStrategy, a: DeviceType, b: DeviceType) -> bool:
    return a == b or frozenset((a, b)) in CONFLICTING_PAIRS[strategy]

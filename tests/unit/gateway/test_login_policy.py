"""Multi-device policy: for each Turms strategy, which pairs of device types may be online together."""

from __future__ import annotations

from itertools import product

import pytest

from turms.gateway.login_policy import (
    DeviceType,
    LoginConflictStrategy,
    LoginPolicy,
    SimultaneousLoginStrategy,
)
from turms.settings import auth

from login_matrix import FORBIDDEN, conflicts

D, S = DeviceType, SimultaneousLoginStrategy
DESK, OTH, UNK = D.DESKTOP, D.OTHERS, D.UNKNOWN


@pytest.mark.parametrize("strategy", list(S))
def test_conflict_table(strategy: SimultaneousLoginStrategy) -> None:
    policy = LoginPolicy(strategy, LoginConflictStrategy.DISCONNECT_LOGGED_IN_DEVICES)
    for logged_in, logging_in in product(D, D):
        expected = conflicts(strategy, logged_in, logging_in)
        assert (logged_in in policy.conflicts_with(logging_in)) == expected, (logged_in, logging_in)
    for device in D:
        assert policy.is_forbidden(device) == (device in FORBIDDEN.get(strategy, set()))


def test_unknown_and_others_switches() -> None:
    policy = LoginPolicy(
        S.ALLOW_ONE_DEVICE_OF_EACH_DEVICE_TYPE_ONLINE,
        LoginConflictStrategy.DISCONNECT_LOGGING_IN_DEVICE,
        allow_unknown=False,
        allow_others=False,
    )
    assert policy.is_forbidden(UNK) and policy.is_forbidden(OTH)
    assert not policy.is_forbidden(DESK)
    assert policy.reject_new_login


def test_setting_choices_match_the_enums() -> None:
    assert auth.STRATEGY.choices == tuple(s.value for s in S)
    assert auth.CONFLICT_STRATEGY.choices == tuple(s.value for s in LoginConflictStrategy)

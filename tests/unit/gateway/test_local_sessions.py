"""The worker's local session table as the routing bus uses it: who a push reaches, and who it skips."""

from __future__ import annotations

import pytest

from turms.gateway import ClientSession
from turms.gateway.local import LocalSessions

pytestmark = pytest.mark.timeout(10)


class Conn:
    transport_name = "fake"
    remote = "test"

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, payload: bytes) -> bool:
        self.sent.append(payload)
        return True


def table(instance: str = "node-a:1") -> tuple[LocalSessions, dict[tuple[int, int], ClientSession]]:
    local = LocalSessions(gateway=None, instance_id=instance)  # type: ignore[arg-type]  # close_local is not used here
    sessions = {}
    for n, (uid, device) in enumerate([(1, 0), (1, 1), (2, 0), (3, 0)], start=7):
        s = ClientSession(n, Conn(), 0.0)  # type: ignore[arg-type]
        s.user_id, s.device_type = uid, device
        local.add(s)
        sessions[(uid, device)] = s
    return local, sessions


def sent(s: ClientSession) -> list[bytes]:
    return s.conn.sent  # type: ignore[attr-defined, no-any-return]


def test_a_push_skips_only_the_excluded_session_of_this_worker() -> None:
    local, sessions = table()
    sender = sessions[(1, 0)]
    assert local.deliver_local([1, 2, 9], b"p", local.cluster_session_id(sender), None) == 2
    assert sent(sender) == []
    assert sent(sessions[(1, 1)]) == [b"p"] and sent(sessions[(2, 0)]) == [b"p"]
    assert sent(sessions[(3, 0)]) == []  # not a recipient


@pytest.mark.parametrize("excluded", [None, "node-b:1:7", "node-a:7", "node-a:1:x7", "node-a:1:", "node-a:1:\u00b2"])
def test_an_exclusion_naming_no_session_here_excludes_nobody(excluded: str | None) -> None:
    """Another worker's session with the same local number, or a malformed id, skips nobody."""
    local, sessions = table()
    assert local.deliver_local([1, 2, 3], b"p", excluded, None) == 4
    assert all(sent(s) == [b"p"] for s in sessions.values())


def test_closing_sessions_get_no_push() -> None:
    local, sessions = table()
    sessions[(2, 0)].closing = 1
    assert local.deliver_local([1, 2], b"p", None, None) == 2
    assert sent(sessions[(2, 0)]) == []


def test_a_session_displaced_here_by_a_newer_login_leaves_the_table_when_it_closes() -> None:
    """The client reconnected to this worker before the old connection's close was seen: the new login takes
    the user's place, and the old session, once closed, is gone by id too (it used to stay for good)."""
    local, sessions = table()
    old = sessions[(2, 0)]
    new = ClientSession(11, Conn(), 0.0)  # type: ignore[arg-type]
    new.user_id, new.device_type = 2, 0
    local.add(new)
    assert len(local) == 5  # the old one is still reachable by id, for the kick that closes it
    assert local.deliver_local([2], b"p", None, None) == 1 and sent(new) == [b"p"] and sent(old) == []
    assert local.remove(old) is False  # not the user's session any more: the user is still online here
    assert len(local) == 4 and local.of_user(2) == [new]
    assert local.remove(new) is True
    assert len(local) == 3 and local.of_user(2) == []

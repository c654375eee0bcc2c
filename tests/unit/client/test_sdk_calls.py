"""The static call finder behind the integration guard (``test_every_public_sdk_method_is_exercised_by_an_
integration_test``): it reports a call only when the receiver's class is established, and never for a
same-named method of another class, a rebound name or an untyped value."""

from __future__ import annotations

import textwrap

from unit.client.sdk_calls import SdkCalls

SDK = {"TurmsClient", "MessageService", "UserService"}

SUPPORT = """
from turms.client import TurmsClient
from turms.client.message import MessageService
from turms.client.user import UserService


class Member:
    def __init__(self, client: TurmsClient) -> None:
        self.client = client
        self.users, self.note = UserService(client), "x"


async def connect(port: int) -> TurmsClient:
    return TurmsClient("127.0.0.1", port)


async def messaging(port: int) -> tuple[TurmsClient, MessageService]:
    client = await connect(port)
    return client, MessageService(client, 1)


def untyped(port):
    return TurmsClient("127.0.0.1", port)
"""


def calls(test_module: str) -> set[tuple[str, str]]:
    sources = {"support": SUPPORT, "test_mod": textwrap.dedent(test_module)}
    return SdkCalls(sources, SDK).found


def test_established_receivers_are_followed() -> None:
    found = calls(
        """
        import pytest
        from turms.client import TurmsClient
        from turms.client.message import MessageService
        from support import Member, connect, messaging

        class Pinger:
            def __init__(self, member: Member) -> None:
                self.member = member

            async def ping(self) -> None:
                await self.member.client.heartbeat()

        @pytest.fixture
        async def members():
            async def make(port: int) -> Member:
                return Member(await connect(port))
            yield make

        async def test_a(members, port: int) -> None:
            direct = TurmsClient()
            await direct.connect()
            client, service = await messaging(port)
            await client.login(1)
            await service.send_private(2, "hi")
            (_, nested), other = (await messaging(port)), 1
            await nested.resync()
            member = await members(port)
            await member.users.query_profiles([1])
            for m in [MessageService(client, 1), MessageService(client, 2)]:
                await m.close()
            services = [MessageService(c, 1) for c in (client, direct)]
            await services[0].wait_synced()
            async with TurmsClient() as scoped:
                await scoped.on_reconnected(None)

        async def helper(client: TurmsClient | None) -> None:
            assert client is not None
            await client.logout()
        """
    )
    assert found == {
        ("TurmsClient", "connect"),
        ("TurmsClient", "login"),
        ("MessageService", "send_private"),
        ("MessageService", "resync"),
        ("UserService", "query_profiles"),
        ("MessageService", "close"),
        ("MessageService", "wait_synced"),
        ("TurmsClient", "on_reconnected"),
        ("TurmsClient", "heartbeat"),  # self.member.client.heartbeat() in Pinger.ping
        ("TurmsClient", "logout"),
    }


def test_unknown_receivers_never_count() -> None:
    found = calls(
        """
        from turms.client import TurmsClient
        from support import Member, untyped

        class Other:
            def send_raw(self, x: int) -> None: ...
            def login(self) -> None: ...

        class TurmsClient2:
            def request(self) -> None: ...

        async def test_b(members, port: int) -> None:  # the fixture gives a client, not a factory
            Other().send_raw(1)  # a same-named method of another class
            o = Other()
            o.login()
            rebound = TurmsClient()
            rebound = Other()
            rebound.next_notification()
            await untyped(port).request("k", None)  # no return annotation
            (await members(port)).users.update_profile()
            try:
                pass
            except Exception as caught:
                caught.close()
            caught = TurmsClient()
            caught.notifications()
            for c in whatever:
                c.on_reconnected(None)
            TurmsClient2().request()
            Member(TurmsClient()).note.upper()

        def not_a_test(members) -> None:
            members().wait_connected()

        import pytest

        @pytest.fixture
        def members():
            return TurmsClient()
        """
    )
    assert found == set()


def test_a_fixture_reaches_tests_only() -> None:
    found = calls(
        """
        import pytest
        from turms.client import TurmsClient

        @pytest.fixture
        def client():
            yield TurmsClient()

        async def test_c(client) -> None:
            await client.heartbeat()

        async def helper(client) -> None:
            await client.logout()
        """
    )
    assert found == {("TurmsClient", "heartbeat")}

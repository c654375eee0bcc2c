"""The terminal chat (`python -m turms.client.chat`) used by two people on one machine, through its
standard input and output."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from turms.client import TurmsClient
from turms.client.message import ConversationKey
from turms.client.relationship import RelationshipService

from integration_support import Server, running

pytestmark = pytest.mark.slow
SETTINGS = {
    "gateway.auth.type": "none",
    "security.rate_limit.ip.enabled": "false",
    "security.rate_limit.session.enabled": "false",
}


class ChatProcess:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []

    @classmethod
    async def start(cls, port: int, user: int, *args: str) -> ChatProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "turms.client.chat",
            "--port",
            str(port),
            "--user",
            str(user),
            "--password",
            "x",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(proc)

    async def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()

    async def expect(self, text: str, within_s: float = 10.0) -> str:
        assert self.proc.stdout is not None

        async def read() -> str:
            while True:
                raw = await self.proc.stdout.readline()  # type: ignore[union-attr]
                if not raw:
                    raise AssertionError(f"chat exited before printing {text!r}: {self.lines}")
                line = raw.decode().rstrip("\n")
                self.lines.append(line)
                if text in line:
                    return line

        return await asyncio.wait_for(read(), within_s)

    async def quit(self) -> int:
        await self.type("/quit")
        return await asyncio.wait_for(self.proc.wait(), 10)


async def test_two_people_chat(tmp_path: Path) -> None:
    server = Server(tmp_path, settings=SETTINGS)
    with running(server):
        await server.wait_ready()
        alice = await ChatProcess.start(server.tcp_port, 1, "--to", "2")
        bob = await ChatProcess.start(server.tcp_port, 2)
        try:
            await alice.expect("now chatting with user 2")
            await bob.expect("logged in as user 2")
            await alice.type("hello bob")
            await alice.expect("(sent #1)")
            assert await bob.expect("[from 1] hello bob")
            await bob.type("/to 1")
            await bob.expect("now chatting with user 1")
            await bob.type("hi alice")
            assert await alice.expect("[from 2] hi alice")
            await alice.type("/history")
            await alice.expect("[from 1] hello bob")
            await alice.expect("[from 2] hi alice")
            await bob.type("/nonsense")
            await bob.expect("commands:")
        finally:
            codes = [await alice.quit(), await bob.quit()]
        assert codes == [0, 0]


async def test_send_and_receive_a_file(tmp_path: Path) -> None:
    """`/send FILE` uploads through the server's local files backend and sends a message referring to the
    attachment; the other person sees it and `/save`s the same bytes; a third user cannot download it."""
    server = Server(tmp_path, settings=SETTINGS)
    with running(server):
        await server.wait_ready()
        # Turms's rule: the recipient must have a relationship with the uploader (else 6100).
        bob_client = TurmsClient("127.0.0.1", server.tcp_port)
        await bob_client.connect()
        await bob_client.login(2, None)
        await RelationshipService(bob_client).create_relationship(1)
        await bob_client.close()
        payload = bytes(range(256)) * 40 + b"end"
        (tmp_path / "report.bin").write_bytes(payload)
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        alice = await ChatProcess.start(server.tcp_port, 1, "--to", "2")
        bob = await ChatProcess.start(server.tcp_port, 2, "--download-dir", str(inbox))
        try:
            await alice.expect("now chatting with user 2")
            await bob.expect("logged in as user 2")
            await alice.type(f"/send {tmp_path / 'report.bin'}")
            sent = await alice.expect("(sent report.bin")
            assert f"{len(payload)} bytes" in sent
            await bob.expect("[from 1] [file] report.bin")
            line = await bob.expect("attachment ")
            attachment_id = int(line.split()[1])
            assert "report.bin (application/octet-stream): /save" in line
            await bob.type(f"/save {attachment_id}")
            await bob.expect(f"saved attachment {attachment_id}: {len(payload)} bytes")
            assert (inbox / f"attachment-{attachment_id}").read_bytes() == payload
            await alice.type("/send /no/such/file")
            await alice.expect("file error:")
        finally:
            codes = [await alice.quit(), await bob.quit()]
        assert codes == [0, 0]
        carol = await ChatProcess.start(server.tcp_port, 3)
        try:
            await carol.expect("logged in as user 3")
            await carol.type(f"/save {attachment_id}")
            await carol.expect("refused: NOT_UPLOADER_OR_SHARED_WITH_USER_TO_DOWNLOAD_MESSAGE_ATTACHMENT (6107)")
        finally:
            assert await carol.quit() == 0


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


async def test_examples_run(tmp_path: Path) -> None:
    server = Server(tmp_path, settings=SETTINGS)
    with running(server):
        await server.wait_ready()
        two = await asyncio.create_subprocess_exec(
            sys.executable,
            str(EXAMPLES / "two_users.py"),
            "--port",
            str(server.tcp_port),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(two.communicate(), 30)
        assert two.returncode == 0, out.decode()
        assert "bob received from 1: Hi Bob!" in out.decode()
        assert "alice received from 2: Hello Alice!" in out.decode()

        from turms.client import TurmsClient
        from turms.client.message import MessageService

        # A question asked before the bot started is history to it: it must not be answered.
        async with TurmsClient("127.0.0.1", server.tcp_port) as early:
            await early.login(7, None)
            early_messages = MessageService(early, 7)
            await early_messages.send_private(100, "asked before you started")
            await early_messages.close()

        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            str(EXAMPLES / "echo_bot.py"),
            "--port",
            str(server.tcp_port),
            "--user",
            "100",
            "--max-replies",
            "1",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert bot.stdout is not None
        assert b"online" in await asyncio.wait_for(bot.stdout.readline(), 15)

        async with TurmsClient("127.0.0.1", server.tcp_port) as me:
            await me.login(7, None)
            messages = MessageService(me, 7)
            history = await messages.catch_up(history=5)
            assert [m.text for m in history[ConversationKey(False, 100)]] == ["asked before you started"]
            await messages.send_private(100, "ping")
            while (m := await messages.next_message(timeout_s=15)).sender_id != 100:
                pass
            assert m.text == "echo: ping"
            assert await asyncio.wait_for(bot.wait(), 15) == 0
            # The bot's only message in the conversation is that answer.
            stored = await messages.query(are_group_messages=False, from_ids=(100,), max_count=10)
            assert [x.text for x in stored if x.sender_id == 100] == ["echo: ping"]
            await messages.close()


async def test_chat_shows_earlier_messages_as_history_and_only_new_ones_as_new(tmp_path: Path) -> None:
    server = Server(tmp_path, settings=SETTINGS)
    with running(server):
        await server.wait_ready()
        alice = await ChatProcess.start(server.tcp_port, 1, "--to", "2")
        try:
            await alice.expect("now chatting with user 2")
            for i in range(3):
                await alice.type(f"earlier {i}")
                await alice.expect(f"(sent #{i + 1})")
            bob = await ChatProcess.start(server.tcp_port, 2, "--to", "1", "--history", "2")
            try:
                await bob.expect("now chatting with user 1")
                # The last two, marked; the first is beyond --history.
                assert await bob.expect("[history] [from 1] earlier 1")
                assert await bob.expect("[history] [from 1] earlier 2")
                await bob.expect("--- new messages below ---")
                await alice.type("now")
                await alice.expect("(sent #4)")
                await bob.expect("[from 1] now")
            finally:
                assert await bob.quit() == 0
            # Printed once each, and nothing earlier came back as new.
            assert [line for line in bob.lines if "[from 1]" in line] == [
                "[history] [from 1] earlier 1",
                "[history] [from 1] earlier 2",
                "[from 1] now",
            ]
        finally:
            assert await alice.quit() == 0


async def test_chat_says_when_it_is_disconnected_and_reconnected(tmp_path: Path) -> None:
    server = Server(tmp_path, workers=1, settings=SETTINGS)
    with running(server):
        await server.wait_ready()
        alice = await ChatProcess.start(server.tcp_port, 1, "--to", "2")
        try:
            await alice.expect("--- new messages below ---")
            (worker,) = server.worker_pids()
            os.kill(worker, signal.SIGKILL)  # the supervisor replaces it; the client comes back by itself
            await alice.expect("disconnected")
            assert "reconnecting" in alice.lines[-1]
            await alice.expect("reconnected", within_s=20)
            await alice.type("still here")
            await alice.expect("(sent #1)")
        finally:
            assert await alice.quit() == 0


async def test_the_sdk_reports_a_lost_connection_and_whether_it_comes_back(tmp_path: Path) -> None:
    server = Server(tmp_path, workers=1, settings=SETTINGS)
    with running(server):
        await server.wait_ready()
        from turms.client import TurmsClient
        from turms.client.errors import ConnectionClosedError

        client = TurmsClient("127.0.0.1", server.tcp_port, reconnect_base_delay_s=0.05)
        lost: list[tuple[int | None, bool]] = []
        back = asyncio.Event()

        async def on_back() -> None:
            back.set()

        def on_lost(e: ConnectionClosedError) -> None:
            lost.append((e.close_status, client.closed.is_set()))

        client.on_disconnected(on_lost)
        client.on_reconnected(on_back)
        await client.connect()
        await client.login(1, None)
        try:
            (worker,) = server.worker_pids()
            os.kill(worker, signal.SIGKILL)
            await asyncio.wait_for(back.wait(), 20)
            assert lost == [(None, False)]  # dropped without a close status: it reconnects
            # Closed by the user: no callback.
            await client.close()
            assert len(lost) == 1
        finally:
            await client.close()

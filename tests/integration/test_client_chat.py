"""The terminal chat (`python -m turms.client.chat`) used by two people on one machine, through its
standard input and output."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from turms.client import TurmsClient
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
        from turms.client import TurmsClient
        from turms.client.message import MessageService

        async with TurmsClient("127.0.0.1", server.tcp_port) as me:
            await me.login(7, None)
            messages = MessageService(me, 7)
            await messages.send_private(100, "ping")
            while (m := await messages.next_message(timeout_s=15)).sender_id != 100:
                pass
            assert m.text == "echo: ping"
            await messages.close()
        assert await asyncio.wait_for(bot.wait(), 15) == 0

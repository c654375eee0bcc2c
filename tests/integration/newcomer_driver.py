"""What a newcomer does on a fresh clone, driven by a program: run by ``test_newcomer.py`` with the clone's own
``.venv/bin/python``, inside a private network namespace when it can have one (so the README's default ports
clash with nothing), and reporting what happened as JSON for the test to judge.

    newcomer_driver.py CLONE (plain|demo) REPORT.json

1. ``scripts/serve.sh`` (``--demo`` in demo mode) exactly as the README writes it, from the clone's top
   directory, its output on a pseudo-terminal as in a person's shell; wait for the start-up banner.
2. Plain: create users 1 and 2 as the banner says (the admin API, the root password from the file it names).
   Demo: users 1 and 2 exist with password 123.
3. Log both in with the SDK; 1 sends 2 a message; 2 must receive it. In demo mode, the README's chat line is
   run too, word for word, and a line typed into it must be sent.
4. SIGTERM to the server; its exit code.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BANNER_END = re.compile(r"\n  try next:\n(?:    .*\n)+\n")


class Terminal:
    """A process whose stdout and stderr are a pseudo-terminal; everything it printed is kept."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        self.proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
        os.close(slave)
        self.master = master
        self.text = ""

    def pump(self, timeout: float) -> None:
        readable, _, _ = select.select([self.master], [], [], timeout)
        if readable:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the other side is gone
                data = b""
            self.text += data.decode(errors="replace").replace("\r\n", "\n")

    def wait_for(self, pattern: re.Pattern[str], within: float) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if pattern.search(self.text):
                return True
            if self.proc.poll() is not None:
                self.pump(0.1)
                return bool(pattern.search(self.text))
            self.pump(0.1)
        return False

    def finish(self, within: float) -> int | None:
        deadline = time.monotonic() + within
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.pump(0.1)
        self.pump(0.1)
        return self.proc.poll()


def create_users(clone: Path, banner: str) -> list[int]:
    """Run the banner's own curl lines (the admin API with the root password from its file)."""
    lines = [line.strip() for line in banner.splitlines() if line.strip().startswith("curl ")]
    statuses = []
    for line in lines:
        # The line is for a shell ($(cat FILE)); run it through one, as a person pastes it.
        out = subprocess.run(
            ["bash", "-c", line + " -s -o /dev/null -w '%{http_code}'"],
            cwd=clone,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        statuses.append(int(out.stdout.strip() or 0))
    return statuses


async def exchange(password_1: str, password_2: str) -> dict[str, Any]:
    from turms.client import TurmsClient
    from turms.client.message import MessageService

    async with TurmsClient("127.0.0.1", 11510) as one, TurmsClient("127.0.0.1", 11510) as two:
        await one.login(1, password_1)
        await two.login(2, password_2)
        one_messages, two_messages = MessageService(one, 1), MessageService(two, 2)
        await one_messages.catch_up()
        await two_messages.catch_up()
        sent = await one_messages.send_private(2, "hello, newcomer")
        got = await two_messages.next_message(timeout_s=10)
        await one_messages.close()
        await two_messages.close()
        return {"sent_sequence_id": sent.sequence_id, "received": got.text, "received_from": got.sender_id}


def readme_chat(clone: Path, env: dict[str, str]) -> dict[str, Any]:
    """The README's chat command, word for word, with one line typed into it."""
    readme = (clone / "README.md").read_text()
    m = re.search(r"`(\.venv/bin/python -m turms\.client\.chat [^`]*)`", readme)
    if m is None:
        return {"chat_command": None}
    proc = subprocess.run(
        shlex.split(m.group(1)),
        cwd=clone,
        env=env,
        input="hello from the README\n/quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return {"chat_command": m.group(1), "chat_exit": proc.returncode, "chat_output": proc.stdout + proc.stderr}


def main() -> int:
    clone, mode, report = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    if os.environ.get("NEWCOMER_NETNS") == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    env = {k: v for k, v in os.environ.items() if k != "NEWCOMER_NETNS"}
    result: dict[str, Any] = {"mode": mode}
    started = time.monotonic()
    server = Terminal(["scripts/serve.sh", *(["--demo"] if mode == "demo" else [])], clone, env)
    try:
        result["banner_seen"] = server.wait_for(BANNER_END, 120)
        result["seconds_to_banner"] = round(time.monotonic() - started, 2)
        if result["banner_seen"]:
            if mode == "plain":
                result["user_creation_statuses"] = create_users(clone, server.text)
                passwords = ("secret1", "secret2")
            else:
                passwords = ("123", "123")
            result.update(asyncio.run(exchange(*passwords)))
            if mode == "demo":
                result.update(readme_chat(clone, env))
    except Exception as e:  # reported, judged by the test
        result["error"] = repr(e)
    finally:
        if server.proc.poll() is None:
            server.proc.send_signal(signal.SIGTERM)
        result["exit_code"] = server.finish(40)
        if result["exit_code"] is None:
            server.proc.kill()
        result["output"] = server.text
    report.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

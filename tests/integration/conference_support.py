"""A real LiveKit media server for the conference tests (this module holds no tests).

``scripts/ensure_livekit.sh`` builds ``livekit-server`` once from the Go module proxy into the tool cache
(``scripts/tool_cache.sh``); :class:`LiveKit` starts it in dev mode on loopback with free ports, a known API key
and secret, and ``room.auto_create: false`` (only the turms server opens rooms, as docs/operations.md advises).
If it cannot be built or started, the test fails; it never skips. :meth:`LiveKit.validate` asks LiveKit itself
whether an access token lets its holder join its room (``/rtc/validate``: 200, or 401 for a bad token and 404
for a room that is not open).
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

import aiohttp
import pytest
from livekit import api

from testlib import free_port, terminate

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "turmstest"
API_SECRET = "turms-test-secret-0123456789abcdef0123456789"


def ensure_livekit() -> str:
    script = ROOT / "scripts" / "ensure_livekit.sh"
    proc = subprocess.run([str(script)], capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        pytest.fail(f"cannot build LiveKit (scripts/ensure_livekit.sh):\n{proc.stderr[-4000:]}")
    return proc.stdout.strip().splitlines()[-1]


class LiveKit:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server_settings(self) -> dict[str, str]:
        """The turms server settings that make it use this LiveKit."""
        return {
            "service.conference.provider": "livekit",
            "service.conference.livekit.url": self.url,
            "service.conference.livekit.api_key": API_KEY,
            "service.conference.livekit.api_secret": API_SECRET,
        }

    def start(self, within_s: float = 30.0) -> LiveKit:
        binary = ensure_livekit()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        config = self.state_dir / "livekit.yaml"
        config.write_text(
            f"port: {self.port}\n"
            'bind_addresses: ["127.0.0.1"]\n'
            "rtc:\n"
            f"  tcp_port: {free_port()}\n"
            f"  udp_port: {free_port()}\n"
            "  use_external_ip: false\n"
            "  node_ip: 127.0.0.1\n"
            f"keys:\n  {API_KEY}: {API_SECRET}\n"
            "room:\n  auto_create: false\n"
            "logging:\n  level: warn\n"
        )
        self._log = (self.state_dir / "livekit.log").open("ab")
        self.proc = subprocess.Popen(
            [binary, "--dev", "--config", str(config)], stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + within_s
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"LiveKit exited with {self.proc.returncode}; see {self.state_dir / 'livekit.log'}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=0.5) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"LiveKit did not answer within {within_s} s")
            time.sleep(0.05)

    async def validate(self, token: str) -> int:
        """LiveKit's answer to "may this token join its room now": the HTTP status of ``/rtc/validate``."""
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{self.url}/rtc/validate", params={"access_token": token}) as resp,
        ):
            return resp.status

    async def rooms(self) -> list[str]:
        """The names of the rooms open now, asked through LiveKit's own API."""
        lk = api.LiveKitAPI(self.url, API_KEY, API_SECRET, failover=False)
        try:
            return [r.name for r in (await lk.room.list_rooms(api.ListRoomsRequest())).rooms]
        finally:
            await lk.aclose()

    async def close_room(self, name: str) -> None:
        """Close a room as LiveKit does when it stays empty for its timeout (here: at once, through its API)."""
        lk = api.LiveKitAPI(self.url, API_KEY, API_SECRET, failover=False)
        try:
            await lk.room.delete_room(api.DeleteRoomRequest(room=name))
        finally:
            await lk.aclose()

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            terminate(proc)
        if self._log is not None:
            self._log.close()
            self._log = None

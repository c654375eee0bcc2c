"""A real LiveKit media server for the conference tests (this module holds no tests).

``scripts/ensure_livekit.sh`` builds ``livekit-server`` once from the Go module proxy into the tool cache
(``scripts/tool_cache.sh``); :class:`LiveKit` starts it in dev mode on loopback with free ports, a known API key
and secret, and ``room.auto_create: false`` (only the turms server opens rooms, as docs/operations.md advises).
If it cannot be built or started, the test fails; it never skips. :meth:`LiveKit.validate` asks LiveKit itself
whether an access token lets its holder join its room (``/rtc/validate``: 200, or 401 for a bad token and 404
for a room that is not open).
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
from livekit import api

from testlib import free_port
from tool_servers import ToolServer, answers_200, ensure_tool

API_KEY = "turmstest"
API_SECRET = "turms-test-secret-0123456789abcdef0123456789"


class LiveKit(ToolServer):
    name = "LiveKit"

    def __init__(self, state_dir: Path) -> None:
        super().__init__()
        self.state_dir = state_dir
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server_settings(self, *, enabled: bool = True) -> dict[str, str]:
        """The turms server settings that configure the in-box livekit plugin for this LiveKit and, with
        ``enabled``, enable it."""
        settings = {
            "plugins.livekit.url": self.url,
            "plugins.livekit.api_key": API_KEY,
            "plugins.livekit.api_secret": API_SECRET,
        }
        if enabled:
            settings["plugins.enabled"] = "livekit"
        return settings

    def start(self, within_s: float = 30.0) -> LiveKit:
        binary = ensure_tool("livekit")
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
        args = [binary, "--dev", "--config", str(config)]
        self.launch(args, self.state_dir / "livekit.log", answers_200(self.url + "/"), within_s)
        return self

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

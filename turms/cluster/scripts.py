"""Lua scripts shipped in ``turms/cluster/lua/``, loaded once and run by SHA (EVALSHA, falling back to EVAL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

_DIR = Path(__file__).parent / "lua"


class Script:
    def __init__(self, name: str) -> None:
        self.name = name
        self.source = (_DIR / name).read_text()
        import hashlib

        self.sha = hashlib.sha1(self.source.encode()).hexdigest()

    async def __call__(self, client: aioredis.Redis, *, keys: list[str], args: list[Any]) -> Any:
        try:
            return await client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            # A restarted Redis has an empty script cache: EVAL loads it again.
            return await client.eval(self.source, len(keys), *keys, *args)

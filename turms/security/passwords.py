"""Password hashing: salted scrypt from the standard library, verified off the event loop.

Stored form: ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>``. Parameters travel with each hash, so they can
be raised later without invalidating stored passwords. Hashing and verifying run in a small dedicated thread
pool (scrypt releases the GIL), so logins never block a worker's event loop and cannot monopolise its CPU.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
from concurrent.futures import ThreadPoolExecutor

SCHEME = "scrypt"
#: n = 2**14, r = 8, p = 1: 16 MiB and tens of milliseconds per hash (OWASP's scrypt minimum).
DEFAULT_LOG2_N = 14
DEFAULT_R = 8
DEFAULT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
_MAX_LOG2_N = 20

_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool  # noqa: PLW0603 - one lazily created pool per process (workers are forked)
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="turms-password")
    return _pool


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, log2_n: int = DEFAULT_LOG2_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> str:
    salt = os.urandom(SALT_BYTES)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=1 << log2_n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=HASH_BYTES
    )
    return f"{SCHEME}${log2_n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a stored hash; False for any malformed hash."""
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
        if scheme != SCHEME or not 1 <= int(log2_n) <= _MAX_LOG2_N:
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=_unb64(salt),
            n=1 << int(log2_n),
            r=int(r),
            p=int(p),
            maxmem=256 * 1024 * 1024,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_executor(), hash_password, password)


async def verify_password_async(password: str, stored: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_executor(), verify_password, password, stored)

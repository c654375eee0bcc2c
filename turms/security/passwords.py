"""Password hashing: salted scrypt from the standard library, verified off the event loop.

Stored form: ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>``. Parameters travel with each hash, so they can
be raised later without invalidating stored passwords. Hashing and verifying run on a dedicated thread (scrypt
releases the GIL), so logins never block a worker's event loop. One thread per worker process, as there is one
worker per core: a second thread adds no throughput to a CPU- and memory-bound hash, only contention (on a
2-core host, four scrypt threads made each hash take 0.4-0.9 s instead of 0.14 s).

The pool's queue is bounded (:func:`set_max_pending`, ``security.password.max_pending_hashes`` per worker):
when that many hashes are queued or running, the next one is refused at once with :class:`HashingBusy`, a
``SERVER_UNAVAILABLE`` (1201) error, instead of waiting behind them. Without the bound, logins from 400 IPs
queued so many hashes that an honest login waited 8 s; now a login that gets a place is answered within about
two hash times, and one that does not is refused at once and its client retries (1201 is retryable).
:func:`prepare` makes the dummy hash at start, so the first unknown user id is not slower than the next.

:func:`verify_dummy` spends the time of one verification for a login whose user has no stored hash, so the
answer to an unknown user id takes as long as a wrong password and user ids cannot be enumerated by timing.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode

SCHEME = "scrypt"
#: n = 2**14, r = 8, p = 1: 16 MiB and tens of milliseconds per hash (OWASP's scrypt minimum).
DEFAULT_LOG2_N = 14
DEFAULT_R = 8
DEFAULT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
_MAX_LOG2_N = 20
#: Hashing threads per process (each worker is a process, one per core).
THREADS = 1
#: Default bound of hashes queued or running per process (``security.password.max_pending_hashes``): one
#: running and one waiting, so a login that gets a place waits at most about one hash time before its own.
DEFAULT_MAX_PENDING = 2

_pool: ThreadPoolExecutor | None = None
_max_pending = DEFAULT_MAX_PENDING
_pending = 0
_dummy: str | None = None
_dummy_lock = threading.Lock()

_T = TypeVar("_T")


class HashingBusy(TurmsError):
    """The hashing queue is full: answer ``SERVER_UNAVAILABLE`` now rather than after everybody else's hashes."""

    def __init__(self) -> None:
        super().__init__(ResponseStatusCode.SERVER_UNAVAILABLE, "the server is busy; retry later")


def set_max_pending(limit: int) -> None:
    """Bound the hashes queued or running in this process (0: no bound)."""
    global _max_pending  # noqa: PLW0603 - one pool per process
    _max_pending = limit


def pending() -> int:
    """Hashes queued or running now (tests and diagnostics)."""
    return _pending


def busy() -> bool:
    """Whether a hash asked for now would be refused with :class:`HashingBusy` (a login checks this first, so
    a flood is refused before it costs any other work)."""
    return bool(_max_pending) and _pending >= _max_pending


def _executor() -> ThreadPoolExecutor:
    global _pool  # noqa: PLW0603 - one lazily created pool per process (workers are forked)
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="turms-password")
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


async def _run(fn: Callable[..., _T], *args: str, bounded: bool = True) -> _T:
    global _pending  # noqa: PLW0603 - counted on the event loop's thread only
    if bounded and busy():
        raise HashingBusy()
    _pending += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_executor(), fn, *args)
    finally:
        _pending -= 1


async def hash_password_async(password: str, *, bounded: bool = True) -> str:
    """:func:`hash_password` in the pool; :class:`HashingBusy` when its queue is full (unless not ``bounded``:
    start-up work no client can cause, which waits its turn instead)."""
    return await _run(hash_password, password, bounded=bounded)


async def verify_password_async(password: str, stored: str, *, bounded: bool = True) -> bool:
    """:func:`verify_password` in the pool; :class:`HashingBusy` when its queue is full (unless not ``bounded``)."""
    return await _run(verify_password, password, stored, bounded=bounded)


def _verify_dummy(password: str) -> bool:
    global _dummy  # noqa: PLW0603 - one per process, made on first use (in a pool thread, once)
    with _dummy_lock:
        if _dummy is None:
            _dummy = hash_password(os.urandom(16).hex())
    return verify_password(password, _dummy)


async def prepare() -> None:
    """Make the dummy hash now (a worker calls this once at start, in the background)."""
    await _run(_verify_dummy, "", bounded=False)


async def verify_dummy(password: str) -> None:
    """Spend one verification's time on ``password`` against a hash of a random secret (the same parameters as
    every stored hash): for a login whose user does not exist, or has no password."""
    await _run(_verify_dummy, password)

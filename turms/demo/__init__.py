"""The playground: Turms's development dataset (users, friends, group 1, messages, admins) for a fresh server.

``turms serve --demo`` loads it before the workers start; ``turms demo load [--clear]`` loads it into the
configured store. :mod:`.dataset` describes the data, :mod:`.loader` writes it idempotently into an empty store,
:mod:`.run` holds the command entry points and the production guard. See docs/playground.md.

May import: the standard library, ``turms.settings``, ``turms.clock``, ``turms.storage`` (the port, the schema
and the factory, never an adapter), ``turms.service`` (the domain functions that create records),
``turms.admin.permissions`` and ``turms.admin.rbac`` (admin records), ``turms.security.passwords``.
"""

from __future__ import annotations

from turms.demo.dataset import Plan
from turms.demo.loader import DemoRefused, LoadResult, StoreState, inspect, load
from turms.demo.run import load_before_serving, load_with, production_reason, run

__all__ = [
    "DemoRefused",
    "LoadResult",
    "Plan",
    "StoreState",
    "inspect",
    "load",
    "load_before_serving",
    "load_with",
    "production_reason",
    "run",
]

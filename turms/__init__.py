"""turms-server: a Turms-compatible instant-messaging engine on asyncio.

Layers, top to bottom (a lower layer never imports a higher one): ``cli`` → ``supervisor`` / ``worker`` →
``transport``, ``admin`` → ``gateway`` → ``service`` → ``storage``, ``cluster``, ``security`` →
``protocol``, ``settings``, ``errors``. See docs/architecture.md.
"""

from __future__ import annotations

__version__ = "0.1.0"

"""Settings of the playground: the demo dataset loaded by ``turms serve --demo`` and ``turms demo load``.

``server.environment`` is declared here because the playground guard is its only reader today: the demo dataset
(known passwords, an admin called ``guest``) must never reach a production deployment. See docs/playground.md.
"""

from __future__ import annotations

from turms.settings.registry import between, setting

ENVIRONMENT = setting(
    "server.environment",
    str,
    "development",
    "What this deployment is. `production` refuses the playground (`turms serve --demo`, `turms demo load`); so "
    "does any configuration with `storage.mongo.uri` set, whatever this says.",
    choices=("development", "production"),
)
USER_COUNT = setting(
    "demo.user_count",
    int,
    1000,
    "Users in the demo dataset (ids 1..N, password `123`). A tenth of it is the `step` that sizes the rest, as "
    "in Turms's fake data: user 1's friends (2..step), group 1's members (1..step), and so on.",
    validator=between(10, 1_000_000),
)

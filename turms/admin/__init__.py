"""The admin HTTP API: authentication (HTTP Basic, optional JWT bearer), RBAC, resources, audit log, OpenAPI.

Every route is declared once (:class:`turms.admin.routes.Route`: method, path, the permission it needs, the
parameter and body schemas, the handler); the aiohttp router, the permission check and ``/openapi.json`` are all
derived from those declarations. One module per resource (``admins``, ``users``, ``online``, ``cluster``,
``content``, ``ops``); :mod:`turms.admin.app` assembles them into an application served by every worker on the
admin port.

May import the standard library, aiohttp, orjson, PyJWT, :mod:`turms.settings`, :mod:`turms.errors`,
:mod:`turms.protocol.status`, :mod:`turms.clock`, :mod:`turms.security`, :mod:`turms.storage.port`,
:mod:`turms.storage.schema`, :mod:`turms.storage.errors`, :mod:`turms.cluster` and :mod:`turms.service` (the
domains' functions and vocabulary, so admin writes follow the same rules); never the gateway, transports, the
worker wiring or a storage adapter.
"""

from __future__ import annotations

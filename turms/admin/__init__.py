"""The admin HTTP API and web console: authentication (HTTP Basic, optional JWT bearer), RBAC, resources, the
audit log, OpenAPI, and the console's pages under ``/console/``.

Every route is declared once (:class:`turms.admin.routes.Route`: method, path, the permission it needs, the
parameter and body schemas, the handler); the aiohttp router, the permission check and ``/openapi.json`` are all
derived from those declarations. One module per resource (``admins``, ``users``, ``online``, ``cluster``,
``content``, ``ops``, ``action_logs`` …); :mod:`turms.admin.app` assembles them into an application served by
every worker on the admin port. The console (:mod:`turms.admin.console`, sessions in :mod:`turms.admin.sessions`)
is served by the same application and acts only through those routes.

May import the standard library, aiohttp, orjson, PyJWT, Jinja2 (the console), :mod:`turms.settings`,
:mod:`turms.errors`, :mod:`turms.protocol`, :mod:`turms.clock`, :mod:`turms.security`, :mod:`turms.storage.port`,
:mod:`turms.storage.schema`, :mod:`turms.storage.errors`, :mod:`turms.cluster` and :mod:`turms.service` (the
domains' functions and vocabulary, so admin writes follow the same rules); never the gateway, transports, the
worker wiring or a storage adapter.
"""

from __future__ import annotations

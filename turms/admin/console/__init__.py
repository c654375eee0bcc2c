"""The admin web console: server-rendered pages for operators, served by the admin listener under ``/console/``.

Pages are Jinja2 templates (``templates/``) with htmx and uPlot vendored as static files (``static/``, see
``static/THIRD_PARTY.md``); nothing is fetched from elsewhere at run time. A browser logs in with an admin
account (:mod:`turms.admin.sessions` keeps the session in Redis); every page reads, and every form writes,
through the admin API's own routes (:meth:`turms.admin.app.AdminApi.invoke`): the same permission check,
validation, handlers and audit log as a request to the API, so the console can do exactly what the logged-in
admin's roles allow and nothing else. Buttons a role cannot use are shown disabled.

:mod:`.app` holds the request context, login and the page plumbing; :mod:`.security` the headers, cookie and
CSRF rules; one module per area (:mod:`.dashboard`, :mod:`.users`, :mod:`.groups`, :mod:`.messages`,
:mod:`.moderation`, :mod:`.cluster`, :mod:`.audit`, :mod:`.plugins`).

May import the standard library, aiohttp, orjson, jinja2, :mod:`turms.settings`, :mod:`turms.protocol.status`
and the admin package's own modules (the API, RBAC, sessions); never the store, Redis, the domain services, the
cluster services or a driver (``tests/unit/test_layering.py``).
"""

from __future__ import annotations

from turms.admin.console.app import Console

__all__ = ["Console"]

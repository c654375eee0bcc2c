"""The IM domain: users, relationships, groups, conversations, messages, and who is told about what.

Each domain module registers handlers for its request kinds on a :class:`~turms.service.api.Router`. Handlers
talk to the store port (``turms.storage.port.Store``), the :class:`~turms.service.api.Notifier` and the
:class:`~turms.service.api.Presence` port, never to a driver, Redis or a socket.

May import: ``turms.storage.port``/``schema``/``errors``, ``turms.protocol``, ``turms.settings``,
``turms.errors``, ``turms.clock``, ``turms.security``. Never ``turms.gateway``, ``turms.transport``,
``turms.worker``, ``turms.cluster`` internals, pymongo, sqlite3 or redis (a test enforces the drivers). The one
place with drivers is ``turms.service.resource.backends`` (the files backends: aiobotocore, aiohttp), which the
domain reaches only through its port.
"""

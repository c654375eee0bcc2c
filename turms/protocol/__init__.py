"""The sans-IO client-protocol layer: wire messages, status numbers, framing and request validation.

No sockets and no event loop here: everything consumes and produces bytes or messages. Submodules:

* :mod:`turms.protocol.pb`: generated protobuf classes (``im.turms.proto``), from ``proto/``.
* :mod:`turms.protocol.status`: ``ResponseStatusCode``, ``SessionCloseStatus``, ``SystemMessageType``.
* :mod:`turms.protocol.framing`: varint32 length-prefixed TCP frames.
* :mod:`turms.protocol.requests`: decoding/validating ``TurmsRequest``, building ``TurmsNotification``.

May import nothing from ``turms`` except :mod:`turms.errors`. This ``__init__`` itself imports only
:mod:`turms.protocol.status`, because :mod:`turms.errors` imports that module and a cycle would follow.
"""

from __future__ import annotations

from turms.protocol.status import ResponseStatusCode, SessionCloseStatus, SystemMessageType

__all__ = ["ResponseStatusCode", "SessionCloseStatus", "SystemMessageType"]

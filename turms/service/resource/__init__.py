"""Files: Turms's storage service (user and group profile pictures, message attachments).

Modules: ``port`` (the object-store port and the resource types), ``model`` (stored shapes, media types, wire
shapes), ``access`` (read-only permission checks on the relationship and group collections), ``attachments``
(attachment records, shares, usage and quotas), ``files`` (the five request kinds). Backends behind the port are in
``backends/`` (the only place with drivers); the worker opens one and hands it over as ``Services.files``.

May import what ``turms.service`` may, plus ``turms.service.api``/``context``/``push``. Never another domain's
package (relationships and groups are read through the store), never ``turms.service.resource.backends``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode
from turms.service.api import Response, Router, ServiceRequest
from turms.service.context import Services

KINDS = (
    "query_resource_upload_info_request",
    "query_resource_download_info_request",
    "delete_resource_request",
    "update_message_attachment_info_request",
    "query_message_attachment_infos_request",
)


def register(router: Router, services: Services) -> None:
    """Register the storage request kinds: served by :class:`FileService` when a backend is configured, else
    answered STORAGE_NOT_IMPLEMENTED (6000) as Turms does without a storage plugin."""
    from turms.service.resource.files import FileService, _type

    backend = services.files
    if backend is None:

        async def not_implemented(req: ServiceRequest) -> Response:
            if req.kind in (
                "query_resource_upload_info_request",
                "query_resource_download_info_request",
                "delete_resource_request",
            ):
                _type(req.body.type)  # Turms checks the resource type first (1102), then finds no plugin
            raise TurmsError(ResponseStatusCode.STORAGE_NOT_IMPLEMENTED)

        for kind in KINDS:
            router.register(kind, not_implemented)
        return
    service = FileService(services, backend)
    handlers: dict[str, Callable[[ServiceRequest], Awaitable[Response]]] = {
        "query_resource_upload_info_request": service.upload_info,
        "query_resource_download_info_request": service.download_info,
        "delete_resource_request": service.delete,
        "update_message_attachment_info_request": service.update_attachment,
        "query_message_attachment_infos_request": service.query_infos,
    }
    for kind, handler in handlers.items():
        router.register(kind, handler)

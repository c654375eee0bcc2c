"""The files domain's vocabulary: stored shapes, media types, the wire shapes of upload and download information.

Stored shapes (``turms.storage.schema``):

* ``messageAttachment``: ``_id`` id, ``n`` name, ``mt`` media type, ``uid`` uploader, ``cd`` creation date,
  ``sz`` bytes charged to the uploader (the upload's maximum until the object's size is known), ``st`` state
  (:data:`PENDING` while the upload may still arrive, :data:`STORED` once the object is known to exist).
* ``messageAttachmentShare``: ``_id = {aid, t, tid}`` (attachment, :data:`USER_TARGET` or :data:`GROUP_TARGET`,
  the user or group id), ``uid`` the uploader and ``acd`` the attachment's creation date (for listing filters).
* ``storageUsage``: ``_id`` user, ``c`` attachments stored, ``b`` bytes charged, ``qc``/``qb`` the user's own
  quota (absent: the defaults; 0: no limit).

Upload and download information travel, as in Turms, as ``TurmsNotification.data.strings_with_version.strings``
holding keys and values in turn: ``id`` (the object key), ``url``, then the upload form's fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from turms.clock import datetime_to_ms
from turms.errors import TurmsError
from turms.protocol.pb import model_common_pb2, model_storage_pb2, turms_notification_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.service.resource.port import ANY_MEDIA, MediaRange

ATTACHMENT = "messageAttachment"
SHARE = "messageAttachmentShare"
USAGE = "storageUsage"
# Other domains' collections, read only (their names and fields are the schema's).
RELATIONSHIP = "userRelationship"
GROUP = "group"
GROUP_MEMBER = "groupMember"

PENDING = 0
STORED = 1
USER_TARGET = 0
GROUP_TARGET = 1

#: Keys of the upload and download information (Turms's MinIO plugin's ``RESOURCE_ID`` and ``RESOURCE_URL``).
ID_KEY = "id"
URL_KEY = "url"

_TOKEN = r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"
_MEDIA_TYPE_RE = re.compile(rf"^({_TOKEN})/({_TOKEN})$")


def parse_media_type(text: str) -> str:
    """A concrete media type (``type/subtype``, lowercased), or ILLEGAL_ARGUMENT."""
    value = text.strip().lower()
    if not _MEDIA_TYPE_RE.match(value):
        raise TurmsError(
            Code.ILLEGAL_ARGUMENT,
            f"the media type {text[:80]!r} is not a concrete `type/subtype` (parameters are not accepted)",
        )
    return value


def media_range(allowed: str) -> MediaRange:
    """The setting ``allowed_content_type`` (``type/subtype``, ``type/*`` or ``*/*``) as a :class:`MediaRange`."""
    kind, _, sub = allowed.lower().partition("/")
    if kind == "*":
        return ANY_MEDIA
    if sub == "*":
        return MediaRange(kind + "/", prefix=True)
    return MediaRange(f"{kind}/{sub}", prefix=False)


def strings(pairs: Mapping[str, str]) -> Any:
    """Keys and values in turn, in ``data.strings_with_version`` (Turms's map encoding)."""
    flat: list[str] = []
    for key, value in pairs.items():
        flat += (key, value)
    return turms_notification_pb2.TurmsNotification.Data(
        strings_with_version=model_common_pb2.StringsWithVersion(strings=flat)
    )


def to_info(doc: Mapping[str, Any]) -> Any:
    info = model_storage_pb2.StorageResourceInfo(
        id_num=int(doc["_id"]), uploader_id=int(doc["uid"]), creation_date=datetime_to_ms(doc["cd"])
    )
    if doc.get("n") is not None:
        info.name = str(doc["n"])
    if doc.get("mt") is not None:
        info.media_type = str(doc["mt"])
    return info


def infos(docs: list[dict[str, Any]]) -> Any:
    return turms_notification_pb2.TurmsNotification.Data(
        storage_resource_infos=model_storage_pb2.StorageResourceInfos(infos=[to_info(d) for d in docs])
    )

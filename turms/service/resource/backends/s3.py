"""The S3-compatible backend (aiobotocore): presigned POST policies for uploads, presigned GET URLs for attachments,
public-read buckets for profile pictures, as Turms's MinIO plugin does.

Two clients share one session: one talks to the object store (``service.storage.s3.endpoint``: bucket creation,
``HEAD``, ``DELETE``), the other only signs, for the endpoint clients reach (``public_endpoint``), because a
signature covers the host it is made for. Signing is local computation; no request leaves for it.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import orjson
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from turms.service.resource.port import (
    ObjectStoreError,
    ResourceType,
    StoredHook,
    StoredObject,
    UploadForm,
    UploadPolicy,
)

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

log = logging.getLogger("turms.files")

#: S3's own limit on one POST upload.
_MAX_POST_BYTES = 5 * 1024**3
_MISSING = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})


class S3ObjectStore:
    name = "s3"

    def __init__(
        self,
        *,
        endpoint: str,
        public_endpoint: str,
        region: str,
        access_key: str,
        secret_key: str,
        bucket_prefix: str = "",
        path_style: bool = True,
        create_buckets: bool = True,
        timeout_s: float = 10.0,
    ) -> None:
        self.endpoint = endpoint
        self.public_endpoint = public_endpoint or endpoint
        self.region = region
        self.bucket_prefix = bucket_prefix
        self.create_buckets = create_buckets
        self._access_key = access_key or None
        self._secret_key = secret_key or None
        self._config = AioConfig(
            region_name=region,
            signature_version="s3v4",
            s3={"addressing_style": "path" if path_style else "virtual"},
            connect_timeout=timeout_s,
            read_timeout=timeout_s,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        self._stack = contextlib.AsyncExitStack()
        self._client: S3Client | None = None
        self._signer: S3Client | None = None
        self.on_stored: StoredHook | None = None

    def bucket(self, type: ResourceType) -> str:
        return self.bucket_prefix + type.bucket

    def _clients(self) -> tuple[S3Client, S3Client]:
        if self._client is None or self._signer is None:
            raise ObjectStoreError("the S3 backend is not started")
        return self._client, self._signer

    async def start(self) -> None:
        session = get_session()

        async def client(endpoint: str) -> S3Client:
            creator = session.create_client(
                "s3",
                endpoint_url=endpoint or None,
                config=self._config,
                aws_access_key_id=self._access_key,
                aws_secret_access_key=self._secret_key,
            )
            return await self._stack.enter_async_context(creator)

        self._client = await client(self.endpoint)
        self._signer = await client(self.public_endpoint)
        if self.create_buckets:
            for type in ResourceType:
                await self._ensure_bucket(type)

    async def _ensure_bucket(self, type: ResourceType) -> None:
        client, _ = self._clients()
        name = self.bucket(type)
        try:
            await client.head_bucket(Bucket=name)
            return
        except ClientError as e:
            if _error_code(e) not in _MISSING:
                raise ObjectStoreError(f"cannot check the bucket {name}: {e}") from None
        except BotoCoreError as e:
            raise ObjectStoreError(f"cannot reach the object store at {self.endpoint or 'AWS'}: {e}") from None
        try:
            if self.region == "us-east-1":
                await client.create_bucket(Bucket=name)
            else:
                await client.create_bucket(
                    Bucket=name,
                    CreateBucketConfiguration={"LocationConstraint": self.region},  # type: ignore[typeddict-item]
                )
            log.info("created the bucket %s", name)
        except ClientError as e:
            # Another worker created it meanwhile.
            if _error_code(e) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise ObjectStoreError(f"cannot create the bucket {name}: {e}") from None
        if type.public:
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "PublicRead",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": ["s3:GetObject"],
                        "Resource": [f"arn:aws:s3:::{name}/*"],
                    }
                ],
            }
            try:
                await client.put_bucket_policy(Bucket=name, Policy=orjson.dumps(policy).decode())
            except (ClientError, BotoCoreError) as e:
                raise ObjectStoreError(f"cannot make the bucket {name} publicly readable: {e}") from None

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = self._signer = None

    async def upload_form(self, policy: UploadPolicy) -> UploadForm:
        _, signer = self._clients()
        conditions: list[Any] = [
            ["starts-with" if policy.content_type.prefix else "eq", "$Content-Type", policy.content_type.value],
            ["content-length-range", policy.min_bytes, policy.max_bytes or _MAX_POST_BYTES],
        ]
        fields = {} if policy.content_type.prefix else {"Content-Type": policy.content_type.value}
        try:
            post = await signer.generate_presigned_post(
                Bucket=self.bucket(policy.type),
                Key=policy.key,
                Fields=fields,
                Conditions=conditions,
                ExpiresIn=policy.expires_in_s,
            )
        except (ClientError, BotoCoreError) as e:
            raise ObjectStoreError(f"cannot sign an upload policy: {e}") from None
        return UploadForm(str(post["url"]), {str(k): str(v) for k, v in post["fields"].items()})

    async def download_url(self, type: ResourceType, key: str, expires_in_s: int) -> str:
        _, signer = self._clients()
        try:
            return await signer.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket(type), "Key": key}, ExpiresIn=expires_in_s
            )
        except (ClientError, BotoCoreError) as e:
            raise ObjectStoreError(f"cannot sign a download URL: {e}") from None

    async def public_url(self, type: ResourceType, key: str) -> str:
        # The object's plain URL in the addressing style in use: a presigned URL without its signature.
        url = await self.download_url(type, key, 1)
        return url.partition("?")[0]

    async def stat(self, type: ResourceType, key: str) -> StoredObject | None:
        client, _ = self._clients()
        try:
            head = await client.head_object(Bucket=self.bucket(type), Key=key)
        except ClientError as e:
            if _error_code(e) in _MISSING:
                return None
            raise ObjectStoreError(f"cannot read {self.bucket(type)}/{key}: {e}") from None
        except BotoCoreError as e:
            raise ObjectStoreError(f"cannot reach the object store: {e}") from None
        return StoredObject(int(head.get("ContentLength", 0)), str(head.get("ContentType", "")))

    async def delete(self, type: ResourceType, key: str) -> None:
        client, _ = self._clients()
        try:
            await client.delete_object(Bucket=self.bucket(type), Key=key)
        except ClientError as e:
            if _error_code(e) not in _MISSING:
                raise ObjectStoreError(f"cannot delete {self.bucket(type)}/{key}: {e}") from None
        except BotoCoreError as e:
            raise ObjectStoreError(f"cannot reach the object store: {e}") from None


def _error_code(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code", ""))

"""``rediss://``: the server's Redis traffic over TLS, with redis-py's TLS options passed through the URL.

A real redis-server (Debian's, built with TLS) serving only TLS on its TCP port, with a certificate from a
private CA made at test time (``trustme``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
import trustme

from turms.cluster.connection import connect
from turms.cluster.pubsub import publish, subscribe
from turms.supervisor.embedded_redis import EmbeddedRedis

from testlib import free_port

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, trustme.CA]]:
    tmp = tmp_path_factory.mktemp("redis-tls")
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    cert, key, ca_file = tmp / "redis.pem", tmp / "redis.key", tmp / "ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    port = free_port()
    server = EmbeddedRedis(
        tmp / "redis",
        extra_config={
            "tls-port": str(port),
            "tls-cert-file": str(cert),
            "tls-key-file": str(key),
            "tls-ca-cert-file": str(ca_file),
            "tls-auth-clients": "no",
        },
    )
    server.start()  # plain TCP off (port 0); the supervisor-style Unix socket answers the start-up ping
    try:
        yield port, ca_file, ca
    finally:
        server.stop()


async def test_commands_scripts_and_pub_sub_over_rediss(tls_redis: tuple[int, Path, trustme.CA]) -> None:
    port, ca_file, _ = tls_redis
    url = f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={ca_file}"
    client, subscriber = connect(url), connect(url, pubsub=True)
    try:
        await client.set("k", "v")
        assert await client.get("k") == b"v"
        assert await client.eval("return redis.call('GET', KEYS[1])", 1, "k") == b"v"
        async with subscribe(subscriber, ["ch"]) as subscription:
            await publish(client, "ch", b"over tls")
            assert await asyncio.wait_for(subscription.get(), 5) == b"over tls"
    finally:
        await client.aclose()
        await subscriber.aclose()


async def test_a_certificate_from_another_ca_is_refused(tls_redis: tuple[int, Path, trustme.CA]) -> None:
    port, _, _ = tls_redis
    other = Path(str(tls_redis[1]) + ".other")
    trustme.CA().cert_pem.write_to_path(str(other))
    client = connect(f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={other}", retries=0)
    try:
        with pytest.raises(aioredis.ConnectionError, match="certificate verify failed"):
            await client.ping()
    finally:
        await client.aclose()

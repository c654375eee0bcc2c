"""TLS on every listener of a real server: client TCP and WebSocket through the SDK and a raw TLS socket, the
admin API over HTTPS, the handshake deadline, and a certificate reload (SIGUSR1) that closes nothing.

Certificates are made at test time by a private CA (``trustme``) that only the test's clients trust.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
import trustme

from turms.client import TurmsClient
from turms.client.message import ChatMessage, MessageService

from integration_support import Server, running
from messaging_support import SERVER_SETTINGS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

#: Generous enough for a TLS handshake on a loaded 2-core machine, short enough for the deadline test.
HANDSHAKE_TIMEOUT_S = 1.5


class Tls:
    def __init__(self, directory: Path) -> None:
        self.ca = trustme.CA()
        self.cert_file = directory / "server.pem"
        self.key_file = directory / "server.key"
        self.issue()

    def issue(self) -> bytes:
        """A new leaf certificate for 127.0.0.1 written over the files; returns its DER."""
        leaf = self.ca.issue_cert("127.0.0.1", "localhost")
        self.cert_file.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        leaf.private_key_pem.write_to_path(str(self.key_file))
        return ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        self.ca.configure_trust(ctx)
        return ctx


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Tls]]:
    tmp = tmp_path_factory.mktemp("tls")
    tls = Tls(tmp)
    settings = {
        **SERVER_SETTINGS,
        "tls.cert_file": str(tls.cert_file),
        "tls.key_file": str(tls.key_file),
        "tls.client_tcp": "true",
        "tls.client_websocket": "true",
        "tls.admin_http": "true",
        "security.connections.handshake_timeout_s": str(HANDSHAKE_TIMEOUT_S),
    }
    server = Server(tmp, workers=2, settings=settings)
    with running(server):
        asyncio.run(server.wait_ready(within=30))
        yield server, tls


async def until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"not within {within} s: {what}"
        await asyncio.sleep(0.02)


async def closed(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def peer_certificate(port: int, ctx: ssl.SSLContext) -> bytes:
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        assert der is not None
        return bytes(der)
    finally:
        writer.close()
        await writer.wait_closed()


async def test_sdk_clients_on_tls_tcp_and_wss_exchange_messages(tls_server: tuple[Server, Tls]) -> None:
    server, tls = tls_server
    ctx = tls.client_context()
    alice = TurmsClient("127.0.0.1", server.tcp_port, tls=ctx, heartbeat_interval_s=0, request_timeout_s=10)
    bob = TurmsClient(url=f"wss://127.0.0.1:{server.ws_port}/", tls=ctx, heartbeat_interval_s=0, request_timeout_s=10)
    await alice.connect()
    await bob.connect()
    try:
        await alice.login(9101)
        await bob.login(9102)
        inbox: list[ChatMessage] = []
        MessageService(bob, 9102).on_message(inbox.append)
        await MessageService(alice, 9101).send_private(9102, "over TLS")
        await until(lambda: [m.text for m in inbox] == ["over TLS"], 5, "the push over wss://")
        await bob.heartbeat()
        await alice.heartbeat()
    finally:
        await alice.close()
        await bob.close()


async def test_a_raw_tls_socket_gets_frames_and_a_plain_one_gets_nothing(tls_server: tuple[Server, Tls]) -> None:
    server, tls = tls_server
    reader, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port, ssl=tls.client_context())
    writer.write(b"\x00")  # a heartbeat frame, answered by an empty frame
    assert await asyncio.wait_for(reader.readexactly(1), 5) == b"\x00"
    assert writer.get_extra_info("ssl_object").version() in ("TLSv1.2", "TLSv1.3")
    writer.close()
    await writer.wait_closed()
    # Plaintext on the TLS port: the heartbeat is not a ClientHello, the server closes without a frame.
    reader, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
    writer.write(b"\x00" * 8)
    with_data = await asyncio.wait_for(reader.read(100), 5)
    assert b"\x00" not in with_data or with_data.startswith(b"\x15")  # nothing, or a TLS alert record
    await closed(writer)
    # An untrusting client refuses the server's certificate.
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.open_connection("127.0.0.1", server.tcp_port, ssl=ssl.create_default_context())


async def test_the_admin_api_over_https(tls_server: tuple[Server, Tls]) -> None:
    server, tls = tls_server
    url = f"https://127.0.0.1:{server.admin_port}/health"
    async with aiohttp.ClientSession() as http, http.get(url, ssl=tls.client_context()) as r:
        assert r.status == 200
        assert (await r.json())["ready"] is True


async def test_a_connection_without_a_handshake_is_closed_at_the_deadline(tls_server: tuple[Server, Tls]) -> None:
    server, _ = tls_server
    for port in (server.tcp_port, server.ws_port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        assert await asyncio.wait_for(reader.read(100), HANDSHAKE_TIMEOUT_S + 5) == b""
        assert time.monotonic() - started >= HANDSHAKE_TIMEOUT_S * 0.9
        await closed(writer)


async def test_sigusr1_reloads_the_certificate_and_closes_no_session(tls_server: tuple[Server, Tls]) -> None:
    server, tls = tls_server
    ctx = tls.client_context()
    old = await peer_certificate(server.tcp_port, ctx)
    clients = [
        TurmsClient("127.0.0.1", server.tcp_port, tls=ctx, heartbeat_interval_s=0, reconnect=False),
        TurmsClient(url=f"wss://127.0.0.1:{server.ws_port}/", tls=ctx, heartbeat_interval_s=0, reconnect=False),
    ]
    for i, client in enumerate(clients):
        await client.connect()
        await client.login(9201 + i)
    try:
        new = tls.issue()
        assert new != old
        reloads = server.log().count("TLS certificate reloaded")
        server.signal(signal.SIGUSR1)
        await until(lambda: server.log().count("TLS certificate reloaded") == reloads + 2, 10, "both workers reload")
        # New handshakes get the new certificate (on every worker: several connections), on every listener.
        assert {await peer_certificate(server.tcp_port, ctx) for _ in range(6)} == {new}
        assert {await peer_certificate(server.ws_port, ctx) for _ in range(6)} == {new}
        assert await peer_certificate(server.admin_port, ctx) == new
        # The sessions opened before are still there and answer.
        for client in clients:
            assert client.connected
            await client.heartbeat()
        # A broken pair (the key of another certificate) is refused and the served certificate stays.
        key = tls.key_file.read_bytes()
        tls.issue()
        tls.key_file.write_bytes(key)
        server.signal(signal.SIGUSR1)
        await until(lambda: server.log().count("TLS certificate reload failed") == 2, 10, "both workers refuse")
        assert await peer_certificate(server.tcp_port, ctx) == new
    finally:
        for client in clients:
            await client.close()

"""The TCP protocol against a fake asyncio transport: framing, write coalescing, slow consumers, close."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from turms.gateway import Gateway, UnavailableHandler
from turms.protocol.framing import FrameDecoder, encode_frame
from turms.protocol.pb import turms_notification_pb2, turms_request_pb2
from turms.protocol.status import SessionCloseStatus
from turms.settings import load_settings
from turms.transport.tcp import Outbox, TcpConnection

pytestmark = pytest.mark.timeout(10)


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.buffered = 0
        self.eof = False
        self.aborted = False
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 5555) if name == "peername" else default

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof = True

    def abort(self) -> None:
        self.aborted = True

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    reading = True
    pauses = 0

    def is_reading(self) -> bool:
        return self.reading

    def pause_reading(self) -> None:
        self.reading = False
        self.pauses += 1

    def resume_reading(self) -> None:
        self.reading = True


def make(max_outbound: int = 1 << 20) -> tuple[TcpConnection, FakeTransport, Gateway]:
    loop = asyncio.get_running_loop()
    settings = load_settings(None, env={})
    gateway = Gateway(settings, UnavailableHandler())
    conn = TcpConnection(gateway, loop, max_frame_bytes=1024, max_outbound_bytes=max_outbound)
    transport = FakeTransport()
    conn.connection_made(transport)
    return conn, transport, gateway


def frames(writes: list[bytes]) -> list[bytes]:
    return FrameDecoder(1 << 20).feed(b"".join(writes))


async def test_heartbeats_in_one_chunk_get_one_write() -> None:
    conn, transport, _ = make()
    conn.data_received(b"\x00\x00\x00")
    assert transport.writes == []  # nothing is written inside the callback
    await asyncio.sleep(0)
    assert transport.writes == [b"\x00\x00\x00"]  # three replies, one write


async def test_many_sends_in_one_tick_are_coalesced() -> None:
    conn, transport, _ = make()
    for i in range(10):
        conn.send(bytes([i]) * 3)
    await asyncio.sleep(0)
    assert len(transport.writes) == 1
    assert frames(transport.writes) == [bytes([i]) * 3 for i in range(10)]


async def test_oversized_frame_closes_with_illegal_request_then_half_closes() -> None:
    conn, transport, gateway = make()
    conn.data_received(encode_frame(b"x" * 2000)[:10])
    (payload,) = frames(transport.writes)
    n = turms_notification_pb2.TurmsNotification()
    n.ParseFromString(payload)
    assert n.close_status == SessionCloseStatus.ILLEGAL_REQUEST
    assert transport.eof and not transport.aborted
    conn.data_received(b"\x00")  # input after the close is discarded
    await asyncio.sleep(0)
    assert len(frames(transport.writes)) == 1
    conn.connection_lost(None)
    assert len(gateway) == 0


async def test_slow_consumer_is_disconnected() -> None:
    conn, transport, _ = make(max_outbound=4096)
    transport.buffered = 4000
    assert conn.send(b"y" * 50) is True
    assert conn.send(b"y" * 100) is False
    assert transport.aborted


async def test_frames_read_past_the_in_flight_limit_wait_for_the_resume() -> None:
    """Five requests in one read with room for two in flight: two are handed over, the transport stops
    reading, and the other three follow as earlier ones finish, in order."""
    loop = asyncio.get_running_loop()
    settings = load_settings(None, env={}, flags=[("gateway.client_api.max_in_flight_requests", "2")])
    gateway = Gateway(settings, UnavailableHandler())
    conn = TcpConnection(gateway, loop, max_frame_bytes=1024, max_outbound_bytes=1 << 20)
    transport = FakeTransport()
    conn.connection_made(transport)
    chunk = b""
    for i in range(1, 6):
        r = turms_request_pb2.TurmsRequest(request_id=i)
        r.create_session_request.version = 1
        chunk += encode_frame(r.SerializeToString())
    conn.data_received(chunk)
    assert transport.pauses == 1 and not transport.reading
    assert conn.session is not None and conn.session.in_flight == 2
    for _ in range(10):
        await asyncio.sleep(0)
    assert transport.reading
    answered = [turms_notification_pb2.TurmsNotification.FromString(f).request_id for f in frames(transport.writes)]
    assert answered == [1, 2, 3, 4, 5]


class BrokenTransport(FakeTransport):
    def write(self, data: bytes | bytearray | memoryview) -> None:
        raise RuntimeError("transport gone")


async def test_one_payload_to_many_connections_is_framed_once_and_each_flushed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A group push: the same payload to many connections of one outbox. Each gets one write with the frame,
    and a connection whose transport raises does not keep the others' data queued."""
    loop = asyncio.get_running_loop()
    gateway = Gateway(load_settings(None, env={}), UnavailableHandler())
    outbox = Outbox(loop)
    transports: list[FakeTransport] = []
    conns = []
    for i in range(6):
        conn = TcpConnection(gateway, loop, max_frame_bytes=1024, max_outbound_bytes=1 << 20, outbox=outbox)
        transport = BrokenTransport() if i == 2 else FakeTransport()
        conn.connection_made(transport)
        transports.append(transport)
        conns.append(conn)
    payload = b"push" * 40  # two length bytes
    assert outbox.frame(payload) is outbox.frame(payload) == encode_frame(payload)
    for conn in conns:
        assert conn.send(payload)
    conns[0].send(b"second")
    assert all(t.writes == [] for t in transports)
    await asyncio.sleep(0)
    assert transports[0].writes == [encode_frame(payload) + encode_frame(b"second")]
    for i in (1, 3, 4, 5):
        assert transports[i].writes == [encode_frame(payload)]
    assert "flushing 127.0.0.1:5555 failed" in caplog.text
    conns[1].send(b"next turn")
    await asyncio.sleep(0)
    assert transports[1].writes[-1] == encode_frame(b"next turn")

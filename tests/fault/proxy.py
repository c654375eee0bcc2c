"""An in-process asyncio TCP proxy for fault injection on loopback.

Modes: pass-through; *blackhole* (connections stay open, nothing is forwarded either way, like a network
partition that drops packets); *delay* (every chunk waits before it is forwarded); and, for the Turms TCP
protocol, a *frame filter* on the server→client direction that may drop whole frames (e.g. acks).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable

from turms.protocol.framing import FrameDecoder, encode_frame

FrameFilter = Callable[[bytes], bool]
"""Given one server→client payload, return False to drop it."""


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, *, framed: bool = False) -> None:
        self.target = (target_host, target_port)
        self.framed = framed
        self.port = 0
        self.delay_s = 0.0
        self.frame_filter: FrameFilter | None = None
        self._open = asyncio.Event()
        self._open.set()
        self._server: asyncio.Server | None = None
        self._stopping = False
        #: One task per proxied connection (:meth:`_serve`), and the two pipes of each.
        self._conns: set[asyncio.Task[None]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.dropped = 0

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and close every connection; returns once each one's sockets are closed."""
        self._stopping = True
        if self._server is not None:
            self._server.close()
        for t in list(self._conns):
            t.cancel()
        # Each connection's done callback (run before gather returns) and _serve's finally close its two sides.
        await asyncio.gather(*self._conns, *self._tasks, return_exceptions=True)
        await asyncio.sleep(0)  # the transports' close callbacks run

    def blackhole(self, on: bool) -> None:
        if on:
            self._open.clear()
        else:
            self._open.set()

    async def blackhole_for(self, seconds: float) -> None:
        self.blackhole(True)
        try:
            await asyncio.sleep(seconds)
        finally:
            self.blackhole(False)

    def reset_all(self) -> None:
        """Cut every proxied connection (both sides see a reset or EOF)."""
        for w in list(self._writers):
            with contextlib.suppress(Exception):
                w.transport.abort()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A plain callback, so asyncio makes no task of its own: on Python 3.11 a cancelled one (at the
        loop's teardown) left its connection open, as the callback that should close it raised instead."""
        if self._stopping:
            writer.transport.abort()
            return
        self._writers.add(writer)
        conn = asyncio.ensure_future(self._serve(reader, writer))
        self._conns.add(conn)

        def done(task: asyncio.Task[None]) -> None:  # also when cancelled before it started
            self._conns.discard(task)
            self._writers.discard(writer)
            writer.close()

        conn.add_done_callback(done)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            return  # the client's side is closed by _accept's done callback
        self._writers.add(up_writer)
        up = asyncio.ensure_future(self._pipe(reader, up_writer, None))
        down = asyncio.ensure_future(self._pipe(up_reader, writer, self._filter_frames() if self.framed else None))
        for t in (up, down):
            self._tasks.add(t)
            t.add_done_callback(self._tasks.discard)
        try:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # Also when cancelled: a writer left open warns ("loop is closed") when collected later.
            for t in (up, down):
                t.cancel()
            self._writers.discard(up_writer)
            up_writer.close()
            await asyncio.gather(up, down, return_exceptions=True)

    def _filter_frames(self) -> Callable[[bytes], bytes]:
        decoder = FrameDecoder(1 << 24)

        def process(chunk: bytes) -> bytes:
            out = []
            for payload in decoder.feed(chunk):
                if self.frame_filter is not None and payload and not self.frame_filter(payload):
                    self.dropped += 1
                    continue
                out.append(encode_frame(payload))
            return b"".join(out)

        return process

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, transform: Callable[[bytes], bytes] | None
    ) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                await self._open.wait()
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                if transform is not None:
                    data = transform(data)
                if data:
                    writer.write(data)
                    await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            return  # one side reset (a killed worker, a restarted Redis): the pair is closed by _accept


def drop_fraction_of_acks(fraction: float, rng: random.Random) -> FrameFilter:
    """A filter dropping ``fraction`` of successful message acks (responses to CreateMessageRequest)."""
    from turms.protocol.pb import turms_notification_pb2

    def keep(payload: bytes) -> bool:
        n = turms_notification_pb2.TurmsNotification.FromString(payload)
        is_ack = n.HasField("request_id") and n.code == 1000 and n.data.HasField("long")
        return not (is_ack and rng.random() < fraction)

    return keep

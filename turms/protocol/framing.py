"""TCP framing: each frame is a protobuf varint32 length followed by that many bytes of payload.

Sans-IO: :class:`FrameDecoder` consumes bytes in whatever chunks the socket delivers and returns complete
payloads. A zero-length frame (the single byte ``0x00``) is a heartbeat and comes out as ``b""``. The length
is checked against the limit *before* any payload is buffered, so a hostile 2 GiB prefix costs nothing.
"""

from __future__ import annotations

from turms.errors import ProtocolError
from turms.protocol.status import SessionCloseStatus

HEARTBEAT_FRAME = b"\x00"
#: A varint32 takes at most 5 bytes; the fifth may use only its low 4 bits.
MAX_VARINT32_BYTES = 5


class FrameTooLarge(ProtocolError):
    """The declared frame length exceeds the limit."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"frame of {length} bytes exceeds the limit of {limit} bytes")
        self.length = length
        self.limit = limit


class MalformedVarint(ProtocolError):
    """The length prefix is not a valid varint32 (too long, or overflowing 32 bits)."""


def encode_varint32(n: int) -> bytes:
    if n < 0 or n > 0xFFFFFFFF:
        raise ValueError(f"varint32 out of range: {n}")
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def encode_frame(payload: bytes) -> bytes:
    """One TCP frame: the varint32 length, then the payload."""
    n = len(payload)
    if n < 0x80:  # the common case: one length byte
        return bytes((n,)) + payload
    return encode_varint32(n) + payload


class FrameDecoder:
    """Incremental decoder of varint32-framed payloads.

    After it raises, the stream is unusable (framing is lost); the caller closes the connection.
    """

    __slots__ = ("_buf", "_failed", "max_frame_bytes")

    def __init__(self, max_frame_bytes: int) -> None:
        self.max_frame_bytes = max_frame_bytes
        self._buf = bytearray()
        self._failed = False

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        if self._failed:
            raise ProtocolError("decoder used after a framing error")
        buf = self._buf
        if not buf and data:
            # The common case, one whole frame of under 128 bytes in one read (a push, a heartbeat): no buffering.
            n = data[0]
            if n < 0x80 and len(data) == n + 1 and n <= self.max_frame_bytes:
                return [bytes(data[1:])]
        buf += data
        frames: list[bytes] = []
        pos = 0
        end = len(buf)
        try:
            while pos < end:
                # Parse the varint length prefix starting at pos.
                length = 0
                shift = 0
                i = pos
                while True:
                    if i >= end:
                        # Incomplete prefix: keep what we have, unless it is already too long.
                        if i - pos >= MAX_VARINT32_BYTES:
                            raise MalformedVarint("length prefix longer than 5 bytes")
                        del buf[:pos]
                        return frames
                    byte = buf[i]
                    i += 1
                    if i - pos == MAX_VARINT32_BYTES:
                        if byte & 0x80:
                            raise MalformedVarint("length prefix longer than 5 bytes")
                        if byte > 0x0F:
                            raise MalformedVarint("length prefix overflows 32 bits")
                    length |= (byte & 0x7F) << shift
                    if not byte & 0x80:
                        break
                    shift += 7
                if length > self.max_frame_bytes:
                    raise FrameTooLarge(length, self.max_frame_bytes)
                if end - i < length:
                    # Incomplete payload: wait for more bytes.
                    del buf[:pos]
                    return frames
                frames.append(bytes(buf[i : i + length]))
                pos = i + length
            buf.clear()
            return frames
        except ProtocolError:
            self._failed = True
            buf.clear()
            raise


#: The close status a framing error leads to.
FRAMING_ERROR_CLOSE_STATUS = SessionCloseStatus.ILLEGAL_REQUEST

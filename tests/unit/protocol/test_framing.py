"""The TCP framing decoder: the frame corpus, chunking independence, and hostile random input."""

from __future__ import annotations

import json
import random
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turms.errors import ProtocolError
from turms.protocol import framing
from turms.protocol.framing import FrameDecoder, FrameTooLarge, MalformedVarint, encode_frame

CORPUS = Path(__file__).resolve().parents[2] / "frames"
CASES = sorted(CORPUS.glob("*/*.bin"))


def _chunkings(data: bytes, seed: int) -> list[list[bytes]]:
    """Whole, byte by byte, and a few random splits of ``data``."""
    rng = random.Random(seed)
    out = [[data], [data[i : i + 1] for i in range(len(data))]]
    for _ in range(3):
        cuts = sorted(rng.sample(range(1, len(data)), k=min(len(data) - 1, rng.randint(1, 6)))) if len(data) > 1 else []
        bounds = [0, *cuts, len(data)]
        out.append([data[a:b] for a, b in pairwise(bounds)])
    return out


def _run(decoder: FrameDecoder, chunks: list[bytes]) -> tuple[list[bytes], Exception | None]:
    frames: list[bytes] = []
    for chunk in chunks:
        try:
            frames.extend(decoder.feed(chunk))
        except ProtocolError as e:
            return frames, e
    return frames, None


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert {p.parent.name for p in CASES} == {"valid", "invalid"}


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_frame_corpus(case: Path) -> None:
    data = case.read_bytes()
    expect: dict[str, Any] = json.loads(case.with_suffix(".json").read_text())
    for i, chunks in enumerate(_chunkings(data, seed=len(data))):
        decoder = FrameDecoder(expect["max_frame_bytes"])
        frames, error = _run(decoder, chunks)
        if case.parent.name == "valid":
            assert error is None, f"chunking {i}: {error!r}"
            assert [f.hex() for f in frames] == expect["frames"], f"chunking {i}"
        else:
            assert error is not None, f"chunking {i}: no error"
            assert type(error).__name__ == expect["error"]
            # Frames before the bad prefix come out when they arrive in earlier chunks.
            before = expect["frames_before_error"]
            assert [f.hex() for f in frames] == before[: len(frames)]
            if i == 1:  # byte by byte: every earlier frame is delivered
                assert [f.hex() for f in frames] == before
            # The decoder refuses further use: framing is lost.
            with pytest.raises(ProtocolError):
                decoder.feed(b"\x00")
    if expect.get("decode_as") == "turms_request":
        from turms.protocol.pb.turms_request_pb2 import TurmsRequest

        for frame in expect["frames"]:
            request = TurmsRequest.FromString(bytes.fromhex(frame))
            assert request.request_id > 0
            assert request.WhichOneof("kind") == "create_session_request"
            assert request.create_session_request.version == 1


def test_heartbeat_constant_is_an_empty_frame() -> None:
    assert encode_frame(b"") == framing.HEARTBEAT_FRAME
    assert FrameDecoder(16).feed(framing.HEARTBEAT_FRAME) == [b""]


@pytest.mark.parametrize("n", [0, 1, 127, 128, 16383, 16384, 2**21, 2**28, 2**32 - 1])
def test_varint_round_trip(n: int) -> None:
    encoded = framing.encode_varint32(n)
    assert len(encoded) <= 5
    limit = 2**32
    if n <= 4096:
        assert FrameDecoder(limit).feed(encoded + b"x" * n) == [b"x" * n]
    else:
        decoder = FrameDecoder(limit)
        assert decoder.feed(encoded) == []


def test_oversize_is_refused_before_buffering() -> None:
    decoder = FrameDecoder(16384)
    with pytest.raises(FrameTooLarge) as info:
        decoder.feed(framing.encode_varint32(2**31))
    assert info.value.length == 2**31
    assert decoder.buffered == 0


def test_errors_carry_close_status() -> None:
    assert framing.FRAMING_ERROR_CLOSE_STATUS == 100
    assert issubclass(MalformedVarint, ProtocolError)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096), cuts=st.lists(st.integers(min_value=0, max_value=4096), max_size=20))
def test_random_bytes_only_raise_protocol_errors(data: bytes, cuts: list[int]) -> None:
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    decoder = FrameDecoder(1024)
    total = 0
    for a, b in pairwise(bounds):
        try:
            frames = decoder.feed(data[a:b])
        except ProtocolError:
            return
        total += sum(len(f) for f in frames)
        assert all(len(f) <= 1024 for f in frames)
    assert total <= len(data)


@settings(max_examples=200, deadline=None)
@given(
    payloads=st.lists(st.binary(max_size=600), max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=30),
)
def test_valid_frames_round_trip_in_any_chunking(payloads: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(encode_frame(p) for p in payloads)
    bounds = sorted({0, len(stream), *(c for c in cuts if c <= len(stream))})
    decoder = FrameDecoder(600)
    out: list[bytes] = []
    for a, b in pairwise(bounds):
        out.extend(decoder.feed(stream[a:b]))
    assert out == payloads
    assert decoder.buffered == 0


def test_a_whole_small_frame_in_one_read_is_still_checked_against_the_limit() -> None:
    assert FrameDecoder(16).feed(b"\x05hello") == [b"hello"]
    with pytest.raises(FrameTooLarge):
        FrameDecoder(4).feed(b"\x05hello")
    decoder = FrameDecoder(16)
    assert decoder.feed(b"\x05hel") == []  # a partial frame is buffered, then completed
    assert decoder.feed(b"lo") == [b"hello"]

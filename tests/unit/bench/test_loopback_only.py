"""Load goes to loopback only: ``turms bench --mongo-uri`` (and the store benchmark) refuse a MongoDB URI with
any other host."""

from __future__ import annotations

import pytest

from turms.bench.cli import build_parser
from turms.bench.server import mongo_uri_is_loopback


@pytest.mark.parametrize(
    "uri",
    [
        "mongodb://127.0.0.1:27992/",
        "mongodb://localhost/turms",
        "mongodb://[::1]:27017/",
        "mongodb://127.0.0.2,127.0.0.3/",
    ],
)
def test_loopback_uris_are_accepted(uri: str) -> None:
    assert mongo_uri_is_loopback(uri)
    assert build_parser().parse_args(["one-to-one", "--mongo-uri", uri]).mongo_uri == uri


@pytest.mark.parametrize(
    "uri",
    [
        "mongodb://10.0.0.5:27017/",
        "mongodb://127.0.0.1,10.0.0.5/",  # one remote member is enough to refuse
        "mongodb://db.example.com/",  # a name other than localhost may resolve anywhere
        "mongodb+srv://cluster.example.com/",  # hosts only through DNS
        "http://127.0.0.1/",
        "mongodb://",
    ],
)
def test_other_uris_are_refused_when_the_arguments_are_parsed(uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert not mongo_uri_is_loopback(uri)
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["one-to-one", "--mongo-uri", uri])
    assert exit_info.value.code == 2
    assert "loopback hosts only" in capsys.readouterr().err


def test_the_store_benchmark_refuses_a_remote_uri(capsys: pytest.CaptureFixture[str]) -> None:
    from turms.storage import bench

    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--count", "1", "--mongo-uri", "mongodb://10.0.0.5:27017/"])
    assert exit_info.value.code == 2
    assert "loopback hosts only" in capsys.readouterr().err

"""The embedded redis-server: its output goes to a log file, and a failed start reports it."""

from __future__ import annotations

from pathlib import Path

import pytest

from turms.supervisor.embedded_redis import EmbeddedRedis, EmbeddedRedisError


def test_a_bad_config_fails_the_start_with_redis_own_message(tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis", extra_config={"no-such-directive": "1"})
    with pytest.raises(EmbeddedRedisError, match="no-such-directive"):
        redis.start()
    assert redis.log_path.exists()


def test_start_and_stop_leave_no_process_or_pipe(tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis")
    redis.start()
    proc = redis.process
    assert proc is not None and proc.poll() is None
    assert proc.stdout is None and proc.stderr is None
    redis.stop()
    assert proc.poll() is not None
    assert redis.process is None

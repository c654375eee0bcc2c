"""The open-loop send schedule of the 1:1 and fan-out scenarios: a send leaves when it is scheduled."""

from turms.bench.scenarios import sends_due

MS = 1_000_000


def test_the_first_send_is_due_at_once() -> None:
    assert sends_due(0, 20.0) == 1


def test_a_send_is_due_at_its_scheduled_time_not_one_interval_later() -> None:
    # At 20/s send k is scheduled at k * 50 ms.
    assert sends_due(50 * MS - 1, 20.0) == 1
    assert sends_due(50 * MS, 20.0) == 2
    assert sends_due(101 * MS, 20.0) == 3


def test_a_window_sends_rate_times_duration() -> None:
    # Sends happen while elapsed < the window: k / rate < 10 s for k = 0 .. 199.
    assert sends_due(10_000 * MS - 1, 20.0) == 200
    assert sends_due(10_000 * MS - 1, 1_600.0) == 16_000

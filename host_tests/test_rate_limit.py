"""ReplyLimiter: at most 5 error replies per number per rolling hour, bounded memory."""

from isocket.rate_limit import HOUR_MS, ReplyLimiter

WRAP = 1 << 29


def test_five_per_rolling_hour():
    lim = ReplyLimiter()
    t0 = WRAP - 1000  # straddles the ticks wrap
    for i in range(5):
        assert lim.allow("358401234567", (t0 + i * 60_000) % WRAP)
    assert not lim.allow("358401234567", (t0 + 10 * 60_000) % WRAP)
    assert lim.allow("447700900123", (t0 + 10 * 60_000) % WRAP)  # other numbers are independent
    assert lim.next_deadline((t0 + 10 * 60_000) % WRAP) == HOUR_MS - 10 * 60_000
    assert not lim.allow("358401234567", (t0 + HOUR_MS - 1) % WRAP)
    assert lim.allow("358401234567", (t0 + HOUR_MS) % WRAP)  # the first one left the window
    assert not lim.allow("358401234567", (t0 + HOUR_MS + 1) % WRAP)


def test_memory_is_bounded_and_forgets_the_least_recent():
    lim = ReplyLimiter(max_numbers=3)
    for i, n in enumerate(("1", "2", "3")):
        for _ in range(5):
            assert lim.allow(n, i)
    assert lim.allow("4", 10)  # evicts "1", whose last reply is the oldest
    assert len(lim._sent) == 3
    assert lim.allow("1", 11)
    assert not lim.allow("3", 12)


def test_poll_forgets_old_entries_and_next_deadline():
    lim = ReplyLimiter()
    assert lim.next_deadline(0) is None
    lim.allow("1", 0)
    assert lim.next_deadline(1000) == HOUR_MS - 1000
    lim.poll(HOUR_MS)
    assert lim.next_deadline(HOUR_MS) is None
    assert lim._sent == {}

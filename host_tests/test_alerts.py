"""AlertSender: every alert number, international dialling, 6 events of a kind an hour."""

from __future__ import annotations

from isocket.alerts import HOUR_MS, MAX_PER_HOUR, AlertSender, dial_string
from isocket.settings import Settings

WRAP = 1 << 29


class Sms:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, number: str, text: str, prio: int) -> bool:
        self.sent.append((number, text))
        return True


class Log:
    def line(self, tag: str, text: str) -> None:
        pass


def sender(numbers: list[str]) -> tuple[AlertSender, Sms]:
    s = Settings()
    s.alertnumbers = numbers
    sms = Sms()
    return AlertSender(s, sms, Log()), sms


def test_every_number_in_order_and_dial_strings() -> None:
    alerts, sms = sender(["358401234567", "0401234567"])
    assert alerts.send("alarm", "ALARM!", 0) == 2
    assert sms.sent == [("+358401234567", "ALARM!"), ("0401234567", "ALARM!")]
    assert dial_string("447700900123") == "+447700900123"


def test_six_events_of_a_kind_an_hour_then_again_after_an_hour() -> None:
    alerts, sms = sender(["358401234567"])
    now = WRAP - 10 * 60_000  # across the ticks wrap
    for i in range(MAX_PER_HOUR + 2):
        alerts.send("alarm", "A%d" % i, (now + i * 1000) % WRAP)
        alerts.send("power", "P%d" % i, (now + i * 1000) % WRAP)
    assert [t for _n, t in sms.sent if t.startswith("A")] == ["A%d" % i for i in range(MAX_PER_HOUR)]
    assert len([t for _n, t in sms.sent if t.startswith("P")]) == MAX_PER_HOUR
    later = (now + HOUR_MS + 10_000) % WRAP
    alerts.poll(later)
    assert alerts.send("alarm", "again", later) == 1


def test_old_events_are_forgotten_before_ticks_diff_wraps_round() -> None:
    alerts, sms = sender(["358401234567"])
    for i in range(MAX_PER_HOUR):
        alerts.send("inf", "x", i)
    # Polled every loop pass, as the device does, for four days: the budget is free again
    # although ticks_diff between the first stamps and now would be meaningless by then.
    t = 0
    while t < 4 * 24 * HOUR_MS:
        t += 60_000
        alerts.poll(t % WRAP)
    assert alerts.send("inf", "y", t % WRAP) == 1


def test_no_alert_numbers_sends_nothing() -> None:
    alerts, sms = sender([])
    assert alerts.send("alarm", "x", 0) == 0 and sms.sent == []

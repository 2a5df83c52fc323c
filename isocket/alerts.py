"""Messages the device sends by itself to every alert number (A-61, DECISIONS §2, §3).

They are never silenced by SMSCONFIRM or ERROR. At most 6 events of one kind per hour
are sent (one event goes to every alert number); the rest are only logged, so a faulty
sensor cannot drain the SIM's credit.
"""

from micropython import const

from adafruit_ticks import ticks_diff

from isocket.modem.sms import PRIO_ALERT

MAX_PER_HOUR = const(6)
HOUR_MS = const(3600000)
_MAX_KINDS = const(8)


def dial_string(digits: str) -> str:
    """A stored number (digits only) as it is dialled or texted: international unless it
    starts with 0 (A-18)."""
    return digits if digits.startswith("0") else "+" + digits


class AlertSender:
    """Sends one alert text to every alert number, within the per-kind hourly budget."""

    def __init__(self, settings, sms, log):
        self._settings = settings
        self._sms = sms
        self._log = log
        self._sent = {}  # kind -> list of ticks of the events sent in the last hour

    def send(self, kind: str, text: str, now: int, prio: int = PRIO_ALERT) -> int:
        """Queue ``text`` for every alert number; returns how many were queued."""
        numbers = self._settings.alertnumbers
        if not numbers:
            self._log.line("ALERT", "%s: no alert numbers, not sent: %s" % (kind, text.replace("\n", " | ")))
            return 0
        stamps = self._forget_old(self._sent.get(kind, []), now)
        if len(stamps) >= MAX_PER_HOUR:
            self._log.line("ALERT", "%s: %d this hour already, not sent: %s" % (kind, MAX_PER_HOUR, text))
            return 0
        if kind not in self._sent and len(self._sent) >= _MAX_KINDS:
            return 0
        stamps.append(now)
        self._sent[kind] = stamps
        queued = 0
        for digits in numbers:
            if self._sms.send(dial_string(digits), text, prio):
                queued += 1
        self._log.line("ALERT", "%s to %d number(s): %s" % (kind, queued, text.replace("\n", " | ")))
        return queued

    def poll(self, now: int) -> None:
        """Forget events older than an hour, every pass: ticks_diff is only meaningful within
        ~3 days, so a stamp must never get that old."""
        for kind in self._sent:
            self._forget_old(self._sent[kind], now)

    @staticmethod
    def _forget_old(stamps, now):
        while stamps and ticks_diff(now, stamps[0]) >= HOUR_MS:
            stamps.pop(0)
        return stamps

    def next_deadline(self, now: int):
        return None

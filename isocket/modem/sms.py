"""SMS in and out over the AT engine, in PDU mode.

In: new messages are announced by ``+CMTI`` and found by a periodic sweep of the SIM
store (a missed URC must not lose a command); each is read, deleted, decoded, and
concatenated parts are joined before the message is handed on (A-57, A-06).
Out: replies and alerts wait in a small priority queue; each part goes out with
``AT+CMGS=<n>``, the PDU after the ``> `` prompt, and is retried up to 3 times on
``+CMS ERROR``/``ERROR``/time-out. PDU hex is the only thing written after the prompt,
so nothing a sender writes can end or inject an AT command.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket.modem.sms_pdu import decode_deliver, encode_submit

_SWEEP_MS = const(300000)  # look through the store every 5 minutes
_READ_TIMEOUT_MS = const(5000)
_SEND_TIMEOUT_MS = const(60000)  # SIM800 manual: AT+CMGS may take up to 60 s
_SEND_TRIES = const(3)
_MAX_OUTBOX = const(12)
_MAX_INBOX = const(8)
_MAX_PARTS_PENDING = const(6)
_PART_TIMEOUT_MS = const(600000)  # parts of a message that never completes are dropped after 10 min

PRIO_ALERT, PRIO_TEMP, PRIO_REPLY, PRIO_REPORT = 0, 1, 2, 3


class Incoming:
    """A received, decoded (and joined) message."""

    def __init__(self, sender, numeric, text, scts):
        self.sender = sender
        self.numeric = numeric
        self.text = text
        self.scts = scts


class _Outgoing:
    def __init__(self, number, text, prio, parts):
        self.number = number
        self.text = text
        self.prio = prio
        self.parts = parts  # [(octets, hex)]
        self.part = 0
        self.tries = 0


class SmsService:
    """Reads, deletes and decodes incoming SMS; queues and sends outgoing ones."""

    def __init__(self, engine, modem, log, now):
        self._at = engine
        self._modem = modem
        self._log = log
        self._pending = []  # store indices to read
        self._cmd = None
        self._reading = None
        self._sending = None
        self._outbox = []
        self._parts = []  # [(key, total, {seq: text}, first_seen, sender, numeric, scts)]
        self.inbox = []
        self._next_sweep = ticks_add(now, 20000)
        self._ref = 0
        self.sent_count = 0
        self.failed_count = 0

    # -- clients -------------------------------------------------------------
    def send(self, number, text, prio=PRIO_REPLY) -> bool:
        """Queue ``text`` for ``number``; False if it cannot be encoded or the queue is full."""
        self._ref = (self._ref + 1) & 0xFF
        try:
            parts = encode_submit(number, text, self._ref, 3)
        except ValueError:
            self._log.line("SMS", "cannot send to %r: not a dialable number" % number)
            return False
        if len(self._outbox) >= _MAX_OUTBOX:
            worst = max(self._outbox, key=lambda m: m.prio)
            if worst.prio < prio:
                self._log.line("SMS", "outbox full: dropped message to %s" % number)
                return False
            self._outbox.remove(worst)
            self._log.line("SMS", "outbox full: dropped message to %s" % worst.number)
        self._outbox.append(_Outgoing(number, text, prio, parts))
        return True

    def take(self):
        """The oldest received message, or None."""
        if self.inbox:
            return self.inbox.pop(0)
        return None

    @property
    def busy(self) -> bool:
        return self._cmd is not None or bool(self._outbox) or bool(self._pending)

    # -- loop ----------------------------------------------------------------
    def poll(self, now) -> None:
        modem = self._modem
        while modem.cmti:
            self._want(modem.cmti.pop(0))
        cmd = self._cmd
        if cmd is not None:
            if not cmd.done:
                return
            self._cmd = None
            self._finish(cmd, now)
            if self._cmd is not None:
                return
        if not modem.ready:
            return
        self._expire_parts(now)
        if self._pending and len(self.inbox) < _MAX_INBOX:
            index = self._pending.pop(0)
            self._reading = index
            self._cmd = self._at.submit("AT+CMGR=%d" % index, _READ_TIMEOUT_MS, "+CMGR:", collect_all=True)
        elif self._outbox and modem.registered:
            self._start_send(now)
        elif ticks_diff(now, self._next_sweep) >= 0:
            self._next_sweep = ticks_add(now, _SWEEP_MS)
            self._cmd = self._at.submit("AT+CMGL=4", 20000, "+CMGL:", collect_all=True)

    def next_deadline(self, now):
        if self._cmd is not None:
            return None
        if not self._modem.ready:
            return None
        if self._pending or (self._outbox and self._modem.registered):
            return 0
        return max(0, ticks_diff(self._next_sweep, now))

    # -- internals -----------------------------------------------------------
    def _want(self, index) -> None:
        if index not in self._pending and len(self._pending) < 32:
            self._pending.append(index)

    def _finish(self, cmd, now) -> None:
        text = cmd.text
        if text.startswith("AT+CMGR="):
            self._read_done(cmd, now)
        elif text.startswith("AT+CMGL"):
            for line in cmd.lines:
                if line.startswith("+CMGL:"):
                    try:
                        self._want(int(line[6:].split(",")[0]))
                    except ValueError:
                        pass
        elif text.startswith("AT+CMGS="):
            self._send_done(cmd, now)

    def _read_done(self, cmd, now) -> None:
        index = self._reading or 0
        self._reading = None
        if not cmd.ok:
            if cmd.final in ("TIMEOUT", "RESET"):
                self._want(index)  # try again once the modem answers
            else:
                self._log.line("SMS", "reading message %d failed: %s" % (index, cmd.final))
            return
        # Delete first: a message that crashes the decoder must not come back for ever.
        self._cmd = self._at.submit("AT+CMGD=%d" % index, 5000)
        pdu = cmd.lines[1] if len(cmd.lines) >= 2 else None
        if pdu is None:
            return  # empty slot
        try:
            msg = decode_deliver(pdu)
        except ValueError as e:
            self._log.line("SMS", "dropped undecodable message %d (%s)" % (index, e))
            return
        if msg.concat is None:
            self._deliver(Incoming(msg.sender, msg.sender_is_numeric, msg.text, msg.scts))
        else:
            self._add_part(msg, now)

    def _deliver(self, incoming) -> None:
        if len(self.inbox) < _MAX_INBOX:
            self.inbox.append(incoming)
        else:
            self._log.line("SMS", "inbox full: dropped a message from %s" % incoming.sender)

    def _add_part(self, msg, now) -> None:
        ref, total, seq = msg.concat
        key = (msg.sender, ref)
        for entry in self._parts:
            if entry[0] == key and entry[1] == total:
                break
        else:
            if len(self._parts) >= _MAX_PARTS_PENDING:
                self._parts.pop(0)
            entry = (key, total, {}, now, msg.sender, msg.sender_is_numeric, msg.scts)
            self._parts.append(entry)
        if 1 <= seq <= total and total <= 16:
            entry[2][seq] = msg.text
        if len(entry[2]) == total:
            self._parts.remove(entry)
            text = "".join(entry[2][i] for i in range(1, total + 1))
            self._deliver(Incoming(entry[4], entry[5], text, entry[6]))

    def _expire_parts(self, now) -> None:
        for entry in self._parts:
            if ticks_diff(now, entry[3]) > _PART_TIMEOUT_MS:
                self._parts.remove(entry)
                self._log.line("SMS", "dropped an incomplete multi-part message from %s" % entry[4])
                return

    def _start_send(self, now) -> None:
        if self._sending is None:
            best = self._outbox[0]
            for m in self._outbox:
                if m.prio < best.prio:
                    best = m
            self._sending = best
        m = self._sending
        octets, pdu = m.parts[m.part]
        m.tries += 1
        data = pdu.encode() + b"\x1a"
        self._cmd = self._at.submit("AT+CMGS=%d" % octets, _SEND_TIMEOUT_MS, "+CMGS:", data=data)

    def _send_done(self, cmd, now) -> None:
        m = self._sending
        if m is None:
            return
        if cmd.ok:
            m.part += 1
            m.tries = 0
            if m.part < len(m.parts):
                return
            self._outbox.remove(m)
            self._sending = None
            self.sent_count += 1
            self._log.line("SMS out", "%s: %s" % (m.number, _quote(m.text)))
            return
        if cmd.final == "RESET":
            m.tries -= 1  # the modem restarted under us: not the message's fault
            return
        self._log.line(
            "SMS", "sending to %s failed (%s), try %d of %d" % (m.number, cmd.final, m.tries, _SEND_TRIES)
        )
        if m.tries >= _SEND_TRIES:
            self._outbox.remove(m)
            self._sending = None
            self.failed_count += 1
            self._log.line("SMS", "gave up sending to %s: %s" % (m.number, _quote(m.text)))


def _quote(text) -> str:
    return '"%s"' % text.replace("\n", "\\n")

"""What a phone call to the device does, and the MICLEVEL and CALLBACK commands.

For each caller the modem identifies (A-23, R53-R60):

- **let it ring** (never answer, never reject, never an SMS) when RING=NOACTION, SECLIST is
  off, the number is withheld or it is not in the security list: the caller hears ringing,
  the manual's remote liveness test (R60);
- **RING=SWITCH / RESTART**, listed caller: reject at once (the caller pays nothing), then
  toggle / restart the socket once per call and confirm per RINGCONFIRM: by RINGCONFIRMTYPE
  an SMS with the text of the same SMS command, or a call back to the number as it was
  received (A-24): dialled 3 s after the rejection, it rings up to 10 s, then the device
  hangs up; answered, the microphone is live until the user hangs up (a Light model has
  no microphone: it hangs up as soon as the call is answered);
- **RING=MIC** (not Light), listed caller: answer; the microphone is live at MICLEVEL until
  either side hangs up; no confirmation.

``CALLBACK`` (A-25, not Light) needs protection configured (A-20), calls the sender and
hangs up after 30 s unanswered; no SMS on success. That it could not be set up (busy,
unreachable) is only known later: ``Execute error!`` is then queued to the sender, under
the same ERROR=ON and rate-limit rules as every other error reply (the processor's).
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket.alerts import dial_string
from isocket.command_processor import parse_int
from isocket.commands import EXECUTE_ERROR, Refusal
from isocket.modem.calls import dialable
from isocket.modem.sms import PRIO_REPLY
from isocket.phone_numbers import is_listed, normalise_sender
from isocket.security_commands import ok
from isocket.settings import MICLEVEL_RANGE

_CONFIRM_DELAY_MS = const(3000)  # after rejecting: the caller's phone has released the call
_CONFIRM_RING_MS = const(10000)  # ring about 10 s
_CALLBACK_RING_MS = const(30000)  # R108: hang up after 30 s unanswered
RETRY_MS = const(1000)  # the line is busy (another call) or the modem is not ready
_GIVE_UP_MS = const(120000)  # ... for this long: the call-back is not made
_MAX_PENDING = const(3)


class _Dial:
    """An outgoing call this feature wants: a confirmation or a CALLBACK."""

    def __init__(self, number, ring_ms, callback, reply_to, digits, due, give_up):
        self.number = number
        self.ring_ms = ring_ms
        self.callback = callback
        self.reply_to = reply_to  # CALLBACK: where a later error reply goes
        self.digits = digits  # ... and the number its rate limit counts
        self.due = due
        self.give_up = give_up
        self.answered = False


class RingActions:
    """Acts on identified callers (RING=...) and answers MICLEVEL / CALLBACK.

    CALLBACK calls back ``processor.sender``, the SMS sender being served (None for the
    console).
    """

    def __init__(self, settings, socket, sms, calls, processor, log, light):
        self._settings = settings
        self._socket = socket
        self._sms = sms
        self._calls = calls
        self._processor = processor
        self._log = log
        self._light = light
        self._pending: list = []  # _Dial waiting for a free line, oldest first
        self._active: _Dial | None = None  # the call being made
        self._level = None  # MICLEVEL last given to the modem

    # -- loop ----------------------------------------------------------------
    def poll(self, now) -> None:
        if not self._light and self._settings.miclevel != self._level:
            self._level = self._settings.miclevel
            self._calls.set_mic_level(self._level)
        caller = self._calls.take_caller()
        if caller is not None:
            self._on_caller(caller, now)
        if self._active is not None:
            self._follow(now)
        if self._active is None and self._pending:
            self._start_next(now)

    def next_deadline(self, now):
        if not self._light and self._settings.miclevel != self._level:
            return 0
        active = self._active
        if active is not None:
            state = self._calls.state
            if state == "dialling" or (state == "talking" and active.answered):
                return None  # Calls moves on first, in the same loop pass
            return 0
        if self._pending:
            return max(0, ticks_diff(self._pending[0].due, now))
        return None

    # -- incoming calls --------------------------------------------------------
    def _on_caller(self, caller, now) -> None:
        s = self._settings
        action = s.ring
        if action == "MIC" and self._light:
            action = "NOACTION"  # no microphone on a Light model
        digits = normalise_sender(caller) if caller else None
        why = None
        if action == "NOACTION" or not s.seclist:
            why = "RING=NOACTION"
        elif digits is None:
            why = "number withheld"
        elif not is_listed(digits, s.secnumbers):
            why = "not in SECLIST"
        if why is not None:
            self._log.line("RING", "call from %s: let it ring (%s)" % (caller or "a withheld number", why))
            return
        if action == "MIC":
            self._log.line("RING", "call from %s: RING=MIC, answering" % caller)
            self._calls.answer()
            return
        self._calls.reject()
        if action == "SWITCH":
            self._socket.toggle(now)
            text = "Power socket ON" if self._socket.on else "Power socket OFF"
        else:
            self._socket.restart(s.restart_time, now)
            text = "Power socket restarted"
        self._log.line("RING", "call from %s: RING=%s, rejected: %s" % (caller, action, text))
        if not s.ringconfirm:
            return
        if s.ringconfirm_type == "CALL":
            due = ticks_add(now, _CONFIRM_DELAY_MS)
            self._queue(_Dial(caller, _CONFIRM_RING_MS, False, None, None, due, due))
        else:
            self._sms.send(caller, text, PRIO_REPLY)

    # -- outgoing calls ----------------------------------------------------------
    def _queue(self, dial) -> bool:
        if len(self._pending) >= _MAX_PENDING or not dialable(dial.number):
            self._log.line("RING", "call to %s not made" % dial.number)
            return False
        dial.give_up = ticks_add(dial.due, _GIVE_UP_MS)
        self._pending.append(dial)
        return True

    def _start_next(self, now) -> None:
        d = self._pending[0]
        if ticks_diff(now, d.due) < 0:
            return
        if self._calls.state == "idle" and self._calls.dial(d.number, d.ring_ms):
            self._pending.pop(0)
            self._active = d
            what = "calling back" if d.callback else "confirming by a call to"
            self._log.line("RING", "%s %s" % (what, d.number))
            return
        if ticks_diff(now, d.give_up) >= 0:
            self._pending.pop(0)
            self._log.line("RING", "the line stayed busy: call to %s not made" % d.number)
            self._ended(d, "failed", now)
            return
        d.due = ticks_add(now, RETRY_MS)

    def _follow(self, now) -> None:
        d = self._active
        if d is None:
            return
        state = self._calls.state
        if state == "dialling":
            return
        if state == "talking":
            if not d.answered:
                d.answered = True
                if self._light:
                    self._log.line("RING", "%s answered: no microphone, hanging up" % d.number)
                    self._calls.hangup()
            return
        self._active = None
        self._ended(d, self._calls.outcome, now)

    def _ended(self, d, outcome, now) -> None:
        self._log.line("RING", "call to %s ended: %s" % (d.number, outcome))
        if not d.callback or outcome not in ("rejected", "failed"):
            return
        # CALLBACK could not be set up: the error reply it deserves, known only now
        reply = self._processor.refuse(EXECUTE_ERROR, d.digits, now)
        self._log.line("CMD", "CALLBACK: %s" % self._processor.last_outcome)
        if reply is not None:
            self._sms.send(d.reply_to, reply, PRIO_REPLY)

    # -- command handlers ------------------------------------------------------
    def do_miclevel(self, cmd, value, now):
        level = parse_int(value, MICLEVEL_RANGE[0], MICLEVEL_RANGE[1])
        self._settings.miclevel = level
        return ok("MICLEVEL=%d" % level)

    def do_miclevel_query(self, cmd, value, now):
        return "MICLEVEL=%d" % self._settings.miclevel

    def do_callback(self, cmd, value, now):
        s = self._settings
        if s.password is None and not s.seclist:
            raise Refusal("No security setup!")
        digits = normalise_sender(self._processor.sender)
        number = dial_string(digits) if digits is not None else None
        if number is None or not dialable(number):
            raise Refusal(EXECUTE_ERROR)  # the console, or a sender that cannot be called
        if not self._queue(_Dial(number, _CALLBACK_RING_MS, True, self._processor.sender, digits, now, now)):
            raise Refusal(EXECUTE_ERROR)
        return None  # the call is the answer

"""SALDOUMS, SALDO and SIMCARD: the SIM's credit and subscription by USSD (R122-R125, A-53).

- ``SALDOUMS=<code>|NO`` (Conf) stores the operator's balance code: 2..20 of ``0-9 * #``,
  starting with ``*`` or ``#`` and ending with ``#`` (A-53), else ``Incorrect value!``.
  ``SALDOUMS?`` answers ``SALDOUMS: *100#`` / ``SALDOUMS: NO``.
- ``SALDO`` (Ctrl) asks the stored code (none stored: ``Execute error!``); ``SIMCARD<code>``
  (Conf) asks any code of that format. Both are always answered (A-15): the reply is the
  operator's answer, relayed as it is (A-53 as DECISIONS §1 has it: UCS-2 SMS when it
  holds characters outside the GSM alphabet; the SMS layer chooses, up to 3 parts). No
  answer within 30 s or a network error: ``Execute error!``, an error reply (ERROR=ON, rate
  limit: ``processor.refuse``).

The answer is known only later: a handler queues the request and returns ``REPLY_LATER``;
the answer goes to the sender as the message arrived (``processor.sender``), or to the
console log for a console command. One request at a time: a second one waits for the
first to end (at most ``MAX_JOBS`` requests in all, beyond that ``Execute error!`` at once),
then gets its own 30 s.
"""

from micropython import const

from isocket.command_processor import REPLY_LATER
from isocket.commands import EXECUTE_ERROR, INCORRECT_VALUE, Refusal, ascii_upper
from isocket.modem.sms import PRIO_REPLY
from isocket.phone_numbers import normalise_sender
from isocket.security_commands import ok
from isocket.settings import is_ussd

MAX_JOBS = const(3)  # the request being asked and those waiting for it


class _Job:
    """A USSD request from one sender, waiting or running."""

    def __init__(self, name, code, reply_to, digits):
        self.name = name
        self.code = code
        self.reply_to = reply_to  # the sender as received; None: the console
        self.digits = digits  # ... and the number its error-reply rate limit counts


class Saldo:
    """Answers SALDOUMS, SALDOUMS?, SALDO and SIMCARD through a ``Ussd`` client."""

    def __init__(self, settings, ussd, sms, processor, log):
        self._settings = settings
        self._ussd = ussd
        self._sms = sms
        self._processor = processor
        self._log = log
        self._jobs: list = []  # oldest first; the first is being asked once _asking
        self._asking = False

    # -- loop ----------------------------------------------------------------
    def poll(self, now) -> None:
        self._ussd.poll(now)
        result = self._ussd.take_result()
        if result is not None and self._asking:
            self._asking = False
            self._reply(self._jobs.pop(0), result, now)
        if not self._asking and self._jobs and not self._ussd.busy:
            job = self._jobs[0]
            if self._ussd.request(job.code, now):
                self._asking = True
            else:
                self._jobs.pop(0)
                self._reply(job, (False, "the request could not be made"), now)

    def next_deadline(self, now):
        if not self._asking and self._jobs and not self._ussd.busy:
            return 0
        return self._ussd.next_deadline(now)

    def _reply(self, job, result, now) -> None:
        answered, text = result
        if answered:
            self._log.line("CMD", "%s %s: the operator answered" % (job.name, job.code))
            self._send(job, text)
            return
        reply = self._processor.refuse(EXECUTE_ERROR, job.digits, now)
        self._log.line("CMD", "%s %s: %s (%s)" % (job.name, job.code, self._processor.last_outcome, text))
        if reply is not None:
            self._send(job, reply)

    def _send(self, job, text) -> None:
        if job.reply_to is None:
            self._log.line("USSD", "%s: %s" % (job.name, text.replace("\n", " | ")))
        else:
            self._sms.send(job.reply_to, text, PRIO_REPLY)

    def _queue(self, name, code):
        if len(self._jobs) >= MAX_JOBS:
            raise Refusal(EXECUTE_ERROR)
        sender = self._processor.sender
        digits = normalise_sender(sender) if sender is not None else None
        self._jobs.append(_Job(name, code, sender, digits))
        return REPLY_LATER

    # -- command handlers ------------------------------------------------------
    def do_saldoums(self, cmd, value, now):
        code = ascii_upper(value or "")
        if code == "NO":
            self._settings.saldoums = None
        elif is_ussd(code):
            self._settings.saldoums = code
        else:
            raise Refusal(INCORRECT_VALUE)
        return ok("SALDOUMS=" + code)

    def do_saldoums_query(self, cmd, value, now):
        return "SALDOUMS: " + (self._settings.saldoums or "NO")

    def do_saldo(self, cmd, value, now):
        code = self._settings.saldoums
        if code is None:
            raise Refusal(EXECUTE_ERROR)  # no code stored
        return self._queue("SALDO", code)

    def do_simcard(self, cmd, value, now):
        if not is_ussd(value):
            raise Refusal(INCORRECT_VALUE)
        return self._queue("SIMCARD", value)

"""Handlers of the setting commands: number lists, SECLIST, passwords, renewal, RING, flags.

``SecurityCommands`` is the base of ``CommandProcessor``, which also provides
``_open_window(now)``. A handler gets the table row, the value text (as
typed, case kept; None for a plain word) and ``now``; it returns the reply or raises
``Refusal``. It may change ``settings``: the processor stores them, or rolls them back.

The security consequences live here (RULES R36, R59; A-19, A-20, A-39, A-62):
SECLIST going off forces RING=NOACTION, and once neither a password nor an active list
protects the device the renewal password is dropped; nothing is restored when
protection comes back.
"""

from isocket.commands import INCORRECT_VALUE, Refusal, ascii_upper
from isocket.phone_numbers import parse_entry
from isocket.settings import ENUMS, MAX_NUMBERS, Settings, is_password

_FACTORY = Settings()
# list attribute -> (prefix of the listing, reply for an empty list)
_LISTS = {
    "secnumbers": ("SECNUMBERs ", "No SECNUMBERs!"),
    "alertnumbers": ("ALERTNUMBERs: ", "No ALERTNUMBERs!"),
}


def ok(echo: str) -> str:
    """The confirmation of a configuration command: ``<ECHO> - OK``."""
    return echo + " - OK"


def enum_reply(name: str, values: tuple, active: str) -> str:
    """``NAME=(A),B,...``: every value in order, the active one in parentheses (A-12)."""
    shown = []
    for v in values:
        shown.append("(" + v + ")" if v == active else v)
    return name + "=" + ",".join(shown)


def on_off(value: str | None) -> bool:
    """True for ``ON``, False for ``OFF`` (any case), else ``Incorrect value!``."""
    v = ascii_upper(value or "")
    if v == "ON":
        return True
    if v == "OFF":
        return False
    raise Refusal(INCORRECT_VALUE)


class SecurityCommands:
    """Handlers for security and confirmation settings; mixed into ``CommandProcessor``."""

    def __init__(self, settings: Settings, light: bool) -> None:
        self.settings = settings
        self.light = light

    def _open_window(self, now: int) -> None:
        raise NotImplementedError  # the processor owns the configuration window

    # --- consequences shared by several commands
    def _seclist_off(self) -> None:
        s = self.settings
        s.seclist = False
        s.ring = "NOACTION"
        self._drop_unprotected_renewal()

    def _drop_unprotected_renewal(self) -> None:
        s = self.settings
        if s.password is None and not s.seclist:
            s.renew_pw = None

    def _list_emptied(self, attr: str) -> None:
        if attr == "secnumbers":
            self._seclist_off()
        else:
            s = self.settings
            s.thermalert = False
            s.trisealert = None
            s.tfallalert = None

    # --- SECNUMBER / ALERTNUMBER families
    def do_number_add(self, cmd, value, now):
        digits = parse_entry(value)
        if digits is None:
            raise Refusal(INCORRECT_VALUE)
        numbers = getattr(self.settings, cmd.arg)
        if digits not in numbers:
            if len(numbers) >= MAX_NUMBERS:
                raise Refusal("List is full!")
            numbers.append(digits)
        return ok(cmd.key + digits)

    def do_number_remove(self, cmd, value, now):
        digits = parse_entry(value)
        numbers = getattr(self.settings, cmd.arg)
        if digits is None or digits not in numbers:
            raise Refusal(INCORRECT_VALUE)
        numbers.remove(digits)
        if not numbers:
            self._list_emptied(cmd.arg)
        return ok(cmd.key + digits)

    def do_number_clear(self, cmd, value, now):
        setattr(self.settings, cmd.arg, [])
        self._list_emptied(cmd.arg)
        return ok(cmd.key)

    def do_number_query(self, cmd, value, now):
        numbers = getattr(self.settings, cmd.arg)
        prefix, empty = _LISTS[cmd.arg]
        return prefix + ", ".join(numbers) if numbers else empty

    # --- SECLIST, RING
    def do_seclist(self, cmd, value, now):
        if on_off(value):
            if not self.settings.secnumbers:
                raise Refusal("No SECNUMBERs!")
            self.settings.seclist = True
            return ok("SECLIST=ON")
        self._seclist_off()
        return ok("SECLIST=OFF")

    def do_ring(self, cmd, value, now):
        action = cmd.arg or ascii_upper(value or "")
        if action not in ENUMS["ring"]:
            raise Refusal(INCORRECT_VALUE)
        if action != "NOACTION" and not self.settings.seclist:
            raise Refusal("SECLIST is not active!")
        self.settings.ring = action
        return ok("RING=" + action)

    def do_ring_query(self, cmd, value, now):
        values = ENUMS["ring"]
        if self.light:
            values = values[:3]  # no microphone: no MIC
        return enum_reply("RING", values, self.settings.ring)

    # --- access password and configuration-window renewal
    def do_password(self, cmd, value, now):
        if ascii_upper(value) == "NO":
            self.settings.password = None
            self._drop_unprotected_renewal()
            return ok("PASSWORD=NO")
        if not is_password(value, 5):
            raise Refusal(INCORRECT_VALUE)
        self.settings.password = value
        return ok("PASSWORD=*****")

    def do_renew_pw(self, cmd, value, now):
        s = self.settings
        if ascii_upper(value) == "NO":
            s.renew_pw = None
            return ok("RENEWINTERVALPW=NO")
        if not is_password(value, 9):
            raise Refusal(INCORRECT_VALUE)
        if s.password is None and not s.seclist:
            raise Refusal("No security setup!")
        s.renew_pw = value
        return ok("RENEWINTERVALPW=*********")

    def do_renew(self, cmd, value, now):
        stored = self.settings.renew_pw
        if stored is None:
            raise Refusal("Renew password was not setup")
        if ascii_upper(value) != ascii_upper(stored):
            raise Refusal("Invalid renew password!")
        self._open_window(now)
        return "Configuration interval renewed"

    def do_renew_query(self, cmd, value, now):
        if self.settings.renew_pw is None:
            return "Password not presented, renew impossible"
        return "Password presented, renew possible"

    # --- plain ON/OFF and enumerated settings (SMSCONFIRM, ERROR, POWERSTATE, ...)
    def do_flag(self, cmd, value, now):
        on = on_off(value)
        setattr(self.settings, cmd.arg, on)
        return ok(cmd.key + ("ON" if on else "OFF"))

    def do_flag_query(self, cmd, value, now):
        values = ("ON", "OFF") if getattr(_FACTORY, cmd.arg) else ("OFF", "ON")
        active = "ON" if getattr(self.settings, cmd.arg) else "OFF"
        return enum_reply(cmd.key[:-1], values, active)

    def do_enum(self, cmd, value, now):
        v = ascii_upper(value)
        if v not in ENUMS[cmd.arg]:
            raise Refusal(INCORRECT_VALUE)
        setattr(self.settings, cmd.arg, v)
        return ok(cmd.key + v)

    def do_enum_query(self, cmd, value, now):
        return enum_reply(cmd.key[:-1], ENUMS[cmd.arg], getattr(self.settings, cmd.arg))

"""The SMS command table as data, and the text rules every command shares.

``TABLE`` has one line per command form, fields separated by ``;``:

    name;type;handler;flags;arg;example;reply

- ``name`` is the form as the docs show it. It also gives the match rule: a name
  without ``<`` or ``|`` is a whole word (``STATUS``); otherwise the key is the name up
  to its first ``<`` (``SECNUMBER+<number>``: ``SECNUMBER+``) or, for a list of values,
  up to its ``=`` (``SECLIST=ON|OFF``: ``SECLIST=``), and the rest of the text is the
  value. ``ON<n>``/``OFF<n>`` need a value that starts with a digit.
- ``type``: ``CTRL`` any time, ``INF`` a query, ``CONF`` only while the 30-minute window
  is open (the manual's "30min", and POWERSTATE's "Conf", A-09).
- ``handler``: the processor's method; a row whose method does not exist yet answers
  ``<CMD> - Error!`` like an unknown command (features that have not landed).
- ``flags``: ``L`` exists on Light models, ``X`` answered whatever SMSCONFIRM says (every
  INF row is), ``5``/``9`` the value is a password of that length (never echoed).
- ``arg``: passed to the handler as is; ``example``: a text that reaches this row (the
  name for a word); ``reply``: what the device answers, for the docs.

A line that starts with spaces continues the reply of the line above; ``#`` lines are
comments. Rows are tried in order and the first that fits wins, so longer and more
specific keys come first (A-21: RENEWINTERVALPW= before RENEWINTERVAL? before
RENEWINTERVAL<pw9>). The table is one ``bytes`` string, not objects: on the board a tuple
or object per row costs several times the heap (measured: 8 KB against 30 to 40 KB). Bytes,
not str: MicroPython finds a str's character offset by walking its UTF-8 from the start, so
every index, slice and find in a 7.8 KB str cost time in proportion to the offset, and a
command that matched no row took seconds on an RP2040 (docs/performance.md).
"""

# command types
CTRL = "CTRL"
INF = "INF"
CONF = "CONF"

# match rules
WORD = "word"
VALUE = "value"
NUMBER = "number"

INCORRECT_VALUE = "Incorrect value!"
EXECUTE_ERROR = "Execute error!"

_WHITESPACE = " \t\r\n\f\v"
# GSM 03.38 default alphabet beyond printable ASCII (which it holds except the backtick)
_GSM_EXTRA = "£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà€"

TABLE = b"""\
# main socket, micro relay, status (ch. 4.1)
ON;CTRL;do_switch;L;ON;;Power socket ON
OFF;CTRL;do_switch;L;OFF;;Power socket OFF
ON<n>;CTRL;do_switch_for;L;ON;ON123;Power ON for <n> min (n = 1..720)
OFF<n>;CTRL;do_switch_for;L;OFF;OFF123;Power OFF for <n> min (n = 1..720)
ONM;CTRL;do_microrelay;;ON;;Microrelay ON
OFFM;CTRL;do_microrelay;;OFF;;Microrelay OFF
ONALL;CTRL;do_switch_all;;ON;;All ON
OFFALL;CTRL;do_switch_all;;OFF;;All OFF
RESTART;CTRL;do_restart;L;;;Power socket restarted
RESTARTM;CTRL;do_restart_microrelay;;;;Microrelay restarted
RESTARTTIME=<n>;CONF;do_restart_time;L;;RESTARTTIME=5;RESTARTTIME=<n> - OK (n = 1..600 s)
RESTARTIME=<n>;CONF;do_restart_time;L;;RESTARTIME=5;RESTARTTIME=<n> - OK (alias, A-64)
RESTARTTIME?;INF;do_restart_time_query;L;;;RESTARTTIME=<n> seconds
RESTARTIME?;INF;do_restart_time_query;L;;;RESTARTTIME=<n> seconds (alias, A-64)
STATUS;CTRL;do_status;LX;;;
    lines Power socket, Microrelay, Signal, TEMP, ALARMF, ALARM status, Time (Light: Power socket, Signal)
TEMPERATURE;CTRL;do_temperature;X;;;TEMPERATURE: <t>C / TEMPERATURE: N/A
RUNTIME;CTRL;do_runtime;LX;;;
    Power socket is ON from: yy/mm/dd,hh:mm:ss / Power socket is ON for <n> min (clock not set)
# call control (ch. 4.2)
RING=MIC;CONF;do_ring;;MIC;;RING=MIC - OK / SECLIST is not active!
RING=SWITCH|RESTART|NOACTION;CONF;do_ring;L;;RING=SWITCH;
    RING=SWITCH - OK / SECLIST is not active! (NOACTION always allowed)
RING?;INF;do_ring_query;L;;;RING=(NOACTION),RESTART,SWITCH,MIC (Light: no MIC)
# security (ch. 5)
SECNUMBER-ALL;CONF;do_number_clear;L;secnumbers;;SECNUMBER-ALL - OK (SECLIST=OFF, RING=NOACTION)
SECNUMBER+<number>;CONF;do_number_add;L;secnumbers;SECNUMBER+358401234567;
    SECNUMBER+<digits> - OK / List is full!
SECNUMBER-<number>;CONF;do_number_remove;L;secnumbers;SECNUMBER-358401234567;
    SECNUMBER-<digits> - OK (the last one: as SECNUMBER-ALL)
SECNUMBER?;INF;do_number_query;L;secnumbers;;SECNUMBERs <d1>, <d2> / No SECNUMBERs!
SECLIST=ON|OFF;CONF;do_seclist;L;;SECLIST=ON;SECLIST=ON - OK / No SECNUMBERs! (OFF also sets RING=NOACTION)
SECLIST?;INF;do_flag_query;L;seclist;;SECLIST=(OFF),ON
PASSWORD=<pw5>|NO;CONF;do_password;L5;;PASSWORD=12abc;PASSWORD=***** - OK / PASSWORD=NO - OK
RENEWINTERVALPW=<pw9>|NO;CONF;do_renew_pw;L9;;RENEWINTERVALPW=123456abc;
    RENEWINTERVALPW=********* - OK / No security setup!
RENEWINTERVALPW?;INF;do_renew_query;L;;;as RENEWINTERVAL? (alias, A-22)
RENEWINTERVAL?;INF;do_renew_query;L;;;
    Password presented, renew possible / Password not presented, renew impossible
RENEWINTERVAL<pw9>;CTRL;do_renew;L9;;RENEWINTERVAL123456abc;
    Configuration interval renewed / Renew password was not setup / Invalid renew password!
# confirmations and errors (ch. 6)
SMSCONFIRM=ON|OFF;CONF;do_flag;L;smsconfirm;SMSCONFIRM=OFF;SMSCONFIRM=OFF - OK
SMSCONFIRM?;INF;do_flag_query;L;smsconfirm;;SMSCONFIRM=(ON),OFF
RINGCONFIRM=ON|OFF;CONF;do_flag;L;ringconfirm;RINGCONFIRM=OFF;RINGCONFIRM=OFF - OK
RINGCONFIRM?;INF;do_flag_query;L;ringconfirm;;RINGCONFIRM=(ON),OFF
RINGCONFIRMTYPE=SMS|CALL;CONF;do_enum;L;ringconfirm_type;RINGCONFIRMTYPE=CALL;RINGCONFIRMTYPE=CALL - OK
RINGCONFIRMTYPE?;INF;do_enum_query;L;ringconfirm_type;;RINGCONFIRMTYPE=(SMS),CALL
ERROR=ON|OFF;CONF;do_flag;L;error;ERROR=OFF;ERROR=OFF - OK
ERROR?;INF;do_flag_query;L;error;;ERROR=(ON),OFF
SMSCONFIRMUNAUTH=ON|OFF;CONF;do_flag;L;smsconfirmunauth;SMSCONFIRMUNAUTH=ON;SMSCONFIRMUNAUTH=ON - OK
SMSCONFIRMUNAUTH?;INF;do_flag_query;L;smsconfirmunauth;;SMSCONFIRMUNAUTH=(OFF),ON
# thermostat, temperature alerts, alert numbers (ch. 7; ALERTNUMBER on Light too, A-40)
THERMOSTATON;CTRL;do_thermostat;;ON;;
    THERMOSTATON - OK, THERMOSTAT=<mode>, TEMPOFF=<t>, Attention! Thermostat is working now!
THERMOSTATOFF;CTRL;do_thermostat;;OFF;;THERMOSTATOFF - OK, Attention! Thermostat was disabled!
THERMOSTAT=HEATING|COOLING;CONF;do_thermostat_mode;;;THERMOSTAT=COOLING;
    THERMOSTAT=<mode> - OK, TEMPOFF=<t>, THERMOSTAT: Enabled|Disabled
THERMOSTAT?;INF;do_thermostat_query;;;;THERMOSTAT: Enabled, THERMOSTAT=HEATING, TEMPOFF=10
TEMPOFF=<t>;CONF;do_tempoff;;;TEMPOFF=10;
    TEMPOFF=<t> - OK, THERMOSTAT=<mode>, THERMOSTAT: Enabled|Disabled (t = 0..50)
ALERTNUMBER-ALL;CONF;do_number_clear;L;alertnumbers;;
    ALERTNUMBER-ALL - OK (THERMALERT, TRISEALERT, TFALLALERT off)
ALERTNUMBER+<number>;CONF;do_number_add;L;alertnumbers;ALERTNUMBER+358401234567;
    ALERTNUMBER+<digits> - OK / List is full!
ALERTNUMBER-<number>;CONF;do_number_remove;L;alertnumbers;ALERTNUMBER-358401234567;
    ALERTNUMBER-<digits> - OK (the last one: as ALERTNUMBER-ALL)
ALERTNUMBER?;INF;do_number_query;L;alertnumbers;;ALERTNUMBERs: <d1>, <d2> / No ALERTNUMBERs!
THERMALERT=ON|OFF;CONF;do_thermalert;;;THERMALERT=ON;THERMALERT=ON - OK / No ALERTNUMBERs!
THERMALERT?;INF;do_thermalert_query;;;;THERMALERT=(OFF),ON
TRISEALERT=<t>|OFF;CONF;do_temp_alert;;trisealert;TRISEALERT=35;
    TRISEALERT=<t> - OK / No ALERTNUMBERs! (t = -10..50)
TRISEALERT?;INF;do_temp_alert_query;;trisealert;;TRISEALERT=<t> / TRISEALERT=OFF
TFALLALERT=<t>|OFF;CONF;do_temp_alert;;tfallalert;TFALLALERT=5;
    TFALLALERT=<t> - OK / No ALERTNUMBERs! (t = -10..50)
TFALLALERT?;INF;do_temp_alert_query;;tfallalert;;TFALLALERT=<t> / TFALLALERT=OFF
TEMPCAL=<n>;CONF;do_tempcal;;;TEMPCAL=7;TEMPCAL=<n> - OK (n = 1..9)
TEMPCAL?;INF;do_tempcal_query;;;;TEMPCAL=<n>
# date and time (ch. 8)
DATESMS;CONF;do_datesms;;;;DATE yy/mm/dd,hh:mm:ss+zz - OK
DATE=<yy/mm/dd,hh:mm:ss+zz>;CONF;do_date_set;;;DATE=26/11/23,08:00:00+08;DATE=yy/mm/dd,hh:mm:ss+zz - OK
DATE;CTRL;do_date;X;;;DATE yy/mm/dd,hh:mm:ss+zz / DATE is not set!
# alarm function (ch. 9)
ALARMON;CTRL;do_alarm;;ON;;ALARMON - OK, ALARM function: Enabled
ALARMOFF;CTRL;do_alarm;;OFF;;ALARMOFF - OK, ALARM function: Disabled
ALARM?;INF;do_alarm_query;;;;ALARM function, Sensor(s), ALARM status, Micro relay lines
MICRORELAYTIME=<n>;CONF;do_microrelay_time;;;MICRORELAYTIME=10;MICRORELAYTIME=<n> - OK (n = 0..900 s)
MICRORELAYTIME?;INF;do_microrelay_time_query;;;;MICRORELAYTIME=<n> seconds
SENSORTYPE=NO|NC;CONF;do_sensortype;;;SENSORTYPE=NC;SENSORTYPE=NC - OK
SENSORTYPE?;INF;do_sensortype_query;;;;SENSORTYPE=(NO),NC
ALERT=SMS|CALL|SMSCHANGE|OFF;CONF;do_alert_mode;;;ALERT=CALL;ALERT=CALL - OK
ALERT?;INF;do_alert_mode_query;;;;ALERT=(SMS),CALL,SMSCHANGE,OFF
SHOWALARMLOG;CTRL;do_alarm_log;X;;;one yy/mm/dd:hh:mm:ss line per entry / ALARM log is empty
# microphone and call-back (ch. 10)
MICLEVEL=<n>;CONF;do_miclevel;;;MICLEVEL=10;MICLEVEL=<n> - OK (n = 0..15)
MICLEVEL?;INF;do_miclevel_query;;;;MICLEVEL=<n>
CALLBACK;CTRL;do_callback;;;;no SMS: the device calls back / No security setup!
# scheduler (ch. 11; Ctrl as printed, A-10)
SCHEDULER-ALL;CTRL;do_scheduler_clear;;;;SCHEDULER-ALL - OK
SCHEDULER+<hh:mm>,<day>,<action>;CTRL;do_scheduler_add;;;SCHEDULER+08:00,*,ON;
    SCHEDULER+08:00,*,ON - OK / Scheduler is full!
SCHEDULER-<hh:mm>;CTRL;do_scheduler_remove;;;SCHEDULER-08:00;SCHEDULER-08:00 - OK
SCHEDULER?;INF;do_scheduler_query;;;;one hh:mm,d,ACT line per rule / Scheduler is empty
# after a power outage (ch. 12; POWERSTATE's Conf is CONF, A-09)
POWERSTATE=REMEMBER|ON|OFF;CONF;do_enum;L;powerstate;POWERSTATE=ON;POWERSTATE=ON - OK
POWERSTATE?;INF;do_enum_query;L;powerstate;;POWERSTATE=(REMEMBER),ON,OFF
# credit via USSD (ch. 13; SIMCARD is always answered, A-15)
SALDOUMS=<ussd>|NO;CONF;do_saldoums;L;;SALDOUMS=*100#;SALDOUMS=*100# - OK
SALDOUMS?;INF;do_saldoums_query;L;;;SALDOUMS: *100# / SALDOUMS: NO
SALDO;CTRL;do_saldo;LX;;;the operator's answer / Execute error!
SIMCARD<ussd>;CONF;do_simcard;LX;;SIMCARD*100#;the operator's answer / Execute error!
# version information (ch. 14)
HARDWARE;CTRL;do_hardware;LX;;;isocket GSM 707, Hardware <board>
SERIALNUM;CTRL;do_serialnum;LX;;;S/N: <uid hex>
FIRMWARE;CTRL;do_firmware;LX;;;(c) isocket contributors, v<version>
"""


def split_name(name: str) -> tuple:
    """(match rule, key) of a row name, by the rules in the module docstring."""
    if "<" not in name and "|" not in name:
        return WORD, name
    cut = name.find("<")
    if cut < 0:
        cut = len(name)
    eq = name.find("=")
    if "|" in name and 0 <= eq < cut:
        cut = eq + 1
    if name[cut:] == "<n>" and eq < 0:
        return NUMBER, name[:cut]
    return VALUE, name[:cut]


class Refusal(Exception):
    """Raised by a handler: nothing was executed and ``text`` is the error reply."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class Command:
    """One row of ``TABLE``, parsed (only the row that matched, or all of them on the host)."""

    def __init__(self, line: str) -> None:
        f = line.split(";", 6)
        if len(f) != 7:
            raise ValueError("bad command row: " + line)
        self.name = f[0]
        self.match, self.key = split_name(f[0])
        self.kind = f[1]
        self.handler = f[2]
        self.light = "L" in f[3]
        self.exempt = f[1] == INF or "X" in f[3]
        self.secret = 9 if "9" in f[3] else (5 if "5" in f[3] else 0)
        self.arg = f[4] or None
        self.example = f[5] or self.key
        self.reply = f[6]


def _line_end(start: int) -> int:
    end = TABLE.find(b"\n", start)
    return len(TABLE) if end < 0 else end


def _row_at(start: int) -> Command:
    # the row starting at ``start``, with its continuation lines joined to the reply
    end = _line_end(start)
    line = TABLE[start:end].decode()
    while TABLE.startswith(b" ", end + 1):
        nxt = _line_end(end + 1)
        line += TABLE[end + 1 : nxt].decode().strip(" ")
        end = nxt
    return Command(line)


def _row_starts():
    # offsets of the lines that start a row
    pos = 0
    while pos < len(TABLE):
        end = _line_end(pos)
        if end > pos and TABLE[pos] != 35 and TABLE[pos] != 32:  # not a "#" comment or continuation
            yield pos
        pos = end + 1


def rows() -> list:
    """Every row as a ``Command``, in table order (host tools and tests)."""
    out = []
    for start in _row_starts():
        out.append(_row_at(start))
    return out


def match(upper: str) -> Command | None:
    """The first row that fits ``upper`` (the command part, ASCII upper-cased), else None."""
    first = ord(upper[0]) if upper else -1
    for start in _row_starts():
        if TABLE[start] != first:
            continue  # every key is non-empty: a row whose first letter differs cannot fit
        rule, key = split_name(TABLE[start : TABLE.find(b";", start)].decode())
        if rule == WORD:
            hit = upper == key
        elif not upper.startswith(key):
            hit = False
        elif rule == VALUE:
            hit = True
        else:
            nxt = upper[len(key) : len(key) + 1]
            hit = nxt != "" and "0" <= nxt <= "9"
        if hit:
            return _row_at(start)
    return None


def ascii_upper(s: str) -> str:
    """Upper-case ASCII letters only, the same on every interpreter (MicroPython's is ASCII)."""
    out = []
    for c in s:
        out.append(chr(ord(c) - 32) if "a" <= c <= "z" else c)
    return "".join(out)


def trim(text: object) -> str:
    """The message without whitespace at either end ("" for anything that is not text)."""
    return text.strip(_WHITESPACE) if isinstance(text, str) else ""


def printable(s: str) -> bool:
    """True when ``s`` is printable ASCII without whitespace: the only text a command holds."""
    for c in s:
        if c <= " " or c > "~":
            return False
    return True


def echo(s: str) -> str:
    """``s`` as an error reply may quote it: upper-cased, characters outside GSM-7 as ``?``."""
    out = []
    for c in s:
        if "a" <= c <= "z":
            c = chr(ord(c) - 32)
        elif not ((" " <= c <= "~" and c != "`") or c in _GSM_EXTRA):
            c = "?"
        out.append(c)
    return "".join(out)

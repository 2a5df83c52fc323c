"""The device: hardware events in, device logic in the middle, outputs and replies out.

Each loop pass: the modem engine reads the UART, the modem supervisor and SMS service
advance, received messages go through the command processor and its replies into the
outbox; the button toggles the socket; timers run; state changes are stored, logged and
shown on the LEDs.
"""

from adafruit_ticks import ticks_diff

from isocket.alerts import AlertSender
from isocket.command_processor import CommandProcessor
from isocket.console import ConsoleInput
from isocket.log import Log
from isocket.main_socket import MainSocket
from isocket.modem.at_engine import AtEngine
from isocket.modem.calls import Calls
from isocket.modem.modem import READY, SIM_ERROR, Modem
from isocket.modem.sms import PRIO_REPLY, SmsService
from isocket.ring_actions import RingActions
from isocket.settings import Settings
from isocket.storage import RecordStore

KIND_SETTINGS = 1
KIND_SOCKET = 2
LONG_PRESS_MS = 5000


class Status:
    """What STATUS and friends report about the world outside the logic.

    Features fill in the parts they own (``thermometer``, ``micro_relay``, ``alarm``);
    a part that is not fitted reads as "nothing measured / off".
    """

    def __init__(self, modem, settings):
        self._modem = modem
        self._settings = settings
        self.thermometer = None  # .celsius_x16: raw reading in 1/16 degC, or None
        self.micro_relay = None  # .on
        self.alarm = None  # .active: the input is logically active

    @property
    def signal_dbm(self):
        return self._modem.signal_dbm if self._modem.registered else None

    def wall_time(self, now):
        return None  # the network clock arrives with the clock feature

    def temperature_x10(self):
        """The calibrated temperature (raw - TEMPCAL, A-34) in tenths of a degree, or None."""
        raw = self.thermometer.celsius_x16 if self.thermometer is not None else None
        if raw is None:
            return None
        tenths = (raw * 10 + 8) // 16 if raw >= 0 else -((-raw * 10 + 8) // 16)  # half away from zero
        return tenths - 10 * self._settings.tempcal

    def reading_serial(self):
        """Counts good probe readings: a new value means a fresh reading (None: no probe)."""
        return self.thermometer.reads_ok if self.thermometer is not None else None

    def temperature(self):
        """The calibrated temperature in whole degrees, rounded half away from zero, or None."""
        t = self.temperature_x10()
        if t is None:
            return None
        return (t + 5) // 10 if t >= 0 else -((-t + 5) // 10)

    def micro_relay_on(self) -> bool:
        return self.micro_relay is not None and bool(self.micro_relay.on)

    def alarm_active(self) -> bool:
        return self.alarm is not None and bool(self.alarm.active)


class Device:
    """Wires the parts together; ``poll(now)`` is one loop pass."""

    def __init__(self, hw, config, now):
        self.hw = hw
        self.config = config
        self.model = config.get("model", "707")
        self.log = Log(hw.console)
        self.log.line(
            "BOOT",
            "isocket on %s, model %s, %s boot"
            % (config.get("name"), self.model, "power-on" if hw.power_on_boot else "reset"),
        )
        self.store = RecordStore(hw.nvm)
        self.settings = self._load_settings()
        on = self._initial_socket_state()
        self.socket = MainSocket(hw.relay, now, on)
        self._relay_shown = on
        self._settled_stored = self.socket.settled
        self.log.line(
            "RELAY", "socket %s at power-up (POWERSTATE=%s)" % (_onoff(on), self.settings.powerstate)
        )
        self.at = AtEngine(hw.modem_port)
        self.modem = Modem(self.at, hw.modem_power, self.log, now)
        self.sms = SmsService(self.at, self.modem, self.log, now)
        self.status = Status(self.modem, self.settings)
        self.processor = CommandProcessor(
            self.settings, self.socket, self._persist_settings, self.status, self.model, now, hw.power_on_boot
        )
        self.alerts = AlertSender(self.settings, self.sms, self.log)
        # Features: each has poll(now) and next_deadline(now); those with do_* methods answer
        # their command-table rows (CommandProcessor.register). Built in _build_features.
        self.features: list = []
        self.micro_relay = None  # built on full models (_build_features)
        self.alarm = None
        self._build_features(now)
        self._parts: list = [self.at, self.modem, self.sms, self.socket, self.processor] + self.features
        self.console_in = ConsoleInput(hw.console)
        self._pressed_at = None
        self._last = now

    # -- start-up ------------------------------------------------------------
    def _build_features(self, now) -> None:
        """The features fitted on this model (a Light model has none of the optional ones, R2)."""
        light = self.model.endswith("L")
        # [clock] every model
        # [info] every model
        # [ussd] every model
        # [power] every model
        self.calls = Calls(self.at, self.modem, self.log, now)
        self.features.append(self.calls)  # no command rows: not registered
        self.ring_actions = self._add(
            RingActions(self.settings, self.socket, self.sms, self.calls, self.processor, self.log, light)
        )
        if light:
            return
        if self.hw.thermometer is not None:
            self.features.append(self.hw.thermometer)  # no command rows: not registered
            self.status.thermometer = self.hw.thermometer
        from isocket.temp_alerts import TempAlerts
        from isocket.thermostat import Thermostat

        self._add(Thermostat(self.settings, self.socket, self.status, self.alerts, now))
        self._add(TempAlerts(self.settings, self.status, self.alerts, now))
        # alarm: micro relay, alarm input, notifier and its log
        from isocket.alarm import Alarm
        from isocket.micro_relay import MicroRelay

        self.micro_relay = self._add(
            MicroRelay(self.hw.micro_relay, self.settings, self.socket, now, self.log)
        )
        self.status.micro_relay = self.micro_relay
        self.alarm = self._add(
            Alarm(
                self.hw.sensor,
                self.settings,
                self.micro_relay,
                self.alerts,
                self.calls,
                self.status,
                self._persist_settings,
                self.store,
                self.log,
                now,
            )
        )
        self.status.alarm = self.alarm
        # [scheduler]

    def _add(self, feature):
        self.features.append(feature)
        self.processor.register(feature)
        return feature

    def _load_settings(self):
        body = self.store.load(KIND_SETTINGS)
        if body is not None:
            try:
                return Settings.unpack(body)
            except ValueError as e:
                self.log.line("FLASH", "stored settings rejected (%s): factory defaults" % e)
        return Settings()

    def _initial_socket_state(self) -> bool:
        policy = self.settings.powerstate
        if policy == "ON":
            return True
        if policy == "OFF":
            return False
        body = self.store.load(KIND_SOCKET)
        return body is not None and len(body) == 1 and body[0] == 1

    def _persist_settings(self, settings) -> bool:
        ok = self.store.save(KIND_SETTINGS, settings.pack())
        self.log.line("FLASH", "settings saved" if ok else "settings could NOT be saved")
        return ok

    # -- loop ----------------------------------------------------------------
    def poll(self, now) -> None:
        self.log.uptime_ms += max(0, ticks_diff(now, self._last))
        self._last = now
        self.at.poll(now)
        self.modem.poll(now)
        self.sms.poll(now)
        # an SMS that arrives during a call waits in the inbox, in order, until it ends
        # (a call still ringing in does not hold commands up: a stranger may let it ring)
        msg = self.sms.take() if not self._in_call() else None
        if msg is not None:
            self._handle_sms(msg, now)
        line = self.console_in.poll()
        if line is not None:
            self.log.line("CONSOLE", "> %s" % line)
            reply = self.processor.handle_console(line, now)
            self.log.line("CONSOLE", "%s (%s)" % (reply.replace("\n", " | "), self.processor.last_outcome))
        self._poll_button(now)
        self.socket.poll(now)
        self.processor.poll(now)
        for feature in self.features:
            feature.poll(now)
        self._after_changes()
        self._show_leds()

    def next_deadline(self, now):
        best = None
        for part in self._parts:
            d = part.next_deadline(now)
            if d is not None and (best is None or d < best):
                best = d
        sms_due = bool(self.sms.inbox) and not self._in_call()
        if sms_due or self._pressed_at is not None:
            best = 0 if sms_due else min(best if best is not None else 50, 50)
        return best

    def _in_call(self) -> bool:
        return self.calls.state in ("dialling", "talking")

    def _handle_sms(self, msg, now) -> None:
        self.log.line("SMS in", "%s: %s" % (msg.sender, _quote(msg.text)))
        if not msg.numeric:
            self.log.line("CMD", "ignored: alphanumeric sender %s" % msg.sender)
            return
        reply = self.processor.handle_sms(msg.sender, msg.text, now)
        self.log.line("CMD", self.processor.last_outcome)
        if reply is not None:
            self.sms.send(msg.sender, reply, PRIO_REPLY)

    def _poll_button(self, now) -> None:
        ev = self.hw.button.next_event()
        while ev is not None:
            pressed, stamp = ev
            if pressed:
                self._pressed_at = stamp
            elif self._pressed_at is not None:
                held = ticks_diff(stamp, self._pressed_at)
                self._pressed_at = None
                if held < LONG_PRESS_MS and self.alarm is not None and self.alarm.button_press(now):
                    self.log.line("BUTTON", "short press: alarm disarmed (socket not toggled, A-46)")
                elif held < LONG_PRESS_MS:
                    self.socket.toggle(now)
                    self.log.line("BUTTON", "short press: socket %s" % _onoff(self.socket.on))
                else:
                    self.log.line(
                        "BUTTON", "held %d s (factory reset comes with that feature)" % (held // 1000)
                    )
            ev = self.hw.button.next_event()

    def _after_changes(self) -> None:
        on = self.socket.on
        if on != self._relay_shown:
            self._relay_shown = on
            self.log.line("RELAY", "socket %s" % _onoff(on))
        settled = self.socket.settled
        if settled != self._settled_stored:
            # POWERSTATE=REMEMBER restores this after a power cut; thermostat switching
            # (MainSocket.drive) leaves it alone, so it writes nothing (docs/storage.md).
            if self.store.save(KIND_SOCKET, bytes((1 if settled else 0,))):
                self._settled_stored = settled

    def _show_leds(self) -> None:
        leds = self.hw.leds
        modem = self.modem
        sim_error = modem.state == SIM_ERROR
        mains = self.hw.mains.value if self.hw.mains is not None else True
        alarm = self.alarm
        if sim_error:  # POWER priorities, A-56
            power = "sim-error"
        elif alarm is not None and alarm.alerting:
            power = "fast"
        elif alarm is not None and alarm.armed:
            power = "blink-1s"
        else:
            power = "on" if mains else "off"
        leds.show("POWER", power)
        leds.show("GSM", "blink-3s" if modem.state == READY and modem.registered else "blink-1s")
        leds.show("OUT", "fast" if sim_error else ("on" if self.socket.on else "off"))
        leds.show("MIC", self._mic_led())

    def _mic_led(self) -> str:
        # steady while the microphone is live, blinking while calling out
        if self.model.endswith("L"):
            return "off"  # Light models have no MIC LED
        state = self.calls.state
        return "on" if state == "talking" else ("blink-1s" if state == "dialling" else "off")


def _onoff(on) -> str:
    return "ON" if on else "OFF"


def _quote(text) -> str:
    return '"%s"' % text.replace("\n", "\\n")

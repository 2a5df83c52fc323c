"""The device: hardware events in, device logic in the middle, outputs and replies out.

Each loop pass: the modem engine reads the UART, the modem supervisor and SMS service
advance, received messages go through the command processor and its replies into the
outbox; the button toggles the socket; timers run; state changes are stored, logged and
shown on the LEDs.
"""

from micropython import const

from adafruit_ticks import ticks_add, ticks_diff

from isocket.alerts import AlertSender
from isocket.boot_flags import BootFlags
from isocket.clock import Clock
from isocket.command_processor import CommandProcessor
from isocket.console import ConsoleInput
from isocket.device_info import DeviceInfo
from isocket.factory_reset import FactoryReset
from isocket.log import Log
from isocket.main_socket import MainSocket
from isocket.modem.at_engine import AtEngine
from isocket.modem.calls import Calls
from isocket.modem.modem import READY, SIM_ERROR, STATE_NAMES, Modem
from isocket.modem.sms import PRIO_REPLY, SmsService
from isocket.power import PowerMonitor
from isocket.ring_actions import RingActions
from isocket.settings import Settings
from isocket.state_lines import StateLines
from isocket.storage import KIND_SETTINGS, KIND_SOCKET, RecordStore
from isocket.version import VERSION

BOOT_FLASH_MS = const(1500)  # the start-up flash: 3 x (250 ms on, 250 ms off) (R134, A-56)


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
        self.clock = None  # .wall_time(now): local time, or None while not set

    @property
    def signal_dbm(self):
        return self._modem.signal_dbm if self._modem.registered else None

    def wall_time(self, now):
        """Local ``(year, month, day, hour, minute, second, tz_quarters)``, or None while not set."""
        return self.clock.wall_time(now) if self.clock is not None else None

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

    def __init__(self, hw, config, now, sector_image=None):
        self.hw = hw
        self.config = config
        self.model = config.get("model", "707")
        self.log = Log(hw.console)
        self.state = StateLines(hw.console)
        boot = "power-on" if hw.power_on_boot else "reset"
        self.log.line("BOOT", "isocket on %s, model %s, %s boot" % (config.get("name"), self.model, boot))
        self.state.event("boot", "%s %s %s %s" % (VERSION, self.model, config.get("name"), boot))
        self.store = RecordStore(hw.nvm, image=sector_image)
        self.boot_flags = BootFlags(self.store)
        window = bool(hw.power_on_boot)
        if self.boot_flags.window_at_boot:  # the reboot after a factory reset
            window = True
            self.boot_flags.window_at_boot = False
            self.boot_flags.save()
            self.log.line("BOOT", "after a factory reset: configuration window open")
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
            self.settings, self.socket, self._persist_settings, self.status, self.model, now, window
        )
        self.alerts = AlertSender(self.settings, self.sms, self.log)
        # Features: each has poll(now) and next_deadline(now); those with do_* methods answer
        # their command-table rows (CommandProcessor.register). Built in _build_features.
        self.features: list = []
        self.micro_relay = None  # built on full models (_build_features)
        self.alarm = None
        self._build_features(now)
        self.factory_reset = FactoryReset(self._factory_restore, self.log)
        self.features.append(self.factory_reset)  # fed by the button (_poll_button); no command rows
        self._boot_flash_until: int | None = ticks_add(now, BOOT_FLASH_MS)
        self._parts: list = [
            self.at,
            self.modem,
            self.sms,
            self.socket,
            self.processor,
            self.alerts,
        ] + self.features
        self.console_in = ConsoleInput(hw.console)
        self._pressed_at = None
        self._last = now

    # -- start-up ------------------------------------------------------------
    def _build_features(self, now) -> None:
        """The features fitted on this model (a Light model has none of the optional ones, R2)."""
        light = self.model.endswith("L")
        # the clock runs on every model (RUNTIME, A-29); Light has no DATE commands (table)
        self.clock = self._add(
            Clock(
                self.hw.wall_clock,
                self.modem,
                self.at,
                self.processor,
                self.log,
                now,
                self._modem_quiet,
            )
        )
        self.status.clock = self.clock
        self._add(DeviceInfo(self.model, self.config.get("name"), self.hw.uid))
        # USSD credit and subscription commands (SALDO, SIMCARD) on every model
        from isocket.modem.ussd import Ussd
        from isocket.saldo import Saldo

        self.ussd = Ussd(self.at, self.modem, self.log, now)
        self._add(Saldo(self.settings, self.ussd, self.sms, self.processor, self.log))
        # mains presence, power-failure notifier, battery cut-off on every model
        self.power = PowerMonitor(
            self.hw.mains,
            self.hw.power_latch,
            self.model,
            self.settings,
            self.socket,
            self.alerts,
            self.status,
            self.boot_flags,
            self.sms,
            self.log,
            now,
            self.hw.power_on_boot,
        )
        self.features.append(self.power)  # no command rows: not registered
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
        # scheduler: its rules are record kind 4
        from isocket.scheduler import Scheduler

        self._add(
            Scheduler(
                self.store,
                self.settings,
                self.socket,
                self.alarm,
                self.alerts,
                self.status,
                self.processor.status_text,
                self._persist_settings,
                self.log,
                now,
            )
        )

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
        self.state.event("settings", "saved" if ok else "failed")
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
        if line is not None and line.strip().lower() == "@state":
            self.state.dump()  # a rig connecting late asks where things stand (docs/console.md)
        elif line is not None:
            self.log.line("CONSOLE", "> %s" % line)
            reply = self.processor.handle_console(line, now)
            self.log.line("CONSOLE", "%s (%s)" % (reply.replace("\n", " | "), self.processor.last_outcome))
        self._poll_button(now)
        self.socket.poll(now)
        self.processor.poll(now)
        self.alerts.poll(now)
        for feature in self.features:
            feature.poll(now)
        self._after_changes()
        self._show_leds(now)

    def next_deadline(self, now):
        best = None
        for part in self._parts:
            d = part.next_deadline(now)
            if d is not None and (best is None or d < best):
                best = d
        if self._boot_flash_until is not None:
            left = max(0, ticks_diff(self._boot_flash_until, now))
            best = left if best is None else min(best, left)
        sms_due = bool(self.sms.inbox) and not self._in_call()
        if sms_due or self._pressed_at is not None:
            best = 0 if sms_due else min(best if best is not None else 50, 50)
        return best

    def _in_call(self) -> bool:
        return self.calls.state in ("dialling", "talking")

    def _modem_quiet(self) -> bool:
        # no call and no USSD session (its AT+CSCS="UCS2" must not be saved by AT&W)
        return self.calls.state == "idle" and not self.ussd.busy

    def _handle_sms(self, msg, now) -> None:
        self.log.line("SMS in", "%s: %s" % (msg.sender, _quote(msg.text)))
        if not msg.numeric:
            self.log.line("CMD", "ignored: alphanumeric sender %s" % msg.sender)
        else:
            reply = self.processor.handle_sms(msg.sender, msg.text, now, msg.scts)
            self.log.line("CMD", self.processor.last_outcome)
            if reply is not None:
                self.sms.send(msg.sender, reply, PRIO_REPLY)
        # without network time the first SMS time stamp sets the clock (after the reply)
        self.clock.sms_stamp(msg.scts)

    def _poll_button(self, now) -> None:
        ev = self.hw.button.next_event()
        while ev is not None:
            pressed, stamp = ev
            if pressed:
                self._pressed_at = stamp
                self.factory_reset.press(now)
            elif self._pressed_at is not None:
                held = ticks_diff(stamp, self._pressed_at)
                self._pressed_at = None
                # a long press, or any press while the factory reset waits for its
                # confirmation, belongs to the reset; then the alarm, then the socket
                if self.factory_reset.release(held, now):
                    self.log.line("BUTTON", "held %d ms: factory reset" % held)
                elif self.alarm is not None and self.alarm.button_press(now):
                    self.log.line("BUTTON", "short press: alarm disarmed (socket not toggled, A-46)")
                else:
                    self.socket.toggle(now)
                    self.log.line("BUTTON", "short press: socket %s" % _onoff(self.socket.on))
            ev = self.hw.button.next_event()

    def _factory_restore(self, now) -> None:
        # the confirmed factory reset: factory state stored, then a reboot (no return)
        try:
            from isocket.factory_restore import restore_factory_state  # loaded only now: rarely used
        except (ImportError, MemoryError) as e:
            self.log.line("FACTORY", "NOT restored, its code is not loaded: %s" % e)
            return
        restore_factory_state(
            self.store,
            self.settings,
            self._persist_settings,
            self.socket,
            self.alarm,
            self.boot_flags,
            self.log,
            now,
        )
        self.log.line("FACTORY", "rebooting")
        self.hw.reset()

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

    def _show_leds(self, now) -> None:
        leds = self.hw.leds
        modem = self.modem
        sim_error = modem.state == SIM_ERROR
        alarm = self.alarm
        # POWER priorities: a SIM problem, the alarm's patterns, then the supply: on,
        # or dark on a 707 running from its battery (POWER shows the mains input). The alarm's
        # patterns win over the battery: dark would read as "disarmed" while the alarm still
        # guards the house through the cut (host_tests/scenarios/alarm/power.scn).
        if sim_error:
            power = "sim-error"
        elif alarm is not None and alarm.alerting:
            power = "fast"
        elif alarm is not None and alarm.armed:
            power = "blink-1s"
        else:
            power = "off" if self.power.on_battery else "on"
        modem_error = sim_error or modem.silent  # a SIM problem, or a modem not answering
        out = "fast" if modem_error else ("on" if self.socket.on else "off")
        mic = self._mic_led()
        # every LED but GSM: the start-up flash (R134), the factory-reset confirmation
        special = None
        if self._boot_flash_until is not None:
            if ticks_diff(now, self._boot_flash_until) < 0:
                special = "boot"
            else:
                self._boot_flash_until = None
        if self.factory_reset.confirming:
            special = "fast"
        if special is not None:
            power = out = special
            if not self.model.endswith("L"):
                mic = special  # Light models have no MIC LED
        gsm = "blink-3s" if modem.state == READY and modem.registered else "blink-1s"
        state = self.state  # each LED's state line right after the LED (docs/console.md)
        leds.show("POWER", power)
        state.show("led POWER", power)
        leds.show("GSM", gsm)
        state.show("led GSM", gsm)
        leds.show("OUT", out)
        state.show("led OUT", out)
        leds.show("MIC", mic)
        state.show("led MIC", mic)
        state.show("relay", _lower_onoff(self.socket.on))
        if self.micro_relay is not None:
            state.show("microrelay", _lower_onoff(self.micro_relay.on))
        state.show("mic", _lower_onoff(self.calls.mic_live))
        state.show("modem", STATE_NAMES[modem.state])

    def _mic_led(self) -> str:
        # steady while the microphone is live, blinking while calling out
        if self.model.endswith("L"):
            return "off"  # Light models have no MIC LED
        state = self.calls.state
        return "on" if state == "talking" else ("blink-1s" if state == "dialling" else "off")


def _onoff(on) -> str:
    return "ON" if on else "OFF"


def _lower_onoff(on) -> str:
    return "on" if on else "off"  # the state lines' spelling (docs/console.md)


def _quote(text) -> str:
    return '"%s"' % text.replace("\n", "\\n")

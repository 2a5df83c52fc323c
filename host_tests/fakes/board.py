"""Fake ``board`` for a Raspberry Pi Pico: pin objects by name."""

from microcontroller import Pin

for _n in range(29):
    globals()["GP%d" % _n] = Pin("GP%d" % _n)
LED = GP25  # type: ignore[name-defined]  # noqa: F821
VBUS_SENSE = Pin("VBUS_SENSE")
VOLTAGE_MONITOR = Pin("GP29")
A3 = VOLTAGE_MONITOR
SMPS_MODE = GP23  # type: ignore[name-defined]  # noqa: F821
A0 = GP26  # type: ignore[name-defined]  # noqa: F821
A1 = GP27  # type: ignore[name-defined]  # noqa: F821
A2 = GP28  # type: ignore[name-defined]  # noqa: F821
board_id = "raspberry_pi_pico"

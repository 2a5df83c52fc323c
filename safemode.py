"""Runs when the board falls into safe mode after a crash: reset, within a limit (docs/startup.md)."""

from isocket.hw.startup import safe_mode

safe_mode()

"""Runs once at every hard boot, before code.py: USB and supervisor set-up (docs/startup.md)."""

from isocket.hw.startup import boot

boot()

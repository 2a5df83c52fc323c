"""The firmware version, defined once (FIRMWARE reply, console banner, release bundle)."""

VERSION = "0.1.0"

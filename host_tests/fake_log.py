"""Stand-ins for ``isocket.log.Log`` in unit tests: they keep the lines instead of printing."""

from __future__ import annotations


class TextLog:
    """``lines`` holds ``"TAG text"`` strings."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, tag: str, text: str) -> None:
        self.lines.append("%s %s" % (tag, text))


class PairLog:
    """``lines`` holds ``(tag, text)`` pairs."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def line(self, tag: str, text: str) -> None:
        self.lines.append((tag, text))

    def has(self, text: str) -> bool:
        return any(text in t for _g, t in self.lines)

"""Write docs/commands.md from the command table in isocket/commands.py.

python host_tests/gen_command_docs.py           # (re)write docs/commands.md
python host_tests/gen_command_docs.py --check   # exit 1 if docs/commands.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# adafruit_ticks imports `micropython`; the host provides it with the other fakes.
sys.path.append(str(ROOT / "host_tests" / "fakes"))

from isocket.alarm import Alarm  # noqa: E402
from isocket.clock import Clock  # noqa: E402
from isocket.command_processor import CommandProcessor  # noqa: E402
from isocket.commands import rows  # noqa: E402
from isocket.device_info import DeviceInfo  # noqa: E402
from isocket.micro_relay import MicroRelay  # noqa: E402
from isocket.ring_actions import RingActions  # noqa: E402
from isocket.saldo import Saldo  # noqa: E402
from isocket.scheduler import Scheduler  # noqa: E402
from isocket.temp_alerts import TempAlerts  # noqa: E402
from isocket.thermostat import Thermostat  # noqa: E402

# Everything that answers command rows: the processor and the features Device registers.
HANDLER_CLASSES = (
    CommandProcessor,
    RingActions,
    Thermostat,
    TempAlerts,
    MicroRelay,
    Alarm,
    Clock,
    DeviceInfo,
    Saldo,
    Scheduler,
)

DOC = ROOT / "docs" / "commands.md"

HEADER = """\
# SMS commands

Generated from the command table in `isocket/commands.py` by `host_tests/gen_command_docs.py`;
do not edit by hand (`python host_tests/gen_command_docs.py` rewrites it, `--check` tells
whether it is up to date).

Rows are tried from top to bottom and the first one that fits wins. Commands are
case-insensitive; with an access password set, every message starts with it
(`12abcSTATUS`). **Type**: `CTRL` works at any time, `INF` is a query, `CONF` needs the
30-minute configuration window. **Light**: whether the command exists on 706L/707L.
**Always answered**: the reply is sent even with `SMSCONFIRM=OFF`. **Available**: `later`
rows answer `<CMD> - Error!` until their feature is built. Exact reply texts:
`shared/spec/DECISIONS.md`; error replies (`Incorrect value!`, `<CMD> - Error!`, ...) are
sent only with `ERROR=ON`.

| Command | Example | Type | Reply | Light | Always answered | Available |
|---|---|---|---|---|---|---|
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _text(text: str) -> str:
    # outside code spans <n> would be read as an HTML tag
    return _cell(text).replace("<", "&lt;").replace(">", "&gt;")


def render() -> str:
    lines = []
    for cmd in rows():
        available = "yes" if any(hasattr(c, cmd.handler) for c in HANDLER_CLASSES) else "later"
        lines.append(
            "| `%s` | `%s` | %s | %s | %s | %s | %s |"
            % (
                _cell(cmd.name),
                _cell(cmd.example),
                cmd.kind,
                _text(cmd.reply),
                "yes" if cmd.light else "no",
                "yes" if cmd.exempt else "no",
                available,
            )
        )
    return HEADER + "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
            print("%s is out of date: run python host_tests/gen_command_docs.py" % DOC.relative_to(ROOT))
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print("wrote %s" % DOC.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

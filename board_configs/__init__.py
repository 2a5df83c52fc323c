"""Board configurations: one module per supported board + modem.

``load()`` picks the module named by the ``ISOCKET_BOARD`` key of settings.toml
(default ``pico_sim800l``); ``ISOCKET_MODEL`` overrides the model it declares.
"""

import os

DEFAULT = "pico_sim800l"
MODELS = ("706", "707", "706L", "707L")


def load(name=None):
    """Return the config dict of board ``name`` (or the settings.toml choice)."""
    if name is None:
        name = os.getenv("ISOCKET_BOARD") or DEFAULT
    module = __import__("board_configs." + name, None, None, ["CONFIG"])
    config = dict(module.CONFIG)
    model = os.getenv("ISOCKET_MODEL")
    if model:
        model = str(model).upper()
        if model in MODELS:
            config["model"] = model
    return config

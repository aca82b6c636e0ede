"""Where the archive and the index live (environment, with defaults relative to the cwd)."""

from __future__ import annotations

import os
from pathlib import Path


def seeds_dir() -> Path:
    """The archive folder: `BOT_SEEDS_DIR`, default `seeds/`."""
    return Path(os.environ.get("BOT_SEEDS_DIR") or "seeds")


def data_dir() -> Path:
    """Where the index (and the bot's state) live: `BOT_DATA_DIR`, default `data/`."""
    return Path(os.environ.get("BOT_DATA_DIR") or "data")

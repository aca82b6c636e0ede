"""Snowflake ids and timestamps shaped like Discord's.

discord.py derives ``created_at`` from a snowflake's top bits, so fake ids are real
snowflakes (milliseconds since the Discord epoch, shifted by 22) rather than small
integers; they also sort by creation order, which the recorder relies on.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time

DISCORD_EPOCH_MS = 1420070400000

_lock = threading.Lock()
_counter = itertools.count()
_last_ms = 0


def snowflake() -> int:
    """Return a new, process-wide unique and strictly increasing snowflake."""
    global _last_ms
    with _lock:
        # Never go backwards even if the wall clock does, and keep the low 22 bits free
        # for a counter so many ids in the same millisecond stay unique and ordered.
        now_ms = max(int(time.time() * 1000), _last_ms)
        _last_ms = now_ms
        return ((now_ms - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF)


def iso_now() -> str:
    """The current UTC time in the ISO-8601 form Discord uses for timestamps."""
    return dt.datetime.now(dt.UTC).isoformat()

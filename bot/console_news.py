"""New issues in the console: it can subscribe itself, and prints each new issue once.

The console is one more subscriber, under the reserved channel id 0 (guild 0), so it
shares the Discord bot's bookkeeping: an issue is printed once, across restarts, and a
console started later prints what arrived meanwhile. It only ever delivers its own
announcements (and the Discord bot never delivers the console's).

Checking blocks (an index update); one check or delivery runs at a time, whether from
a command or from the polling thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot import news
from bot.announcer import (
    FIRST_RETRY_SECONDS,
    CheckResult,
    check_archive,
    deliver_due,
    rebuild_archive,
)
from bot.errors import REBUILDING
from bot.render_news import announcement_text
from bot.replies import ErrorReply, Reply
from bot.state import CONSOLE_CHANNEL_ID, CONSOLE_GUILD_ID
from index import BuildInProgress

if TYPE_CHECKING:
    from bot.config import Config
    from bot.state import Announcement, State
    from index import IndexStore, IssueSummary

log = logging.getLogger(__name__)

HERE = "this console"


def on_console(channel_id: int) -> bool:
    """Announcements the console delivers: its own only."""
    return channel_id == CONSOLE_CHANNEL_ID


async def _call(func: Callable[..., Any], *args: Any) -> Any:
    return func(*args)  # the console has no event loop to keep free


class ConsoleNews:
    """The console's subscription commands, checks and announcements (as text)."""

    def __init__(self, store: IndexStore, state: State, config: Config) -> None:
        self.store = store
        self.state = state
        self.config = config
        self._busy = threading.Lock()
        self._printed: list[str] = []
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    # ------------------------------------------------------------------ checking

    def check(self) -> list[str]:
        """Update the index from the seeds; return the new issues' announcements as text."""
        with self._busy:
            check_archive(self.store, self.state, [self.config.seeds_dir])
            return self._deliver_locked()

    def deliver(self) -> list[str]:
        """The announcements due for this console, as text (each one is printed once)."""
        with self._busy:
            return self._deliver_locked()

    def _deliver_locked(self) -> list[str]:
        self._printed = []
        asyncio.run(deliver_due(
            self.state, self.store, self._send, run=_call, accept=on_console,
            first_retry=min(FIRST_RETRY_SECONDS, self.config.poll_seconds),
        ))
        return self._printed

    async def _send(self, _announcement: Announcement, summary: IssueSummary) -> int:
        self._printed.append(announcement_text(summary, self.config.issue_url(summary.path)))
        return 0  # the console has no message ids

    def start_polling(self, interval: float, emit: Callable[[str], None]) -> None:
        """Check every `interval` seconds in a thread, passing new issues to `emit`."""

        def poll() -> None:
            while not self._stop.wait(interval):
                try:
                    for text in self.check():
                        emit(text)
                except Exception:  # noqa: BLE001 - keep polling; the next check may work
                    log.exception("looking for new issues failed")

        self._stop.clear()
        self._poller = threading.Thread(target=poll, name="console-news", daemon=True)
        self._poller.start()

    def stop_polling(self) -> None:
        """Stop the polling thread (waits for a check in progress)."""
        self._stop.set()
        if self._poller is not None:
            self._poller.join()
            self._poller = None

    # ------------------------------------------------------------------ commands

    def subscribe(self, _text: str) -> Reply:
        """/subscribe: the console subscribes itself (no role to ping here)."""
        return news.subscribe(self.store, self.state, guild_id=CONSOLE_GUILD_ID,
                              channel_id=CONSOLE_CHANNEL_ID, where=HERE)

    def unsubscribe(self, _text: str) -> Reply:
        """/unsubscribe: the console stops printing new issues."""
        return news.unsubscribe(self.state, channel_id=CONSOLE_CHANNEL_ID, where=HERE)

    def subscriptions(self, _text: str) -> Reply:
        """/subscriptions: every subscription this data folder knows (all servers')."""
        return news.subscription_list(self.state, guild_id=None, place="all servers")

    def announce(self, text: str) -> tuple[list[str], Reply]:
        """/announce N: print issue N as an announcement (once, like on Discord). Returns
        what was printed and the result."""
        number = text.strip().lstrip("#")
        if not number.isdigit():
            return [], ErrorReply(f"/announce wants an issue number, not {text.strip()!r}.")
        refused = news.queue_announcement(self.store, self.state, number=int(number),
                                          channel_id=CONSOLE_CHANNEL_ID, where=HERE)
        if refused is not None:
            return [], refused
        printed = self.deliver()
        return printed, news.announcement_result(
            self.state, number=int(number), channel_id=CONSOLE_CHANNEL_ID, where=HERE
        )

    def reindex(self, _text: str) -> Reply:
        """/reindex: rebuild the index from the seeds; the new issues are printed after."""
        try:
            with self._busy:
                result: CheckResult = rebuild_archive(
                    self.store, self.state, [self.config.seeds_dir]
                )
        except BuildInProgress:
            return ErrorReply(REBUILDING)
        return news.reindex_summary(self.state, result, accept=on_console)

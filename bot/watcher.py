"""New issues on Discord: the polling loop, delivery rounds, and the admin's reindex.

Every `BOT_POLL_SECONDS` a `discord.ext.tasks` loop updates the index from the seeds
folder and records the issues new to the bot (`announcer.check_archive`, in a thread),
then delivers whatever is due. `/reindex` runs `announcer.rebuild_archive` the same way.
One index writer at a time from this bot: the loop skips its update while a rebuild
runs (searches go on, served by the old index until the swap), and a rebuild waits for
an update in progress (they are short). Delivery rounds never overlap either, so one
announcement is never being sent twice at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING

from discord.ext import tasks

from bot.announcer import (
    FIRST_RETRY_SECONDS,
    CheckResult,
    DeliveryReport,
    check_archive,
    deliver_due,
    rebuild_archive,
    reindex_interrupted,
)
from bot.delivery import send_announcement
from bot.state import CONSOLE_CHANNEL_ID

if TYPE_CHECKING:
    from bot.app import BpfBot
    from bot.state import Announcement
    from index import IssueSummary

log = logging.getLogger(__name__)


def on_discord(channel_id: int) -> bool:
    """Announcements the Discord bot delivers: all but the console's own."""
    return channel_id != CONSOLE_CHANNEL_ID


class Watcher:
    """The bot's announcing machinery; `start()` after the cogs are loaded."""

    def __init__(self, bot: BpfBot) -> None:
        self.bot = bot
        self._index_writer = threading.Lock()
        self._delivering = asyncio.Lock()
        self._reindex: asyncio.Task[CheckResult] | None = None
        self.reindex_started: float | None = None  # time.time() of the running rebuild
        self.ticks = 0  # ticks completed, for logs and tests (the loop's own count lags)
        self.loop = tasks.loop(seconds=bot.config.poll_seconds)(self.tick)
        self.loop.before_loop(self.bot.wait_until_ready)
        # Backoff starts at the poll interval when that is shorter: the next tick retries.
        self.first_retry = min(FIRST_RETRY_SECONDS, bot.config.poll_seconds)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start polling (the first tick runs once the bot is ready: it also delivers
        whatever a restart interrupted) and finish a rebuild a restart interrupted."""
        self.loop.start()
        started = reindex_interrupted(self.bot.state)
        if started is not None:
            log.warning("the reindex started at %s was interrupted; running it again", started)
            task = self.start_reindex()
            assert task is not None  # nothing else can be running this early
            task.add_done_callback(self._resumed)

    def stop(self) -> None:
        """Stop polling; a rebuild in its thread finishes, its mark makes the next start
        run it again if it could not record its result."""
        self.loop.cancel()
        if self._reindex is not None:
            self._reindex.cancel()

    # ------------------------------------------------------------------ polling

    async def tick(self) -> None:
        """One look at the seeds folder, then one delivery round. Never raises: a
        failure is logged and the next tick tries again."""
        try:
            result = await asyncio.to_thread(self._check)
            if result is not None and result.new_issues:
                log.info("new issues in the archive: %s", result.new_issues)
            await self.deliver()
        except Exception:  # noqa: BLE001 - the loop must outlive one bad tick
            log.exception("looking for new issues failed; trying again in %g s",
                          self.bot.config.poll_seconds)
        self.ticks += 1

    def _check(self) -> CheckResult | None:
        if not self._index_writer.acquire(blocking=False):
            return None  # a rebuild is running; it records the new issues itself
        try:
            return check_archive(self.bot.store, self.bot.state, [self.bot.config.seeds_dir])
        finally:
            self._index_writer.release()

    async def deliver(self) -> DeliveryReport:
        """Post every due announcement (one round at a time)."""
        async with self._delivering:
            report = await deliver_due(
                self.bot.state, self.bot.store, self._send,
                accept=on_discord, first_retry=self.first_retry,
            )
        if report.sent:
            log.info("announced (issue, channel): %s", report.sent)
        return report

    async def _send(self, announcement: Announcement, summary: IssueSummary) -> int:
        return await send_announcement(self.bot, self.bot.config, announcement, summary)

    # ------------------------------------------------------------------ reindex

    @property
    def reindexing(self) -> bool:
        """Whether a rebuild is running."""
        return self._reindex is not None and not self._reindex.done()

    def start_reindex(self) -> asyncio.Task[CheckResult] | None:
        """Start rebuilding the index from the seeds (in a thread); None if a rebuild is
        already running. The task's result says what changed and what is new; the
        caller delivers the new issues once it has reported."""
        if self.reindexing:
            return None
        self.reindex_started = time.time()
        self._reindex = asyncio.create_task(asyncio.to_thread(self._rebuild), name="reindex")
        return self._reindex

    def _rebuild(self) -> CheckResult:
        with self._index_writer:
            return rebuild_archive(self.bot.store, self.bot.state, [self.bot.config.seeds_dir])

    def _resumed(self, task: asyncio.Task[CheckResult]) -> None:
        """After the restart's rebuild: say how it went."""
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("the resumed reindex failed: %s", error, exc_info=error)
            return
        result = task.result()
        report = result.report
        assert report is not None
        # The new issues it found are queued: the next tick posts them.
        log.info(
            "the interrupted reindex is complete: %d issues, %d documents in %.2f s; new: %s",
            report.issues, report.documents, report.seconds, result.new_issues,
        )

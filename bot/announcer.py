"""New issues, found and delivered: the watcher's logic, shared by Discord and the console.

`check_archive` brings the index up to date with the seeds folder and records which
published issues are new (queuing one announcement per active subscription, durably);
`rebuild_archive` does the same after a full rebuild (the admin's reindex), leaving a
mark in the state while it runs so that a restart finishes an interrupted one.
`deliver_due` then posts every announcement that is due through a `send` callable
supplied by the caller (a Discord channel, or the console's output), classifying what
went wrong: a channel that is gone or forbidden is disabled with its reason and never
blocks the others; anything else is retried later with backoff.

Everything here that touches the index or SQLite blocks: async callers wrap it in
`asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.state import REINDEX_STARTED, Announcement, State
from index import BuildInProgress, IndexReport, IndexStore, IssueSummary

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 15.0
MAX_RETRY_SECONDS = 1800.0
# With the delays above, about a day of trying before an announcement is given up.
MAX_ATTEMPTS = 60


class ChannelGone(Exception):
    """The channel can never receive announcements as things stand (403, 404)."""


class TryLater(Exception):
    """The announcement failed for a reason that may pass (5xx, rate limit, network)."""


Send = Callable[[Announcement, IssueSummary], Awaitable[int]]


@dataclass
class CheckResult:
    """What one look at the archive found."""

    report: IndexReport | None  # None when another build was running
    new_issues: list[int] = field(default_factory=list)


@dataclass
class DeliveryReport:
    """What one round of delivery did, per (issue, channel)."""

    sent: list[tuple[int, int]] = field(default_factory=list)  # (issue, channel)
    disabled: list[tuple[int, str]] = field(default_factory=list)  # (channel, reason)
    retrying: list[tuple[int, int, str]] = field(default_factory=list)
    dropped: list[tuple[int, int, str]] = field(default_factory=list)


def published_issues(store: IndexStore) -> list[tuple[int, str]]:
    """(number, title) of every issue that may be announced: numbered and not a draft."""
    return [
        (summary.number, summary.title)
        for summary in store.issues()
        if summary.number is not None and not summary.draft
    ]


def record_new_issues(store: IndexStore, state: State) -> list[int]:
    """Compare the index's published issues with the ones the bot knows; queue the new.

    The comparison is against the state database rather than an update report, so an
    issue whose report was lost (a crash right after the index swap) is still found.
    Nothing is recorded while no index is served: a baseline taken from an empty or
    unreadable index would make the whole archive "new" later.
    """
    if not store.exists():
        log.warning("no index is served; not looking for new issues this time")
        return []
    return state.record_issues(published_issues(store))


def check_archive(store: IndexStore, state: State, seeds: Sequence[Path]) -> CheckResult:
    """Update the index from the seeds and record the issues new to the bot.

    Returns the update report (None if another build holds the lock: the next check will
    catch up) and the numbers of the new issues, oldest first.
    """
    try:
        report = store.update(seeds)
    except BuildInProgress:
        log.info("an index build is running; checking for new issues next time")
        return CheckResult(None, record_new_issues(store, state))
    return CheckResult(report, record_new_issues(store, state))


def rebuild_archive(store: IndexStore, state: State, seeds: Sequence[Path]) -> CheckResult:
    """Rebuild the whole index from the seeds (searches keep using the old one until the
    atomic swap), then record the issues new to the bot.

    The state carries a mark from the start of the rebuild until the new issues are
    recorded, so `reindex_interrupted` tells a restarted bot to run it again. Raises
    BuildInProgress (and leaves no mark) when another writer holds the index lock.
    """
    state.set_meta(REINDEX_STARTED, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    try:
        report = store.build(seeds)
    except BuildInProgress:
        state.set_meta(REINDEX_STARTED, None)  # someone else's build: nothing of ours to redo
        raise
    new_issues = record_new_issues(store, state)
    state.set_meta(REINDEX_STARTED, None)
    return CheckResult(report, new_issues)


def reindex_interrupted(state: State) -> str | None:
    """When an unfinished rebuild started (ISO time), or None if none was interrupted."""
    return state.meta(REINDEX_STARTED)


def retry_delay(attempts: int, first: float = FIRST_RETRY_SECONDS) -> float:
    """Seconds before the next attempt, doubling from `first` up to MAX_RETRY_SECONDS."""
    return min(first * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)


async def deliver_due(
    state: State,
    store: IndexStore,
    send: Send,
    *,
    run: Callable[..., Awaitable[object]] | None = None,
    accept: Callable[[int], bool] | None = None,
    first_retry: float = FIRST_RETRY_SECONDS,
) -> DeliveryReport:
    """Post every announcement that is due; one failing channel never stops the others.

    `run(func, *args)` runs blocking calls (default: `asyncio.to_thread`); `accept(channel
    id)` says which channels this caller delivers to (Discord's or the console's: each
    front end leaves the other's rows alone); `first_retry` is the first backoff delay.
    """
    call = run or asyncio.to_thread
    report = DeliveryReport()
    due: list[Announcement] = await call(state.due_announcements)  # type: ignore[assignment]
    if accept is not None:
        due = [announcement for announcement in due if accept(announcement.channel_id)]
    summaries: dict[int, IssueSummary | None] = {}
    gone_channels: set[int] = set()
    for announcement in due:
        number = announcement.issue_number
        if announcement.channel_id in gone_channels:
            continue  # disabled a moment ago; `disable` dropped its pending rows
        if number not in summaries:
            summaries[number] = await call(store.issue, number)  # type: ignore[assignment]
        summary = summaries[number]
        if summary is None:
            reason = "the issue is no longer in the archive"
            await call(state.drop_announcement, number, announcement.channel_id, reason)
            report.dropped.append((number, announcement.channel_id, reason))
            continue
        try:
            message_id = await send(announcement, summary)
        except ChannelGone as gone:
            reason = str(gone)
            log.warning("channel %s disabled: %s", announcement.channel_id, reason)
            await call(state.disable, announcement.channel_id, reason)
            gone_channels.add(announcement.channel_id)
            report.disabled.append((announcement.channel_id, reason))
        except TryLater as later:
            attempts = announcement.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                reason = f"gave up after {attempts} attempts: {later}"
                log.error("announcing issue %s in channel %s: %s",
                          number, announcement.channel_id, reason)
                await call(state.drop_announcement, number, announcement.channel_id, reason)
                report.dropped.append((number, announcement.channel_id, reason))
                continue
            delay = retry_delay(attempts, first_retry)
            log.warning(
                "announcing issue %s in channel %s failed (%s); retrying in %.3g s",
                number, announcement.channel_id, later, delay,
            )
            await call(state.mark_retry, number, announcement.channel_id, str(later), delay)
            report.retrying.append((number, announcement.channel_id, str(later)))
        else:
            await call(state.mark_sent, number, announcement.channel_id, message_id)
            report.sent.append((number, announcement.channel_id))
    return report


def announcement_nonce(issue_number: int, channel_id: int) -> str:
    """A nonce (≤ 25 characters) unique to one issue in one channel.

    Sent with `enforce_nonce`, it makes Discord return the earlier message instead of
    posting again when a send is repeated (a retry after a lost response, or a restart
    between sending and recording), which closes the last gap in exactly-once.
    """
    digest = hashlib.sha256(f"{issue_number}:{channel_id}".encode()).hexdigest()
    return "a" + digest[:24]

"""New issues, found and delivered: the watcher's logic, shared by Discord and the console.

`check_archive` brings the index up to date with the seeds folder and records which
published issues are new (queuing one announcement per active subscription, durably).
`deliver_due` then posts every announcement that is due through a `send` callable
supplied by the caller (a Discord channel, or the console's output), classifying what
went wrong: a channel that is gone or forbidden is disabled with its reason and never
blocks the others; anything else is retried later with backoff.

Everything here that touches the index or SQLite blocks: async callers wrap it in
`asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.state import Announcement, State
from index import BuildInProgress, IndexReport, IndexStore, IssueSummary

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 15.0
MAX_RETRY_SECONDS = 1800.0


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
    sent: list[tuple[int, int]] = field(default_factory=list)  # (issue, channel)
    disabled: list[tuple[int, str]] = field(default_factory=list)  # (channel, reason)
    retrying: list[tuple[int, int, str]] = field(default_factory=list)


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
    """
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


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt, doubling from FIRST_RETRY_SECONDS up to a cap."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)


async def deliver_due(
    state: State,
    store: IndexStore,
    send: Send,
    *,
    run: Callable[..., Awaitable[object]] | None = None,
) -> DeliveryReport:
    """Post every announcement that is due; one failing channel never stops the others.

    `run(func, *args)` runs blocking calls (default: `asyncio.to_thread`).
    """
    call = run or asyncio.to_thread
    report = DeliveryReport()
    due: list[Announcement] = await call(state.due_announcements)  # type: ignore[assignment]
    summaries: dict[int, IssueSummary | None] = {}
    for announcement in due:
        number = announcement.issue_number
        if number not in summaries:
            summaries[number] = await call(store.issue, number)  # type: ignore[assignment]
        summary = summaries[number]
        if summary is None:
            # The issue left the archive before it could be announced.
            await call(
                state.drop_announcement,
                number,
                announcement.channel_id,
                "the issue is no longer in the archive",
            )
            continue
        try:
            message_id = await send(announcement, summary)
        except ChannelGone as gone:
            reason = str(gone)
            log.warning("channel %s disabled: %s", announcement.channel_id, reason)
            await call(state.disable, announcement.channel_id, reason)
            report.disabled.append((announcement.channel_id, reason))
        except TryLater as later:
            attempts = announcement.attempts + 1
            delay = retry_delay(attempts)
            log.warning(
                "announcing issue %s in channel %s failed (%s); retrying in %.0f s",
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

"""The logic of /subscribe, /unsubscribe, /subscriptions, /announce and /reindex, shared by
Discord and the console (like `bot.answers` for the archive commands).

Every function here is synchronous and may block on SQLite or the index: Discord callers
run them with `asyncio.to_thread`. Channels are named by the caller (`where`: a channel
mention on Discord, "this console" in the terminal), so the sentences are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot import answers
from bot.replies import ErrorReply, Notice, ReindexSummary, Reply, SubscriptionList

if TYPE_CHECKING:
    from bot.announcer import CheckResult
    from bot.state import State
    from index import IndexStore


def latest_hint(store: IndexStore) -> str:
    """` The latest is #12: /announce posts it now.`, or nothing for an empty archive."""
    latest = store.issue(None)
    if latest is None or latest.number is None:
        return ""
    return f" The latest is #{latest.number}; `/announce` posts an issue right away."


def subscribe(
    store: IndexStore,
    state: State,
    *,
    guild_id: int,
    channel_id: int,
    where: str,
    role_id: int | None = None,
    role: str | None = None,
    user_id: int | None = None,
) -> Notice:
    """Subscribe a channel (again: re-enable it, or change its role) and say so.

    Issues already in the archive are not posted (no back-fill); the notice says how to
    post one anyway.
    """
    before = state.subscription(channel_id)
    state.subscribe(guild_id, channel_id, role_id, user_id)
    ping = f", pinging {role}" if role else ""
    if before is None:
        text = f"Subscribed: {where} will get each new issue of BPF Updates{ping}."
    elif not before.active:
        text = (
            f"Re-enabled: {where} will get new issues again{ping} (it was disabled: "
            f"{before.disabled_reason})."
        )
    else:
        text = f"Updated: {where} gets each new issue{ping or ', without a ping'}."
    return Notice(text + " Issues already in the archive are not re-posted." + latest_hint(store))


def unsubscribe(state: State, *, channel_id: int, where: str) -> Reply:
    """Remove a channel's subscription; an ErrorReply when it had none."""
    if not state.unsubscribe(channel_id):
        where = where[:1].upper() + where[1:]
        return ErrorReply(f"{where} is not subscribed, so there is nothing to stop.")
    return Notice(f"Unsubscribed: {where} will not get new issues any more.")


def subscription_list(state: State, *, guild_id: int | None, place: str) -> SubscriptionList:
    """The subscriptions of one server (every server's when `guild_id` is None)."""
    return SubscriptionList(place=place, subscriptions=state.subscriptions(guild_id))


def queue_announcement(
    store: IndexStore, state: State, *, number: int, channel_id: int, where: str
) -> ErrorReply | None:
    """Queue issue `number` for one channel (the admin's /announce).

    Returns None when it was queued (deliver it next), or an ErrorReply: no such issue
    (with the nearest numbers), a draft, or already announced there (exactly once).
    """
    summary = store.issue(number)
    if summary is None:
        card = answers.issue_card(store, number)
        assert isinstance(card, ErrorReply)  # there is no issue `number`
        return ErrorReply(card.message)  # its suggestion is an /issue command
    if summary.draft:
        return ErrorReply(f"Issue #{number} is a draft; drafts are not announced.")
    if not state.queue_announcement(number, channel_id):
        existing = state.announcement(number, channel_id)
        pending = existing is not None and existing.state == "pending"
        status = "is already waiting to be posted" if pending else "was already announced"
        return ErrorReply(f"Issue #{number} {status} in {where}; it is posted there only once.")
    return None


def announcement_result(
    state: State,
    *,
    number: int,
    channel_id: int,
    where: str,
    link: Callable[[int], str | None] = lambda _message_id: None,
) -> Reply:
    """What became of an /announce after a delivery round: posted (with `link(message
    id)`), failed for good (the channel was disabled, with why), or will be retried."""
    announcement = state.announcement(number, channel_id)
    if announcement is None:  # pragma: no cover - queue_announcement created it
        return ErrorReply(f"Issue #{number} was not queued for {where}.")
    if announcement.state == "sent":
        url = link(announcement.message_id) if announcement.message_id else None
        return Notice(f"Announced issue #{number} in {where}" + (f": {url}" if url else "."),
                      ephemeral=True)
    if announcement.state == "dropped":
        return ErrorReply(f"I couldn't post issue #{number} in {where}: "
                          f"{announcement.last_error}.")
    return Notice(
        f"Posting issue #{number} in {where} failed for now ({announcement.last_error}); "
        "I'll keep trying with backoff.",
        ephemeral=True,
    )


def reindex_summary(state: State, result: CheckResult, *, accept: Callable[[int], bool]
                    ) -> ReindexSummary:
    """The reply to a rebuild: its report, and how many channels (those `accept` says
    this front end delivers to) get the new issues."""
    assert result.report is not None  # a rebuild always has its report
    channels = sum(
        1 for sub in state.subscriptions() if sub.active and accept(sub.channel_id)
    )
    return ReindexSummary(report=result.report, new_issues=result.new_issues, channels=channels)

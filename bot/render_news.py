"""New-issue announcements, subscription lists and reindex reports -> embeds or console text.

The companion of `bot.render` (whose helpers it uses) for the subscription and admin
replies; `bot.render.to_discord` and `to_text` hand these reply types over to here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING

import discord

from bot.render import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    DiscordMessage,
    join_within,
    quote,
    safe_url,
    shorten,
)
from bot.replies import Notice, ReindexSummary, SubscriptionList
from bot.state import CONSOLE_CHANNEL_ID

if TYPE_CHECKING:
    from bot.state import Subscription
    from index import IndexReport, IssueSummary

ANNOUNCEMENT_COLOUR = 0xF5A623
HIGHLIGHTS_LIMIT = 2500
TOP_TREES = 3
NewsReply = Notice | SubscriptionList | ReindexSummary


def _more(count: int) -> str:
    return f"… and {count} more"


def patches_line(summary: IssueSummary, escape: Callable[[str], str] = quote) -> str:
    """`169 patches, top trees: net-next (118), net (13), bpf (9)`."""
    line = f"{summary.patch_count} patch{'es' if summary.patch_count != 1 else ''}"
    if summary.top_trees:
        trees = ", ".join(f"{escape(tree)} ({count})" for tree, count in
                          summary.top_trees[:TOP_TREES])
        line += f", top trees: {trees}"
    return line


# ---------------------------------------------------------------------------- announcements


def announcement_message(
    summary: IssueSummary, url: str | None, role_id: int | None
) -> DiscordMessage:
    """A new issue for a subscribed channel: title and link, date, highlights, patches and
    top trees. The only text outside the embed is the role ping, when there is one."""
    title = summary.title or f"BPF Updates #{summary.number}"
    embed = discord.Embed(
        title=shorten(quote(title), TITLE_LIMIT), url=safe_url(url), colour=ANNOUNCEMENT_COLOUR
    )
    if summary.highlights:
        lines = [f"• {shorten(quote(text), 300)}" for text in summary.highlights]
        embed.description = shorten(
            "**Highlights**\n" + join_within(lines, HIGHLIGHTS_LIMIT, more=_more),
            DESCRIPTION_LIMIT,
        )
    elif summary.summary:
        embed.description = shorten(quote(summary.summary), 600)
    embed.add_field(name="Issue", value=f"#{summary.number}", inline=True)
    embed.add_field(
        name="Date", value=summary.date.isoformat() if summary.date else "unknown", inline=True
    )
    embed.add_field(name="Patches", value=shorten(patches_line(summary), FIELD_VALUE_LIMIT),
                    inline=False)
    embed.set_footer(text="New in BPF Updates")
    content = f"<@&{role_id}>" if role_id else None
    return DiscordMessage(content=content, embeds=[embed])


def announcement_text(summary: IssueSummary, url: str | None) -> str:
    """A new issue, as the console prints it."""
    lines = [f"New issue: {summary.title or f'#{summary.number}'}"]
    lines.append(f"#{summary.number}" + (f" ({summary.date.isoformat()})" if summary.date else ""))
    if url:
        lines.append(url)
    if summary.highlights:
        lines += ["Highlights:"] + [f"  • {text}" for text in summary.highlights]
    lines.append(patches_line(summary, escape=str))
    return "\n".join(lines)


# ---------------------------------------------------------------------------- subscriptions


def _state_of(subscription: Subscription) -> str:
    since = subscription.created_at[:10]
    if subscription.active:
        return f"active since {since}"
    when = (subscription.disabled_at or "")[:10] or "an unknown date"
    return f"disabled on {when}: {subscription.disabled_reason or 'no reason recorded'}"


def subscriptions_message(reply: SubscriptionList) -> DiscordMessage:
    """The server's subscriptions, one line each: channel, role, state (with why)."""
    if not reply.subscriptions:
        return DiscordMessage(
            content=f"No channel in {quote(reply.place)} is subscribed yet; "
            "`/subscribe` sets one up.",
            ephemeral=reply.ephemeral,
        )
    lines = []
    for subscription in reply.subscriptions:
        line = f"<#{subscription.channel_id}>"
        if subscription.role_id:
            line += f" · pings <@&{subscription.role_id}>"
        state = quote(_state_of(subscription))
        line += f" · {state}" if subscription.active else f" · **{state}**"
        lines.append(line)
    embed = discord.Embed(
        title=shorten(f"Subscriptions in {quote(reply.place)}", TITLE_LIMIT),
        description=join_within(lines, DESCRIPTION_LIMIT - 200, more=_more),
        colour=ANNOUNCEMENT_COLOUR,
    )
    if any(not subscription.active for subscription in reply.subscriptions):
        embed.set_footer(text="Run /subscribe in a disabled channel to re-enable it.")
    return DiscordMessage(embeds=[embed], ephemeral=reply.ephemeral)


def subscriptions_text(reply: SubscriptionList) -> str:
    """The subscriptions as console text (the console itself shows as "this console")."""
    if not reply.subscriptions:
        return f"Nothing is subscribed in {reply.place} yet; /subscribe sets it up."
    lines = [f"Subscriptions in {reply.place} ({len(reply.subscriptions)}):"]
    for subscription in reply.subscriptions:
        if subscription.channel_id == CONSOLE_CHANNEL_ID:
            name = "this console"
        else:
            name = f"channel {subscription.channel_id} (server {subscription.guild_id})"
        role = f", pinging role {subscription.role_id}" if subscription.role_id else ""
        lines.append(f"  {name}{role}: {_state_of(subscription)}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- reindex


def file_name(source: str) -> str:
    """The file name of a report's `source` path (the folder is always the seeds)."""
    return PurePath(source).name or source


def warning_lines(report: IndexReport, escape: Callable[[str], str] = str) -> list[str]:
    """`001_x.txt: message` for every warning and unreadable file, by file name."""
    lines = []
    for warning in report.warnings:
        source, sep, message = warning.partition(": ")
        lines.append(escape(f"{file_name(source)}: {message}" if sep else warning))
    lines += [escape(f"{file_name(error.source)}: unreadable, {error.reason}")
              for error in report.errors]
    return lines


def _issues(summaries: Sequence[IssueSummary], escape: Callable[[str], str]) -> list[str]:
    return [f"#{summary.number} {escape(summary.title)}" if summary.number is not None
            else escape(summary.title) for summary in summaries]


def reindex_lines(
    reply: ReindexSummary, escape: Callable[[str], str] = str
) -> tuple[str, list[tuple[str, list[str]]], str]:
    """(headline, [(heading, lines)], what will be announced): the parts of both
    renderings, archive text passed through `escape`."""
    report = reply.report
    headline = (
        f"Rebuilt the index in {report.seconds:.2f} s: {report.issues} issues, "
        f"{report.documents} documents."
    )
    parts = [
        ("Added", _issues(report.added, escape)),
        ("Changed", _issues(report.changed, escape)),
        ("Removed", [f"#{number}" for number in report.removed]),
        ("Warnings", warning_lines(report, escape)),
    ]
    if not (report.added or report.changed or report.removed):
        headline += " No issue was added, changed or removed."
    if reply.new_issues:
        numbers = ", ".join(f"#{number}" for number in reply.new_issues)
        plural = "s" if reply.channels != 1 else ""
        announcing = f"Announcing {numbers} to {reply.channels} subscribed channel{plural}."
    else:
        announcing = "Nothing new to announce."
    return headline, [(name, lines) for name, lines in parts if lines], announcing


def reindex_message(reply: ReindexSummary) -> DiscordMessage:
    """The reindex diff as an embed: one field per kind of change, warnings by file."""
    headline, parts, announcing = reindex_lines(reply, quote)
    embed = discord.Embed(title="Reindex done", description=headline, colour=0x4A90E2)
    for name, lines in parts:
        value = join_within(lines, 900, more=_more)
        embed.add_field(name=f"{name} ({len(lines)})", value=value, inline=False)
    embed.set_footer(text=announcing)
    return DiscordMessage(embeds=[embed], ephemeral=reply.ephemeral)


def reindex_text(reply: ReindexSummary) -> str:
    """The reindex diff as console text."""
    headline, parts, announcing = reindex_lines(reply)
    lines = [headline]
    for name, items in parts:
        lines.append(f"{name} ({len(items)}):")
        lines += [f"  {item}" for item in items]
    lines.append(announcing)
    return "\n".join(lines)


# ---------------------------------------------------------------------------- dispatch


def news_to_discord(reply: NewsReply) -> DiscordMessage:
    """Any of this module's reply types as a Discord message."""
    if isinstance(reply, Notice):
        return DiscordMessage(content=shorten(reply.message, CONTENT_LIMIT),
                              ephemeral=reply.ephemeral)
    if isinstance(reply, SubscriptionList):
        return subscriptions_message(reply)
    if isinstance(reply, ReindexSummary):
        return reindex_message(reply)
    raise TypeError(f"cannot render {type(reply).__name__}")


def news_to_text(reply: NewsReply) -> str:
    """Any of this module's reply types as console text."""
    if isinstance(reply, Notice):
        return reply.message
    if isinstance(reply, SubscriptionList):
        return subscriptions_text(reply)
    if isinstance(reply, ReindexSummary):
        return reindex_text(reply)
    raise TypeError(f"cannot render {type(reply).__name__}")

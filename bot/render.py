"""Reply objects -> Discord messages (embeds) or console text, always within Discord's limits.

Everything quoted from the archive or typed by a user is escaped (markdown and mentions)
before it reaches Discord; the bot also sends every message with
`AllowedMentions.none()`, so an `@everyone` in a patch subject never pings anyone.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.replies import (
    ErrorReply,
    HelpReply,
    IssueCard,
    NoResults,
    Reply,
    ResultPages,
    StatsReply,
)
from index import mark_snippet

if TYPE_CHECKING:
    from index import Hit

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_COUNT_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
URL_LIMIT = 2048

SNIPPET_LIMIT = 400  # raw characters of a hit's snippet shown
PART_LINE_LIMIT = 160
NAME_LIMIT = 100  # author names, trees, section names shown on a hit
HIT_FOOTER_LIMIT = 200

KIND_LABELS = {
    "patch": "Patch",
    "llvm-commit": "LLVM commit",
    "report": "Report",
    "talk": "Talk",
    "slides": "Slides",
    "video": "Video",
    "article": "Article",
    "project": "Project",
    "note": "Note",
    "section": "Section",
    "commit": "Commit",
    "issue": "Issue",
}
KIND_COLOURS = {
    "patch": 0xF5A623,
    "llvm-commit": 0x7B68EE,
    "commit": 0x7B68EE,
    "talk": 0x4A90E2,
    "slides": 0x4A90E2,
    "video": 0xD0021B,
    "article": 0x50E3C2,
    "project": 0x7ED321,
}
DEFAULT_COLOUR = 0x9B9B9B
PATCH_LIKE = frozenset({"patch", "llvm-commit", "report"})
SCOPE_LABELS = {"everything": "everything", "patches": "patches", "topics": "topics"}


@dataclass
class DiscordMessage:
    """What to send: content, embeds, an optional attached file, and whether only the
    invoker sees it. `files()` makes fresh `discord.File` objects (each can be sent once)."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    attachment: tuple[str, bytes] | None = None
    ephemeral: bool = False

    def files(self) -> list[discord.File]:
        """The attachment as a list of `discord.File` (empty when there is none)."""
        if self.attachment is None:
            return []
        name, data = self.attachment
        return [discord.File(io.BytesIO(data), filename=name)]


# ---------------------------------------------------------------------------- text helpers


def shorten(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """`text` cut to at most `limit` characters, ending in `ellipsis` when it was cut."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return text[:limit]
    cut = text[: limit - len(ellipsis)].rstrip()
    if cut.endswith("\\") and not cut.endswith("\\\\"):  # never leave half an escape
        cut = cut[:-1]
    return cut + ellipsis


def quote(text: str) -> str:
    """Archive or user text made inert for Discord: markdown and mentions escaped."""
    return escape_mentions(escape_markdown(text))


def echo(text: str, limit: int = 200) -> str:
    """A user's query quoted back in a message: escaped, single line, shortened."""
    return quote(shorten(" ".join(text.split()), limit))


def safe_url(url: str | None) -> str | None:
    """`url` if Discord will accept it as a link (absolute http/https, no spaces), else None."""
    if not url or len(url) > URL_LIMIT or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url


def link(label: str, url: str | None, *, escape: bool = True) -> str:
    """A markdown link `[label](url)` (`label` escaped unless `escape` is False, for labels
    the bot wrote itself); just the label when there is no usable url."""
    if escape:
        label = quote(label).replace("[", "\\[").replace("]", "\\]")
    target = safe_url(url)
    if target is None:
        return label
    return f"[{label}]({target.replace('(', '%28').replace(')', '%29')})"


def marked_snippet(snippet: str, *, limit: int = SNIPPET_LIMIT, markup: str = "**") -> str:
    """A hit's snippet shortened to `limit` raw characters, matches marked with `markup`,
    the rest escaped for Discord (or left as is when `markup` is not markdown)."""
    raw = " ".join(snippet.split())
    if len(raw) > limit:
        raw = raw[: limit - 1]
        if raw.rfind("\x02") > raw.rfind("\x03"):
            raw += "\x03"
        raw += "…"
    if markup == "**":
        return mark_snippet(raw, open="**", close="**", escape=quote)
    return mark_snippet(raw, open=markup, close=markup, escape=lambda text: text)


def join_within(lines: Sequence[str], limit: int, *, more: Callable[[int], str]) -> str:
    """Lines joined by newlines, as many as fit in `limit` (counting a closing `more(n)`
    note that says how many were left out)."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        remaining = len(lines) - index - 1
        reserve = len(more(remaining)) + 1 if remaining else 0
        cost = len(line) + (1 if kept else 0)
        if used + cost + reserve > limit:
            note = more(len(lines) - index)
            if used + len(note) + (1 if kept else 0) <= limit:
                kept.append(note)
            break
        kept.append(line)
        used += cost
    return "\n".join(kept)


def issue_label(number: int | None, date: dt.date | None) -> str:
    """`#12 (2017-10-25)`, or whatever part of it is known."""
    label = f"#{number}" if number is not None else "unnumbered issue"
    return f"{label} ({date.isoformat()})" if date else label


def patch_tag(hit: Hit) -> str:
    """`net-next · v2 · RFC · 3/7`: the patch's tree, version, RFC flag and position."""
    parts = []
    if hit.tree:
        parts.append(shorten(hit.tree, 60))
    if hit.version:
        parts.append(f"v{hit.version}")
    if hit.rfc:
        parts.append("RFC")
    if hit.part is not None and hit.total:
        parts.append(f"{hit.part}/{hit.total}")
    return " · ".join(parts)


# ---------------------------------------------------------------------------- embeds


def hit_embed(hit: Hit, *, description_limit: int = DESCRIPTION_LIMIT) -> discord.Embed:
    """One search hit: linked title, author, issue and date, tree/version, highlighted
    snippet, a series' parts and its versions in other issues."""
    embed = discord.Embed(
        title=shorten(quote(hit.title or "(untitled)"), TITLE_LIMIT),
        url=safe_url(hit.url),
        colour=KIND_COLOURS.get(hit.kind, DEFAULT_COLOUR),
    )
    if hit.author:
        embed.set_author(name=shorten(hit.author, NAME_LIMIT))
    embed.add_field(name="Issue", value=issue_label(hit.issue, hit.date), inline=True)
    tag = patch_tag(hit)
    if hit.kind in PATCH_LIKE and tag:
        embed.add_field(name="Tree", value=shorten(quote(tag), NAME_LIMIT), inline=True)
    kind = KIND_LABELS.get(hit.kind, hit.kind.title())
    section = shorten(hit.section, NAME_LIMIT) if hit.section else ""
    embed.set_footer(text=shorten(" · ".join(filter(None, [kind, section])), HIT_FOOTER_LIMIT))
    embed.description = hit_description(hit, description_limit)
    return embed


def hit_description(hit: Hit, limit: int) -> str:
    """The body of a hit's embed within `limit`: snippet, then series parts and versions."""
    limit = min(limit, DESCRIPTION_LIMIT)
    blocks: list[str] = []
    used = 0
    if hit.snippet:
        snippet = marked_snippet(hit.snippet, limit=min(SNIPPET_LIMIT, max(limit - 4, 0)))
        snippet = shorten(snippet, limit)
        blocks.append(snippet)
        used += len(snippet)
    if hit.versions:
        versions = " · ".join(
            link(
                f"#{v.issue}" + (f" v{v.version}" if v.version else "") + (" RFC" if v.rfc else ""),
                v.url,
                escape=False,
            )
            for v in hit.versions
        )
        line = shorten("**Other versions:** " + versions, max(limit - used - 2, 0))
        if line and len(line) > 20:
            blocks.append(line)
            used += len(line) + 2
    if hit.parts:
        heading = f"**Series parts** ({len(hit.parts)}):"
        room = limit - used - len(heading) - 3
        if room > 40:
            lines = []
            for part in hit.parts:
                position = f"{part.part}/{part.total}" if part.part is not None else "·"
                title = shorten(part.title, PART_LINE_LIMIT)
                lines.append(f"`{position}` {link(title, part.url)}")
            body = join_within(lines, room, more=lambda n: f"… and {n} more")
            if body:
                # versions read better after the parts: keep parts right below the snippet
                blocks.insert(1 if hit.snippet else 0, heading + "\n" + body)
    return shorten("\n\n".join(blocks), limit)


def fit_total(embeds: list[discord.Embed], rebuild: Callable[[int, int], discord.Embed],
              total_limit: int = EMBED_TOTAL_LIMIT) -> list[discord.Embed]:
    """Rebuild embeds with smaller descriptions until all of them fit `total_limit` together.

    `rebuild(index, description_limit)` makes embed `index` again with a shorter body.
    The budget is shared fairly: short descriptions keep their length, long ones share
    what is left.
    """
    if sum(len(embed) for embed in embeds) <= total_limit:
        return embeds
    fixed = [len(embed) - len(embed.description or "") for embed in embeds]
    budget = total_limit - sum(fixed)
    lengths = sorted(
        (len(embed.description or ""), index) for index, embed in enumerate(embeds)
    )
    limits = [0] * len(embeds)
    remaining = max(budget, 0)
    for position, (length, index) in enumerate(lengths):
        share = remaining // (len(lengths) - position)
        limits[index] = min(length, share)
        remaining -= limits[index]
    fitted = [
        rebuild(index, limits[index]) if limits[index] < len(embed.description or "") else embed
        for index, embed in enumerate(embeds)
    ]
    # a rebuild may land a few characters under or over its limit; trim the last one
    excess = sum(len(embed) for embed in fitted) - total_limit
    for embed in reversed(fitted):
        if excess <= 0:
            break
        description = embed.description or ""
        cut = min(excess, len(description))
        embed.description = shorten(description, len(description) - cut) or None
        excess -= cut
    return fitted


def results_message(reply: ResultPages, page: int) -> DiscordMessage:
    """Page `page` (0-based) of search results: a header line and one embed per hit."""
    page = min(max(page, 0), reply.page_count - 1)
    hits = reply.page(page)[:EMBEDS_PER_MESSAGE]
    embeds = [hit_embed(hit) for hit in hits]
    embeds = fit_total(embeds, lambda index, limit: hit_embed(hits[index], description_limit=limit))
    return DiscordMessage(content=results_header(reply, page), embeds=embeds)


def count_phrase(reply: ResultPages, *, bold: str) -> str:
    """`**4** results (26 matching entries)`; `**812** matching entries` while more
    results remain to be fetched."""
    shown = len(reply.hits)
    if reply.truncated:
        return f"{bold}{max(reply.total, shown)}{bold} matching entries"
    phrase = f"{bold}{shown}{bold} result{'s' if shown != 1 else ''}"
    if reply.total > shown:
        phrase += f" ({reply.total} matching entries)"
    return phrase


def results_header(reply: ResultPages, page: int) -> str:
    """`**12** results for “sockmap” in patches (author: X) · page 1/3`, escaped and short."""
    count = count_phrase(reply, bold="**")
    filters = ", ".join(f"{name}: {echo(value, 80)}" for name, value in reply.filters)
    scope = SCOPE_LABELS.get(reply.scope, reply.scope)
    header = f"{count} for “{echo(reply.query, 300)}” in {scope}"
    if filters:
        header += f" ({filters})"
    if reply.page_count > 1 or reply.truncated:
        header += f" · page {page_label(reply, page)}"
    return shorten(header, CONTENT_LIMIT)


def page_label(reply: ResultPages, page: int) -> str:
    """`2/4`, or `2/4+` while more pages can still be fetched."""
    return f"{page + 1}/{reply.page_count}{'+' if reply.truncated else ''}"


def issue_message(card: IssueCard) -> DiscordMessage:
    """An issue card: title and link, date, highlights, section counts, patches, top trees."""
    summary = card.summary
    title = summary.title or (f"Issue #{summary.number}" if summary.number else "Issue")
    embed = discord.Embed(
        title=shorten(quote(title), TITLE_LIMIT), url=safe_url(card.url), colour=0xF5A623
    )
    if summary.author:
        embed.set_author(name=shorten(summary.author, AUTHOR_LIMIT))
    blocks = []
    if summary.summary:
        blocks.append(shorten(quote(summary.summary), 600))
    if summary.highlights:
        lines = [f"• {shorten(quote(h), 300)}" for h in summary.highlights]
        blocks.append(
            "**Highlights**\n" + join_within(lines, 2500, more=lambda n: f"… and {n} more")
        )
    embed.description = shorten("\n\n".join(blocks), DESCRIPTION_LIMIT) or None
    embed.add_field(
        name="Issue", value=f"#{summary.number}" if summary.number is not None else "—", inline=True
    )
    embed.add_field(
        name="Date", value=summary.date.isoformat() if summary.date else "unknown", inline=True
    )
    embed.add_field(name="Patches", value=str(summary.patch_count), inline=True)
    if summary.section_counts:
        lines = [f"{quote(name)}: {count}" for name, count in summary.section_counts]
        embed.add_field(
            name="Items per section",
            value=join_within(lines, FIELD_VALUE_LIMIT, more=lambda n: f"… and {n} more"),
            inline=False,
        )
    if summary.top_trees:
        embed.add_field(
            name="Top trees", value=counted(summary.top_trees, FIELD_VALUE_LIMIT), inline=True
        )
    if summary.top_authors:
        embed.add_field(
            name="Top authors", value=counted(summary.top_authors, FIELD_VALUE_LIMIT), inline=True
        )
    footer = "BPF Updates"
    if summary.draft:
        footer += " · draft"
    if not card.url:
        footer += " · no public link configured"
    embed.set_footer(text=footer)
    return DiscordMessage(embeds=fit_total([embed], lambda _i, limit: _shrink(embed, limit)))


def _shrink(embed: discord.Embed, limit: int) -> discord.Embed:
    embed.description = shorten(embed.description or "", limit) or None
    return embed


def counted(pairs: Iterable[tuple[str, int]], limit: int, *, top: int = 10) -> str:
    """`net-next (30) · net (5)` for the first `top` pairs, escaped, within `limit`."""
    lines = [f"{quote(str(name))} ({count})" for name, count in list(pairs)[:top]]
    return join_within(lines, limit, more=lambda n: f"… and {n} more") or "—"


def stats_message(reply: StatsReply) -> DiscordMessage:
    """The archive at a glance, with the chart attached and shown as the embed's image."""
    stats = reply.stats
    embed = discord.Embed(title="BPF Updates archive", colour=0xF5A623)
    embed.description = (
        f"**{stats.issues}** issues · **{stats.patches}** patches · "
        f"**{stats.documents}** searchable entries"
    )
    if stats.by_author:
        embed.add_field(name="Top authors", value=counted(stats.by_author, FIELD_VALUE_LIMIT))
    if stats.by_tree:
        embed.add_field(name="Top trees", value=counted(stats.by_tree, FIELD_VALUE_LIMIT))
    if stats.by_kind:
        labelled = [(KIND_LABELS.get(kind, kind), count) for kind, count in stats.by_kind]
        embed.add_field(name="Entries by kind", value=counted(labelled, FIELD_VALUE_LIMIT, top=12))
    if stats.patches_per_issue:
        embed.add_field(
            name="Patches per issue",
            value=per_issue_summary(stats.patches_per_issue),
            inline=False,
        )
    attachment = None
    if reply.chart_png:
        attachment = (reply.chart_name, reply.chart_png)
        embed.set_image(url=f"attachment://{reply.chart_name}")
    return DiscordMessage(embeds=[embed], attachment=attachment)


def per_issue_summary(per_issue: Sequence[tuple[int, int]]) -> str:
    """`median 31 · busiest #5 (62) · quietest #1 (20)` for (issue, patches) pairs."""
    counts = [count for _, count in per_issue]
    busiest = max(per_issue, key=lambda pair: pair[1])
    quietest = min(per_issue, key=lambda pair: pair[1])
    return (
        f"median {statistics.median(counts):g} · busiest #{busiest[0]} ({busiest[1]}) · "
        f"quietest #{quietest[0]} ({quietest[1]})"
    )


def help_message(reply: HelpReply) -> DiscordMessage:
    """Two embeds: the commands with examples, and the query language."""
    commands = discord.Embed(title="BPF Updates bot", colour=0xF5A623)
    commands.description = join_within(
        [f"**{escape_markdown(name)}** — {text}" for name, text in reply.commands],
        DESCRIPTION_LIMIT,
        more=lambda n: f"… and {n} more",
    )
    commands.add_field(
        name="Try",
        value=join_within(
            [f"`/search {query}` — {text}" for query, text in reply.examples],
            FIELD_VALUE_LIMIT,
            more=lambda n: f"… and {n} more",
        ),
        inline=False,
    )
    language = discord.Embed(title="Query language", colour=0x4A90E2)
    language.description = code_block(reply.query_help, DESCRIPTION_LIMIT)
    embeds = [commands, language]
    return DiscordMessage(
        embeds=fit_total(
            embeds,
            lambda index, limit: _shrink(embeds[index], limit)
            if index == 0
            else _code(embeds[index], reply.query_help, limit),
        ),
        ephemeral=reply.ephemeral,
    )


def code_block(text: str, limit: int) -> str:
    """`text` in a ``` block within `limit` characters (backticks inside made harmless)."""
    body = text.strip().replace("```", "ˋˋˋ")
    return "```\n" + shorten(body, max(limit - 8, 0)) + "\n```"


def _code(embed: discord.Embed, text: str, limit: int) -> discord.Embed:
    embed.description = code_block(text, limit)
    return embed


def no_results_text(reply: NoResults, *, command: str = "/search", markdown: bool = True) -> str:
    """`Nothing found for “x” in patches. Did you mean “y”?` (escaped when `markdown`)."""
    show = (lambda text, limit=300: echo(text, limit)) if markdown else (
        lambda text, limit=300: shorten(" ".join(text.split()), limit)
    )
    scope = SCOPE_LABELS.get(reply.scope, reply.scope)
    text = f"Nothing found for “{show(reply.query)}” in {scope}."
    if reply.hint:
        text += " " + show(reply.hint, 300)
    if reply.did_you_mean:
        suggestion = shorten(" ".join(reply.did_you_mean.split()), 300)
        code = suggestion.replace("`", "ˋ")
        text += f" Did you mean “{show(suggestion)}”? Try `{command} {code}`."
    return shorten(text, CONTENT_LIMIT)


def error_text(reply: ErrorReply, *, markdown: bool = True) -> str:
    """The error message, plus the suggestion when there is one."""
    message = reply.message if not markdown else escape_mentions(reply.message)
    text = message
    if reply.did_you_mean:
        text += f"\nDid you mean `{reply.did_you_mean.replace('`', 'ˋ')}`?"
    return shorten(text, CONTENT_LIMIT)


SCOPE_COMMANDS = {"everything": "/search", "patches": "/patches", "topics": "/topics"}


def to_discord(reply: Reply, page: int = 0) -> DiscordMessage:
    """Any reply as a Discord message (page `page` for paged results)."""
    if isinstance(reply, ResultPages):
        return results_message(reply, page)
    if isinstance(reply, IssueCard):
        return issue_message(reply)
    if isinstance(reply, StatsReply):
        return stats_message(reply)
    if isinstance(reply, HelpReply):
        return help_message(reply)
    if isinstance(reply, NoResults):
        return DiscordMessage(
            content=no_results_text(reply, command=SCOPE_COMMANDS.get(reply.scope, "/search")),
            ephemeral=True,
        )
    if isinstance(reply, ErrorReply):
        return DiscordMessage(content=error_text(reply), ephemeral=True)
    # Subscription and admin replies live in their own module, which builds on this one
    # (so it is imported here, when first needed, rather than at the top).
    from bot.render_news import news_to_discord

    return news_to_discord(reply)


# ---------------------------------------------------------------------------- console text

def to_text(reply: Reply, page: int = 0, *, chart_path: str | None = None) -> str:
    """Any reply as plain text for the console (`chart_path`: where /stats saved its chart)."""
    if isinstance(reply, ResultPages):
        return results_text(reply, page)
    if isinstance(reply, IssueCard):
        return issue_text(reply)
    if isinstance(reply, StatsReply):
        return stats_text(reply, chart_path)
    if isinstance(reply, HelpReply):
        return help_text(reply)
    if isinstance(reply, NoResults):
        return no_results_text(
            reply, command=SCOPE_COMMANDS.get(reply.scope, "/search"), markdown=False
        )
    if isinstance(reply, ErrorReply):
        return error_text(reply, markdown=False)
    from bot.render_news import news_to_text  # see to_discord

    return news_to_text(reply)


def results_text(reply: ResultPages, page: int) -> str:
    """A page of results as numbered plain-text entries."""
    page = min(max(page, 0), reply.page_count - 1)
    header = count_phrase(reply, bold="")
    header += f" for “{reply.query}” in {SCOPE_LABELS.get(reply.scope, reply.scope)}"
    if reply.filters:
        header += " (" + ", ".join(f"{name}: {value}" for name, value in reply.filters) + ")"
    header += f" — page {page_label(reply, page)}"
    lines = [header]
    first = page * reply.page_size
    for offset, hit in enumerate(reply.page(page)):
        lines.append("")
        kind = KIND_LABELS.get(hit.kind, hit.kind)
        lines.append(f"{first + offset + 1:>3}. [{kind}] {hit.title}")
        meta = [issue_label(hit.issue, hit.date)]
        if hit.author:
            meta.append(hit.author)
        tag = patch_tag(hit)
        if hit.kind in PATCH_LIKE and tag:
            meta.append(tag)
        if hit.section:
            meta.append(hit.section)
        lines.append("     " + " · ".join(meta))
        if hit.url:
            lines.append(f"     {hit.url}")
        if hit.snippet:
            lines.append("     " + marked_snippet(hit.snippet, limit=300, markup="*"))
        if hit.parts:
            lines.append(f"     series parts ({len(hit.parts)}):")
            for part in hit.parts[:5]:
                position = f"{part.part}/{part.total}" if part.part is not None else "-"
                lines.append(f"       {position} {part.title}")
            if len(hit.parts) > 5:
                lines.append(f"       … and {len(hit.parts) - 5} more")
        if hit.versions:
            versions = ", ".join(
                f"#{v.issue}" + (f" v{v.version}" if v.version else "") for v in hit.versions
            )
            lines.append(f"     other versions: {versions}")
    if reply.page_count > 1 or reply.truncated:
        lines.append("")
        lines.append("(/next or n, /prev or p to turn pages)")
    return "\n".join(lines)


def issue_text(card: IssueCard) -> str:
    """An issue card as plain text."""
    summary = card.summary
    lines = [summary.title or f"Issue #{summary.number}"]
    meta = [issue_label(summary.number, summary.date)]
    if summary.author:
        meta.append(summary.author)
    if summary.draft:
        meta.append("draft")
    lines.append(" · ".join(meta))
    if card.url:
        lines.append(card.url)
    if summary.summary:
        lines += ["", summary.summary]
    if summary.highlights:
        lines += ["", "Highlights:"] + [f"  • {h}" for h in summary.highlights]
    if summary.section_counts:
        lines += ["", "Items per section:"]
        lines += [f"  {name}: {count}" for name, count in summary.section_counts]
    lines += ["", f"Patches: {summary.patch_count}"]
    if summary.top_trees:
        lines.append("Top trees: " + ", ".join(f"{t} ({n})" for t, n in summary.top_trees[:10]))
    if summary.top_authors:
        lines.append(
            "Top authors: " + ", ".join(f"{a} ({n})" for a, n in summary.top_authors[:10])
        )
    return "\n".join(lines)


def stats_text(reply: StatsReply, chart_path: str | None) -> str:
    """Archive statistics as plain text, with the chart's path when it was saved."""
    stats = reply.stats
    lines = [
        "BPF Updates archive",
        f"{stats.issues} issues · {stats.patches} patches · {stats.documents} searchable entries",
    ]
    if stats.by_author:
        lines += ["", "Top authors:"] + [f"  {a} ({n})" for a, n in stats.by_author[:10]]
    if stats.by_tree:
        lines += ["", "Top trees:"] + [f"  {t} ({n})" for t, n in stats.by_tree[:10]]
    if stats.by_kind:
        lines += ["", "Entries by kind:"]
        lines += [f"  {KIND_LABELS.get(k, k)} ({n})" for k, n in stats.by_kind]
    if stats.patches_per_issue:
        lines += ["", "Patches per issue: " + per_issue_summary(stats.patches_per_issue)]
        lines += [f"  #{number}: {count}" for number, count in stats.patches_per_issue]
    if chart_path:
        lines += ["", f"Chart saved to {chart_path}"]
    return "\n".join(lines)


def help_text(reply: HelpReply) -> str:
    """The help as plain text, console commands included."""
    lines = ["Commands:"]
    lines += [f"  {name:<42} {text}" for name, text in reply.commands if not name.startswith("@")]
    lines += [
        "  /next (n), /prev (p)                       turn the pages of the last results",
        "  /quit                                      leave (or end the input)",
        "",
        "Examples:",
    ]
    lines += [f"  /search {query:<34} {text}" for query, text in reply.examples]
    lines += ["", "Query language:", reply.query_help.strip()]
    return "\n".join(lines)


def check_message_limits(message: DiscordMessage) -> list[str]:
    """Every way `message` breaks Discord's limits (empty when it is fine); used by tests."""
    problems = []
    if message.content and len(message.content) > CONTENT_LIMIT:
        problems.append(f"content has {len(message.content)} characters")
    if len(message.embeds) > EMBEDS_PER_MESSAGE:
        problems.append(f"{len(message.embeds)} embeds")
    total = 0
    for position, embed in enumerate(message.embeds):
        payload = embed.to_dict()
        total += len(embed)
        for key, limit in (("title", TITLE_LIMIT), ("description", DESCRIPTION_LIMIT)):
            if len(payload.get(key, "")) > limit:
                problems.append(f"embed {position} {key} has {len(payload[key])} characters")
        fields = payload.get("fields", [])
        if len(fields) > FIELD_COUNT_LIMIT:
            problems.append(f"embed {position} has {len(fields)} fields")
        for item in fields:
            if len(item["name"]) > FIELD_NAME_LIMIT or len(item["value"]) > FIELD_VALUE_LIMIT:
                problems.append(f"embed {position} field {item['name'][:30]!r} too long")
            if not item["value"].strip() or not item["name"].strip():
                problems.append(f"embed {position} has an empty field")
        if len(payload.get("footer", {}).get("text", "")) > FOOTER_LIMIT:
            problems.append(f"embed {position} footer too long")
        if len(payload.get("author", {}).get("name", "")) > AUTHOR_LIMIT:
            problems.append(f"embed {position} author too long")
    if total > EMBED_TOTAL_LIMIT:
        problems.append(f"embeds hold {total} characters together")
    return problems

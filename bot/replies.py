"""Neutral reply objects: what a command answers, before it becomes embeds or text.

`bot.commands` builds these from the index; `bot.render` turns them into Discord
messages or console text. None of them knows about Discord.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.state import Subscription
    from index import ArchiveStats, Hit, IndexReport, IssueSummary


@dataclass(frozen=True)
class SearchRequest:
    """What was asked, so that more results can be fetched when the pages run out."""

    query: str
    scope: str = "everything"
    author: str | None = None
    tree: str | None = None
    issue: int | None = None
    limit: int = 10


@dataclass
class ResultPages:
    """Search hits split into pages. `total` counts every matching index entry (a series'
    parts included), `hits` are the results shown (parts folded under their cover)."""

    query: str
    scope: str  # "everything", "patches" or "topics"
    total: int
    hits: list[Hit]
    page_size: int = 5
    filters: list[tuple[str, str]] = field(default_factory=list)  # ("author", "Daniel Borkmann")
    truncated: bool = False  # the index may hold more results than were fetched
    request: SearchRequest | None = None
    ephemeral: bool = False

    @property
    def page_count(self) -> int:
        """How many pages the hits fill (at least one)."""
        return max(1, -(-len(self.hits) // self.page_size))

    def page(self, index: int) -> list[Hit]:
        """The hits on page `index` (0-based, clamped to the valid range)."""
        index = min(max(index, 0), self.page_count - 1)
        return self.hits[index * self.page_size : (index + 1) * self.page_size]


@dataclass
class IssueCard:
    """One issue at a glance; `url` is its public link when the base URL is configured."""

    summary: IssueSummary
    url: str | None = None
    ephemeral: bool = False


@dataclass
class StatsReply:
    """Archive statistics, with a PNG chart of patches per issue when one could be drawn."""

    stats: ArchiveStats
    chart_png: bytes | None = None
    chart_name: str = "patches-per-issue.png"
    ephemeral: bool = False


@dataclass
class HelpReply:
    """The command list, the query language and examples known to work on the archive."""

    commands: list[tuple[str, str]]
    query_help: str
    examples: list[tuple[str, str]]
    ephemeral: bool = True


@dataclass
class NoResults:
    """Nothing matched `query`; `did_you_mean` is a query that would match, if any."""

    query: str
    scope: str
    did_you_mean: str | None = None
    hint: str | None = None
    ephemeral: bool = True


@dataclass
class ErrorReply:
    """A problem the user can fix (a malformed query, an unknown issue), said kindly."""

    message: str
    did_you_mean: str | None = None
    ephemeral: bool = True


@dataclass
class Notice:
    """A confirmation or a piece of news in a sentence or two (subscribed, announced...)."""

    message: str
    ephemeral: bool = False


@dataclass
class SubscriptionList:
    """The subscriptions of one server (`place` names it), each with its state."""

    place: str
    subscriptions: list[Subscription]
    ephemeral: bool = True


@dataclass
class ReindexSummary:
    """What a rebuild changed (the index's own report) and what will be announced:
    `new_issues` go to `channels` active subscriptions."""

    report: IndexReport
    new_issues: list[int]
    channels: int
    ephemeral: bool = True


Reply = (
    ResultPages | IssueCard | StatsReply | HelpReply | NoResults | ErrorReply
    | Notice | SubscriptionList | ReindexSummary
)

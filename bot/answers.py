"""The command logic shared by Discord and the console (the "answers" to commands).

Every function here is synchronous and may block on the index: Discord callers run them
with `asyncio.to_thread`, the console calls them directly. Each takes the store plus the
command's arguments and returns a neutral reply object from `bot.replies`; none of them
raises for bad user input (a malformed query, an unknown issue): that becomes an
`ErrorReply` or `NoResults`. Unexpected failures (a broken index) do raise, and the
central error handler of the caller deals with them.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.chart import patches_per_issue_png
from bot.replies import (
    ErrorReply,
    HelpReply,
    IssueCard,
    NoResults,
    Reply,
    ResultPages,
    SearchRequest,
    StatsReply,
)
from index import QUERY_HELP, QueryError

if TYPE_CHECKING:
    from bot.config import Config
    from index import IndexStore

PAGE_SIZE = 5
FIRST_LIMIT = PAGE_SIZE  # results fetched for the first answer; more when paging on
MAX_LIMIT = 100  # the index returns at most this many results per search
CHOICE_LIMIT = 25  # Discord's maximum number of autocomplete choices

# Search scopes: the name users see -> the `kind` the index filters on.
SCOPES: dict[str, str] = {"everything": "all", "patches": "patches", "topics": "topics"}

COMMANDS: list[tuple[str, str]] = [
    ("/search query", "Everything: patches, talks, slides, videos, articles, projects, sections."),
    ("/patches query [author] [tree] [issue]", "Patches only; a series shows as its cover letter."),
    ("/topics query", "Talks, slides, videos, articles and projects."),
    ("/issue [number]", "One issue at a glance (default: the latest)."),
    ("/stats", "The archive at a glance, with a chart of patches per issue."),
    ("/subscribe [channel] [role]",
     "Post each new issue in a channel, optionally pinging a role (Manage Channels)."),
    ("/unsubscribe [channel]", "Stop posting new issues in a channel (Manage Channels)."),
    ("/subscriptions", "The channels that get new issues, and their state."),
    ("/announce issue channel", "Post one issue in one channel now (Manage Server or owner)."),
    ("/reindex", "Rebuild the index from the archive, then announce what is new "
     "(Manage Server or owner)."),
    ("/help", "This help."),
    ("@mention words", "Mention the bot with some words to search everything."),
]

EXAMPLES: list[tuple[str, str]] = [
    ("sockmap", "anything about sockmap"),
    ("author:borkmann tree:net", "Daniel Borkmann's patches to the net tree"),
    ("kind:slides xdp", "slide decks about XDP"),
    ("landlock", "the Landlock LSM series and its versions"),
    ("date:2017-05..2017-06", "everything from May and June 2017"),
]


def rank_names(candidates: Sequence[str], typed: str, limit: int = CHOICE_LIMIT) -> list[str]:
    """Candidates matching `typed`, best first: exact, prefix, word prefix, substring, fuzzy.

    Within each group the candidates keep their given order (the index lists authors and
    trees most used first). An empty `typed` returns the first `limit` candidates.
    """
    needle = typed.casefold().strip()
    if not needle:
        return list(candidates[:limit])
    exact: list[str] = []
    prefix: list[str] = []
    word_prefix: list[str] = []
    substring: list[str] = []
    for name in candidates:
        folded = name.casefold()
        if folded == needle:
            exact.append(name)
        elif folded.startswith(needle):
            prefix.append(name)
        elif any(word.startswith(needle) for word in folded.replace("-", " ").split()):
            word_prefix.append(name)
        elif needle in folded:
            substring.append(name)
    ranked = exact + prefix + word_prefix + substring
    if len(ranked) < limit:
        folded_names = {name.casefold(): name for name in candidates}
        for folded in difflib.get_close_matches(needle, list(folded_names), n=limit, cutoff=0.6):
            if folded_names[folded] not in ranked:
                ranked.append(folded_names[folded])
    return ranked[:limit]


def closest_name(candidates: Sequence[str], typed: str) -> str | None:
    """The single best spelling suggestion for `typed` among `candidates`, or None."""
    ranked = rank_names(candidates, typed, limit=1)
    return ranked[0] if ranked else None


def _resolve_name(candidates: Sequence[str], typed: str | None) -> tuple[str | None, bool]:
    """(`typed` as a canonical name if it names exactly one candidate, whether it matched)."""
    if not typed or not typed.strip():
        return None, True
    typed = typed.strip()
    ranked = rank_names(candidates, typed, limit=CHOICE_LIMIT)
    folded = typed.casefold()
    for name in ranked:
        if name.casefold() == folded:
            return name, True
    partial = [
        name
        for name in ranked
        if folded in name.casefold()
        or any(word.startswith(folded) for word in name.casefold().split())
    ]
    if len(partial) == 1:
        return partial[0], True
    return typed, bool(partial)


def search(
    store: IndexStore,
    query: str,
    *,
    scope: str = "everything",
    author: str | None = None,
    tree: str | None = None,
    issue: int | None = None,
    limit: int = FIRST_LIMIT,
    page_size: int = PAGE_SIZE,
) -> Reply:
    """Search the archive; `scope` is "everything", "patches" or "topics".

    Returns `ResultPages` (at most `limit` results; `more_results` fetches further ones)
    when something matched, `NoResults` (with a suggestion when the index or the
    author/tree lists have one) when nothing did, and `ErrorReply` for a malformed query
    or an empty request. Raises `ValueError` for an unknown scope.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown search scope {scope!r}")
    text = " ".join(query.split())
    if not text:
        return ErrorReply(
            "Tell me what to look for, for example `sockmap` or `author:borkmann tree:net`."
        )
    filters: list[tuple[str, str]] = []
    author_name, author_known = _resolve_name(store.authors(), author) if author else (None, True)
    tree_name, tree_known = _resolve_name(store.trees(), tree) if tree else (None, True)
    if author_name:
        filters.append(("author", author_name))
    if tree_name:
        filters.append(("tree", tree_name))
    if issue is not None:
        filters.append(("issue", f"#{issue}"))
    try:
        result = store.search(
            text,
            kind=SCOPES[scope],
            author=author_name,
            tree=tree_name,
            issue=issue,
            limit=limit,
        )
    except QueryError as error:
        return ErrorReply(
            f"That search didn't work: {error.message}\nSee `/help` for the query syntax."
        )
    if not result.hits:
        hint = None
        if not author_known:
            suggestion = closest_name(store.authors(), author or "")
            hint = f"No author called “{author}”" + (
                f"; did you mean {suggestion}?" if suggestion else "."
            )
        elif not tree_known:
            suggestion = closest_name(store.trees(), tree or "")
            hint = f"No tree called “{tree}”" + (
                f"; did you mean {suggestion}?" if suggestion else "."
            )
        elif issue is not None and issue not in {s.number for s in store.issues()}:
            hint = f"There is no issue #{issue}."
        return NoResults(query=text, scope=scope, did_you_mean=result.did_you_mean, hint=hint)
    return ResultPages(
        query=text,
        scope=scope,
        total=result.total,
        hits=list(result.hits),
        page_size=page_size,
        filters=filters,
        truncated=len(result.hits) >= limit and limit < MAX_LIMIT,
        request=SearchRequest(text, scope, author, tree, issue, limit),
    )


def more_results(store: IndexStore, results: ResultPages) -> ResultPages:
    """`results` with more hits fetched (the same search with a larger limit).

    Returns `results` itself, marked as complete, when there is nothing more to fetch.
    """
    request = results.request
    if request is None or not results.truncated:
        return results
    limit = min(MAX_LIMIT, max(request.limit * 5 // 2, request.limit + results.page_size))
    grown = search(
        store,
        request.query,
        scope=request.scope,
        author=request.author,
        tree=request.tree,
        issue=request.issue,
        limit=limit,
        page_size=results.page_size,
    )
    if not isinstance(grown, ResultPages) or len(grown.hits) <= len(results.hits):
        results.truncated = False
        return results
    return grown


def issue_card(store: IndexStore, number: int | None, config: Config | None = None) -> Reply:
    """One issue at a glance (the latest when `number` is None).

    Returns `IssueCard`, or `ErrorReply` naming the nearest issue numbers when there is
    no issue `number` (or no issue at all).
    """
    summary = store.issue(number)
    if summary is None:
        numbers = [s.number for s in store.issues() if s.number is not None]
        if not numbers:
            return ErrorReply("The archive has no issues yet.")
        if number is None:
            return ErrorReply("I couldn't find the latest issue.")
        nearest = min(numbers, key=lambda n: (abs(n - number), n))
        return ErrorReply(
            f"There is no issue #{number}; the archive has issues #{min(numbers)} to "
            f"#{max(numbers)}.",
            did_you_mean=f"/issue {nearest}",
        )
    url = config.issue_url(summary.path) if config is not None else None
    return IssueCard(summary=summary, url=url)


def archive_stats(store: IndexStore, *, chart: bool = True) -> StatsReply:
    """The archive at a glance; with `chart`, a PNG of patches per issue (when there are any)."""
    stats = store.stats()
    png = patches_per_issue_png(stats.patches_per_issue) if chart else None
    return StatsReply(stats=stats, chart_png=png)


def help_reply() -> HelpReply:
    """The commands, the index's query language and examples that work on the archive."""
    return HelpReply(commands=list(COMMANDS), query_help=QUERY_HELP, examples=list(EXAMPLES))


def author_choices(store: IndexStore, typed: str) -> list[tuple[str, str]]:
    """Autocomplete for authors: (label, value) pairs, canonical names best first."""
    return [(name, name) for name in rank_names(store.authors(), typed)]


def tree_choices(store: IndexStore, typed: str) -> list[tuple[str, str]]:
    """Autocomplete for trees: (label, value) pairs, most used first among the matches."""
    return [(name, name) for name in rank_names(store.trees(), typed)]


def issue_choices(store: IndexStore, typed: str) -> list[tuple[str, int]]:
    """Autocomplete for issue numbers: ("#12 · BPF Updates 12 · 2017-10-25", 12), newest first.

    Typed digits match issue numbers by prefix; other text matches titles.
    """
    issues = [s for s in reversed(store.issues()) if s.number is not None]
    needle = typed.strip().lstrip("#").casefold()
    if needle.isdigit():
        exact = [s for s in issues if str(s.number) == needle]
        prefix = [s for s in issues if str(s.number).startswith(needle) and s not in exact]
        chosen = exact + prefix
    elif needle:
        chosen = [s for s in issues if needle in s.title.casefold()]
    else:
        chosen = issues
    choices = []
    for summary in chosen[:CHOICE_LIMIT]:
        label = f"#{summary.number} · {summary.title}"
        if summary.date:
            label += f" · {summary.date.isoformat()}"
        choices.append((label[:100], int(summary.number)))
    return choices

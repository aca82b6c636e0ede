"""Rendering: every reply stays inside Discord's limits, with the archive's longest real
entries and with absurd hand-built ones; text from the archive or users is made inert.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from test_bot_support import (
    SEEDS,
    limit_problems,
    store_fixture,  # noqa: F401 - the `store` fixture
)

from bot import answers
from bot.console import split_options
from bot.render import DiscordMessage, to_discord, to_text
from bot.replies import ErrorReply, IssueCard, NoResults, ResultPages, StatsReply
from index import ArchiveStats, Hit, IndexStore, IssueSummary, SeriesVersion, parse_paths


def payload(message: DiscordMessage) -> dict:
    return {"content": message.content, "embeds": [embed.to_dict() for embed in message.embeds]}


def assert_fits(message: DiscordMessage) -> None:
    problems = limit_problems(payload(message))
    assert not problems, problems


def all_pages_fit(reply: ResultPages) -> None:
    for page in range(reply.page_count):
        assert_fits(to_discord(reply, page))


STOPWORDS = {"and", "the", "for", "with", "from", "that", "this", "into", "are", "was", "not"}


def words(text: str, count: int = 6) -> str:
    """Distinctive words of a title, usable as a query (the index currently finds nothing
    for a query holding a stop word such as "and": reported to the index's owner)."""
    found = re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", text)
    return " ".join([word for word in found if word.lower() not in STOPWORDS][:count])


# -- the real archive's longest entries ------------------------------------------------------


@pytest.fixture(scope="module")
def archive():
    return parse_paths([SEEDS])


def test_longest_real_entries_render_within_limits(store: IndexStore, archive) -> None:
    patches = [patch for issue in archive.issues for patch in issue.patches]
    items = [item for issue in archive.issues for s in issue.sections for item in s.items]
    longest_subject = max(patches, key=lambda patch: len(patch.subject))
    longest_title = max(items, key=lambda item: len(item.title))
    longest_text = max(items, key=lambda item: len(item.text))
    for title, scope in (
        (longest_subject.subject, "patches"),
        (longest_title.title, "everything"),
        (longest_text.title, "topics"),
    ):
        reply = answers.search(store, words(title), scope=scope)
        assert isinstance(reply, ResultPages), (title, reply)
        assert any(words(title, 4) in words(hit.title, 40) for hit in reply.hits), title
        all_pages_fit(reply)


def test_biggest_series_renders_with_its_parts_within_limits(store: IndexStore, archive) -> None:
    issue, cover_index = max(
        ((issue, patch.parent) for issue in archive.issues for patch in issue.patches
         if patch.parent is not None),
        key=lambda pair: sum(p.parent == pair[1] for p in pair[0].patches),
    )
    cover = issue.patches[cover_index]
    reply = answers.search(store, words(cover.subject), scope="patches")
    assert isinstance(reply, ResultPages)
    hit = next(hit for hit in reply.hits if len(hit.parts) >= 10)
    message = to_discord(reply, 0)
    assert_fits(message)
    embed = next(e for e in message.embeds if e.title and e.title.startswith(hit.title[:20]))
    assert "**Series parts**" in (embed.description or "")


BROAD_QUERIES = ["bpf", "xdp", "kind:patches", "kind:sections", "net", "date:2017"]


@pytest.mark.parametrize("query", BROAD_QUERIES)
def test_every_page_of_broad_searches_fits(store: IndexStore, query: str) -> None:
    reply = answers.search(store, query)
    assert isinstance(reply, ResultPages)
    all_pages_fit(reply)


def test_every_issue_card_fits(store: IndexStore) -> None:
    for summary in store.issues():
        card = IssueCard(summary, url="https://example.org" + (summary.path or "/"))
        assert_fits(to_discord(card))


def test_stats_and_help_fit(store: IndexStore) -> None:
    assert_fits(to_discord(answers.archive_stats(store, chart=False)))
    assert_fits(to_discord(answers.help_reply()))


# -- absurd hand-built entries -------------------------------------------------------------------


def absurd_hit(number: int) -> Hit:
    long = "@everyone <@&123456789012345678> **bold** _x_ `code` " * 200
    part = Hit(kind="patch", issue=number, date=None, title=long, url="https://x.org/" + "p" * 3000,
               author=None, tree=None, version=None, part=1, total=999, rfc=False, section="",
               snippet="", score=0.0, series_key=None, parts=[], versions=[])
    return Hit(
        kind="patch", issue=number, date=dt.date(2017, 1, 1), title=long,
        url="not a url", author="A" * 1000, tree="t" * 2000, version=99, part=0, total=999,
        rfc=True, section="S" * 5000, snippet=("word \x02match\x03 " * 2000), score=1.0,
        series_key="k", parts=[part] * 500,
        versions=[SeriesVersion(issue=n, version=n, rfc=True, title=long, url="https://x.org/v")
                  for n in range(300)],
    )


def test_absurd_entries_fit_and_never_ping() -> None:
    reply = ResultPages(query="@everyone " * 500, scope="patches", total=10**6,
                        hits=[absurd_hit(n) for n in range(12)], filters=[("author", "B" * 900)],
                        truncated=True)
    for page in range(reply.page_count):
        message = to_discord(reply, page)
        assert_fits(message)
        sent = payload(message)
        text = repr(sent)
        assert "@everyone" not in text and "<@&123456789012345678>" not in text
        for embed in sent["embeds"]:
            assert "url" not in embed or embed["url"].startswith("https://")


def test_absurd_issue_card_and_stats_fit() -> None:
    summary = IssueSummary(
        number=7, title="T" * 999, date=None, author="@everyone", draft=True, path=None,
        summary="s" * 9999, highlights=["h" * 2000] * 300,
        section_counts=[("Section " * 30, n) for n in range(400)], patch_count=10**6,
        top_trees=[("tree" * 100, n) for n in range(300)],
        top_authors=[("author" * 100, n) for n in range(300)],
        source="x", content_hash="y", warnings=[],
    )
    assert_fits(to_discord(IssueCard(summary, url="https://example.org/x")))
    stats = ArchiveStats(
        issues=10**6, documents=10**7, patches=10**6,
        by_kind=[("kind" * 200, n) for n in range(100)],
        by_tree=[("tree" * 200, n) for n in range(100)],
        by_author=[("author" * 200, n) for n in range(100)],
        patches_per_issue=[(n, n * 3) for n in range(1, 5000)],
    )
    assert_fits(to_discord(StatsReply(stats)))
    assert_fits(to_discord(NoResults(query="q" * 5000, scope="everything", did_you_mean="d" * 5000,
                                     hint="h" * 5000)))
    assert_fits(to_discord(ErrorReply("e" * 5000, did_you_mean="x" * 5000)))


def test_snippets_mark_matches_and_escape_the_rest() -> None:
    hit = absurd_hit(1)
    hit.snippet = "a *star* and \x02sockmap\x03_redirect with @everyone"
    hit.parts, hit.versions = [], []
    description = to_discord(ResultPages("sockmap", "everything", 1, [hit])).embeds[0].description
    assert description == "a \\*star\\* and **sockmap**\\_redirect with @\u200beveryone"
    assert "*sockmap*" in to_text(ResultPages("sockmap", "everything", 1, [hit]))


# -- small pieces of command logic ----------------------------------------------------------------


def test_names_rank_exact_then_prefix_then_word_then_fuzzy() -> None:
    names = ["Daniel Borkmann", "Dan Carpenter", "Alexei Starovoitov", "Danielle Borkmannova"]
    assert answers.rank_names(names, "daniel borkmann")[0] == "Daniel Borkmann"
    assert answers.rank_names(names, "dan")[:3] == [
        "Daniel Borkmann", "Dan Carpenter", "Danielle Borkmannova"
    ]
    assert answers.rank_names(names, "borkmann") == ["Daniel Borkmann", "Danielle Borkmannova"]
    assert answers.rank_names(names, "starovoitv") == ["Alexei Starovoitov"]
    assert answers.rank_names(names, "") == names
    assert answers.rank_names(names, "zzz") == []


def test_console_options_are_split_from_the_query() -> None:
    assert split_options('"generic xdp" --author "Daniel Borkmann" --tree=net-next --issue 12') == (
        '"generic xdp"', {"author": "Daniel Borkmann", "tree": "net-next", "issue": "12"}
    )
    assert split_options("author:borkmann") == ("author:borkmann", {})


def test_seeds_dir_exists() -> None:
    assert Path(SEEDS).is_dir()

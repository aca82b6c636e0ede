"""Relevance and query-language tests: parse the real seeds, build, search."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from index.parse import parse_paths
from index.query import QUERY_HELP, mark_snippet, plain_snippet
from index.results import QueryError
from index.store import IndexStore

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> IndexStore:
    store = IndexStore(tmp_path_factory.mktemp("data"))
    store.build([SEEDS])
    yield store
    store.close()


@pytest.fixture(scope="module")
def archive():
    return parse_paths([SEEDS])


def titles(result) -> list[str]:
    return [hit.title for hit in result.hits]


# ------------------------------------------------------------------------ relevance


def test_sockmap_ranks_john_fastabends_series_first(store: IndexStore) -> None:
    result = store.search("sockmap")
    first = result.hits[0]
    assert first.author == "John Fastabend"
    assert "sockmap" in first.title.lower()
    assert first.part == 0 and first.parts, "a series is shown by its cover letter"
    assert "\x02sockmap\x03" in first.snippet.lower()


def test_author_tree_issue_returns_exactly_his_net_next_entries(store, archive) -> None:
    issue = archive.by_number(12)
    expected = {
        patch.subject
        for patch in issue.patches
        if patch.parent is None and patch.author == "Jakub Kicinski" and patch.tree == "net-next"
    }
    result = store.search("author:kicinski tree:net-next issue:12", limit=50)
    assert set(titles(result)) == expected
    for hit in result.hits:
        assert (hit.kind, hit.issue, hit.tree, hit.author) == (
            "patch", 12, "net-next", "Jakub Kicinski")
        for part in hit.parts:
            assert part.author == "Jakub Kicinski" and part.issue == 12
    # the series are folded: no part shows up as a hit of its own
    assert all(hit.part in (0, None) for hit in result.hits)


def test_landlock_finds_the_v7_series_with_its_ten_parts_folded(store) -> None:
    hit = store.search("landlock").hits[0]
    assert hit.title == "Landlock LSM: Toward unprivileged sandboxing"
    assert (hit.author, hit.version, hit.part, hit.total) == ("Mickaël Salaün", 7, 0, 10)
    assert sorted(part.part for part in hit.parts) == list(range(1, 11))
    matching = [part for part in hit.parts if "\x02" in part.snippet]
    assert matching and hit.parts[: len(matching)] == matching, "matching parts come first"
    assert "landlock" in matching[0].title.lower()


def test_kind_slides_finds_slide_decks_only(store) -> None:
    result = store.search("kind:slides xdp")
    assert result.hits
    assert {hit.kind for hit in result.hits} == {"slides"}
    assert {hit.kind for hit in store.search("xdp", kind="slides").hits} == {"slides"}
    assert store.search("kind:slide xdp").total == result.total  # singular works too


def test_date_range_finds_only_issues_dated_in_it(store) -> None:
    result = store.search("date:2017-05..2017-06", limit=100)
    assert result.hits
    for hit in result.hits:
        assert hit.date is not None and dt.date(2017, 5, 1) <= hit.date <= dt.date(2017, 6, 30)
    assert {hit.issue for hit in store.search("date:2017-08 xdp", limit=50).hits} == {10}
    assert store.search("date:2017").total > store.search("date:2017-08").total > 0


def test_arm_jit_finds_the_highlight_and_the_patch(store) -> None:
    result = store.search("arm jit")
    by_kind = {(hit.kind, hit.issue): hit for hit in result.hits}
    assert by_kind[("patch", 10)].title == "arm: eBPF JIT compiler"
    highlight = by_kind[("issue", 10)]
    assert "\x02ARM\x03 eBPF \x02JIT\x03 got finally merged" in highlight.snippet
    assert titles(result)[0] == "arm: eBPF JIT compiler"


def test_stemming_redirecting_finds_redirect(store) -> None:
    result = store.search("redirecting")
    assert result.total >= 5
    assert all("redirect" in plain_snippet(hit.snippet).lower() for hit in result.hits)


def test_accent_folding_both_ways(store) -> None:
    for text in ("salaun", "Salaün", "author:salaun", "SALAÜN"):
        hit = store.search(text).hits[0]
        assert hit.author == "Mickaël Salaün", text
    assert store.search("author:diaz").hits[0].author == "Daniel Díaz"


def test_kernel_identifiers_whole_and_by_parts(store) -> None:
    whole = store.search("bpf_xdp_adjust_head").hits[0]
    assert whole.title == "bpf: make bpf_xdp_adjust_head support mandatory"
    assert "\x02bpf_xdp_adjust_head\x03" in whole.snippet
    parts = store.search("xdp adjust head")
    assert whole.title in titles(parts)
    helper = store.search("perf event read value").hits[0]
    assert "bpf_perf_event_read_value" in " ".join(p.title for p in helper.parts)
    header = store.search("bpf.h")
    assert "bpf.h and you..." in titles(header)
    folded = [part.title for hit in header.hits for part in hit.parts]
    assert "libbpf: sync bpf.h" in folded
    assert store.search("skb->len").total >= 1
    assert store.search('"xdp_redirect_cpu"').total >= 1


def test_did_you_mean_from_the_archive_vocabulary_and_names(store) -> None:
    assert store.search("sokcmap").did_you_mean == "sockmap"
    assert store.search("borkman").did_you_mean == "Borkmann"
    assert store.search("landlok sandbox").did_you_mean == "landlock sandbox"
    assert store.search("author:kicinsky").did_you_mean in (None, "author:Kicinski")
    assert store.search("sockmap").did_you_mean is None


def test_exact_title_and_author_rank_above_loose_matches(store) -> None:
    assert titles(store.search("Misc BPF updates"))[0] == "Misc BPF updates"
    assert store.search("Jakub Kicinski").hits[0].author == "Jakub Kicinski"


def test_partial_author_names_and_aliases(store) -> None:
    assert store.search("author:kicin").hits[0].author == "Jakub Kicinski"
    # "Richard Weinber" is how one entry spells him; the alias still finds it
    alias = store.search('author:"Richard Weinber"', limit=20)
    assert alias.hits and {hit.author for hit in alias.hits} == {"Richard Weinberger"}
    assert store.search('author:"Daniel Borkmann" xdp').hits[0].author == "Daniel Borkmann"


def test_fields_versions_parts_rfc_lists_commits(store) -> None:
    assert {hit.version for hit in store.search("version:6").hits} == {6}
    assert {hit.version for hit in store.search("version:v2 xdp").hits} == {2}
    covers = store.search("part:0 nfp", limit=30)
    assert covers.hits and all(hit.part == 0 for hit in covers.hits)
    assert all(hit.rfc for hit in store.search("rfc:yes").hits)
    assert not any(hit.rfc for hit in store.search("rfc:no sockmap").hits)
    assert store.search("list:linux-api").hits[0].author == "Mickaël Salaün"
    commit = store.search("commit:7a12b50").hits
    assert [(hit.kind, hit.title) for hit in commit] == [("commit", "sparc64: Add eBPF JIT.")]
    section = store.search('section:"in case you missed it" cilium')
    assert section.hits and all(hit.section == "In case you missed it" for hit in section.hits)


def test_tree_names_and_trackers_as_words(store) -> None:
    hits = store.search("net-next sockmap").hits
    assert hits and all(hit.tree == "net-next" for hit in hits)
    assert {hit.tree for hit in store.search("iproute2 xdp", kind="patches").hits} == {"iproute2"}
    tracked = store.search("list:patchwork", limit=30).hits
    assert tracked and all("patchwork" in (hit.url or "") for hit in tracked)


def test_prefix_search(store) -> None:
    assert "sockmap" in " ".join(titles(store.search("sockm*"))).lower()
    with pytest.raises(QueryError, match="4 characters"):
        store.search("soc*")


def test_search_kinds_and_filters(store) -> None:
    patches = store.search("xdp", kind="patches", limit=30)
    assert {hit.kind for hit in patches.hits} <= {"patch", "llvm-commit", "report"}
    topics = store.search("xdp", kind="topics", limit=30)
    assert topics.hits
    assert {hit.kind for hit in topics.hits} <= {
        "talk", "slides", "video", "article", "project", "note"}
    assert {hit.issue for hit in store.search("xdp", issue=3).hits} == {3}
    assert {hit.tree for hit in store.search("xdp", tree="net").hits} == {"net"}
    by = store.search("xdp", author="Daniel Borkmann")
    assert by.hits and {hit.author for hit in by.hits} == {"Daniel Borkmann"}
    listing = store.search("", author="Jakub Kicinski", limit=30)
    assert [hit.issue for hit in listing.hits] == sorted(
        (hit.issue for hit in listing.hits), reverse=True), "listings show newest first"
    with pytest.raises(QueryError):
        store.search("xdp", kind="podcasts")


def test_results_are_plain_and_snippets_render(store) -> None:
    hit = store.search("sockmap").hits[0]
    assert hit.to_json()["title"] == hit.title
    assert mark_snippet("a \x02b<\x03 c", "<b>", "</b>", escape=lambda s: s.replace("<", "&lt;")) \
        == "a <b>b&lt;</b> c"
    assert mark_snippet(hit.snippet).count("**") == 2 * hit.snippet.count("\x02")
    assert "kind:slides" in QUERY_HELP and "date:2017-05..2017-08" in QUERY_HELP


# --------------------------------------------------------------- friendly messages


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "Type some words"),
        ("   ", "Type some words"),
        ("*", "* only works"),
        ("xd*", "4 characters"),
        ("a*b", "* only works"),
        ("x" * 2000, "characters long"),
        ("kind:podcast", "unknown kind"),
        ("issue:twelve", "issue number"),
        ("date:May", "dates look like"),
        ("commit:zz", "hex digits"),
        ("rfc:maybe", "yes or no"),
        ("the", "too common"),
        ("()", "Type some words"),
    ],
)
def test_bad_queries_get_a_clear_message(store, text: str, fragment: str) -> None:
    with pytest.raises(QueryError) as caught:
        store.search(text)
    assert fragment.lower() in caught.value.message.lower()


@pytest.mark.parametrize(
    "text",
    ['"sockmap', "(sockmap", "sockmap)", "((xdp OR sockmap", "foo:bar xdp", "xdp?",
     "sockmap\x00\x07 redirect", "“generic xdp”", "author: borkmann", "xdp AND", "OR xdp",
     "NOT", "xdp NOT", "author:", "[PATCH net-next v2 1/5] bpf: subject",
     "kind:talks", "issue:10..12 xdp", "date:2017-05.. xdp", "C++ & <html>", "🙂 xdp"],
)
def test_odd_queries_get_an_answer(store, text: str) -> None:
    result = store.search(text)
    assert result.total >= 0


def test_unknown_fields_search_the_words(store) -> None:
    assert store.search("foo:xdp").total == store.search("foo xdp").total
    assert store.search("landlock:sandbox").hits[0].author == "Mickaël Salaün"


# ------------------------------------------------------------ issues and statistics


def test_issue_summaries(store, archive) -> None:
    assert [summary.number for summary in store.issues()] == [1, 2, 3, 10, 12]
    latest = store.issue()
    assert latest is not None and latest.number == 12 and not latest.draft
    twelve = store.issue(12)
    assert twelve.patch_count == 169 and twelve.date == dt.date(2017, 10, 25)
    assert ("Presentations > Slides", 3) in twelve.section_counts
    kicinski = sum(p.author == "Jakub Kicinski" for p in archive.by_number(12).patches)
    assert twelve.top_authors[0] == ("Jakub Kicinski", kicinski)
    assert store.issue(99) is None


def test_authors_trees_and_stats(store) -> None:
    authors = store.authors()
    assert authors[0] == "Jakub Kicinski"
    assert "Richard Weinberger" in authors and "Richard Weinber" not in authors
    assert store.trees()[0] == "net-next"
    stats = store.stats()
    assert stats.issues == 5 and stats.documents > stats.patches > 300
    kinds = dict(stats.by_kind)
    assert kinds["patch"] > kinds["article"] > 0 and kinds["slides"] == 7
    assert dict(stats.by_tree)["net-next"] > dict(stats.by_tree)["net"]
    assert stats.by_author[0][0] == "Jakub Kicinski"
    assert dict(stats.patches_per_issue)[12] == 169


@pytest.mark.parametrize(
    ("text", "expected_title"),
    [
        ("sockmap and redirect", "BPF: sockmap and sk redirect support"),
        ("nfp bpf ABIv2 and multi port", "nfp: bpf ABIv2 and multi port"),
        ("the landlock sandbox", "Landlock LSM: Toward unprivileged sandboxing"),
    ],
)
def test_plain_english_stop_words_do_not_empty_the_results(store, text, expected_title):
    assert expected_title in titles(store.search(text, limit=10))


def test_a_stop_word_inside_quotes_or_a_field_is_kept(store) -> None:
    assert store.search('"map in map"').hits
    assert any(hit.author == "William Tu" for hit in store.search("author:will").hits)


@pytest.mark.parametrize("text", ["bpf NOT xdp", "xdp NOT sockmap", "verifier NOT arm64 NOT jit",
                                  "(xdp OR tc) NOT \"generic xdp\""])
def test_not_by_exclusion_set_matches_whoosh(store: IndexStore, text: str) -> None:
    """ExcludingAnd finds what Whoosh's And(..., Not(...)) finds, with the same scores."""
    from whoosh import query

    from index.query import ExcludingAnd, _Rewriter, parse, sanitize

    generation, searcher = store._searcher()
    rewritten = _Rewriter(searcher.reader())(parse(sanitize(text), searcher.schema))
    assert isinstance(rewritten, ExcludingAnd)
    plain = query.And(rewritten.subqueries, boost=rewritten.boost)
    ours = searcher.search(rewritten, limit=None)
    theirs = searcher.search(plain, limit=None)
    assert [(hit.docnum, round(hit.score, 6)) for hit in ours] == [
        (hit.docnum, round(hit.score, 6)) for hit in theirs]
    top = searcher.search(rewritten, limit=5)  # with block-quality skipping
    assert [hit.docnum for hit in top] == [hit.docnum for hit in theirs][:5]


def test_undocumented_whoosh_operators_are_plain_words(store) -> None:
    # `x REQUIRE x` used to trip an assertion inside Whoosh's matcher (found by the fuzz test)
    store.search("sockmap REQUIRE sockmap")
    store.search("xdp ANDMAYBE sockmap ANDNOT verifier")

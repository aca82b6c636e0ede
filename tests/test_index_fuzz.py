"""Fuzz the query pipeline: whatever is typed, the answer is results or a QueryError."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.query import sanitize
from index.results import QueryError, SearchResult
from index.store import IndexStore

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

FRAGMENTS = [
    "AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE", "and", "or", "not", "(", ")", '"',
    "'", "*", "?", "sockmap", "xdp", "bpf_prog_attach", "bpf.h", "skb->len", "landlock",
    "salaün", "author:", "tree:", "issue:", "version:", "part:", "rfc:", "kind:", "section:",
    "list:", "date:", "commit:", "title:", "foo:", "*:", ":", "..", "2017-05", "12", "v2",
    "net-next", "yes", "talks", "[", "]", "{", "}", "TO", "^", "~", "~2", "\\", "/", "-", "+",
    "sockm*", "xd*", "*map", "a", "the", "\x00", "\x02", "\x03", "\t", "\n", "\u200b",
    "🙂", "“", "”", "ＸＤＰ", "ǅ", "İ", "ß",
]

fragment_lists = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)),
                          max_size=14)
queries = st.one_of(
    fragment_lists.map(" ".join),
    fragment_lists.map("".join),
    st.text(max_size=80),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=300),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> IndexStore:
    store = IndexStore(tmp_path_factory.mktemp("data"))
    store.build([SEEDS])
    yield store
    store.close()


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=queries)
def test_any_query_gets_results_or_a_query_error(store: IndexStore, text: str) -> None:
    try:
        result = store.search(text, limit=5)
    except QueryError as error:
        assert error.message and isinstance(error.message, str)
        assert "Traceback" not in error.message
        return
    assert isinstance(result, SearchResult)
    assert len(result.hits) <= 5 and result.total >= len(result.hits)
    for hit in result.hits:
        assert "\x02" not in hit.title and hit.snippet.count("\x02") == hit.snippet.count("\x03")


@settings(max_examples=1000, deadline=None)
@given(text=queries)
def test_sanitize_is_stable(text: str) -> None:
    """Cleaning a cleaned query changes nothing (the bot may show the cleaned text)."""
    try:
        cleaned = sanitize(text)
    except QueryError:
        return
    assert sanitize(cleaned) == cleaned


def test_huge_noise_is_refused_quickly(store: IndexStore) -> None:
    import random
    import time

    noise = "".join(random.Random(7).choice("ab(\"*:) OR") for _ in range(2000))
    started = time.monotonic()
    with pytest.raises(QueryError):
        store.search(noise)
    assert time.monotonic() - started < 0.5

"""Text analysis for the index: how words, kernel identifiers and names become terms.

Three analyzers:

* `text_analyzer()` for titles, bodies and section names: lowercase, accent folding
  ("Salaün" -> "salaun"), English stop words, Porter stemming ("redirecting" ->
  "redirect"), and kernel identifiers kept whole *and* split into parts, so
  `bpf_prog_attach` is found by `bpf_prog_attach` and by `prog attach`, and `bpf.h`
  by `bpf.h`.
* `name_analyzer()` for author names as words: lowercase and accent folding only.
* `line_analyzer()` for "exact" fields (author ids, exact titles): one term per line of
  the value, lowercased and folded, so a whole name is one term (an ID-like lookup is
  ~30x cheaper than a phrase query at 100k documents).

Whoosh pickles the schema, and so these classes, into every index; renaming them
makes old indexes unreadable, which `IndexStore.ensure()` repairs by rebuilding.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from whoosh.analysis import (
    STOP_WORDS,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    Token,
)
from whoosh.lang.porter import stem as _porter_stem
from whoosh.support.charset import accent_map

# A word, or a kernel identifier: word characters joined by `.`, `/`, `-`, `->`, `::`,
# `+` (`bpf_prog_attach`, `bpf.h`, `skb->len`, `net/mlx4_en`, `net-next`, `4.12-rc1`).
# `_` is a word character, so `bpf_prog_attach` is one match either way.
WORD_PATTERN = r"\w+(?:(?:->|::|[./+\-])\w+)*"

# What separates the parts of an identifier once it is matched.
_PART = re.compile(r"[^\W_]+", re.UNICODE)
_SEPARATOR = re.compile(r"[_./+>:-]")

# Mode names the analyzers understand (Whoosh passes `mode` through to filters).
MODE_INDEX = "index"
MODE_QUERY = "query"  # identifiers become their parts, for phrases and highlighting
MODE_WHOLE = "whole"  # identifiers stay whole, for the exact-identifier term

STOP = frozenset(STOP_WORDS)


def fold(text: str) -> str:
    """Lowercase, accent-free, single-spaced text: how names and titles are compared."""
    if text.isascii():  # the common case, ~10x faster than decomposing
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def is_identifier(word: str) -> bool:
    """Whether a token is a compound identifier that is also indexed in parts."""
    return _SEPARATOR.search(word) is not None and len(_PART.findall(word)) > 1


class IdentifierFilter(Filter):
    """Drops stop words and splits identifiers into parts, keeping positions right.

    In index mode an identifier yields the whole token and then its parts, the whole
    sharing the first part's position, so a phrase of the parts ("prog attach")
    matches and so does the whole term. Query mode yields only the parts (phrases and
    the highlighter need one token per position); "whole" mode only the whole token.
    Stopping happens here rather than in a StopFilter because StopFilter's position
    renumbering would pull apart the whole token and its first part.
    """

    def __init__(self, stoplist: frozenset[str] = STOP, minsize: int = 2) -> None:
        self.stops = stoplist
        self.min = minsize

    def _stopped(self, text: str) -> bool:
        return len(text) < self.min or text in self.stops

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        pos = -1
        for t in tokens:
            # Lowercasing and accent folding happen here too: one generator layer
            # instead of three is ~20% of the analysis cost of a build
            text = t.text.lower()
            if not text.isascii():
                text = text.translate(accent_map)
            t.text = text
            mode = getattr(t, "mode", "") or MODE_INDEX
            if self._stopped(text):
                if not t.removestops:
                    t.stopped = True
                    yield t
                continue
            t.stopped = False
            if mode == MODE_WHOLE or not is_identifier(text):
                pos += 1
                if t.positions:
                    t.pos = pos
                yield t
                continue
            parts = [m for m in _PART.finditer(text) if not self._stopped(m.group())]
            # Character offsets of parts are only exact when folding kept the length
            exact_chars = t.chars and (t.endchar - t.startchar) == len(text)
            start, end = (t.startchar, t.endchar) if t.chars else (0, 0)
            if mode != MODE_QUERY:
                pos += 1
                if t.positions:
                    t.pos = pos
                yield t
                pos -= 1  # the first part shares the whole token's position
            for match in parts:
                pos += 1
                t.text = match.group()
                t.stopped = False
                if t.positions:
                    t.pos = pos
                if t.chars:
                    t.startchar = start + match.start() if exact_chars else start
                    t.endchar = start + match.end() if exact_chars else end
                yield t
            if not parts and mode == MODE_QUERY:
                # every part was a stop word: fall back to the whole token
                pos += 1
                t.text = text
                if t.positions:
                    t.pos = pos
                if t.chars:
                    t.startchar, t.endchar = start, end
                yield t


class LineTokenizer(RegexTokenizer):
    """One token per non-empty line: several exact values fit in one field."""

    def __init__(self) -> None:
        super().__init__(expression=r"[^\n]+")


class FoldFilter(Filter):
    """Normalises a whole token the way `fold()` does (accents, case, spaces)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold(t.text)
            if t.text:
                yield t


def text_analyzer():  # -> whoosh.analysis.CompositeAnalyzer
    """The analyzer of searchable prose: titles, bodies, section names."""
    return RegexTokenizer(WORD_PATTERN) | IdentifierFilter() | StemFilter(cachesize=50000)


def name_analyzer():  # -> whoosh.analysis.CompositeAnalyzer
    """The analyzer of author names as words: no stemming, no stop words."""
    return RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)


def line_analyzer():  # -> whoosh.analysis.CompositeAnalyzer
    """The analyzer of exact fields: one folded term per line."""
    return LineTokenizer() | FoldFilter()


def folded_line_analyzer():  # -> whoosh.analysis.CompositeAnalyzer
    """One term per line of a value the documents already folded (title_exact,
    author_id): folding again would cost ~30 us a document. Queries on these fields
    are built from folded text by index.query, never typed."""
    return LineTokenizer()


# ------------------------------------------------------------------ fast indexing
#
# Whoosh's generic path (analyzer generators -> Format.word_values -> FieldType.index)
# costs ~12 us a field at build time. These functions give the same terms and positions
# as the analyzers above, in one pass; index.schema's field types use them when
# indexing (queries and highlighting still go through the analyzers).
# tests/test_index_fast_analysis.py checks that both paths agree.

_WORD = re.compile(WORD_PATTERN, re.UNICODE)
_NAME_WORD = re.compile(r"\w+", re.UNICODE)
_LINE = re.compile(r"[^\n]+")
_STEMS: dict[str, str] = {}
_MAX_STEMS = 200_000


def _stem(word: str) -> str:
    stemmed = _STEMS.get(word)
    if stemmed is None:
        if len(_STEMS) > _MAX_STEMS:
            _STEMS.clear()
        stemmed = _STEMS[word] = _porter_stem(word)
    return stemmed


def text_positions(value: str) -> dict[str, list[int]]:
    """text_analyzer() in index mode: stemmed term -> positions."""
    terms: dict[str, list[int]] = {}
    stops = STOP
    pos = -1
    for match in _WORD.finditer(value):
        text = match.group().lower()
        if not text.isascii():
            text = text.translate(accent_map)
        if len(text) < 2 or text in stops:
            continue
        if not is_identifier(text):
            pos += 1
            terms.setdefault(_stem(text), []).append(pos)
            continue
        pos += 1
        terms.setdefault(_stem(text), []).append(pos)
        pos -= 1  # the first part shares the whole token's position
        for part in _PART.findall(text):
            if len(part) < 2 or part in stops:
                continue
            pos += 1
            terms.setdefault(_stem(part), []).append(pos)
    return terms


def name_positions(value: str) -> dict[str, list[int]]:
    """name_analyzer() in index mode: folded name word -> positions."""
    terms: dict[str, list[int]] = {}
    for pos, match in enumerate(_NAME_WORD.finditer(value)):
        text = match.group().lower()
        if not text.isascii():
            text = text.translate(accent_map)
        terms.setdefault(text, []).append(pos)
    return terms


def line_terms(value: str) -> list[str]:
    """folded_line_analyzer(): one term per non-empty line, as it is."""
    return _LINE.findall(value)


def folded_line_terms(value: str) -> list[str]:
    """line_analyzer(): one folded term per non-empty line."""
    return [text for text in map(fold, _LINE.findall(value)) if text]

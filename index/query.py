"""The query language: from what a person types to ranked, grouped hits.

`QUERY_HELP` documents the language (for the README and the bot's /help). The pipeline
is: `sanitize()` (friendly errors, repairs), Whoosh's QueryParser with a chosen set of
plugins (`parse()`), a rewrite that needs the index (`_Rewriter`: bounded prefixes,
author names), then a time-limited, collapsed search whose hits are folded into
series (`run_search()`). Every failure a user can cause is a `QueryError` with a
message meant for them.
"""

from __future__ import annotations

import heapq
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from whoosh import highlight, query
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.matching import FilterMatcher, ListMatcher, NullMatcher, WrappingMatcher
from whoosh.qparser import (
    FieldsPlugin,
    GroupPlugin,
    MultifieldPlugin,
    OperatorsPlugin,
    PhrasePlugin,
    QueryParser,
    WildcardPlugin,
)
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.spelling import ListCorrector

from index.analysis import MODE_QUERY, MODE_WHOLE, STOP, fold, is_identifier
from index.documents import exact_form
from index.results import Hit, QueryError, SearchResult, SeriesVersion
from index.schema import ALL_KINDS, PATCH_KINDS, TOPIC_KINDS, as_int, field_value
from index.vector import Unsupported, VectorIndex, VectorSearch

log = logging.getLogger(__name__)

QUERY_HELP = """\
Search the BPF Updates archive: patches, talks, slides, videos, articles, projects,
notes, sections, commits and issues.

  sockmap redirect        all words must match (best matches first)
  "generic xdp"           an exact phrase
  xdp OR ebpf             either word;  NOT excludes;  use ( ) to group
  sockm*                  words starting with "sockm" (at least 4 characters before *)
  bpf_prog_attach         kernel identifiers match whole, or by parts: prog attach

Fields (combine freely with words):
  author:borkmann         part of an author's name (any spelling), author:"Daniel Borkmann"
  tree:net-next           the tree in the patch subject (net, net-next, bpf-next, ...)
  issue:12  issue:10..12  an issue number or range
  date:2017-08            a year, month or day;  date:2017-05..2017-08 for a range
  version:2  part:0  rfc:yes
                          series version, part number (0 = cover letters), RFC or not
  kind:slides             patch, talk, slides, video, article, project, note, commit,
                          section, issue, report, llvm-commit (plurals work too)
  section:"in case you missed it"
  list:netdev             mailing list or tracker (netdev, linux-api, patchwork, ...)
  commit:7a12b50          commits whose hash starts with these digits
  title:verifier          only in titles

Matching ignores case and accents ("salaun" finds Salaün) and word endings
("redirecting" finds "redirect"). Series are shown once, with their parts and the
other versions found in other issues. Unknown fields (foo:bar) search the words.
"""

MAX_QUERY_CHARS = 500
MIN_PREFIX = 4  # a 3-character prefix costs ~1 s at 100k docs
MAX_PREFIX_TERMS = 200  # expansion bound for prefix* queries
TIME_LIMIT = 2.0  # seconds: the safety net for the worst query
SNIPPET_CHARS = 200
_FILTER_BOOST = 1e-9  # filters match, they do not rank
_MARKED_PARTS = 3  # parts of a series whose snippets mark the matched words
_MAX_VERSIONS = 25  # other postings of a series listed with it (the newest)
_SUGGESTION_CACHE = 4096

DEFAULT_FIELDS = ("title", "body", "author")
FIELD_BOOSTS = {"title": 3.0, "body": 1.0, "author": 2.0}
# Fields a user may name, and the field each one means.
USER_FIELDS = {
    "author": "author",
    "by": "author",
    "tree": "tree",
    "issue": "issue",
    "version": "version",
    "part": "part",
    "rfc": "rfc",
    "kind": "kind",
    "type": "kind",
    "section": "section",
    "list": "list",
    "date": "date",
    "commit": "commit",
    "title": "title",
    "subject": "title",
    "body": "body",
    "text": "body",
}
# Queries touching only these fields are listings: shown in archive order, not by score.
_FILTER_FIELDS = frozenset(
    {"kind", "issue", "date", "tree", "version", "part", "rfc", "list", "commit", "author",
     "author_id", "section", "group"}
)
SEARCH_KINDS: dict[str, tuple[str, ...]] = {
    "all": (),
    "patches": PATCH_KINDS,
    "topics": TOPIC_KINDS,
    **{kind: (kind,) for kind in ALL_KINDS},
}

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
                         "‘": "'", "’": "'", "‚": "'", "‛": "'"})
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_QUESTION = re.compile("[?\u055e\u061f\u1367]")
_FIELD = re.compile(r"(?<![\w\"])([^\W\d]\w*):(\s*)", re.UNICODE)
_PHRASE_SPLIT = re.compile(r'("[^"]*")')
_OPERATORS = frozenset({"AND", "OR", "NOT"})
_OPERATOR_WORDS = frozenset(word.lower() for word in _OPERATORS)
# A bare word: not part of a field (`author:will`), an identifier or a prefix (`will*`)
_BARE_WORD = re.compile(r"(?<![\w:./\-])(\w+)(?![\w:*./\-])")
_SEPARATORS = re.compile(r"\x03([_./\-+>:]{1,2})\x02")
_MARK = re.compile(r"([\x02\x03])")


# --------------------------------------------------------------------------- sanitize


def sanitize(text: str) -> str:
    """Clean what a person typed into something the parser handles predictably.

    Repairs what has an obvious meaning (curly quotes, an unmatched quote or
    parenthesis, `?`, unknown `foo:` fields, `author: name`) and returns the text.
    Raises QueryError for what has none: an empty or overlong query, a `*` that is
    not at the end of a word of at least MIN_PREFIX characters.
    """
    if not isinstance(text, str):
        raise QueryError("Type some words to search for.")
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _INVISIBLE.sub(" ", text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"That query is {len(text)} characters long; keep it under {MAX_QUERY_CHARS}."
        )
    text = _QUESTION.sub(" ", text)
    if text.count('"') % 2:
        cut = text.rfind('"')
        text = text[:cut] + " " + text[cut + 1 :]
    # Outside quotes (the even pieces) live parentheses, fields and wildcards
    text = _balance_parentheses(_PHRASE_SPLIT.split(text))
    pieces = _PHRASE_SPLIT.split(" ".join(text.split()))
    for index in range(0, len(pieces), 2):
        pieces[index] = _FIELD.sub(_field_name, pieces[index])
        _check_wildcards(pieces[index])
    text = " ".join("".join(pieces).split())
    text = _drop_stop_words(text)
    # dropping stop words can empty a group: "AND ( and" -> "AND ( )"
    while re.search(r"\(\s*\)", text):
        text = " ".join(re.sub(r"\(\s*\)", " ", text).split())
    if not re.search(r"\w", text):
        raise QueryError("Type some words to search for.")
    return text


def _drop_stop_words(text: str) -> str:
    """Bare stop words ("the verifier", "sockmap and redirect") dropped outside quotes.

    Titles and bodies never index them, and the author field, which keeps every word
    of a name, would otherwise turn "and" into a required author word that matches
    nothing. Upper-case AND/OR/NOT stay operators; a query of stop words alone is
    left as it is (run_search tells the user those words are too common).
    """
    pieces = _PHRASE_SPLIT.split(text)
    for index in range(0, len(pieces), 2):
        pieces[index] = _BARE_WORD.sub(
            lambda m: " " if m.group(1).lower() in STOP and m.group(1) not in _OPERATORS
            else m.group(1),
            pieces[index],
        )
    dropped = " ".join("".join(pieces).split())
    return dropped if re.search(r"\w", dropped) else text


def _field_name(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    if name in USER_FIELDS:
        return USER_FIELDS[name] + ":"  # "author: borkmann" -> "author:borkmann"
    return match.group(1) + " "  # unknown field: search the words


def _check_wildcards(text: str) -> None:
    for token in text.split():
        if "*" not in token:
            continue
        word = token.split(":", 1)[-1].strip("()")
        stem = word.rstrip("*")
        if "*" in stem or not stem:
            raise QueryError(
                f"`{token}`: * only works at the end of a word, like sockm* "
                f"(at least {MIN_PREFIX} characters before it)."
            )
        if len(stem) < MIN_PREFIX:
            raise QueryError(
                f"`{token}`: put at least {MIN_PREFIX} characters before * "
                "(shorter prefixes match almost everything)."
            )


def _balance_parentheses(pieces: list[str]) -> str:
    depth = 0
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.append(piece)
            continue
        kept = []
        for char in piece:
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    continue  # an unmatched ")" has no meaning
                depth -= 1
            kept.append(char)
        out.append("".join(kept))
    text = "".join(out) + ")" * depth
    # "()" groups nothing and only confuses the parser
    while "()" in text.replace(" ", ""):
        text = re.sub(r"\(\s*\)", " ", text)
    return text


# ------------------------------------------------------------------------------ parse


class _ListMatching:
    """Mixin for multi-term queries: match through one constant-score id list.

    One sorted list of the matching documents instead of a union of a matcher per
    expanded term: Whoosh's top collector re-balances such unions over and over, which
    was most of a prefix or date-range query's time at 10k documents.
    """

    def matcher(self, searcher, context=None):  # noqa: ANN001 - Whoosh's signature
        # Whoosh calls this once per segment, with that segment's searcher: the terms
        # come from the whole index's reader (the parent's), so a bounded expansion
        # is the same set of terms in every segment (and in index.vector)
        reader = searcher.reader()
        deleted = reader.has_deletions()
        docnums: set[int] = set()
        for btext in self._btexts(searcher.get_parent().reader()):
            if (self.fieldname, btext) not in reader:
                continue
            for docnum in reader.postings(self.fieldname, btext).all_ids():
                if not (deleted and reader.is_deleted(docnum)):
                    docnums.add(docnum)
        if not docnums:
            return NullMatcher()
        return ListMatcher(sorted(docnums), all_weights=self.boost)


class BoundedPrefix(_ListMatching, query.Prefix):
    """A prefix query that expands to at most MAX_PREFIX_TERMS terms.

    Short prefixes are refused earlier; the bound keeps a common 4-letter prefix from
    turning into thousands of terms at 100k documents. The bound applies to the whole
    index's terms (see _ListMatching.matcher), not to each segment's.
    """

    def _btexts(self, ixreader):  # noqa: ANN001 - Whoosh's signature
        # One search expands the same prefix up to three times (collect, series,
        # snippets): remember the last reader's expansion
        cached = getattr(self, "_expansion", None)
        if cached is None or cached[0] is not ixreader:
            terms = []
            for btext in ixreader.expand_prefix(self.fieldname, self.text):
                if len(terms) >= MAX_PREFIX_TERMS:
                    break
                terms.append(btext)
            cached = self._expansion = (ixreader, terms)
        return iter(cached[1])


class ListRange(_ListMatching, query.TermRange):
    """A term range (dates) matched through one id list."""


class _ExcludingMatcher(FilterMatcher):
    """The positive clauses' matcher minus a set of excluded documents.

    Unlike Whoosh's FilterMatcher it stays on an allowed document after a block-quality
    skip and tells the collector when it enters a new block, so the top collector keeps
    skipping low-scoring blocks; `bonus` is the constant score Whoosh's inverse
    matcher adds for each NOT clause, so scores are the same as without the rewrite.
    """

    def __init__(self, child, ids, exclude=True, boost=1.0, bonus=0.0):  # noqa: ANN001
        self.bonus = bonus
        super().__init__(child, ids, exclude=exclude, boost=boost)

    def copy(self):  # noqa: ANN201
        return self.__class__(self.child.copy(), self._ids, self._exclude, self.boost,
                              self.bonus)

    def _replacement(self, newchild):  # noqa: ANN001, ANN202
        return self.__class__(newchild, self._ids, self._exclude, self.boost, self.bonus)

    def replace(self, minquality=0):  # noqa: ANN001, ANN201
        if not self.is_active():
            return NullMatcher()
        child = self.child.replace(max(0.0, minquality - self.bonus) if minquality else 0)
        return self if child is self.child else self._replacement(child)

    def next(self):  # noqa: ANN201
        moved = self.child.next()
        return self._find_next() or moved

    def skip_to_quality(self, minquality):  # noqa: ANN001, ANN201
        skipped = self.child.skip_to_quality(minquality - self.bonus)
        self._find_next()
        return skipped

    def score(self):  # noqa: ANN201
        return self.child.score() + self.bonus

    def max_quality(self):  # noqa: ANN201
        return self.child.max_quality() + self.bonus

    def block_quality(self):  # noqa: ANN201
        return self.child.block_quality() + self.bonus


class ExcludingAnd(query.And):
    """`a b NOT c`: the documents of c are excluded by a set, not by an inverse matcher.

    Whoosh intersects the positive clauses with an inverse matcher that walks every
    document not matching c, and the intersection cannot skip low-scoring blocks;
    `bpf NOT xdp` scored ~45k documents at 100k. Same matches, same scores.
    """

    def matcher(self, searcher, context=None):  # noqa: ANN001, ANN201
        positives = [q for q in self.subqueries if not isinstance(q, query.Not)]
        negatives = [q for q in self.subqueries if isinstance(q, query.Not)]
        if not positives or not negatives:
            return super().matcher(searcher, context)
        positive = positives[0] if len(positives) == 1 else query.And(positives)
        matcher = positive.matcher(searcher, context)
        if self.boost != 1.0:
            matcher = WrappingMatcher(matcher, self.boost)
        excluded: set[int] = set()
        for negative in negatives:
            excluded.update(negative.query.matcher(searcher, context).all_ids())
        bonus = sum(negative.boost for negative in negatives) * self.boost
        return _ExcludingMatcher(matcher, excluded, bonus=bonus)


class ArchiveParser(QueryParser):
    """Whoosh's QueryParser over title, body and author, with identifier handling.

    Plugins: fields, wildcards (trailing * only, see sanitize), phrases, groups and
    AND/OR/NOT. Left out: single quotes (apostrophes are common in titles), ranges
    (fields take `a..b`), boosts and `*:*`.
    """

    def __init__(self, schema) -> None:  # noqa: ANN001 - a whoosh Schema
        # Only the operators QUERY_HELP documents: Whoosh's REQUIRE trips an assertion in
        # its own matcher on `x REQUIRE x`, and nobody types ANDMAYBE on purpose.
        operators = OperatorsPlugin(AndNot=None, AndMaybe=None, Require=None)
        plugins = [FieldsPlugin(), WildcardPlugin(), PhrasePlugin(), GroupPlugin(), operators]
        super().__init__(None, schema, plugins=plugins)
        self.add_plugin(MultifieldPlugin(list(DEFAULT_FIELDS), fieldboosts=FIELD_BOOSTS))

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True,
                   removestops=True):  # noqa: ANN001 - Whoosh's signature
        field_type = self.schema[fieldname] if fieldname in self.schema else None
        if field_type is None or field_type.self_parsing() or field_type.analyzer is None:
            return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        if issubclass(termclass, (query.Prefix, query.Wildcard)):
            # Unstemmed and unsplit, so "redirecti*" and "bpf_prog*" mean what they say
            tokens = [t.text for t in field_type.analyzer(
                text.rstrip("*"), mode=MODE_WHOLE, tokenize=False, removestops=False,
                no_morph=True)]
            if not tokens or len(tokens[0]) < MIN_PREFIX - 1:
                return None
            return BoundedPrefix(fieldname, tokens[0], boost=boost)
        if termclass is query.Term and is_identifier(text) and fieldname in ("title", "body",
                                                                             "section"):
            whole = [t.text for t in field_type.analyzer(text, mode=MODE_WHOLE)]
            parts = list(field_type.process_text(text, mode=MODE_QUERY))
            if len(whole) == 1:
                if len(parts) > 1:
                    # whole term (cheap, exact) or the parts in a row ("prog attach")
                    return query.Or([query.Term(fieldname, whole[0], boost=boost),
                                     query.Phrase(fieldname, parts, boost=boost)])
                return query.Term(fieldname, whole[0], boost=boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


def parse(text: str, schema) -> query.Query:  # noqa: ANN001 - a whoosh Schema
    """Parse sanitized text into a Whoosh query; raises QueryError for field value errors."""
    try:
        parsed = ArchiveParser(schema).parse(text)
    except QueryError:
        raise
    except Exception as error:  # noqa: BLE001 - the parser must never take the bot down
        log.warning("query parser failed on %r", text, exc_info=True)
        raise QueryError("Sorry, I could not understand that query.") from error
    _raise_errors(parsed)
    return parsed


def _raise_errors(q: query.Query) -> None:
    error = getattr(q, "error", None)
    if error:
        message = str(error)
        raise QueryError(message[:1].upper() + message[1:])
    for child in q.children():
        _raise_errors(child)


class _Rewriter:
    """Rewrites that need the index: exact author names and partial author words."""

    def __init__(self, reader) -> None:  # noqa: ANN001 - a whoosh IndexReader
        self.reader = reader

    def __call__(self, q: query.Query, free: bool = False) -> query.Query:
        """The rewritten query; `free` marks the author clause of a free word."""
        if isinstance(q, query.Phrase) and q.fieldname == "author":
            # `author:"Daniel Borkmann"`: one exact term instead of a phrase (~30x faster)
            name = " ".join(q.words)
            if self.reader.doc_frequency("author_id", name):
                return query.Term("author_id", name, boost=q.boost)
            return q
        if isinstance(q, query.Term) and q.fieldname == "author" and not free:
            # `author:kicin` finds Kicinski: partial names are prefixes of name words.
            # Not for free words, so "borkman" stays unknown and gets a did-you-mean.
            if not self.reader.doc_frequency("author", q.text) and len(q.text) >= MIN_PREFIX:
                return BoundedPrefix("author", q.text, boost=q.boost)
            return q
        if isinstance(q, query.Prefix) and not isinstance(q, BoundedPrefix):
            return BoundedPrefix(q.fieldname, q.text, boost=q.boost)
        if type(q) is query.TermRange:
            return ListRange(q.fieldname, q.start, q.end, q.startexcl, q.endexcl,
                             boost=q.boost)
        if q.is_leaf():
            return q
        # The parser expands a free word into an OR over the default fields
        fields = {_only_field(child) for child in q.children()}
        expanded = isinstance(q, query.Or) and {"title", "body"} <= fields
        q = q.apply(lambda child: self(child, free=free or expanded))
        if (type(q) is query.And and any(isinstance(c, query.Not) for c in q.subqueries)
                and not all(isinstance(c, query.Not) for c in q.subqueries)):
            q = ExcludingAnd(q.subqueries, boost=q.boost)
        if expanded:
            tree = self._tree_word(q)
            if tree:
                # "net-next sockmap": the tree is a field of patches, not in their text
                q = query.Or(list(q.children()) + [query.Term("tree", tree, boost=2.0)])
        return q

    def _tree_word(self, q: query.Query) -> str | None:
        """The free word as a tree name, when it is one (net-next, bpf-next, iproute2)."""
        for leaf in q.leaves():
            if isinstance(leaf, query.Term) and leaf.fieldname == "title":
                text = leaf.text
                if (("-" in text or any(c.isdigit() for c in text))
                        and self.reader.doc_frequency("tree", text)):
                    return text
        return None


def _only_field(q: query.Query) -> str | None:
    """The one field all of a query's terms are in (None when several or none)."""
    fields = {getattr(leaf, "fieldname", None) for leaf in _leaves(q)}
    return fields.pop() if len(fields) == 1 else None


def _leaves(q: query.Query) -> Iterable[query.Query]:
    if q.is_leaf():
        yield q
    else:
        for child in q.children():
            yield from _leaves(child)


def _is_listing(q: query.Query) -> bool:
    """True when the query only filters (no words to rank by): list in archive order."""
    fields = {getattr(leaf, "fieldname", None) for leaf in _leaves(q)}
    return bool(fields) and fields <= _FILTER_FIELDS


# ----------------------------------------------------------------------------- search


class Lexicon:
    """An index generation's spelling data for did-you-mean.

    `words` are the archive's unstemmed title words with counts (the index itself
    holds stems); `names` maps a folded author-name word to its display spelling
    ("borkmann" -> "Borkmann").
    """

    def __init__(self, words: Mapping[str, int] | None = None,
                 names: Iterable[str] = ()) -> None:
        self.words = dict(words or {})
        self.names: dict[str, str] = {}
        for name in names:
            for word in re.findall(r"\w+", name):
                self.names.setdefault(fold(word), word)
        self._corrector: ListCorrector | None = None
        self._lock = threading.Lock()
        # word -> suggestion: building Levenshtein automata costs ~5-15 ms a word,
        # and people repeat their typos
        self.suggestions: dict[tuple[str, bool], str | None] = {}

    def corrector(self) -> ListCorrector:
        """Whoosh's corrector over the sorted vocabulary (built once, on first use)."""
        with self._lock:
            if self._corrector is None:
                self._corrector = ListCorrector(sorted(self.words))
            return self._corrector


def filter_query(kind: str = "all", author: str | None = None, tree: str | None = None,
                 issue: int | None = None, *, exact_author: bool = False
                 ) -> query.Query | None:
    """The filter for search()'s keyword arguments (None: no filter).

    `exact_author` says `author` is a whole name the index knows (then its exact term
    alone is the filter). Its terms have a negligible boost, so a filter never changes
    the ranking (rarer kinds would otherwise score higher). Not boost 0: Whoosh drops a union of
    zero-quality matchers. Not ConstantScoreQuery: that materialises every matching
    document id, ~40 ms for `kind=patches` at 10k documents. Raises QueryError for an
    unknown `kind`.
    """
    clauses: list[query.Query] = []
    kinds = SEARCH_KINDS.get((kind or "all").strip().lower())
    if kinds is None:
        raise QueryError(f"Unknown kind {kind!r}: use patches, topics, all or one of "
                         + ", ".join(ALL_KINDS) + ".")
    if kinds:
        clauses.append(_any([query.Term("kind", k, boost=_FILTER_BOOST) for k in kinds]))
    if author:
        name = fold(author)
        words = [query.Term("author", word, boost=_FILTER_BOOST)
                 for word in re.findall(r"\w+", name)]
        options: list[query.Query] = [query.Term("author_id", name, boost=_FILTER_BOOST)]
        if words and not exact_author:
            options.append(query.And(words))
        clauses.append(_any(options))
    if tree:
        clauses.append(query.Term("tree", fold(tree), boost=_FILTER_BOOST))
    if issue is not None:
        clauses.append(query.Term("issue", str(int(issue)), boost=_FILTER_BOOST))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else query.And(clauses)


def _any(options: list[query.Query]) -> query.Query:
    return options[0] if len(options) == 1 else query.Or(options)


def _boost_query(text: str) -> query.Query | None:
    """Lifts exact and prefix matches of a whole title or author name above the rest."""
    if re.search(r'[":()*]|\b(?:AND|OR|NOT)\b', text):
        return None
    words = exact_form(text)
    if len(words) < MIN_PREFIX:
        return None
    return query.Or([
        query.Term("title_exact", words, boost=8.0),
        query.Term("author_id", words, boost=8.0),
        BoundedPrefix("title_exact", words, boost=4.0),
        BoundedPrefix("author_id", words, boost=4.0),
    ])


class _DeadlineCollector(TimeLimitCollector):
    """TimeLimitCollector without its timer thread: checks a deadline as it collects.

    Search threads cannot use SIGALRM, and starting a Timer thread per query costs more
    than most queries at the archive's real size.
    """

    def __init__(self, child, timelimit: float) -> None:  # noqa: ANN001
        super().__init__(child, timelimit, use_alarm=False)

    def prepare(self, top_searcher, q, context) -> None:  # noqa: ANN001
        self.child.prepare(top_searcher, q, context)
        self.timedout = False
        self.deadline = time.monotonic() + self.timelimit

    def collect_matches(self) -> None:
        child = self.child
        for count, sub_docnum in enumerate(child.matches()):
            if count % 256 == 255 and time.monotonic() > self.deadline:
                self.timedout = True
                raise TimeLimit
            child.collect(sub_docnum)

    def finish(self) -> None:
        self.child.finish()


class Queries(NamedTuple):
    """The queries of one search (see build_queries)."""

    main: query.Query | None  # what was typed, rewritten (None: filters only)
    filters: query.Query | None  # kind, author, tree, issue
    full: query.Query  # main and filters: what must match
    ranked: query.Query  # full, with the optional boost of exact identifiers
    listing: bool  # filters only: archive order, no scores


def build_queries(searcher: Searcher, raw: str, *, kind: str = "all",
                  author: str | None = None, tree: str | None = None,
                  issue: int | None = None) -> Queries:
    """The parsed, rewritten queries of a search (run_search's first step). Raises QueryError."""
    if author and searcher.reader().doc_frequency("author_id", fold(author)):
        exact_author = True  # a whole known name: one exact term, no word matching
    else:
        exact_author = False
    filters = filter_query(kind, author, tree, issue, exact_author=exact_author)
    if not raw.strip() and filters is not None:
        main: query.Query | None = None
    else:
        cleaned = sanitize(raw)
        words = {fold(word) for word in re.findall(r"[^\W_]+", cleaned)} - _OPERATOR_WORDS
        if words and words <= STOP and ":" not in cleaned:
            raise QueryError("Those words are too common to search for; add a specific one.")
        main = parse(cleaned, searcher.schema)
        main = _Rewriter(searcher.reader())(main)
        if isinstance(main, query.NullQuery.__class__):
            raise QueryError("Those words are too common to search for; add a specific one.")
    parts = [q for q in (main, filters) if q is not None]
    full = parts[0] if len(parts) == 1 else query.And(parts)
    listing = main is None or _is_listing(main)
    boost = None if listing else _boost_query(raw)
    ranked = query.AndMaybe(full, boost) if boost is not None else full
    return Queries(main, filters, full, ranked, listing)


def run_search(searcher: Searcher, text: str, *, kind: str = "all", author: str | None = None,
               tree: str | None = None, issue: int | None = None, limit: int = 10,
               lexicon: Lexicon | None = None,
               time_limit: float = TIME_LIMIT,
               vectors: VectorIndex | None = None) -> SearchResult:
    """Search with one reused searcher; see IndexStore.search for the contract.

    Returns hits grouped by series, at most `limit` of them. Raises QueryError.
    `vectors` (the generation's cache of decoded postings) evaluates the common query
    shapes with numpy: the same hits and scores as Whoosh's collectors, faster.
    """
    limit = max(1, min(int(limit), 100))
    raw = text if isinstance(text, str) else ""
    main, filters, full, ranked, listing = build_queries(searcher, raw, kind=kind,
                                                         author=author, tree=tree,
                                                         issue=issue)

    folder = _Folder(searcher, main, full, listing)
    # A listing visits every match anyway: keep enough of them for the page at once
    wanted = limit * 24 if listing else limit * 3
    fast = _Vectorised(vectors, searcher, full if listing else ranked)
    if fast.matches is not None:
        folder.matches = fast.matches[0]
    while True:
        if listing:
            page = fast.list(wanted) or _list(searcher, full, wanted, time_limit)
        else:
            page = fast.rank(wanted) or _rank(searcher, ranked, wanted, time_limit)
        groups = folder.groups(page.items, limit)
        # Parts of big series can crowd a page of documents into few hits: look deeper
        if len(groups) >= limit or not page.full or wanted >= limit * 24:
            break
        wanted *= 4
    total = page.total
    hits = folder.hits(groups)
    lexicon = lexicon or Lexicon()
    suggestion = None
    if main is not None and len(hits) < 3:
        suggestion = did_you_mean(searcher, raw, lexicon, found=total,
                                  filters=filters)
    return SearchResult(query=raw, total=total, hits=hits, did_you_mean=suggestion)


@dataclass
class _Page:
    """The top documents of a query: (docnum, score), best first."""

    items: list[tuple[int, float]]
    total: int  # matching documents (estimated for a full page of a ranked query)
    full: bool  # there may be more than `items`


class _Vectorised:
    """One query through index.vector, evaluated once; None where it cannot be."""

    def __init__(self, vectors: VectorIndex | None, searcher: Searcher,
                 q: query.Query) -> None:
        self.matches: tuple[Any, Any] | None = None
        self.engine: VectorSearch | None = None
        self.q = q
        if vectors is None:
            return
        try:
            self.engine = vectors.search(searcher)
            self.matches = self.engine.evaluate(q)
        except Unsupported:
            self.engine = None
        except (OSError, EOFError):
            raise  # broken or vanished files: IndexStore.search renews its searcher
        except Exception:  # a bug here must not cost the search: Whoosh's path answers
            log.exception("vectorised evaluation of %s failed; using Whoosh's matchers", q)
            self.engine = self.matches = None

    def rank(self, wanted: int) -> _Page | None:
        if self.matches is None or self.engine is None:
            return None
        docs, scores = self.matches
        items = self.engine.top(docs, scores, wanted)
        # Every match is scored here: the total is exact (_rank estimates a full page's)
        # and the page is the true top `wanted`. Whoosh's block-quality skipping can
        # miss some of those (seen at 100k documents with `xdp` kind=topics), so this
        # path may rank better documents first than _rank would; the tests compare it
        # with Whoosh's exhaustive scoring (optimize=False), not its optimised top-k.
        return _Page(items, len(docs), len(docs) > wanted)

    def list(self, wanted: int) -> _Page | None:
        if self.matches is None or self.engine is None:
            return None
        docs = self.matches[0]
        return _Page(self.engine.listing(docs, wanted), len(docs), len(docs) > wanted)


def _rank(searcher: Searcher, q: query.Query, wanted: int, time_limit: float) -> _Page:
    """The `wanted` best-scoring documents, within the time limit.

    Whoosh's TopCollector, whose block-quality skipping is what makes broad queries
    affordable; series are folded afterwards, in Python (a collapsing collector would
    have to score every match).
    """
    timed = _DeadlineCollector(searcher.collector(limit=wanted), time_limit)
    try:
        searcher.search_with_collector(q, timed)
    except TimeLimit:
        log.warning("query %s hit the %.1f s time limit; showing partial results", q,
                    time_limit)
    results = timed.results()
    shown = results.scored_length()
    items = [(results.docnum(i), float(results.score(i) or 0.0)) for i in range(shown)]
    if results.has_exact_length():
        total = len(results)
    elif shown < wanted:
        total = shown
    else:  # len(results) on a full page would re-run the query, doubling its cost
        total = max(shown, results.estimated_length())
    return _Page(items, total, shown >= wanted)


def _list(searcher: Searcher, q: query.Query, wanted: int, time_limit: float) -> _Page:
    """The first `wanted` matching documents in archive order (the `seq` column).

    Walks one matcher with next(), which leapfrogs through intersections; Whoosh's
    sorting collector would instead materialise every id of each filter (all
    patches, for `kind=patches`) as a set.
    """
    seq = searcher.reader().column_reader("seq")
    matcher = q.matcher(searcher)
    deadline = time.monotonic() + time_limit
    heap: list[tuple[int, int]] = []  # (-seq, docnum): the `wanted` smallest seqs
    total = 0
    while matcher.is_active():
        docnum = matcher.id()
        total += 1
        key = (-seq[docnum], docnum)
        if len(heap) < wanted:
            heapq.heappush(heap, key)
        elif key > heap[0]:
            heapq.heapreplace(heap, key)
        if total % 256 == 0 and time.monotonic() > deadline:
            log.warning("listing %s hit the %.1f s time limit", q, time_limit)
            break
        matcher.next()
    items = [(docnum, 0.0) for _, docnum in sorted(heap, reverse=True)]
    return _Page(items, total, total > wanted)


# --------------------------------------------------------------------- hits and series


class _MarkFormatter(highlight.Formatter):
    """Marks matched terms with \\x02...\\x03 and elides cut text with an ellipsis."""

    between = " … "

    def format_token(self, text, token, replace=False):  # noqa: ANN001
        return "\x02" + highlight.get_text(text, token, replace) + "\x03"

    def format_fragment(self, fragment, replace=False):  # noqa: ANN001
        body = super().format_fragment(fragment, replace=replace)
        if fragment.startchar > 0:
            body = "…" + body.lstrip()
        if fragment.endchar < len(fragment.text):
            body = body.rstrip() + "…"
        return body


class _Folder:
    """Turns collapsed results into Hits: series folded under their cover letter."""

    def __init__(self, searcher: Searcher, main: query.Query | None, full: query.Query,
                 listing: bool = False) -> None:
        self.searcher = searcher
        self.listing = listing  # scores of a listing are sort keys: not shown
        self.full = full
        # The sorted docnums matching `full` when index.vector computed them (an
        # AndMaybe matches what its required part matches): no second matcher needed
        self.matches: Any = None
        self.terms: dict[str, frozenset[str]] = {}
        if main is not None:
            # Not Query.existing_terms(): in Whoosh 2.7.5 its loop variable shadows
            # its `fieldname` argument, so it drops every field but the first.
            found: dict[str, set[str]] = {}
            reader = searcher.reader()
            for leaf in main.leaves():
                for fieldname, text in leaf.expanded_terms(reader, phrases=True):
                    if isinstance(text, bytes):
                        text = text.decode("utf-8", "replace")
                    found.setdefault(fieldname, set()).add(text)
            self.terms = {name: frozenset(words) for name, words in found.items()}
        self.formatter = _MarkFormatter()
        self.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)

    def groups(self, items: list[tuple[int, float]], limit: int
               ) -> dict[str, list[tuple[int, float]]]:
        """The first `limit` groups of a page: group key -> [(docnum, score)].

        Keys come from the `group` column, so no stored fields are read here.
        """
        keys = self.searcher.reader().column_reader("group", translate=True)
        groups: dict[str, list[tuple[int, float]]] = {}
        for docnum, score in items:
            key = keys[docnum]
            if key not in groups and len(groups) >= limit:
                continue
            groups.setdefault(key, []).append((docnum, 0.0 if self.listing else score))
        return groups

    def hits(self, groups: dict[str, list[tuple[int, float]]]) -> list[Hit]:
        """One Hit per group, series folded under their cover."""
        reader = self.searcher.reader()
        members = {key: [(reader.stored_fields(docnum), score) for docnum, score in docs]
                   for key, docs in groups.items()}
        # The cover and parts of each shown series, and which of them match: one
        # matcher for the whole page (building a matcher costs as much as using it)
        families: dict[str, dict[int, dict[str, Any]]] = {}
        for key, stored in members.items():
            if key.startswith("series:"):
                best = max(stored, key=lambda member: member[1])[0]
                families[key] = self._documents("family", best.get("cover") or best["id"])
        matched = self._matching({d: doc for family in families.values()
                                  for d, doc in family.items()})
        hits = []
        for key, stored in members.items():
            if key in families:
                hits.append(self._series_hit(key, stored, families[key], matched))
            else:
                best, score = max(stored, key=lambda member: member[1])
                hits.append(self._hit(best, score, self.snippet(best)))
        return hits

    def _documents(self, field: str, text: str, newest: int | None = None
                   ) -> dict[int, dict[str, Any]]:
        """Stored fields of the live documents with `field:text` (the `newest` last ones)."""
        reader = self.searcher.reader()
        try:
            postings = reader.postings(field, text)
        except TermNotFound:
            return {}
        deleted = reader.has_deletions()
        docnums = [d for d in postings.all_ids() if not (deleted and reader.is_deleted(d))]
        if newest is not None:
            docnums = docnums[-newest:]  # docnums grow with the archive: newest last
        return {docnum: reader.stored_fields(docnum) for docnum in docnums}

    def _matching(self, documents: dict[int, dict[str, Any]]) -> set[str]:
        """Ids of those documents that match the query: one matcher, skip_to each."""
        matched: set[str] = set()
        if not documents:
            return matched
        if self.matches is not None:  # every match, from the vectorised path
            docnums = sorted(documents)
            where = self.matches.searchsorted(docnums)
            found = self.matches.take(where, mode="clip") == docnums
            return {documents[d]["id"] for d, hit in zip(docnums, found.tolist(), strict=True)
                    if hit}
        matcher = self.full.matcher(self.searcher)
        for docnum in sorted(documents):
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                matched.add(documents[docnum]["id"])
        return matched

    def _series_hit(self, key: str, members: list[tuple[dict[str, Any], float]],
                    family: dict[int, dict[str, Any]], matched: set[str]) -> Hit:
        """The best-scoring posting's cover letter with its parts and other versions.

        Parts come from the `family` term (the cover's id: the cover and its parts in
        one issue), versions from the `head` term (the series key: every issue's
        cover or single patch), so a long-lived series costs a bounded lookup.
        """
        best, score = max(members, key=lambda member: member[1])
        if not family:  # cannot happen with this schema; show the posting alone
            family = {-1: best}
        head = next((doc for doc in family.values() if not doc.get("cover")), best)
        matched = matched | {doc["id"] for doc, _ in members}
        snippet_source = best if head["id"] not in matched else head
        result = self._hit(head, score, self.snippet(snippet_source))
        parts = [doc for doc in family.values() if doc.get("cover") == head["id"]]
        parts.sort(key=lambda doc: (doc["id"] not in matched, as_int(doc.get("part")) or 0,
                                    doc.get("id")))
        # Highlighting costs ~0.2 ms a title: mark the first few matching parts only
        marked = {doc["id"] for doc in parts[:_MARKED_PARTS] if doc["id"] in matched}
        result.parts = [self._hit(doc, 0.0, self.snippet(doc, fields=("title",))
                                  if doc["id"] in marked else doc.get("title", ""))
                        for doc in parts]
        others = [doc for doc in self._documents("head", key, newest=_MAX_VERSIONS).values()
                  if doc["id"] != head["id"]]
        others.sort(key=lambda doc: (as_int(doc.get("issue")) or 0, doc["id"]))
        result.versions = [
            SeriesVersion(
                issue=as_int(doc.get("issue")),
                version=as_int(doc.get("version")),
                rfc=doc.get("rfc") == "yes",
                title=doc.get("title", ""),
                url=field_value(doc, "url"),
            )
            for doc in others
        ]
        return result

    def snippet(self, stored: dict[str, Any], fields: tuple[str, ...] | None = None) -> str:
        """The best-matching passage of body or title, matches between \\x02 and \\x03."""
        if fields is None:
            # a patch's body is only its subject tag: its title is what matched
            patch = stored.get("kind") in PATCH_KINDS
            fields = ("title", "body") if patch else ("body", "title", "section")
        for name in fields:
            text = stored.get(name) or ""
            words = self.terms.get(name)
            if not text or not words:
                continue
            analyzer = self.searcher.schema[name].analyzer
            fragmenter = self.fragmenter if name == "body" else highlight.WholeFragmenter()
            marked = highlight.highlight(text, words, analyzer, fragmenter, self.formatter,
                                         top=2, mode=MODE_QUERY)
            if marked and "\x02" in marked:
                return _SEPARATORS.sub(r"\1", marked)
        # a patch's body is only its [PATCH ...] tag: its title says more
        first = "title" if stored.get("kind") in PATCH_KINDS else "body"
        body = stored.get(first) or stored.get("body") or stored.get("title") or ""
        return body if len(body) <= SNIPPET_CHARS else body[:SNIPPET_CHARS].rstrip() + "…"

    @staticmethod
    def _hit(stored: dict[str, Any], score: float, snippet: str) -> Hit:
        date = field_value(stored, "date")
        return Hit(
            kind=stored.get("kind", ""),
            issue=as_int(stored.get("issue")),
            date=_date(date),
            title=stored.get("title", ""),
            url=field_value(stored, "url"),
            author=field_value(stored, "author_name"),
            tree=field_value(stored, "tree"),
            version=as_int(stored.get("version")),
            part=as_int(stored.get("part")),
            total=as_int(stored.get("total")),
            rfc=stored.get("rfc") == "yes",
            section=stored.get("section", "") or "",
            snippet=snippet,
            score=float(score),
            series_key=field_value(stored, "series"),
        )


def _date(value: Any):  # -> datetime.date | None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# ---------------------------------------------------------------------- did you mean


_WORD = re.compile(r'"[^"]*"|(?P<field>\w+):(?P<value>[^\s()"]+)|(?P<word>[^\W\d_][\w\-]*)')


def did_you_mean(searcher: Searcher, text: str, lexicon: Lexicon, *, found: int = 0,
                 filters: query.Query | None = None) -> str | None:
    """A corrected query from the archive's own words and author names, or None.

    Only unknown words are corrected (Whoosh's spelling correctors over the unstemmed
    title words and the author-name words); the suggestion is returned only when it
    finds more than the original query did.
    """
    reader = searcher.reader()
    changed = False
    pieces: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        word, only_names = match.group("word"), False
        if match.group("field"):
            if USER_FIELDS.get(match.group("field").lower()) != "author":
                continue
            word, only_names = match.group("value"), True
        if not word or word in _OPERATORS or len(word) < 3 or _known(searcher, word):
            continue
        better = _suggest(searcher, fold(word), lexicon, only_names)
        if better and fold(better) != fold(word):
            start = match.start("value") if only_names else match.start("word")
            pieces.append(text[last:start])
            pieces.append(better)
            last = start + len(word)
            changed = True
    if not changed:
        return None
    suggestion = "".join(pieces) + text[last:]
    try:
        q = _Rewriter(reader)(parse(sanitize(suggestion), searcher.schema))
        if filters is not None:
            q = query.And([q, filters])
        if len(searcher.search(q, limit=1)) <= found:
            return None
    except QueryError:
        return None
    return suggestion


def _known(searcher: Searcher, word: str) -> bool:
    reader = searcher.reader()
    schema = searcher.schema
    for name in ("title", "body"):
        for token in schema[name].process_text(word, mode=MODE_WHOLE):
            if reader.doc_frequency(name, token):
                return True
    return bool(reader.doc_frequency("author", fold(word)))


def _suggest(searcher: Searcher, word: str, lexicon: Lexicon, only_names: bool) -> str | None:
    """The closest known word (title vocabulary or author names), or None (cached)."""
    key = (word, only_names)
    cache = lexicon.suggestions  # shared by threads: read once, never index twice
    if key in cache:
        return cache.get(key)
    if len(cache) > _SUGGESTION_CACHE:
        cache.clear()
    suggestion = cache[key] = _closest(searcher, word, lexicon, only_names)
    return suggestion


def _closest(searcher: Searcher, word: str, lexicon: Lexicon, only_names: bool) -> str | None:
    reader = searcher.reader()
    candidates: list[tuple[int, int, str, bool]] = []
    sources: list[tuple[Any, bool]] = []
    if word.isalpha():  # names are letters: no need to try "bpf_prog_atach" on them
        sources.append((searcher.corrector("author"), True))
    if not only_names and lexicon.words:
        sources.append((lexicon.corrector(), False))
    for corrector, is_name in sources:
        for option in corrector.suggest(word, limit=5, maxdist=2, prefix=1):
            distance = _distance(word, option)
            if distance > 2 or distance >= len(word) // 2:
                continue  # "xpd" -> "bpf" is not a correction
            if is_name:
                weight = reader.doc_frequency("author", option)
            else:
                weight = lexicon.words.get(option, 0)
            candidates.append((distance, -weight, option, is_name))
    if not candidates:
        return None
    _, _, option, is_name = min(candidates)
    return lexicon.names.get(option, option) if is_name else option


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (a swap of two letters counts once: sokcmap)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


# ------------------------------------------------------------------------- display


def mark_snippet(snippet: str, open: str = "**", close: str = "**",  # noqa: A002
                 escape: Callable[[str], str] | None = None) -> str:
    """Turn \\x02...\\x03 match markers into `open`...`close`, escaping the rest.

    `escape` is applied to every piece of text (marked or not) before the markup is
    added, e.g. `discord.utils.escape_markdown` or `html.escape`.
    """
    escape = escape or (lambda piece: piece)
    out: list[str] = []
    marked = False
    for piece in _MARK.split(snippet):
        if piece == "\x02":
            marked = True
        elif piece == "\x03":
            marked = False
        elif piece:
            out.append(f"{open}{escape(piece)}{close}" if marked else escape(piece))
    return "".join(out)


def plain_snippet(snippet: str) -> str:
    """The snippet without match markers."""
    return snippet.replace("\x02", "").replace("\x03", "")


__all__ = [
    "ArchiveParser",
    "BoundedPrefix",
    "MAX_QUERY_CHARS",
    "MIN_PREFIX",
    "Lexicon",
    "QUERY_HELP",
    "QueryError",
    "did_you_mean",
    "filter_query",
    "mark_snippet",
    "parse",
    "plain_snippet",
    "run_search",
    "sanitize",
]

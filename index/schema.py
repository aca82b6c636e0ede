"""The Whoosh schema, and the field types that parse their own query values.

Lean on purpose (the index is designed for 100k documents): only displayed fields are
stored, no term vectors, and columns (`sortable`) only where facets, collapsing or
ordering read them. Filter fields (`kind:`, `issue:`, `date:`, ...) are ID-like and
parse their own values, so `kind:talks`, `issue:10..12`, `version:v2`,
`date:2017-05..2017-08` and `commit:7a12b50` mean what a reader expects and a bad value
is a friendly error rather than an empty result.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh import columns, formats, query
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, FieldType, Schema
from whoosh.qparser.common import QueryParserError
from whoosh.system import pack_uint

from index import whoosh_fixes
from index.analysis import (
    folded_line_analyzer,
    folded_line_terms,
    line_analyzer,
    line_terms,
    name_analyzer,
    name_positions,
    text_analyzer,
    text_positions,
)

whoosh_fixes.apply()  # before any index is written or read

# Bump when documents or the schema change shape: an index built by another version
# is rebuilt by `IndexStore.ensure()`.
SCHEMA_VERSION = 4

PATCH_KINDS = ("patch", "llvm-commit", "report")
TOPIC_KINDS = ("talk", "slides", "video", "article", "project", "note")
OTHER_KINDS = ("section", "commit", "issue")
ALL_KINDS = PATCH_KINDS + TOPIC_KINDS + OTHER_KINDS

# What users may type after `kind:` (plural forms and a few synonyms included).
KIND_ALIASES: dict[str, tuple[str, ...]] = {kind: (kind,) for kind in ALL_KINDS}
KIND_ALIASES.update(
    {
        "patches": ("patch",),
        "llvm": ("llvm-commit",),
        "llvm-commits": ("llvm-commit",),
        "reports": ("report",),
        "talks": ("talk",),
        "slide": ("slides",),
        "videos": ("video",),
        "articles": ("article",),
        "projects": ("project",),
        "notes": ("note",),
        "sections": ("section",),
        "commits": ("commit",),
        "issues": ("issue",),
        "topic": TOPIC_KINDS,
        "topics": TOPIC_KINDS,
    }
)

_MAX_RANGE_TERMS = 500  # issue:1..100000 would build a huge OR
_TRUE = frozenset({"yes", "y", "true", "t", "1", "on"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "off"})


def _error(message: str) -> query.Query:
    # Whoosh's parser turns exceptions from parse_query into an error query; raising
    # QueryParserError keeps the message for QueryError.
    raise QueryParserError(message)


# ------------------------------------------------------------------ fast indexing


def _whole(value: str) -> list[str]:
    return [value]


_TERMS = {"whole": _whole, "lines": line_terms, "folded_lines": folded_line_terms}
_POSITIONS = {"text": text_positions, "names": name_positions}


class FastIndexed:
    """Mixin: `index()` in one pass instead of Whoosh's analyzer and format generators.

    `fast` names the function giving the same terms as the field's analyzer (see
    index.analysis); Existence and Frequency formats take a term list, Positions a
    term -> positions map. Anything unusual (a list value, extra arguments) goes the
    generic way. Saves ~10 us per field of every document at build time.
    """

    fast = ""

    def index(self, value, **kwargs):  # noqa: ANN001, ANN201 - Whoosh's signature
        if kwargs or not isinstance(value, str) or not self.fast:
            yield from super().index(value, **kwargs)
            return
        fmt = self.format
        boost = fmt.field_boost
        if self.fast in _POSITIONS:
            encode = fmt.encode
            for text, positions in _POSITIONS[self.fast](value).items():
                yield (text.encode("utf-8"), len(positions), len(positions) * boost,
                       encode(positions))
            return
        terms = _TERMS[self.fast](value)
        if isinstance(fmt, formats.Existence):
            for text in set(terms):
                yield (text.encode("utf-8"), 1, boost, b"")
            return
        counts: dict[str, int] = {}
        for text in terms:
            counts[text] = counts.get(text, 0) + 1
        for text, freq in counts.items():
            yield (text.encode("utf-8"), freq, freq * boost, pack_uint(freq))


class FastID(FastIndexed, ID):
    """An ID field indexed in one pass (`fast`: whole value or folded lines)."""

    def __init__(self, fast: str = "whole", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fast = fast


class FastKeyword(FastIndexed, KEYWORD):
    """A KEYWORD field of one term per line (title_exact, author_id), fast indexed."""

    fast = "lines"


class FastText(FastIndexed, TEXT):
    """A TEXT field indexed in one pass (`fast`: text or names)."""

    def __init__(self, fast: str = "text", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fast = fast


class _SelfParsingID(FastID):
    """An ID field whose query values are normalised by `parse_query`."""

    def self_parsing(self) -> bool:
        return True

    def parse_range(self, fieldname, start, end, startexcl, endexcl, boost=1.0):
        return None  # the range syntax is `a..b`, handled in parse_query


class KindField(_SelfParsingID):
    """`kind:talks` -> Term(kind, talk); `kind:topics` -> any topic kind."""

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        kinds = KIND_ALIASES.get(qstring.strip().lower())
        if kinds is None:
            names = ", ".join(ALL_KINDS)
            return _error(f"unknown kind {qstring!r}: use one of {names}")
        terms = [query.Term(fieldname, kind) for kind in kinds]
        return terms[0] if len(terms) == 1 else query.Or(terms)


class IntField(_SelfParsingID):
    """A small integer kept as its decimal string: `issue:12`, `version:v2`, `3..5`."""

    def __init__(self, stored: bool = False, sortable: bool = False, label: str = "number"):
        super().__init__(stored=stored, sortable=sortable)
        self.label = label

    @staticmethod
    def number(text: str) -> int | None:
        match = re.fullmatch(r"\s*[vr#]?(\d{1,9})\s*", text, re.IGNORECASE)
        return int(match.group(1)) if match else None

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        low, sep, high = qstring.partition("..")
        first = self.number(low)
        if not sep:
            if first is None:
                return _error(f"{fieldname}: expects a {self.label}, like {fieldname}:12")
            return query.Term(fieldname, str(first), boost=boost)
        last = self.number(high) if high.strip() else None
        if first is None or (high.strip() and last is None):
            return _error(f"{fieldname}: ranges look like {fieldname}:10..12")
        if last is None:
            last = first + _MAX_RANGE_TERMS - 1
        if last < first:
            first, last = last, first
        if last - first >= _MAX_RANGE_TERMS:
            return _error(f"{fieldname}: that range is too wide (at most {_MAX_RANGE_TERMS})")
        return query.Or([query.Term(fieldname, str(n)) for n in range(first, last + 1)])


class FlagField(_SelfParsingID):
    """A flag indexed only when set (as "yes"): `rfc:yes`, `rfc:no`.

    Not indexing "no" saves a posting per patch; `rfc:no` is "not rfc:yes".
    """

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        value = qstring.strip().lower()
        if value in _TRUE:
            return query.Term(fieldname, "yes", boost=boost)
        if value in _FALSE:
            return query.Not(query.Term(fieldname, "yes"))
        return _error(f"{fieldname}: expects yes or no")


class StoredColumn(FieldType):
    """A stored text value with a column for facets, not indexed (no postings)."""

    indexed = False
    stored = True

    def __init__(self) -> None:
        self.column_type = columns.VarBytesColumn()

    def to_column_value(self, value: str) -> bytes:
        return value.encode("utf-8")

    def from_column_value(self, value: bytes) -> str:
        return value.decode("utf-8")


_DATE_PART = re.compile(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?")


def _normal_date(text: str) -> str | None:
    """"2017-5" -> "2017-05"; None when it is not a YYYY[-MM[-DD]] date."""
    text = text.strip().replace("/", "-")
    if not _DATE_PART.fullmatch(text):
        return None
    pieces = text.split("-")
    if len(pieces) > 1 and not 1 <= int(pieces[1]) <= 12:
        return None
    if len(pieces) > 2 and not 1 <= int(pieces[2]) <= 31:
        return None
    return "-".join([pieces[0]] + [piece.zfill(2) for piece in pieces[1:]])


class DateField(_SelfParsingID):
    """An ISO date string: `date:2017`, `date:2017-08`, `date:2017-05..2017-08`."""

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        hint = f"{fieldname}: dates look like 2017-08 or 2017-05..2017-08"
        low, sep, high = qstring.partition("..")
        start = _normal_date(low) if low.strip() else ""
        if start is None:
            return _error(hint)
        if not sep:
            if not start:
                return _error(hint)
            if len(start) == 10:
                return query.Term(fieldname, start, boost=boost)
            return query.Prefix(fieldname, start + "-", boost=boost)
        end = _normal_date(high) if high.strip() else ""
        if end is None or not (start or end):
            return _error(hint)
        if start and end and end < start:
            start, end = end, start
        # "2017-08" as an upper bound includes every day of August: "~" sorts after digits
        return query.TermRange(fieldname, start or None, (end + "~") if end else None, boost=boost)


class CommitField(_SelfParsingID):
    """A commit hash; a query value of 4+ hex digits matches hashes starting with it."""

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        value = qstring.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{4,40}", value):
            return _error(f"{fieldname}: expects at least 4 hex digits of a hash, like 7a12b50")
        return query.Prefix(fieldname, value, boost=boost)


class ListField(_SelfParsingID):
    """A mailing list or tracker host; `list:patchwork` matches patchwork.ozlabs.org."""

    def __init__(self) -> None:
        super().__init__(fast="folded_lines", analyzer=line_analyzer())

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        value = " ".join(qstring.lower().split())
        if not value:
            return _error(f"{fieldname}: expects a list name, like {fieldname}:netdev")
        return query.Or([query.Term(fieldname, value, boost=boost),
                         query.Prefix(fieldname, value + ".", boost=boost)])


def _unscored(field: FastText) -> FastText:
    """No length normalisation: one column value less per document at build time."""
    field.scorable = False
    return field


def build_schema() -> Schema:
    """The index schema (see the module docstring for why it looks like this).

    Every indexed field costs a posting per document at build time (~15 us each in
    Whoosh), so bookkeeping that is only displayed is STORED, and what is only sorted
    or faceted is a column.
    """
    text = text_analyzer()
    return Schema(
        # identity and bookkeeping
        id=STORED(),
        fhash=FastID(),  # content hash of the issue file: update deletes by it
        seq=COLUMN(columns.NumericColumn("Q")),  # listing order (newest issue first)
        # hits are grouped by `group` (read from its column): a series across issues,
        # an issue with its highlights, or the document alone
        group=StoredColumn(),
        head=FastID(),  # the series key, on each issue's cover (or single patch): versions
        family=FastID(),  # the cover's id, on the cover and its parts: one posting's parts
        series=STORED(),  # normalised cover subject
        cover=STORED(),  # id of the entry a part is nested under
        # filters
        # facets read these from the postings (no columns: each column value costs
        # as much as a posting at build time, and stats are computed once)
        kind=KindField(stored=True),
        issue=IntField(stored=True, label="issue number"),
        date=DateField(stored=True),
        tree=FastID(fast="folded_lines", stored=True, analyzer=line_analyzer()),
        version=IntField(stored=True, label="version number"),
        part=IntField(stored=True, label="part number"),
        total=STORED(),
        rfc=FlagField(stored=True),
        list=ListField(),
        commit=CommitField(stored=True),
        # searchable text (BM25F; title boosted by the parser's field boosts)
        title=FastText(analyzer=text, stored=True),
        title_exact=FastKeyword(analyzer=folded_line_analyzer()),  # whole folded titles
        body=FastText(analyzer=text, stored=True),
        section=_unscored(FastText(analyzer=text, stored=True)),
        # canonical and as written
        author=_unscored(FastText(fast="names", analyzer=name_analyzer())),
        author_id=FastKeyword(analyzer=folded_line_analyzer()),  # whole folded names
        author_name=StoredColumn(),  # canonical, displayed and faceted
        url=STORED(),
    )


def field_value(stored: dict[str, Any], name: str) -> Any:
    """A stored field, with the empty string read back as None."""
    value = stored.get(name)
    return None if value in ("", None) else value


def as_int(value: Any) -> int | None:
    """A stored IntField value back as an int (None when absent)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


__all__ = [
    "ALL_KINDS",
    "FieldType",
    "KIND_ALIASES",
    "OTHER_KINDS",
    "PATCH_KINDS",
    "SCHEMA_VERSION",
    "TOPIC_KINDS",
    "as_int",
    "build_schema",
    "field_value",
]

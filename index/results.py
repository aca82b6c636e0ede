"""Plain result objects and errors of the index API (see docs/index-api.md).

They hold no Whoosh objects, so the bot can keep, compare and serialise them freely.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from index.model import FileError


class IndexStoreError(Exception):
    """Base class of the index store's own errors."""


class QueryError(IndexStoreError):
    """A query that cannot be run; `.message` is written for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IndexUnavailable(QueryError):
    """There is no index to search yet (first build still running, or it failed)."""


class BuildInProgress(IndexStoreError):
    """Another thread or process holds the writer lock."""

    def __init__(self, message: str = "a build is already running") -> None:
        super().__init__(message)
        self.message = message


@dataclass
class IssueSummary:
    """What the index knows about one issue, without reading its file again."""

    number: int | None
    title: str
    date: dt.date | None
    author: str | None
    draft: bool
    path: str | None
    summary: str
    highlights: list[str]
    section_counts: list[tuple[str, int]]  # ("Presentations > Slides", 3) in document order
    patch_count: int
    top_trees: list[tuple[str, int]]
    top_authors: list[tuple[str, int]]
    source: str
    content_hash: str
    warnings: list[str]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings, tuples as lists)."""
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        for key in ("section_counts", "top_trees", "top_authors"):
            data[key] = [list(pair) for pair in data[key]]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IssueSummary:
        """The inverse of `to_json`."""
        values = dict(data)
        values["date"] = dt.date.fromisoformat(data["date"]) if data.get("date") else None
        for key in ("section_counts", "top_trees", "top_authors"):
            values[key] = [(str(name), int(count)) for name, count in data.get(key, [])]
        names = cls.__dataclass_fields__
        return cls(**{key: value for key, value in values.items() if key in names})


@dataclass
class IndexReport:
    """What a build or update changed, against the index served before it.

    `issues` and `documents` count what the index serves afterwards; `warnings` are
    "file: message" lines for the files read by this run.
    """

    added: list[IssueSummary]
    changed: list[IssueSummary]
    removed: list[int]
    issues: int
    documents: int
    warnings: list[str]
    errors: list[FileError]
    seconds: float
    full: bool

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what `python -m index build --json` would print)."""
        return {
            "added": [summary.number for summary in self.added],
            "changed": [summary.number for summary in self.changed],
            "removed": list(self.removed),
            "issues": self.issues,
            "documents": self.documents,
            "warnings": list(self.warnings),
            "errors": [{"source": e.source, "reason": e.reason} for e in self.errors],
            "seconds": round(self.seconds, 3),
            "full": self.full,
        }


@dataclass
class SeriesVersion:
    """Another posting of the same series (same normalised cover subject and author)."""

    issue: int | None
    version: int | None
    rfc: bool
    title: str
    url: str | None


@dataclass
class Hit:
    """One search result; a series cover carries its parts and other versions."""

    kind: str
    issue: int | None
    date: dt.date | None
    title: str
    url: str | None
    author: str | None
    tree: str | None
    version: int | None
    part: int | None
    total: int | None
    rfc: bool
    section: str
    snippet: str  # matched terms between \x02 and \x03 (see query.mark_snippet)
    score: float
    series_key: str | None
    parts: list[Hit] = field(default_factory=list)  # matching parts first
    versions: list[SeriesVersion] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what `python -m index search --json` prints)."""
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        data["parts"] = [part.to_json() for part in self.parts]
        data["score"] = round(self.score, 4)
        return data


@dataclass
class SearchResult:
    """The hits of one query; `total` counts matching documents (estimated when large)."""

    query: str
    total: int
    hits: list[Hit]
    did_you_mean: str | None

    def to_json(self) -> dict[str, Any]:
        """{"query", "total", "hits", "did_you_mean"} as printed by the CLI."""
        return {
            "query": self.query,
            "total": self.total,
            "hits": [hit.to_json() for hit in self.hits],
            "did_you_mean": self.did_you_mean,
        }


@dataclass
class ArchiveStats:
    """Counts over the whole index (computed once per index generation)."""

    issues: int
    documents: int
    patches: int
    by_kind: list[tuple[str, int]]
    by_tree: list[tuple[str, int]]
    by_author: list[tuple[str, int]]
    patches_per_issue: list[tuple[int, int]]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what `python -m index stats --json` prints)."""
        data = asdict(self)
        for key in ("by_kind", "by_tree", "by_author", "patches_per_issue"):
            data[key] = [list(pair) for pair in data[key]]
        return data

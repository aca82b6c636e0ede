"""The manifest of an index generation: what was indexed, from which files.

Kept as JSON beside the Whoosh files of each generation, so the index and the record
of what it contains are swapped in together. It maps each file to its content hash,
keeps each indexed content's issue summary and name counts (so an update can rebuild
the archive-wide author map without re-reading unchanged files), and is what
build/update reports are computed from.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.model import FileError
from index.results import IssueSummary

FORMAT = 1
FILENAME = "manifest.json"


@dataclass
class IssueEntry:
    """One indexed file content (keyed by its hash in Manifest.issues)."""

    summary: IssueSummary
    names: dict[str, int]  # author names as written -> count (input of build_author_map)
    authors: dict[str, int]  # canonical author -> patch entries
    trees: dict[str, int]  # tree -> patch entries
    kinds: dict[str, int]  # document kind -> documents
    documents: int

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary.to_json(),
            "names": self.names,
            "authors": self.authors,
            "trees": self.trees,
            "kinds": self.kinds,
            "documents": self.documents,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IssueEntry:
        return cls(
            summary=IssueSummary.from_json(data["summary"]),
            names={str(k): int(v) for k, v in data.get("names", {}).items()},
            authors={str(k): int(v) for k, v in data.get("authors", {}).items()},
            trees={str(k): int(v) for k, v in data.get("trees", {}).items()},
            kinds={str(k): int(v) for k, v in data.get("kinds", {}).items()},
            documents=int(data.get("documents", 0)),
        )


@dataclass
class Manifest:
    """What one index generation holds."""

    schema: int
    files: dict[str, str] = field(default_factory=dict)  # path -> content hash
    issues: dict[str, IssueEntry] = field(default_factory=dict)  # content hash -> entry
    errors: dict[str, FileError] = field(default_factory=dict)  # path -> why unreadable
    error_hashes: dict[str, str] = field(default_factory=dict)  # path -> hash, if read
    author_map: dict[str, str] = field(default_factory=dict)  # as written -> canonical
    built: str = ""  # ISO time of the run that wrote this generation

    # ------------------------------------------------------------------ derived data

    def name_counts(self) -> Counter[str]:
        """Author names as written, counted over every indexed issue."""
        total: Counter[str] = Counter()
        for entry in self.issues.values():
            total.update(entry.names)
        return total

    def summaries(self) -> list[IssueSummary]:
        """Every indexed issue's summary, sorted by number (unnumbered last)."""
        return sorted(
            (entry.summary for entry in self.issues.values()),
            key=lambda s: (s.number is None, s.number or 0, s.source),
        )

    def documents(self) -> int:
        return sum(entry.documents for entry in self.issues.values())

    # ------------------------------------------------------------------------- I/O

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "schema": self.schema,
            "built": self.built,
            "files": self.files,
            "issues": {key: entry.to_json() for key, entry in self.issues.items()},
            "errors": {path: error.reason for path, error in self.errors.items()},
            "error_hashes": self.error_hashes,
            "author_map": self.author_map,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise ValueError(f"manifest format {data.get('format')!r} is not {FORMAT}")
        return cls(
            schema=int(data["schema"]),
            built=str(data.get("built", "")),
            files={str(k): str(v) for k, v in data["files"].items()},
            issues={k: IssueEntry.from_json(v) for k, v in data["issues"].items()},
            errors={k: FileError(k, str(v)) for k, v in data.get("errors", {}).items()},
            error_hashes={str(k): str(v) for k, v in data.get("error_hashes", {}).items()},
            author_map={str(k): str(v) for k, v in data.get("author_map", {}).items()},
        )

    def write(self, directory: Path) -> None:
        """Write atomically and durably (temporary file, fsync, rename)."""
        target = directory / FILENAME
        temporary = directory / (FILENAME + ".tmp")
        payload = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True)
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        """Read a generation's manifest; raises OSError or ValueError when unusable."""
        with open(directory / FILENAME, encoding="utf-8") as handle:
            data = json.load(handle)
        try:
            return cls.from_json(data)
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"manifest is malformed: {error!r}") from error


def representative(summaries: list[IssueSummary]) -> IssueSummary:
    """The summary that speaks for an issue number several files claim.

    Published beats draft, then the more recent date, then the file name.
    """
    return min(
        summaries,
        key=lambda s: (s.draft, -(s.date.toordinal() if s.date else 0), s.source),
    )


def diff(
    old: Manifest | None, new: Manifest
) -> tuple[list[IssueSummary], list[IssueSummary], list[int]]:
    """Issues added, changed and removed between two manifests.

    Issues are identified by number: a renamed but unchanged file is no change, an
    issue number seen for the first time is added, a number whose set of file
    contents differs is changed. Unnumbered issues are identified by content, then by
    file path (a changed unnumbered file is "changed"; a removed one is only logged,
    since `removed` holds numbers).
    """
    old_numbered, old_loose = _by_number(old)
    new_numbered, new_loose = _by_number(new)
    added: list[IssueSummary] = []
    changed: list[IssueSummary] = []
    for number, summaries in sorted(new_numbered.items()):
        before = old_numbered.get(number)
        if before is None:
            added.append(representative(summaries))
        elif {s.content_hash for s in before} != {s.content_hash for s in summaries}:
            changed.append(representative(summaries))
    old_hashes = {s.content_hash for s in old_loose}
    old_sources = {s.source for s in old_loose}
    for summary in new_loose:
        if summary.content_hash in old_hashes:
            continue
        (changed if summary.source in old_sources else added).append(summary)
    removed = sorted(number for number in old_numbered if number not in new_numbered)
    return added, changed, removed


def _by_number(
    manifest: Manifest | None,
) -> tuple[dict[int, list[IssueSummary]], list[IssueSummary]]:
    numbered: dict[int, list[IssueSummary]] = {}
    loose: list[IssueSummary] = []
    if manifest is None:
        return numbered, loose
    for entry in manifest.issues.values():
        summary = entry.summary
        if summary.number is None:
            loose.append(summary)
        else:
            numbered.setdefault(summary.number, []).append(summary)
    return numbered, loose

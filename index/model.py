"""The archive's data model: what one newsletter issue file holds, as plain dataclasses.

Everything downstream (documents, the Whoosh index, the bot) reads these and nothing
else, so a field here is a promise: it is filled the same way for Markdown, MDX and
plain-text issues, or left at its "unknown" value (None, empty) when the file does
not say.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Item:
    """A link entry of a section: a talk, a slide deck, an article, a project, a note."""

    title: str
    url: str | None = None
    text: str = ""


@dataclass
class Section:
    """A section of an issue; `path` is the heading path, e.g. ["Presentations", "Slides"]."""

    path: list[str]
    text: str = ""
    url: str | None = None
    items: list[Item] = field(default_factory=list)

    @property
    def name(self) -> str:
        return " > ".join(self.path)


@dataclass
class Patch:
    """One entry of the Patches section.

    `parent` is the index (in the issue's `patches` list) of the entry this one is
    nested under, usually a cover letter; `author` is canonical across the archive and
    `author_as_written` is the spelling in this file.
    """

    subject: str
    url: str | None = None
    author: str | None = None
    author_as_written: str | None = None
    tree: str | None = None
    version: int | None = None
    part: int | None = None
    total: int | None = None
    rfc: bool = False
    kind: str = "patch"
    mailing_list: str | None = None
    parent: int | None = None
    group: str | None = None
    revision: str | None = None
    title_as_written: str = ""

    @property
    def is_cover_letter(self) -> bool:
        return self.part == 0


@dataclass
class Commit:
    """A commit reference such as `7a12b5031c6b (sparc64: Add eBPF JIT., 2017-04-17)`."""

    hash: str
    title: str
    date: dt.date | None = None
    url: str | None = None


@dataclass
class Issue:
    """One newsletter issue, as read from one file.

    `number` and `date` stay None when the file does not tell them; they are never
    guessed. `warnings` explains everything the parser had to repair or distrust.
    """

    source: str
    number: int | None = None
    title: str = ""
    date: dt.date | None = None
    author: str | None = None
    draft: bool = False
    summary: str = ""
    path: str | None = None
    tags: list[str] = field(default_factory=list)
    highlights: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    content_hash: str = ""

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def section(self, *path: str) -> Section | None:
        """The section whose heading path equals `path` (case-insensitive), or None."""
        wanted = [part.casefold() for part in path]
        for section in self.sections:
            if [part.casefold() for part in section.path] == wanted:
                return section
        return None

    def to_json(self) -> dict[str, Any]:
        """The issue as the JSON object `python -m index dump --json` prints."""
        return {
            "number": self.number,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "draft": self.draft,
            "source": self.source,
            "author": self.author,
            "summary": self.summary,
            "path": self.path,
            "tags": list(self.tags),
            "highlights": list(self.highlights),
            "warnings": list(self.warnings),
            "sections": [
                {
                    "path": list(section.path),
                    "url": section.url,
                    "text": section.text,
                    "items": [asdict(item) for item in section.items],
                }
                for section in self.sections
            ],
            "patches": [asdict(patch) for patch in self.patches],
            "commits": [
                {
                    "hash": commit.hash,
                    "title": commit.title,
                    "date": commit.date.isoformat() if commit.date else None,
                    "url": commit.url,
                }
                for commit in self.commits
            ],
        }


@dataclass
class FileError:
    """A file that could not be read as an issue at all, and why."""

    source: str
    reason: str


@dataclass
class Archive:
    """Every issue read from a set of files, plus the files that could not be read."""

    issues: list[Issue] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)

    def by_number(self, number: int) -> Issue | None:
        for issue in self.issues:
            if issue.number == number:
                return issue
        return None

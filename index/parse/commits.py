"""Commit references: `7a12b5031c6b (sparc64: Add eBPF JIT., 2017-04-17)`, linked or bare."""

from __future__ import annotations

import datetime as dt
import re

from index.model import Commit
from index.parse.text import clean_inline, links_in

# git's `%h (%s, %ad)` reference style; the title may hold commas and parentheses, the
# date is always last.
_DATE_HINT = re.compile(r"\d{4}-\d{2}-\d{2}\)")
_REFERENCE = re.compile(r"(?<![0-9A-Za-z])([0-9a-f]{7,40}) \((.+?), (\d{4}-\d{2}-\d{2})\)")


def commits_in(lines: list[str]) -> list[Commit]:
    """Every commit reference in the lines, in order, each hash once."""
    found: list[Commit] = []
    seen: set[str] = set()
    for line in lines:
        if not _DATE_HINT.search(line):
            continue
        links = links_in(line)
        bare = line
        for link in reversed(links):
            bare = bare[: link.start] + " " * (link.end - link.start) + bare[link.end :]
        candidates: list[tuple[str, str | None]] = [(link.text, link.url) for link in links]
        candidates.append((bare, None))
        for text, url in candidates:
            for match in _REFERENCE.finditer(clean_inline(text)):
                hash_, title, date = match.groups()
                if hash_ not in seen:
                    seen.add(hash_)
                    found.append(Commit(hash_, clean_inline(title), _date(date), url))
    return found


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None

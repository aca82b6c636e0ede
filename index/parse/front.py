"""Front matter: read it with python-frontmatter, and distrust it where the body disagrees."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import frontmatter
import yaml

_BLOCK = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_PATH_DATE = re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})(?:/|$)")


@dataclass
class FrontMatter:
    """The metadata of an issue file and the body that follows it."""

    metadata: dict[str, Any]
    body: str
    present: bool
    warnings: list[str] = field(default_factory=list)

    def text(self, key: str) -> str | None:
        """A metadata value as trimmed text, warning when padding had to be removed."""
        value = self.metadata.get(key)
        if value is None or isinstance(value, (dict, list)):
            return None
        text = str(value)
        trimmed = " ".join(text.split())
        if trimmed != text:
            self.warnings.append(f"front matter {key!r} {text!r} had stray whitespace (trimmed)")
        return trimmed or None


def split_front_matter(text: str) -> FrontMatter:
    """Separate YAML front matter from the body. Never raises.

    Broken YAML, or YAML that is not a mapping, is reported and the block is dropped so the
    body is still read.
    """
    if not text.startswith("---"):
        return FrontMatter({}, text, present=False)
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError, TypeError, AttributeError) as error:
        reason = " ".join(str(error).split())[:160]
        block = _BLOCK.match(text)
        body = text[block.end() :] if block else text
        return FrontMatter(
            {}, body, present=bool(block),
            warnings=[f"front matter is not valid YAML ({reason}); read the body without it"],
        )
    metadata = post.metadata
    if not metadata and (block := _BLOCK.match(text)) and block.group().strip("-.\n \t"):
        # python-frontmatter drops YAML that is not a mapping (a list, a bare string)
        # silently; say so, since the author meant something by it.
        return FrontMatter({}, post.content, True, ["front matter is not a mapping; ignored"])
    return FrontMatter({str(key): value for key, value in metadata.items()}, post.content, True)


def front_date(front: FrontMatter) -> dt.date | None:
    """The issue date: front matter `date`, else a date in `path`; None when neither says."""
    value = front.metadata.get("date")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is not None:
        match = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", str(value))
        parsed = _date(*match.groups()) if match else None
        if parsed:
            return parsed
        front.warnings.append(f"front matter date {str(value)[:40]!r} is not a date; ignored")
    path = front.metadata.get("path")
    match = _PATH_DATE.search(str(path)) if path else None
    return _date(*match.groups()) if match else None


def _date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def truthy(value: Any) -> bool:
    """YAML booleans as authors write them: true, yes, "true", 1."""
    if isinstance(value, str):
        return value.strip().casefold() in ("true", "yes", "y", "1", "on")
    return bool(value)

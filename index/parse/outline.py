"""The shape of an issue body: headings, the sections they open, and the items in them.

Markdown and MDX bodies are read here directly; plain-text bodies are first given
headings by `plaintext.to_markdown`, so both end up in the same `Outline`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.parse.text import clean_inline, find_link

HIGHLIGHTS = "Highlights"

# Section headings of the newsletter family, by their normalised text. Anything else is
# still a section (or an item, when it sits under an item section) — this table only
# decides the cases headings alone cannot, such as a linked `## [Random cool note](url)`.
KNOWN_SECTIONS = {
    "highlights": "Highlights",
    "presentations": "Presentations",
    "videos": "Videos",
    "video": "Videos",
    "slides": "Slides",
    "talks": "Talks",
    "podcasts": "Podcasts",
    "papers": "Papers",
    "workshops": "Workshops",
    "in case you missed it": "In case you missed it",
    "projects": "Projects",
    "random cool note": "Random cool note",
    "random cool notes": "Random cool notes",
    "articles": "Articles",
    "tools": "Tools",
    "events": "Events",
    "conferences": "Conferences",
    "releases": "Releases",
    "books": "Books",
    "news": "News",
    "commits": "Commits",
    "jobs": "Jobs",
}
# Sections whose headings nest under a parent one even where the text has no levels.
CHILD_SECTIONS = {"Videos", "Slides", "Talks", "Podcasts", "Papers", "Workshops"}
PARENT_SECTIONS = {"Presentations"}
_PATCHES = re.compile(r"\bpatch(?:es)?\b", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_MDX_IMPORT = re.compile(
    r"""^\s*(?:import\s.+\sfrom\s+['"][^'"]+['"]|import\s+['"][^'"]+['"]"""
    r"""|export\s+(?:const|default|function|let)\b.*);?\s*$"""
)
_JSX_LINE = re.compile(r"^\s*</?[A-Z][\w.]*(?:\s[^<>]*)?/?>\s*$")


def normalise_heading(text: str) -> str:
    """Heading text compared case- and punctuation-insensitively."""
    return re.sub(r"[^\w ]+", "", text.casefold()).strip()


def is_patches_heading(text: str) -> bool:
    return bool(_PATCHES.search(text))


@dataclass
class OutlineItem:
    title: str
    url: str | None
    lines: list[str] = field(default_factory=list)


@dataclass
class OutlineSection:
    path: list[str]
    level: int
    url: str | None = None
    lines: list[str] = field(default_factory=list)
    items: list[OutlineItem] = field(default_factory=list)
    patches: bool = False

    @property
    def item_container(self) -> bool:
        """Whether headings below this section name items rather than sub-sections."""
        return not self.patches and self.path[-1] not in PARENT_SECTIONS


@dataclass
class Outline:
    title: str | None = None
    sections: list[OutlineSection] = field(default_factory=list)
    stripped_mdx: int = 0


def strip_mdx(body: str) -> tuple[str, int]:
    """Remove MDX `import`/`export` lines and block-level JSX tags; return (body, count)."""
    kept: list[str] = []
    removed = 0
    in_fence = False
    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and (_MDX_IMPORT.match(line) or _JSX_LINE.match(line)):
            removed += 1
            continue
        kept.append(line)
    return "\n".join(kept), removed


def outline(body: str) -> Outline:
    """Split a markdown body into sections and items. Never raises."""
    body, stripped = strip_mdx(body)
    result = Outline(stripped_mdx=stripped)
    intro = OutlineSection([HIGHLIGHTS], level=1)
    result.sections.append(intro)
    stack: list[OutlineSection] = []
    current: OutlineSection = intro
    item: OutlineItem | None = None
    in_fence = False
    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading is None:
            (item.lines if item is not None else current.lines).append(line)
            continue
        level = len(heading.group(1))
        text, url = _heading_text(heading.group(2))
        if level == 1 and result.title is None and not stack:
            result.title = text
            continue
        level = max(level, 2)
        known = KNOWN_SECTIONS.get(normalise_heading(text))
        inside_patches = bool(stack) and stack[0].patches and level > stack[0].level
        if known is None and not inside_patches and stack and _names_item(stack, level, url):
            item = OutlineItem(text, url)
            stack[-1].items.append(item)
            continue
        while stack and stack[-1].level >= level:
            stack.pop()
        if known in CHILD_SECTIONS and not stack and result.sections[-1].path[0] in PARENT_SECTIONS:
            # Plain-text issues lose heading levels: `Slides` after `Presentations` is its child.
            stack.append(_find_parent(result.sections))
        name = known or text
        section = OutlineSection(
            [*(s.path[-1] for s in stack), name] if stack else [name],
            level=level,
            url=url,
            patches=bool(stack and stack[0].patches) or (not stack and is_patches_heading(name)),
        )
        result.sections.append(section)
        stack.append(section)
        current, item = section, None
    return result


def _names_item(stack: list[OutlineSection], level: int, url: str | None) -> bool:
    parent = stack[-1]
    if level <= parent.level and url is None:
        return False
    if url is not None:
        return parent.item_container or level > parent.level
    return parent.item_container and level > parent.level


def _find_parent(sections: list[OutlineSection]) -> OutlineSection:
    for section in reversed(sections):
        if len(section.path) == 1:
            return section
    return sections[-1]


def _heading_text(raw: str) -> tuple[str, str | None]:
    link = find_link(raw)
    if link is not None and link.start == 0 and not raw[link.end :].strip():
        return clean_inline(link.text), link.url
    return clean_inline(raw), None

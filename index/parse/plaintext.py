"""Plain-text issues (rendered from the web page): give them back their structure.

The text has no markup: the title on the first line, section headings and item titles
as bare lines, bullets as `•`, links lost. We rebuild markdown headings from what a
reader would go by: a line that is a known section name is a heading; a short line of
its own that does not end a sentence, followed by a paragraph, is an item title.
"""

from __future__ import annotations

import re

from index.parse.outline import (
    CHILD_SECTIONS,
    KNOWN_SECTIONS,
    PARENT_SECTIONS,
    is_patches_heading,
    normalise_heading,
)

_BULLET = re.compile(r"^(\s*)[•·▪◦‣∙*-]\s+")
_MARKDOWN_HINTS = re.compile(r"^#{1,6}\s|\[[^\]\n]+\]\([^)\s]+\)|^\s*[-*+]\s+\S", re.MULTILINE)
_ITEM_TITLE_MAX = 120
_SENTENCE_END = (".", ":", ";", ",", "!")


def looks_like_markdown(body: str) -> bool:
    """Whether the body has markdown structure (headings, links or `-` lists)."""
    return len(_MARKDOWN_HINTS.findall(body)) >= 2


def to_markdown(text: str) -> str:
    """Rebuild markdown headings and bullets from a plain-text issue.

    The first non-blank line becomes the `#` title. Never raises.
    """
    paragraphs = _paragraphs(text)
    out: list[str] = []
    if paragraphs:
        out.append("# " + paragraphs[0][0].strip())
        rest = paragraphs[0][1:]
        paragraphs = ([rest] if rest else []) + paragraphs[1:]
    top: str | None = None
    for index, lines in enumerate(paragraphs):
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        single = lines[0].strip() if len(lines) == 1 else None
        known = KNOWN_SECTIONS.get(normalise_heading(single)) if single else None
        if single and (known or (is_patches_heading(single) and len(single) < 40)):
            name = known or single
            if name in CHILD_SECTIONS and top in PARENT_SECTIONS:
                out.append(f"### {name}")
            else:
                out.append(f"## {name}")
                top = name
        elif single and top and _is_item_title(single, following, top):
            out.append(f"#### {single}")
        else:
            out.extend(_dedent_bullets(lines))
        out.append("")
    return "\n".join(out)


def _dedent_bullets(lines: list[str]) -> list[str]:
    """`  • item` lines as markdown bullets, nested relative to the paragraph's least indent."""
    indents = [len(m.group(1)) for line in lines if (m := _BULLET.match(line))]
    base = min(indents, default=0)
    return [
        _BULLET.sub(lambda m: " " * (len(m.group(1)) - base) + "- ", line, count=1)
        for line in lines
    ]


def _paragraphs(text: str) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _is_item_title(line: str, following: list[str] | None, top: str) -> bool:
    if is_patches_heading(top) or _BULLET.match(line):
        return False
    if len(line) > _ITEM_TITLE_MAX or line.endswith(_SENTENCE_END):
        return False
    if following is None:
        return False
    # A title introduces a paragraph of prose, not another title or a heading.
    next_first = following[0].strip()
    return len(following) > 1 or len(next_first) > len(line) or next_first.endswith(
        _SENTENCE_END
    )

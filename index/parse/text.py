"""Inline text helpers shared by the parsers: links, markdown escapes, mangled markup."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters markdown lets authors escape; the site's exporter escaped many of them.
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~&\"'=:/])")
# Attributes an HTML exporter left behind in plain text, e.g. data-preserve-html-node="true".
_STRAY_ATTRIBUTE = re.compile(r"[ \t]?\bdata-[\w-]+=\"[^\"]*\"")
_JSX_INLINE = re.compile(r"<[A-Z][\w.]*(?:\s[^<>]*)?/>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_SCHEME = re.compile(r"https?://", re.IGNORECASE)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


@dataclass
class Link:
    """A markdown link found in a line: `[text](url)` spanning line[start:end]."""

    text: str
    url: str
    start: int
    end: int


def strip_control(text: str) -> str:
    """Remove control characters (they would confuse Discord and our snippet markers)."""
    return _CONTROL.sub("", text)


def clean_inline(text: str, *, keep_code: bool = False) -> str:
    """Undo what the site's exporter mangled in one line of text.

    Removes markdown escapes (`1\\<\\<16` -> `1<<16`), stray HTML attributes, inline JSX
    components and, unless `keep_code`, the backticks around code spans.
    """
    # The checks for a trigger character keep this cheap: it runs on every line.
    if "data-" in text:
        text = _STRAY_ATTRIBUTE.sub("", text)
    if "/>" in text:
        text = _JSX_INLINE.sub("", text)
    if "\\" in text:
        text = _MD_ESCAPE.sub(r"\1", text)
    if not keep_code:
        text = text.replace("`", "")
    return _SPACES.sub(" ", text).strip()


def find_link(line: str, start: int = 0) -> Link | None:
    """The first `[text](url)` at or after `start`, with brackets in the text balanced.

    Link texts in the archive nest brackets (`[[PATCH net-next] bpf: ...](url)`,
    `[... [e]BPF](url)`), which a flat regex gets wrong.
    """
    position = start
    while True:
        opening = line.find("[", position)
        if opening < 0:
            return None
        closing = _matching(line, opening, "[", "]")
        if closing < 0:
            return None
        if closing + 1 < len(line) and line[closing + 1] == "(":
            url_end = _matching(line, closing + 1, "(", ")")
            if url_end > 0:
                url = line[closing + 2 : url_end].strip()
                # `[text](url "title")`: drop the title part.
                url = url.split(" ", 1)[0].strip("<>")
                return Link(line[opening + 1 : closing], url, opening, url_end + 1)
        position = opening + 1


_BRACKETS = re.compile(r"\\.|[\[\]]")
_PARENS = re.compile(r"\\.|[()]")


def _matching(text: str, opening: int, open_char: str, close_char: str) -> int:
    depth = 0
    # Jump between the characters that matter; escaped ones (`\]`) are skipped whole.
    for match in (_BRACKETS if open_char == "[" else _PARENS).finditer(text, opening):
        char = match.group()
        if char == open_char:
            depth += 1
        elif char == close_char:
            depth -= 1
            if depth == 0:
                return match.start()
    return -1


def links_in(line: str) -> list[Link]:
    """Every markdown link of a line, in order."""
    found: list[Link] = []
    position = 0
    while (link := find_link(line, position)) is not None:
        found.append(link)
        position = link.end
    return found


def plain_text(markdown: str) -> str:
    """Markdown reduced to the words a reader sees: links become their text."""
    out_lines = []
    for line in markdown.splitlines():
        pieces: list[str] = []
        position = 0
        for link in links_in(line):
            pieces.append(line[position : link.start])
            pieces.append(link.text)
            position = link.end
        pieces.append(line[position:])
        text = "".join(pieces)
        text = re.sub(r"^\s*(?:[-*+•]|\d+[.)]|>)\s+", "", text)
        text = _EMPHASIS.sub(r"\2", text)
        out_lines.append(clean_inline(text))
    return "\n".join(line for line in out_lines if line)


def repair_url(url: str) -> tuple[str, bool]:
    """Return (url, repaired): a URL written twice in one link is cut down to one.

    The archive has `...msg449999.htmlcwhttps://...msg449999.html`. A second scheme that
    follows a path separator or a query (`/https://`, `?u=https://`) is a legitimate
    embedded URL (web archives, redirectors) and is left alone.
    """
    starts = [match.start() for match in _SCHEME.finditer(url)]
    if len(starts) < 2:
        return url, False
    glued = [start for start in starts[1:] if url[start - 1] not in "/=?&%#:"]
    if not glued:
        return url, False
    last = glued[-1]
    return url[last:], True

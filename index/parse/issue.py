"""Assembling one Issue from a decoded file: front matter, outline, patches, commits."""

from __future__ import annotations

import re

from index.model import Issue, Item, Patch, Section
from index.parse.authors import fold, same_person
from index.parse.commits import commits_in
from index.parse.front import FrontMatter, front_date, split_front_matter, truthy
from index.parse.outline import HIGHLIGHTS, Outline, OutlineSection, outline
from index.parse.patches import parse_patch_line
from index.parse.plaintext import looks_like_markdown, to_markdown
from index.parse.text import clean_inline, find_link, plain_text

_BULLET = re.compile(r"^(\s*)(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_TITLE_NUMBER = re.compile(r"\b(?:updates?|issue|edition|no\.?)\s*#?\s*0*(\d{1,4})\b", re.I)
_BODY_NUMBER = re.compile(r"\bthis is (?:issue|edition|number)\s*#?\s*0*(\d{1,4})\b", re.I)
_PATH_NUMBER = re.compile(r"(?:updates?|issue)[-_/]?0*(\d{1,4})/?$", re.I)
_WRITTEN_BY = re.compile(r"\bwritten by ((?:[^\W\d_][\w'’.-]*\s?){1,5})")
_STOPWORDS = frozenset(
    "about after also and are around been being between both but can covering from have "
    "into like more most other over some such than that the their them then there these "
    "they this those through under updates using what when where which while will with "
    "your issue newsletter".split()
)
_NOTE_TITLE_MAX = 90


def build_issue(text: str, source: str) -> Issue:
    """Read one issue from decoded text. Never raises for any text."""
    front = split_front_matter(text)
    body = front.body
    if not front.present and not looks_like_markdown(body):
        body = to_markdown(body)
    shape = outline(body)
    issue = Issue(source=source)
    statement = _read_metadata(issue, front, shape)
    _read_sections(issue, shape)
    _check_front_matter(issue, front, body, statement)
    for warning in front.warnings:
        issue.warn(warning)
    return issue


def _read_metadata(issue: Issue, front: FrontMatter, shape: Outline) -> str:
    """Fill title, path, date, draft, tags and number; return the opening statement."""
    issue.title = front.text("title") or shape.title or _first_line(shape) or ""
    issue.path = front.text("path")
    issue.date = front_date(front)
    issue.draft = truthy(front.metadata.get("draft", False))
    tags = front.metadata.get("tags")
    if isinstance(tags, list):
        issue.tags = [str(tag).strip() for tag in tags if str(tag).strip()]
    intro = shape.sections[0]
    statement = _intro_statement(intro)
    issue.number = _issue_number(issue, statement)
    return statement


def _first_line(shape: Outline) -> str | None:
    intro = shape.sections[0]
    for index, line in enumerate(intro.lines):
        if line.strip():
            del intro.lines[index]
            return clean_inline(line.lstrip("# "))
    return None


def _intro_statement(intro: OutlineSection) -> str:
    """The opening paragraph ("This is issue 10 of the regular newsletter ...")."""
    paragraph: list[str] = []
    for line in intro.lines:
        if line.strip() and not _RULE.match(line):
            paragraph.append(line.strip())
        elif paragraph:
            break
    text = " ".join(paragraph)
    return text if re.search(r"newsletter|this is", text, re.I) else ""


def _issue_number(issue: Issue, statement: str) -> int | None:
    candidates: list[tuple[str, int]] = []
    if match := _TITLE_NUMBER.search(issue.title):
        candidates.append(("title", int(match.group(1))))
    if match := _BODY_NUMBER.search(statement):
        candidates.append(("body", int(match.group(1))))
    if issue.path and (match := _PATH_NUMBER.search(issue.path.strip())):
        candidates.append(("path", int(match.group(1))))
    if not candidates:
        issue.warn("no issue number in the title, the body ('This is issue N') or the path")
        return None
    source, number = candidates[0]
    for other, value in candidates[1:]:
        if value != number:
            issue.warn(
                f"issue number {value} in the {other} disagrees with {number} in the {source}"
            )
    return number


def _read_sections(issue: Issue, shape: Outline) -> None:
    for raw in shape.sections:
        section = Section(list(raw.path), url=raw.url)
        own_lines = raw.lines
        if raw.patches:
            own_lines = _read_patches(issue, raw)
        if raw.path == [HIGHLIGHTS]:
            own_lines = _drop_statement(own_lines)
            issue.highlights = _first_bullet_list(own_lines)
        section.text = _clean_block(own_lines)
        section.items = [
            Item(item.title, item.url, _clean_block(item.lines)) for item in raw.items
        ]
        if not raw.patches:
            section.items.extend(_bullet_link_items(own_lines))
        if not section.items and raw.path[-1].casefold().startswith("random cool note"):
            note = plain_text(section.text)
            if note:
                title = note if len(note) <= _NOTE_TITLE_MAX else note[:_NOTE_TITLE_MAX] + "…"
                section.items.append(Item(title.split("\n")[0], raw.url, section.text))
        if raw.path != [HIGHLIGHTS] or section.text or section.items:
            issue.sections.append(section)
        item_lines = [line for item in raw.items for line in item.lines]
        known = {commit.hash for commit in issue.commits}
        issue.commits.extend(
            commit for commit in commits_in(raw.lines + item_lines) if commit.hash not in known
        )


def _drop_statement(lines: list[str]) -> list[str]:
    """The intro without its opening statement and the rule under it."""
    kept = list(lines)
    while kept and not kept[0].strip():
        kept.pop(0)
    statement_end = next((i for i, line in enumerate(kept) if not line.strip()), len(kept))
    if re.search(r"newsletter|this is", " ".join(kept[:statement_end]), re.I):
        kept = kept[statement_end:]
    return [line for line in kept if not _RULE.match(line)]


def _first_bullet_list(lines: list[str]) -> list[str]:
    bullets: list[str] = []
    for line in lines:
        match = _BULLET.match(line)
        if match and not match.group(1):
            bullets.append(clean_inline(match.group(2), keep_code=True))
        elif bullets and not line.strip():
            break
    return [bullet for bullet in bullets if bullet]


def _bullet_link_items(lines: list[str]) -> list[Item]:
    """`- [title](url) - description` bullets are items of their section too."""
    items = []
    for line in lines:
        match = _BULLET.match(line)
        if not match:
            continue
        content = match.group(2)
        link = find_link(content)
        if link is None or link.start != 0:
            continue
        rest = content[link.end :].strip(" -–—:,")
        items.append(Item(clean_inline(link.text), link.url, clean_inline(rest, keep_code=True)))
    return items


def _read_patches(issue: Issue, raw: OutlineSection) -> list[str]:
    """Parse the list entries of a Patches section into issue.patches; return other lines."""
    other: list[str] = []
    stack: list[tuple[int, int]] = []  # (indent, index in issue.patches)
    group = raw.path[1] if len(raw.path) > 1 else None
    for line in raw.lines:
        match = _BULLET.match(line)
        if not match:
            other.append(line)
            continue
        indent = len(match.group(1).expandtabs(4))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parsed = parse_patch_line(match.group(2))
        patch = parsed.patch
        patch.group = group
        if stack:
            parent = issue.patches[stack[-1][1]]
            patch.parent = stack[-1][1]
            if patch.author_as_written is None:
                patch.author, patch.author_as_written = parent.author, parent.author_as_written
        for warning in parsed.warnings:
            issue.warn(f"patch {_short(patch)}: {warning}")
        if not patch.subject:
            issue.warn(f"a patch entry has no subject: {line.strip()[:80]!r}")
        stack.append((indent, len(issue.patches)))
        issue.patches.append(patch)
    return other


def _short(patch: Patch) -> str:
    subject = patch.subject
    return repr(subject if len(subject) <= 60 else subject[:57] + "...")


def _clean_block(lines: list[str]) -> str:
    cleaned: list[str] = []
    for line in lines:
        if _RULE.match(line):
            continue
        text = clean_inline(line, keep_code=True)
        if text or (cleaned and cleaned[-1]):
            cleaned.append(text)
    return "\n".join(cleaned).strip()


def _check_front_matter(issue: Issue, front: FrontMatter, body: str, statement: str) -> None:
    """Warn where front matter contradicts the body; the body wins."""
    body_author = _body_author(body)
    front_author = front.text("author")
    issue.author = body_author or front_author
    if body_author and front_author and not same_person(body_author, front_author):
        issue.warn(
            f"front matter author {front_author!r} contradicts the body "
            f"('written by {body_author}'); using {body_author!r}"
        )
    body_words: set[str] | None = None  # only computed when there is a summary to check
    summary = ""
    for key in ("ogSummary", "description", "summary", "excerpt"):
        value = front.text(key)
        if not value:
            continue
        if body_words is None:
            body_words = set(_words(plain_text(body)))
        words = _words(value)
        shared = sum(1 for word in words if word in body_words)
        if len(words) >= 5 and shared < 0.4 * len(words):
            issue.warn(
                f"front matter {key} {value[:70]!r}... does not match the body "
                "(it seems to belong to another post); ignored"
            )
        elif not summary:
            summary = value
    issue.summary = summary or clean_inline(statement)


def _body_author(body: str) -> str | None:
    match = _WRITTEN_BY.search(body[:3000])
    if not match:
        return None
    words = []
    for word in match.group(1).split():
        if not word[0].isupper():
            break
        words.append(word)
        if word.endswith("."):
            break
    name = " ".join(words).rstrip(".")
    return name if len(words) >= 2 or (words and len(name) > 3) else None


def _words(text: str) -> list[str]:
    return [
        word
        for word in re.findall(r"[^\W\d_]{4,}", fold(text))
        if word not in _STOPWORDS
    ]

"""From parsed issues to index documents and issue summaries.

One document per patch entry, link item, section with text of its own, commit
reference and issue: the grain people ask about. Every document carries the issue
file's content hash (`fhash`) so an update can replace one file's documents, and an
archive-order `seq` so filter-only queries list entries as the newsletter does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from index.analysis import WORD_PATTERN, fold, is_identifier
from index.model import Issue, Patch, Section
from index.parse import author_counts
from index.results import IssueSummary

# Section heading -> item kind; the deepest matching heading wins, the rest are articles.
_SECTION_KINDS = {
    "videos": "video",
    "video": "video",
    "slides": "slides",
    "slide": "slides",
    "slide decks": "slides",
    "talks": "talk",
    "talk": "talk",
    "projects": "project",
    "project": "project",
    "random cool note": "note",
    "random cool notes": "note",
}
# Sections whose documents fold into the issue document's group (same highlights text).
_ISSUE_SECTIONS = frozenset({"highlights"})

TOP = 5  # entries in IssueSummary.top_trees / top_authors
# Listings show newest issues first, entries in newsletter order within an issue:
# seq = (_SEQ_NEWEST - number) * _SEQ_ISSUE + position; unnumbered issues sort last.
_SEQ_ISSUE = 1_000_000
_SEQ_NEWEST = 999_999

# [text](url): text may nest one level of brackets, the URL one level of parentheses
_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^()\s]*(?:\([^()]*\)[^()\s]*)*[^)]*\)")
_URL = re.compile(r"<?\bhttps?://[^\s<>()\]]+>?", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MARKUP = re.compile(r"(?m)^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+•]\s+|\d+\.\s+)|[`*]|(?<!\w)_(?!\w)")
_MARKUP_TRIGGER = re.compile(r"[`*_#>•+\-]|\d\.")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
_BRACKET_TAG = re.compile(r"^\s*(\[[^\]]*\]\s*)+")
_SPACE = re.compile(r"\s+")
_EXACT_WORD = re.compile(r"\w+")
_WORD = re.compile(WORD_PATTERN)
_IDENT_PART = re.compile(r"[^\W_]+")
_LETTER = re.compile(r"[^\W\d_]")


def kind_of_section(path: list[str]) -> str:
    """The kind of the items of a section: video, slides, talk, project, note or article."""
    for heading in reversed(path):
        kind = _SECTION_KINDS.get(fold(heading))
        if kind:
            return kind
    return "article"


def plain_text(markdown: str) -> str:
    """Searchable, displayable text: links reduced to their text, URLs and markup dropped.

    Also removes control characters, so the snippet markers \\x02/\\x03 never occur in
    document text.
    """
    if not markdown:
        return ""
    # Each pass runs only when its trigger character is there: most subjects and
    # titles need none, and this runs for every field of 100k documents
    text = _CONTROL.sub(" ", markdown) if not markdown.isprintable() else markdown
    if "](" in text:
        text = _LINK.sub(lambda match: match.group(1), text)
    if "://" in text:
        text = _URL.sub(" ", text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    if _MARKUP_TRIGGER.search(text):
        text = _MARKUP.sub("", text)
    return " ".join(text.split())


def series_key(subject: str) -> str:
    """The normalised subject that names a series across versions and issues.

    "[PATCH net-next v2 0/5] Landlock LSM: Toward..." and "Landlock LSM: toward..."
    give the same key.
    """
    text = _BRACKET_TAG.sub("", plain_text(subject))
    text = re.sub(r"^(?:re|fwd?)\s*:\s*", "", text, flags=re.IGNORECASE)
    return fold(text).rstrip(" .")


def tracker(url: str | None, mailing_list: str | None) -> str | None:
    """The `list:` value: the mailing list, else the archive or tracker host."""
    if mailing_list:
        return mailing_list.lower()
    host = (urlsplit(url).hostname or "").lower() if url else ""
    return host.removeprefix("www.") or None


def exact_form(title: str) -> str:
    """A title as the exact-match field keeps it: folded words, single spaces.

    `index.query` normalises the query text the same way.
    """
    return " ".join(_EXACT_WORD.findall(fold(plain_text(title))))


def title_words(title: str) -> Iterator[str]:
    """The unstemmed, folded words of a title for the did-you-mean vocabulary.

    Identifiers count whole and by parts; words need 3+ characters and a letter.
    """
    for match in _WORD.finditer(fold(title)):
        word = match.group()
        if is_identifier(word):
            for part in _IDENT_PART.findall(word):
                if len(part) >= 3 and _LETTER.search(part):
                    yield part
        if len(word) >= 3 and _LETTER.search(word):
            yield word


def _head_index(patches: list[Patch], index: int) -> int:
    """The top-level entry a patch is nested under (itself when not nested)."""
    seen = {index}
    while patches[index].parent is not None and 0 <= patches[index].parent < len(patches):
        index = patches[index].parent
        if index in seen:  # a cycle would be a parser bug; stop rather than loop
            break
        seen.add(index)
    return index


@dataclass
class IssueDocuments:
    """Everything the index keeps about one issue file."""

    summary: IssueSummary
    documents: list[dict[str, Any]]
    names: dict[str, int] = field(default_factory=dict)  # as written -> count (author map)
    authors: dict[str, int] = field(default_factory=dict)  # canonical -> patch entries
    trees: dict[str, int] = field(default_factory=dict)  # tree -> patch entries
    kinds: dict[str, int] = field(default_factory=dict)  # document kind -> documents
    words: Counter[str] = field(default_factory=Counter)  # title vocabulary (did-you-mean)


def summarize(issue: Issue) -> IssueSummary:
    """The issue's summary as served by `IndexStore.issue()` and the reports."""
    authors = Counter(patch.author for patch in issue.patches if patch.author)
    trees = Counter(patch.tree for patch in issue.patches if patch.tree)
    return IssueSummary(
        number=issue.number,
        title=issue.title,
        date=issue.date,
        author=issue.author,
        draft=issue.draft,
        path=issue.path,
        summary=issue.summary,
        highlights=list(issue.highlights),
        section_counts=[(s.name, len(s.items)) for s in issue.sections if s.items],
        patch_count=len(issue.patches),
        top_trees=trees.most_common(TOP),
        top_authors=authors.most_common(TOP),
        source=issue.source,
        content_hash=issue.content_hash,
        warnings=list(issue.warnings),
    )


def issue_documents(issue: Issue, content_hash: str) -> IssueDocuments:
    """The documents, summary and counts of one parsed issue.

    `content_hash` identifies the file's content; it keys the documents (`fhash`) so
    identical files are indexed once and an update can delete one file's documents.
    """
    builder = _Builder(issue, content_hash)
    documents = list(builder.documents())
    names = author_counts([issue])  # the parser's rule, so update maps names like build
    return IssueDocuments(
        summary=summarize(issue),
        documents=documents,
        names=dict(names),
        authors=dict(Counter(patch.author for patch in issue.patches if patch.author)),
        trees=dict(Counter(patch.tree for patch in issue.patches if patch.tree)),
        kinds=dict(Counter(document["kind"] for document in documents)),
        words=Counter(
            word for document in documents for word in title_words(document.get("title", ""))
        ),
    )


class _Builder:
    """Builds one issue's documents; keeps the shared fields and the archive order."""

    def __init__(self, issue: Issue, content_hash: str) -> None:
        self.issue = issue
        self.hash = content_hash
        self.key = content_hash[:16]
        self.position = 0

    def _base(self, kind: str, suffix: str) -> dict[str, Any]:
        self.position += 1
        number = self.issue.number
        document: dict[str, Any] = {
            "id": f"{self.key}:{suffix}",
            "fhash": self.hash,
            "kind": kind,
            "seq": (_SEQ_NEWEST - (number or 0)) * _SEQ_ISSUE + self.position,
        }
        if number is not None:
            document["issue"] = str(number)
        if self.issue.date:
            document["date"] = self.issue.date.isoformat()
        return document

    def documents(self) -> Iterator[dict[str, Any]]:
        yield self._issue_document()
        for index, section in enumerate(self.issue.sections):
            yield from self._section_documents(index, section)
        for index, patch in enumerate(self.issue.patches):
            yield self._patch_document(index, patch)
        for index, commit in enumerate(self.issue.commits):
            document = self._base("commit", f"c{index}")
            date = commit.date.isoformat() if commit.date else ""
            document.update(
                title=plain_text(commit.title) or commit.hash,
                title_exact=exact_form(commit.title),
                body=f"{commit.hash} {date}".strip(),
                commit=commit.hash.lower(),
                url=commit.url,
                group=document["id"],
            )
            yield _compact(document)

    def _issue_document(self) -> dict[str, Any]:
        issue = self.issue
        document = self._base("issue", "issue")
        title = plain_text(issue.title) or (f"Issue {issue.number}" if issue.number else "")
        highlights = " ".join(plain_text(line) for line in issue.highlights)
        document.update(
            title=title,
            title_exact=exact_form(title),
            body=" ".join(part for part in (plain_text(issue.summary), highlights) if part),
            url=issue.path,
            group=f"{self.key}:issue",
        )
        if issue.author:
            document.update(author=issue.author, author_id=fold(issue.author))
            document["author_name"] = issue.author
        return _compact(document)

    def _section_documents(self, index: int, section: Section) -> Iterator[dict[str, Any]]:
        name = section.name
        text = plain_text(section.text)
        if text:
            document = self._base("section", f"s{index}")
            in_issue = bool(section.path) and fold(section.path[0]) in _ISSUE_SECTIONS
            document.update(
                title=name,
                body=text,
                section=name,
                url=section.url,
                group=f"{self.key}:issue" if in_issue else document["id"],
            )
            yield _compact(document)
        kind = kind_of_section(section.path)
        for number, item in enumerate(section.items):
            document = self._base(kind, f"i{index}.{number}")
            title = plain_text(item.title) or plain_text(item.text)[:80]
            document.update(
                title=title,
                title_exact=exact_form(title),
                body=plain_text(item.text),
                section=name,
                url=item.url,
                group=document["id"],
            )
            yield _compact(document)

    def _patch_document(self, index: int, patch: Patch) -> dict[str, Any]:
        patches = self.issue.patches
        document = self._base(patch.kind or "patch", f"p{index}")
        head = _head_index(patches, index)
        head_patch = patches[head]
        key = head_patch.group or series_key(head_patch.subject or head_patch.title_as_written)
        author = patch.author or head_patch.author
        written = patch.author_as_written or head_patch.author_as_written
        names = list(dict.fromkeys(name for name in (author, written) if name))
        subject = plain_text(patch.subject) or plain_text(patch.title_as_written)
        # The body of a patch is what its subject tag says beyond the fields (every
        # posting costs ~12 us at build time): "RFC", an LLVM revision
        body = [word for word in ("RFC" if patch.rfc else "", patch.revision or "") if word]
        document.update(
            title=subject,
            title_exact=exact_form(subject),
            body=" ".join(body),
            author=" ".join(names),
            author_id="\n".join(fold(name) for name in names),
            author_name=author,
            tree=patch.tree,
            version=str(patch.version) if patch.version is not None else None,
            part=str(patch.part) if patch.part is not None else None,
            total=patch.total,
            rfc="yes" if patch.rfc else None,
            list=tracker(patch.url, patch.mailing_list),
            url=patch.url,
            series=key,
            # versions of a series group together; the author keeps same-named
            # series of different people apart
            group=f"series:{fold(author or '')}|{key}",
            cover=f"{self.key}:p{head}" if head != index else None,
            family=f"{self.key}:p{head}",
        )
        if head == index:
            document["head"] = document["group"]
        return _compact(document)


def _compact(document: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values: Whoosh would index an empty term for them."""
    return {key: value for key, value in document.items() if value not in (None, "")}

"""Reading newsletter issue files into the model (index.model).

`parse_paths` is the entry point: it reads files and folders, never raises for what a
file contains, reports unreadable files as FileError, and makes author names canonical
across everything it read.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

from index.model import Archive, FileError, Issue
from index.parse.authors import apply_author_map, author_counts, build_author_map
from index.parse.issue import build_issue
from index.parse.source import UnreadableFile, decode

__all__ = [
    "apply_author_map",
    "author_counts",
    "build_author_map",
    "content_hash",
    "issue_files",
    "parse_bytes",
    "parse_file",
    "parse_paths",
]

log = logging.getLogger(__name__)


def content_hash(data: bytes) -> str:
    """The identity of a file's content (what `update` compares)."""
    return hashlib.sha256(data).hexdigest()


def parse_bytes(data: bytes, source: str) -> Issue | FileError:
    """Parse one issue from raw bytes; `source` names the file in every message.

    Returns FileError (with the reason) when the bytes are not an issue at all: empty,
    binary, oversized. Never raises.
    """
    try:
        decoded = decode(data)
    except UnreadableFile as error:
        return FileError(source, str(error))
    try:
        issue = build_issue(decoded.text, source)
    except Exception as error:  # noqa: BLE001 - the promise is "never raises"; report it
        log.exception("parser failed on %s", source)
        return FileError(source, f"internal parser error: {type(error).__name__}: {error}")
    issue.warnings[:0] = decoded.warnings
    issue.content_hash = content_hash(data)
    return issue


def parse_file(path: Path) -> Issue | FileError:
    """Parse one issue file. Unreadable files come back as FileError. Never raises."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return FileError(str(path), f"cannot read: {error.strerror or error}")
    return parse_bytes(data, str(path))


def issue_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileError]]:
    """Expand files and folders (not hidden entries) into a sorted list of files."""
    files: list[Path] = []
    errors: list[FileError] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    child
                    for child in path.iterdir()
                    if child.is_file() and not child.name.startswith(".")
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            errors.append(FileError(str(path), "no such file or folder"))
    return files, errors


def parse_paths(paths: Iterable[Path]) -> Archive:
    """Parse every issue file in `paths` (files or folders) into an Archive."""
    files, errors = issue_files(paths)
    archive = Archive(errors=errors)
    for file in files:
        parsed = parse_file(file)
        if isinstance(parsed, FileError):
            archive.errors.append(parsed)
        else:
            archive.issues.append(parsed)
    apply_author_map(archive.issues, build_author_map(author_counts(archive.issues)))
    archive.issues.sort(key=lambda issue: (issue.number is None, issue.number or 0, issue.source))
    return archive

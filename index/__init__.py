"""The BPF Updates archive: parsing issue files and the Whoosh index over them.

This package knows nothing of Discord; `bot/` uses only the names exported here (the
contract is docs/index-api.md).
"""

from index.model import Archive, Commit, FileError, Issue, Item, Patch, Section
from index.parse import (
    apply_author_map,
    build_author_map,
    parse_bytes,
    parse_file,
    parse_paths,
)
from index.query import QUERY_HELP, mark_snippet, plain_snippet
from index.results import (
    ArchiveStats,
    BuildInProgress,
    Hit,
    IndexReport,
    IndexUnavailable,
    IssueSummary,
    QueryError,
    SearchResult,
    SeriesVersion,
)
from index.store import IndexStore

__all__ = [
    "QUERY_HELP",
    "Archive",
    "ArchiveStats",
    "BuildInProgress",
    "Commit",
    "FileError",
    "Hit",
    "IndexReport",
    "IndexStore",
    "IndexUnavailable",
    "Issue",
    "IssueSummary",
    "Item",
    "Patch",
    "QueryError",
    "SearchResult",
    "Section",
    "SeriesVersion",
    "apply_author_map",
    "build_author_map",
    "mark_snippet",
    "parse_bytes",
    "parse_file",
    "parse_paths",
    "plain_snippet",
]

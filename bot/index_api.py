"""The names bot/ uses from the `index` package (docs/index-api.md), imported in one place.

The contract says `index/__init__.py` re-exports them. While it does not yet, they are
taken from the modules that define them (index/store.py, index/query.py, index/results.py,
index/parse/); once the package re-exports them, the first import wins and the
fallback can go.
"""

from __future__ import annotations

try:
    from index import (
        QUERY_HELP,
        ArchiveStats,
        BuildInProgress,
        Hit,
        IndexReport,
        IndexStore,
        IssueSummary,
        QueryError,
        SearchResult,
        SeriesVersion,
        mark_snippet,
        parse_paths,
    )
except ImportError:  # index/__init__.py without the re-exports (reported to its owner)
    from index.parse import parse_paths
    from index.query import QUERY_HELP, mark_snippet
    from index.results import (
        ArchiveStats,
        BuildInProgress,
        Hit,
        IndexReport,
        IssueSummary,
        QueryError,
        SearchResult,
        SeriesVersion,
    )
    from index.store import IndexStore

__all__ = [
    "QUERY_HELP",
    "ArchiveStats",
    "BuildInProgress",
    "Hit",
    "IndexReport",
    "IndexStore",
    "IssueSummary",
    "QueryError",
    "SearchResult",
    "SeriesVersion",
    "mark_snippet",
    "parse_paths",
]

"""Two narrow fixes to whoosh-reloaded 2.7.5, applied on import by index.schema.

1. `W3PerDocReader._cached_reader` caches a field's length-column reader but not its
   absence, so every posting of a field without lengths (ID, KEYWORD: `kind`, `fhash`,
   `group`, ...) costs a filesystem `stat` while a segment is written: ~3.5 million
   stats for a 100k-document build. Column files of a segment never change while its
   reader is open, so caching "no column" is safe.

(The second, `Query.existing_terms` dropping all fields but the first, is worked around
in index.query rather than patched.)
"""

from __future__ import annotations

from whoosh.codec import whoosh3

_MISSING = object()


def _cached_reader(self, fieldname, column):  # noqa: ANN001 - Whoosh's signature
    readers = self._readers
    reader = readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        readers[fieldname] = reader
    return reader


def apply() -> None:
    """Install the fixes (idempotent)."""
    if getattr(whoosh3.W3PerDocReader, "_bpf_fixed", False):
        return
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3PerDocReader._bpf_fixed = True


apply()

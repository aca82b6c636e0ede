"""The index on disk: generations, atomic swaps, one writer, many readers.

Layout under `<data dir>/index/`:

    CURRENT          name of the generation being served (replaced atomically)
    PREVIOUS         the generation served before it (kept for readers still on it)
    writer.lock      fcntl lock: one build/update at a time, across processes
    gen-<time>-<pid>-<random>/   a Whoosh index plus manifest.json

A build writes a fresh generation and then replaces CURRENT, so a reader sees the old
or the new index and never a half-written one; a crash (even SIGKILL) leaves CURRENT
on the old generation, and the next build deletes what the crashed one left. An
update hard-links the current generation's files into a new one (Whoosh never
rewrites a file in place) and applies its changes there, so it is atomic the same
way and costs little more than the changed documents.

Readers keep one Whoosh searcher per thread and replace it when CURRENT changes
(a cheap `stat` per search).
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import logging
import os
import secrets
import shutil
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query, sorting
from whoosh.searching import Searcher

from index.builder import WRITER_MB, auto_procs, entry_of, names_of, write_generation
from index.documents import issue_documents
from index.manifest import FILENAME, Manifest, diff, representative
from index.model import FileError, Issue
from index.parse import (
    apply_author_map,
    build_author_map,
    content_hash,
    issue_files,
    parse_bytes,
)
from index.query import TIME_LIMIT, Lexicon, run_search
from index.results import (
    ArchiveStats,
    BuildInProgress,
    IndexReport,
    IndexUnavailable,
    IssueSummary,
    QueryError,
    SearchResult,
)
from index.schema import PATCH_KINDS, SCHEMA_VERSION, build_schema
from index.vector import VectorIndex

log = logging.getLogger(__name__)

INDEX_DIRNAME = "index"
_CURRENT = "CURRENT"
_PREVIOUS = "PREVIOUS"
_LOCK = "writer.lock"
_GEN_PREFIX = "gen-"
_VOCABULARY = "vocabulary.json"


@dataclass
class _Generation:
    """One opened index generation and what is derived from its manifest."""

    name: str
    path: Path
    index: whoosh_index.Index
    manifest: Manifest
    numbered: dict[int, IssueSummary]
    loose: list[IssueSummary]
    stats: ArchiveStats | None = None
    _lexicon: Lexicon | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # decoded postings and field lengths of this generation's files (index data only)
    vectors: VectorIndex = field(default_factory=VectorIndex)

    def lexicon(self) -> Lexicon:
        """Spelling data for did-you-mean, read on first use."""
        with self.lock:
            if self._lexicon is None:
                names = set(self.manifest.name_counts()) | set(self.manifest.author_map.values())
                self._lexicon = Lexicon(_read_vocabulary(self.path), sorted(names))
            return self._lexicon


class IndexStore:
    """The searchable archive in a data directory (see docs/index-api.md).

    Thread-safe: any number of threads may search and read while one thread or
    process builds or updates.
    """

    def __init__(self, data_dir: Path, *, time_limit: float = TIME_LIMIT) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / INDEX_DIRNAME
        self.time_limit = time_limit
        self._write_lock = threading.Lock()
        self._open_lock = threading.Lock()
        self._pointer_stat: tuple[int, int] | None = None
        self._generation: _Generation | None = None
        self._local = threading.local()
        self._searchers: weakref.WeakSet[Searcher] = weakref.WeakSet()
        self._closed = False
        self._reported: tuple[int, int] | None = None  # pointer last logged as unusable
        # False: every query through Whoosh's matchers (benchmarks compare the paths)
        self.vectorised = True

    # ---------------------------------------------------------------- reading state

    def exists(self) -> bool:
        """True when a complete index generation is being served."""
        try:
            return self._current() is not None
        except Exception:  # noqa: BLE001 - a corrupt index simply does not exist
            return False

    def _pointer(self) -> str | None:
        try:
            name = (self.root / _CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def _current(self) -> _Generation | None:
        """The generation named by CURRENT, opened once and cached until CURRENT changes.

        Raises OSError/ValueError/Whoosh errors when the generation cannot be opened.
        """
        try:
            info = os.stat(self.root / _CURRENT)
            stamp = (info.st_ino, info.st_mtime_ns)
        except FileNotFoundError:
            stamp = None
        generation = self._generation
        if generation is not None and stamp == self._pointer_stat:
            return generation
        with self._open_lock:
            if self._generation is not None and stamp == self._pointer_stat:
                return self._generation
            name = self._pointer() if stamp else None
            if name is None:
                self._generation, self._pointer_stat = None, stamp
                return None
            if self._generation is None or self._generation.name != name:
                self._generation = self._open_generation(name)
            self._pointer_stat = stamp
            return self._generation

    def _open_generation(self, name: str) -> _Generation:
        path = self.root / name
        manifest = Manifest.read(path)
        if manifest.schema != SCHEMA_VERSION:
            raise ValueError(
                f"index schema version {manifest.schema}, this program uses {SCHEMA_VERSION}"
            )
        ix = whoosh_index.open_dir(str(path))
        numbered: dict[int, list[IssueSummary]] = {}
        loose: list[IssueSummary] = []
        for summary in manifest.summaries():
            if summary.number is None:
                loose.append(summary)
            else:
                numbered.setdefault(summary.number, []).append(summary)
        return _Generation(
            name=name,
            path=path,
            index=ix,
            manifest=manifest,
            numbered={n: representative(s) for n, s in sorted(numbered.items())},
            loose=loose,
        )

    def _searcher(self) -> tuple[_Generation, Searcher]:
        """This thread's searcher on the current generation (renewed after a swap)."""
        if self._closed:
            raise IndexUnavailable("The index is closed.")
        try:
            generation = self._current()
        except Exception as error:  # noqa: BLE001 - reported to the user, logged here
            self._log_unusable(error)
            raise IndexUnavailable("The index is unavailable right now; try again soon.") from error
        if generation is None:
            raise IndexUnavailable("The index is not built yet; try again in a minute.")
        local = self._local
        if getattr(local, "generation", None) is not generation:
            old = getattr(local, "searcher", None)
            if old is not None:
                old.close()
            local.searcher = generation.index.searcher()
            local.generation = generation
            self._searchers.add(local.searcher)
        return generation, local.searcher

    def _drop_searcher(self) -> None:
        old = getattr(self._local, "searcher", None)
        if old is not None:
            try:
                old.close()
            except Exception:  # noqa: BLE001 - it is being thrown away
                pass
        self._local.searcher = None
        self._local.generation = None

    # ----------------------------------------------------------------------- search

    def search(
        self,
        text: str,
        *,
        kind: str = "all",
        author: str | None = None,
        tree: str | None = None,
        issue: int | None = None,
        limit: int = 10,
    ) -> SearchResult:
        """Search the archive; the language is described by `index.query.QUERY_HELP`.

        `kind` is "patches", "topics", "all" or a single kind; `author`, `tree` and
        `issue` filter. Returns at most `limit` hits, series folded under their cover.
        Raises QueryError (with a friendly `.message`) for a query that cannot run,
        IndexUnavailable (a QueryError) when there is no index yet.
        """
        for attempt in (1, 2):
            generation, searcher = self._searcher()
            try:
                return run_search(searcher, text, kind=kind, author=author, tree=tree,
                                  issue=issue, limit=limit, lexicon=generation.lexicon(),
                                  time_limit=self.time_limit,
                                  vectors=generation.vectors if self.vectorised else None)
            except QueryError:
                raise
            except (OSError, EOFError, ValueError, KeyError) as error:
                # A searcher on files that vanished or broke: renew it once.
                self._drop_searcher()
                if attempt == 2:
                    log.exception("search failed on %s", generation.path)
                    raise IndexUnavailable("The search failed; please try again.") from error
        raise AssertionError("unreachable")

    # ------------------------------------------------------------- issues and stats

    def _generation_or_none(self) -> _Generation | None:
        try:
            return self._current()
        except Exception as error:  # noqa: BLE001 - no usable index: nothing to list
            self._log_unusable(error)
            return None

    def _log_unusable(self, error: BaseException) -> None:
        """Log an unopenable index once per CURRENT pointer, not once per search."""
        try:
            info = os.stat(self.root / _CURRENT)
            stamp: tuple[int, int] | None = (info.st_ino, info.st_mtime_ns)
        except OSError:
            stamp = None
        if stamp != self._reported:
            self._reported = stamp
            log.error("index at %s cannot be opened (%s); IndexStore.ensure() rebuilds it",
                      self.root, error)

    def issue(self, number: int | None = None) -> IssueSummary | None:
        """The summary of issue `number`; with None, the latest published issue.

        Returns None when there is no such issue (or no index).
        """
        generation = self._generation_or_none()
        if generation is None:
            return None
        if number is not None:
            return generation.numbered.get(int(number))
        published = [s for s in generation.numbered.values() if not s.draft]
        candidates = published or list(generation.numbered.values())
        return max(candidates, key=lambda s: s.number or 0) if candidates else None

    def issues(self) -> list[IssueSummary]:
        """One summary per issue number, sorted by number; unnumbered issues last."""
        generation = self._generation_or_none()
        if generation is None:
            return []
        return list(generation.numbered.values()) + list(generation.loose)

    def authors(self) -> list[str]:
        """Canonical author names, most patch entries first."""
        generation = self._generation_or_none()
        if generation is None:
            return []
        counts: Counter[str] = Counter()
        for entry in generation.manifest.issues.values():
            counts.update(entry.authors)
        return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    def trees(self) -> list[str]:
        """Trees named in patch subjects, most used first."""
        generation = self._generation_or_none()
        if generation is None:
            return []
        counts: Counter[str] = Counter()
        for entry in generation.manifest.issues.values():
            counts.update(entry.trees)
        return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    def stats(self) -> ArchiveStats:
        """Counts by kind, tree, author and issue (Whoosh facets), cached per generation.

        Raises IndexUnavailable when there is no index.
        """
        generation, searcher = self._searcher()
        with generation.lock:
            if generation.stats is None:
                generation.stats = _compute_stats(searcher, generation)
            return generation.stats

    # ---------------------------------------------------------------------- writing

    def ensure(self, paths: Sequence[Path]) -> IndexReport | None:
        """Make sure an index is served: open it, or build it from `paths`.

        Returns None when the existing index is usable, else the build's report. A
        missing index is built quietly; an unreadable one is logged as an error naming
        its directory, then rebuilt (the files in `paths` are only read). Waits for a
        build another process is running instead of raising BuildInProgress.
        """
        problem = self._problem()
        if problem is None:
            return None
        with self._writer(wait=True):
            problem = self._problem()  # another process may have built it meanwhile
            if problem is None:
                return None
            sources = ", ".join(map(str, paths))
            if problem == "missing":
                log.info("no index in %s yet; building it from %s", self.root, sources)
                return self._build_locked(paths, procs=None)
            broken = self._pointer()
            where = self.root / broken if broken else self.root
            log.error("the index in %s is unreadable (%s); rebuilding it from %s",
                      where, problem, sources)
            report = self._build_locked(paths, procs=None)
            if broken and _read_name(self.root / _PREVIOUS) == broken:
                # nobody can be reading a generation that cannot be opened
                (self.root / _PREVIOUS).unlink(missing_ok=True)
                self._remove_leftovers()
            return report

    def _problem(self) -> str | None:
        """Why the served index is unusable ("missing" when there is none), or None."""
        try:
            generation = self._current()
            if generation is None:
                return "missing"
            with generation.index.searcher() as searcher:
                searcher.doc_count()
                searcher.search(query.Term("kind", "issue"), limit=1)
            return None
        except Exception as error:  # noqa: BLE001 - any failure means "rebuild"
            self._generation = None
            self._pointer_stat = None
            return f"{type(error).__name__}: {error}"

    def build(self, paths: Sequence[Path], *, procs: int | None = None) -> IndexReport:
        """Rebuild the whole index from `paths` (files or folders) and swap it in.

        `procs` is the number of writer processes (default: 2 for large archives when
        two cores exist, else 1). Returns the report against the index served before.
        Raises BuildInProgress when another build or update is running.
        """
        with self._writer():
            return self._build_locked(paths, procs=procs)

    def update(self, paths: Sequence[Path]) -> IndexReport:
        """Re-index only files whose content changed since the served index.

        `paths` describe the whole archive: files no longer there are removed. Returns
        the exact report of issues added, changed and removed. Falls back to a full
        build when no usable index exists. Raises BuildInProgress like build().
        """
        with self._writer():
            if self._problem() is not None:
                return self._build_locked(paths, procs=None)
            return self._update_locked(paths)

    @contextmanager
    def _writer(self, wait: bool = False, timeout: float = 3600.0) -> Iterator[None]:
        """Hold the writer lock (thread lock, then an fcntl lock for other processes)."""
        acquired = self._write_lock.acquire(timeout=timeout) if wait else (
            self._write_lock.acquire(blocking=False))
        if not acquired:
            raise BuildInProgress()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                deadline = time.monotonic() + timeout
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except OSError as error:
                        if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                            raise
                        if not wait or time.monotonic() > deadline:
                            raise BuildInProgress() from None
                        time.sleep(0.1)
                try:
                    os.ftruncate(fd, 0)
                    os.write(fd, f"{os.getpid()}\n".encode())
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        finally:
            self._write_lock.release()

    def _build_locked(self, paths: Sequence[Path], procs: int | None) -> IndexReport:
        started = time.monotonic()
        previous = self._manifest_or_none()
        self._remove_leftovers()
        paths = [Path(p) for p in paths]
        if procs is None:
            procs = auto_procs(paths)
        name = self._new_generation_name()
        path = self.root / name
        path.mkdir()
        whoosh_index.create_in(str(path), build_schema())
        try:
            written = write_generation(path, paths, procs, _now())
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        _write_vocabulary(path, written.vocabulary)
        written.manifest.write(path)
        self._swap(name)
        report = self._report(previous, written.manifest, written.warnings, written.errors,
                              started, full=True)
        log.info("built %s: %d issues, %d documents in %.2f s (%d process%s)", name,
                 report.issues, report.documents, report.seconds, procs,
                 "es" if procs > 1 else "")
        return report

    def _update_locked(self, paths: Sequence[Path]) -> IndexReport:
        started = time.monotonic()
        current = self._current()
        assert current is not None  # _problem() said so
        old = current.manifest
        self._remove_leftovers()
        files, errors = issue_files([Path(p) for p in paths])
        manifest = Manifest(schema=SCHEMA_VERSION, built=_now())
        for error in errors:
            manifest.errors[error.source] = error
        sources: dict[str, str] = {}  # content hash -> first path holding it
        unseen: dict[str, bytes] = {}  # content hash -> bytes, for contents not indexed
        for file in files:
            data = _read_or_none(file)
            if data is None:
                manifest.errors[str(file)] = FileError(str(file), "cannot read")
                continue
            digest = content_hash(data)
            manifest.files[str(file)] = digest
            if digest not in sources:
                sources[digest] = str(file)
                if digest not in old.issues:
                    unseen[digest] = data
        old_error_hashes = {digest: path for path, digest in old.error_hashes.items()}
        parsed: list[Issue] = []
        for digest, source in sources.items():
            if digest in old.issues:
                # unchanged content: keep it (a rename only changes the source path);
                # copied, because the served generation still uses the old summary
                entry = old.issues[digest]
                manifest.issues[digest] = replace(
                    entry, summary=replace(entry.summary, source=source))
                continue
            if digest in old_error_hashes:  # the same unreadable content as before
                reason = old.errors[old_error_hashes[digest]].reason
                manifest.errors[source] = FileError(source, reason)
                manifest.error_hashes[source] = digest
                continue
            result = parse_bytes(unseen[digest], source)
            if isinstance(result, FileError):
                manifest.errors[source] = result
                manifest.error_hashes[source] = digest
            else:
                result.content_hash = digest
                parsed.append(result)
        # Canonical names stay archive-wide: the map is rebuilt from every file's counts,
        # and unchanged files whose names now map differently are re-indexed too.
        mapping = build_author_map(manifest.name_counts() + names_of(parsed))
        apply_author_map(parsed, mapping)
        changed_files = list(parsed)
        for digest, entry in list(manifest.issues.items()):
            if all(old.author_map.get(n, n) == mapping.get(n, n) for n in entry.names):
                continue
            source = entry.summary.source
            data = _read_or_none(Path(source))
            result = parse_bytes(data, source) if data is not None else None
            if isinstance(result, Issue) and content_hash(data or b"") == digest:
                result.content_hash = digest
                apply_author_map([result], mapping)
                parsed.append(result)
        manifest.author_map = mapping
        removed_hashes = set(old.issues) - set(manifest.issues) - {i.content_hash for i in parsed}
        unchanged = (
            not parsed and not removed_hashes and manifest.files == old.files
            and {p: e.reason for p, e in manifest.errors.items()}
            == {p: e.reason for p, e in old.errors.items()}
        )
        if unchanged:
            return self._report(old, old, [], list(manifest.errors.values()), started,
                                full=False)
        warnings = [f"{i.source}: {message}" for i in changed_files for message in i.warnings]
        reindexed = parsed
        built = [issue_documents(issue, issue.content_hash) for issue in reindexed]
        for issue, documents in zip(reindexed, built, strict=True):
            manifest.issues[issue.content_hash] = entry_of(documents)
        name = self._new_generation_name()
        path = self.root / name
        _link_copy(current.path, path)
        ix = whoosh_index.open_dir(str(path))
        writer = ix.writer(limitmb=WRITER_MB)
        try:
            for digest in removed_hashes | {issue.content_hash for issue in reindexed}:
                writer.delete_by_term("fhash", digest)
            for item in built:
                for document in item.documents:
                    writer.add_document(**document)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        # The vocabulary only grows (like Whoosh's own spelling words): a word of a
        # removed issue can still be suggested, and then finds nothing better.
        vocabulary = Counter(_read_vocabulary(current.path))
        for item in built:
            vocabulary.update(item.words)
        _write_vocabulary(path, vocabulary)
        manifest.write(path)
        self._swap(name)
        report = self._report(old, manifest, warnings, list(manifest.errors.values()),
                              started, full=False)
        log.info("updated to %s: +%d ~%d -%d issues, %d documents reindexed in %.2f s",
                 name, len(report.added), len(report.changed), len(report.removed),
                 sum(len(b.documents) for b in built), report.seconds)
        return report

    def _report(self, previous: Manifest | None, manifest: Manifest, warnings: list[str],
                errors: list[FileError], started: float, full: bool) -> IndexReport:
        added, changed, removed = diff(previous, manifest)
        numbers = {e.summary.number for e in manifest.issues.values() if e.summary.number}
        loose = sum(1 for e in manifest.issues.values() if e.summary.number is None)
        return IndexReport(
            added=added,
            changed=changed,
            removed=removed,
            issues=len(numbers) + loose,
            documents=manifest.documents(),
            warnings=warnings,
            errors=errors,
            seconds=time.monotonic() - started,
            full=full,
        )

    # ------------------------------------------------------------- generation files

    def _manifest_or_none(self) -> Manifest | None:
        name = self._pointer()
        if name is None:
            return None
        try:
            return Manifest.read(self.root / name)
        except (OSError, ValueError) as error:
            log.warning("previous manifest in %s unreadable (%s); reporting everything as new",
                        self.root / name, error)
            return None

    def _new_generation_name(self) -> str:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        return f"{_GEN_PREFIX}{stamp}-{os.getpid()}-{secrets.token_hex(3)}"

    def _swap(self, name: str) -> None:
        """Serve generation `name`: PREVIOUS then CURRENT, each replaced atomically."""
        old = self._pointer()
        if old and old != name:
            _write_pointer(self.root, _PREVIOUS, old)
        _write_pointer(self.root, _CURRENT, name)
        self._remove_leftovers()

    def _remove_leftovers(self) -> None:
        """Delete generations that are neither served nor the one served before.

        Runs under the writer lock: anything else is a crashed or superseded build.
        """
        keep = {self._pointer(), _read_name(self.root / _PREVIOUS)}
        for child in self.root.iterdir():
            if child.name.startswith(_GEN_PREFIX) and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)
            elif child.name.startswith(".") and child.name.endswith(".tmp"):
                child.unlink(missing_ok=True)

    def close(self) -> None:
        """Close every searcher this store opened. Searching afterwards raises."""
        self._closed = True
        for searcher in list(self._searchers):
            try:
                searcher.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        self._generation = None


# ---------------------------------------------------------------------------- helpers


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _read_name(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _write_pointer(root: Path, filename: str, name: str) -> None:
    temporary = root / f".{filename}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, root / filename)
    directory = os.open(root, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _read_vocabulary(path: Path) -> dict[str, int]:
    try:
        with open(path / _VOCABULARY, encoding="utf-8") as handle:
            data = json.load(handle)
        return {str(word): int(count) for word, count in data.items()}
    except (OSError, ValueError, AttributeError) as error:
        log.warning("no did-you-mean vocabulary in %s: %s", path, error)
        return {}


def _write_vocabulary(path: Path, words: Counter[str]) -> None:
    with open(path / _VOCABULARY, "w", encoding="utf-8") as handle:
        json.dump(dict(words), handle, ensure_ascii=False, separators=(",", ":"))


def _link_copy(source: Path, target: Path) -> None:
    """Copy a generation by hard links (Whoosh files are immutable once written)."""
    target.mkdir()
    for child in source.iterdir():
        if child.name.endswith("LOCK") or child.name in (FILENAME, _VOCABULARY):
            continue  # Whoosh's lock file must not be shared; these two are rewritten
        try:
            os.link(child, target / child.name)
        except OSError:
            shutil.copy2(child, target / child.name)


def _compute_stats(searcher: Searcher, generation: _Generation) -> ArchiveStats:
    """Counts from Whoosh facets: kinds over everything, the rest over patch entries."""
    everything = searcher.search(
        query.Every(), groupedby={"kind": sorting.FieldFacet("kind")},
        maptype=sorting.Count, limit=None,
    )
    patches = searcher.search(
        query.Or([query.Term("kind", kind) for kind in PATCH_KINDS]),
        groupedby={
            "tree": sorting.FieldFacet("tree"),
            "author": sorting.FieldFacet("author_name"),
            "issue": sorting.FieldFacet("issue"),
        },
        maptype=sorting.Count,
        limit=None,
    )

    def ranked(groups: dict) -> list[tuple[str, int]]:
        pairs = [(str(key), int(count)) for key, count in groups.items() if key not in (None, "")]
        return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))

    per_issue = [(int(key), int(count)) for key, count in patches.groups("issue").items()
                 if key not in (None, "") and str(key).isdigit()]
    summaries = len(generation.numbered) + len(generation.loose)
    return ArchiveStats(
        issues=summaries,
        documents=searcher.doc_count(),
        patches=patches.scored_length(),
        by_kind=ranked(everything.groups("kind")),
        by_tree=ranked(patches.groups("tree")),
        by_author=ranked(patches.groups("author")),
        patches_per_issue=sorted(per_issue),
    )


__all__ = ["BuildInProgress", "INDEX_DIRNAME", "IndexStore"]

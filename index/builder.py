"""Writing a fresh index generation from issue files, on one core or several.

`write_generation(directory, paths, procs)` parses every file once, makes author names
canonical archive-wide, builds the documents and writes them into the Whoosh index
created in `directory`. It returns what the manifest and the report need.

With `procs > 1` the work is split by files between worker processes (`python -m
index.build_worker`, talking pickles over pipes). Each worker parses its files and reports
back only the author-name counts; the parent builds the archive-wide author map and
sends it back; each worker then builds its documents and writes its own Whoosh
segment (the way Whoosh's own MpWriter does with `multisegment=True`), and the parent
commits all segments in one TOC. Issues are never pickled between processes, and
nothing is parsed twice.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from index.documents import IssueDocuments, issue_documents
from index.manifest import IssueEntry, Manifest
from index.model import FileError, Issue
from index.parse import (
    apply_author_map,
    author_counts,
    build_author_map,
    content_hash,
    issue_files,
    parse_bytes,
    parse_paths,
)
from index.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

# Whoosh's posting pool before it spills to disk, per writer (its own estimate, ~1.7x
# the real memory: ~175 bytes a posting, ~20 postings a document). A spill is costly:
# every pooled posting is pickled to a run file one by one and the runs are heap-merged
# back in Python; a 50k-document worker took ~28 s with one spill at 128 MB and ~17 s
# with none. 1 GB keeps ~6M postings (~300k documents) in memory, ~0.6 GB of RSS.
WRITER_MB = 1024
PARALLEL_MIN_BYTES = 3 * 1024 * 1024  # below ~20k documents, starting workers costs more
_WORKER_TIMEOUT = 3600.0


@dataclass
class Written:
    """What a generation was written from: its manifest, vocabulary and warnings."""

    manifest: Manifest
    vocabulary: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)  # "file: message", files read

    @property
    def errors(self) -> list[FileError]:
        return list(self.manifest.errors.values())


def auto_procs(paths: Sequence[Path]) -> int:
    """Writer processes for a build: 2 (or the cores) for a large archive, else 1."""
    cores = os.cpu_count() or 1
    if cores < 2:
        return 1
    files, _ = issue_files([Path(p) for p in paths])
    size = 0
    for file in files:
        try:
            size += file.stat().st_size
        except OSError:
            continue
    return min(2, cores) if size >= PARALLEL_MIN_BYTES else 1


def names_of(issues: Sequence[Issue]) -> Counter[str]:
    """Author names as written, counted by the parser's own rule (the author map's input)."""
    return Counter(author_counts(issues))


def entry_of(documents: IssueDocuments) -> IssueEntry:
    """The manifest entry of one issue's documents."""
    return IssueEntry(
        summary=documents.summary,
        names=documents.names,
        authors=documents.authors,
        trees=documents.trees,
        kinds=documents.kinds,
        documents=len(documents.documents),
    )


def write_generation(directory: Path, paths: Sequence[Path], procs: int,
                     built: str) -> Written:
    """Index every issue file of `paths` into the (empty) Whoosh index in `directory`.

    Returns the manifest, vocabulary and warnings; the caller writes them and swaps
    the generation in. Raises on I/O or worker failure (the caller discards the
    directory).
    """
    if procs > 1:
        files, errors = issue_files([Path(p) for p in paths])
        if len(files) >= 2 * procs:
            return _write_parallel(directory, files, errors, procs, built)
    return _write_sequential(directory, paths, built)


# ------------------------------------------------------------------------ one core


def _write_sequential(directory: Path, paths: Sequence[Path], built: str) -> Written:
    archive = parse_paths([Path(p) for p in paths])
    manifest = Manifest(schema=SCHEMA_VERSION, built=built)
    unique: dict[str, Issue] = {}
    for issue in archive.issues:
        manifest.files[issue.source] = issue.content_hash
        unique.setdefault(issue.content_hash, issue)
    issues = list(unique.values())
    for error in archive.errors:
        _record_error(manifest, error, _read_or_none(Path(error.source)))
    # parse_paths mapped names over every file; map again over the unique contents so
    # the recorded map is exactly the one the documents use
    manifest.author_map = build_author_map(names_of(issues))
    apply_author_map(issues, manifest.author_map)
    written = Written(manifest)
    ix = whoosh_index.open_dir(str(directory))
    writer = ix.writer(limitmb=WRITER_MB)
    try:
        for issue in issues:
            documents = issue_documents(issue, issue.content_hash)
            for document in documents.documents:
                writer.add_document(**document)
            manifest.issues[issue.content_hash] = entry_of(documents)
            written.vocabulary.update(documents.words)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()  # no optimize(): merging everything costs a lot for no gain
    written.warnings = [f"{i.source}: {message}" for i in archive.issues for message in i.warnings]
    return written


def _record_error(manifest: Manifest, error: FileError, data: bytes | None) -> None:
    manifest.errors[error.source] = error
    if data is not None:
        digest = content_hash(data)
        manifest.error_hashes[error.source] = digest
        manifest.files[error.source] = digest


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


# ------------------------------------------------------------------- several cores


def _chunks(files: list[Path], count: int) -> list[list[Path]]:
    """Contiguous runs of files with about equal bytes (issues stay in order)."""
    sizes = []
    for file in files:
        try:
            sizes.append(max(1, file.stat().st_size))
        except OSError:
            sizes.append(1)
    share = sum(sizes) / count
    chunks: list[list[Path]] = [[]]
    filled = 0.0
    for file, size in zip(files, sizes, strict=True):
        if filled >= share * len(chunks) and len(chunks) < count:
            chunks.append([])
        chunks[-1].append(file)
        filled += size
    return [chunk for chunk in chunks if chunk]


def _write_parallel(directory: Path, files: list[Path], errors: list[FileError], procs: int,
                    built: str) -> Written:
    workers: list[subprocess.Popen] = []
    try:
        for chunk in _chunks(files, procs):
            worker = _start_worker()
            _send(worker, (str(directory), [str(f) for f in chunk]))
            workers.append(worker)
        manifest = Manifest(schema=SCHEMA_VERSION, built=built)
        for error in errors:
            manifest.errors[error.source] = error
        # Phase 1: every worker parsed its files; decide what gets indexed where
        reports = [_receive(worker, "parsed") for worker in workers]
        seen: set[str] = set()
        keep: list[list[str]] = []
        counts: Counter[str] = Counter()
        for report in reports:
            mine = []
            for source, digest, reason, names in report:
                if digest is not None:
                    manifest.files[source] = digest
                if reason is not None:
                    manifest.errors[source] = FileError(source, reason)
                    if digest is not None:
                        manifest.error_hashes[source] = digest
                elif digest not in seen:  # identical files are indexed once
                    seen.add(digest)
                    mine.append(source)
                    counts.update(names)
            keep.append(mine)
        manifest.author_map = build_author_map(counts)
        # Phase 2: every worker indexes its share into a segment of its own
        for worker, mine in zip(workers, keep, strict=True):
            _send(worker, (manifest.author_map, mine))
        written = Written(manifest)
        segments = []
        for worker in workers:
            segment, entries, timings = _receive(worker, "indexed")
            log.info("build worker %d: %d issues; parse %.1f s, documents %.1f s, "
                     "Whoosh %.1f s", worker.pid, len(entries), timings["parse"],
                     timings["documents"], timings["write"])
            if segment is not None:
                segments.append(segment)
            for digest, entry, words, warnings in entries:
                manifest.issues[digest] = IssueEntry.from_json(entry)
                written.vocabulary.update(words)
                written.warnings.extend(warnings)
        for worker in workers:
            worker.wait(timeout=60)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    ix = whoosh_index.open_dir(str(directory))
    writer = ix.writer()
    # Whoosh's merge-policy hook: the committed segment list is the workers' segments
    writer.commit(mergetype=lambda _writer, existing: list(existing) + segments)
    return written


def _start_worker() -> subprocess.Popen:
    """A worker process running `python -m index.build_worker` (see worker_main).

    A plain subprocess rather than multiprocessing: spawn would re-import the
    caller's __main__ (the bot), and fork is unsafe in a process with threads.
    """
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, "-m", "index.build_worker"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)


def _send(worker: subprocess.Popen, message: Any) -> None:
    assert worker.stdin is not None
    pickle.dump(message, worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
    worker.stdin.flush()


def _receive(worker: subprocess.Popen, expected: str) -> Any:
    assert worker.stdout is not None
    ready, _, _ = select.select([worker.stdout], [], [], _WORKER_TIMEOUT)
    if not ready:
        raise TimeoutError(f"index worker {worker.pid} did not answer")
    try:
        kind, *payload = pickle.load(worker.stdout)
    except EOFError as error:
        raise RuntimeError(f"index worker {worker.pid} died (exit {worker.poll()})") from error
    if kind == "error":
        raise RuntimeError(f"index worker {worker.pid} failed:\n{payload[0]}")
    if kind != expected:
        raise RuntimeError(f"index worker {worker.pid} sent {kind!r}, not {expected!r}")
    return payload[0] if len(payload) == 1 else payload


def worker_main() -> None:
    """A build worker: parse, wait for the author map, index, send the segment back.

    Talks to the parent through pickles on stdin/stdout. Everything it sends is small
    (name counts, summaries, a Segment object), never the parsed issues.
    """
    inbox, outbox = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the channel

    def send(message: Any) -> None:
        pickle.dump(message, outbox, protocol=pickle.HIGHEST_PROTOCOL)
        outbox.flush()

    try:
        directory, sources = pickle.load(inbox)
        started = time.perf_counter()
        parsed: dict[str, Issue] = {}
        report = []
        for source in sources:
            data = _read_or_none(Path(source))
            if data is None:
                report.append((source, None, "cannot read", {}))
                continue
            digest = content_hash(data)
            result = parse_bytes(data, source)
            if isinstance(result, FileError):
                report.append((source, digest, result.reason, {}))
            else:
                result.content_hash = digest
                parsed[source] = result
                report.append((source, digest, None, dict(names_of([result]))))
        send(("parsed", report))
        parse_seconds = time.perf_counter() - started
        mapping, mine = pickle.load(inbox)
        started = time.perf_counter()
        analysis = 0.0
        issues = [parsed[source] for source in mine]
        apply_author_map(issues, mapping)
        ix = whoosh_index.open_dir(directory)
        # _lk=False: the parent holds the index (as with Whoosh's MpWriter sub-writers)
        writer = SegmentWriter(ix, _lk=False, limitmb=WRITER_MB)
        entries = []
        for issue in issues:
            made = time.perf_counter()
            documents = issue_documents(issue, issue.content_hash)
            analysis += time.perf_counter() - made
            for document in documents.documents:
                writer.add_document(**document)
            warnings = [f"{issue.source}: {message}" for message in issue.warnings]
            entries.append((issue.content_hash, entry_of(documents).to_json(),
                            dict(documents.words), warnings))
        if writer._added:  # noqa: SLF001 - as Whoosh's SubWriterTask does
            segment = writer._finalize_segment()  # noqa: SLF001
        else:
            writer._close_segment()  # noqa: SLF001
            segment = None
        timings = {"parse": parse_seconds, "documents": analysis,
                   "write": time.perf_counter() - started - analysis}
        send(("indexed", segment, entries, timings))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        try:
            send(("error", traceback.format_exc()))
        except Exception:  # noqa: BLE001 - the parent will see EOF instead
            pass


"""Benchmark the archive index at 1k, 10k and 100k documents, side by side.

For each size, on a synthetic archive (bench/synthetic.py, cached under bench/out/):

* full build through `IndexStore.build` (docs/s, with the parse and document phases
  timed on their own), peak memory, on-disk size;
* index open time (IndexStore + generation) and the first, cold query;
* query latency p50/p95 over a fixed mixed query set (terms, phrases, fields, prefixes,
  kinds, dates, issue ranges, booleans, typos), each query run once cold (recorded
  apart; for IndexStore after emptying its vector cache) and then several times warm on
  one reused searcher: through `IndexStore.search` (vectorised, and with the vector path
  off: every query through Whoosh's matchers), through bare Whoosh (its stock
  MultifieldParser, `searcher.search`, stored fields of the top 10) on the same index
  to show our overhead, and through SQLite FTS5 (porter tokenizer, the same documents,
  field queries as column filters or SQL conditions) as the baseline;
* the time from a new weekly issue file to it being searchable (write the file,
  `store.update(paths)`, a search finds it).

Then the targets, PASS/FAIL: at 100k documents query p95 <= 1.5x FTS5's in the same
run; full rebuild <= 30 s; new issue searchable <= 1 s; on the real archive (the five
seed issues) every query <= 10 ms.

    python bench/bench_index.py                       # 1k, 10k and 100k
    python bench/bench_index.py --sizes 1000,10000 --runs 5
    python bench/bench_index.py --sizes 100000 --profile   # cProfile the slowest queries
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.synthetic import (  # noqa: E402 - needs the repository root on sys.path
    generate_archive,
    new_issue_file,
    new_issue_truth,
)
from index.documents import issue_documents  # noqa: E402
from index.parse import parse_paths  # noqa: E402

OUT = ROOT / "bench" / "out"
SEEDS = ROOT / "seeds"
DEFAULT_SIZES = (1_000, 10_000, 100_000)

# Targets (see the module docstring).
TARGET_P95_RATIO = 1.5
TARGET_REBUILD_S = 30.0
TARGET_UPDATE_S = 1.0
TARGET_SEED_QUERY_MS = 10.0
RATIO_SIZE = 100_000


@dataclass(frozen=True)
class BenchQuery:
    """One query of the fixed set: the text typed, plus IndexStore.search filters."""

    text: str
    kind: str = "all"
    author: str | None = None
    tree: str | None = None
    issue: int | None = None

    @property
    def label(self) -> str:
        extra = [f"{name}={value}" for name, value in (
            ("kind", None if self.kind == "all" else self.kind), ("author", self.author),
            ("tree", self.tree), ("issue", self.issue)) if value is not None]
        return " ".join([self.text or "''", *(f"[{item}]" for item in extra)])


# ~45 queries people type: words, identifiers, phrases, fields, prefixes, kinds,
# dates, issue ranges, booleans, names, typos.
QUERIES: tuple[BenchQuery, ...] = (
    BenchQuery("xdp"),
    BenchQuery("sockmap"),
    BenchQuery("verifier"),
    BenchQuery("bpf"),
    BenchQuery("bpf_prog_attach"),
    BenchQuery("prog attach"),
    BenchQuery("cpumap tracepoints"),
    BenchQuery("libbpf skeletons"),
    BenchQuery("redirecting"),
    BenchQuery("jit arm64"),
    BenchQuery("salaun"),
    BenchQuery("cilium kubernetes"),
    BenchQuery("kasan"),
    BenchQuery('"generic xdp"'),
    BenchQuery('"direct packet access"'),
    BenchQuery('"ring buffer"'),
    BenchQuery('"tail calls" verifier'),
    BenchQuery("author:borkmann tree:net-next"),
    BenchQuery("author:borkmann"),
    BenchQuery('author:"Daniel Borkmann" xdp'),
    BenchQuery("author:kicin"),
    BenchQuery("tree:bpf-next verifier"),
    BenchQuery("tree:net-next version:2"),
    BenchQuery("part:0 sockmap"),
    BenchQuery("rfc:yes"),
    BenchQuery("kind:slides xdp"),
    BenchQuery("kind:talks"),
    BenchQuery("kind:videos kubernetes"),
    BenchQuery("kind:projects"),
    BenchQuery("list:netdev xdp"),
    BenchQuery("title:verifier"),
    BenchQuery('section:"in case you missed it" ebpf'),
    BenchQuery("sock*"),
    BenchQuery("redir*"),
    BenchQuery("verif* arm64"),
    BenchQuery("bpf_prog*"),
    BenchQuery("date:2017-05..2017-08 xdp"),
    BenchQuery("date:2018 sockmap"),
    BenchQuery("issue:10..12"),
    BenchQuery("issue:5 xdp"),
    BenchQuery("xdp OR sockmap"),
    BenchQuery("bpf NOT xdp"),
    BenchQuery("(verifier OR jit) arm64"),
    BenchQuery("sockmpa"),
    BenchQuery("verifer pruning"),
    BenchQuery("xdp", kind="topics"),
    BenchQuery("", kind="patches", author="Daniel Borkmann", tree="net-next"),
)


# ------------------------------------------------------------------------ measurements


@dataclass
class Latencies:
    """Per-query samples (seconds) of one engine, and the queries that failed."""

    samples: dict[str, list[float]] = field(default_factory=dict)  # warm runs
    cold: dict[str, float] = field(default_factory=dict)  # each query's first run
    errors: dict[str, str] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def all(self) -> list[float]:
        return [value for values in self.samples.values() for value in values]

    def percentile(self, fraction: float, cold: bool = False) -> float:
        values = sorted(self.cold.values() if cold else self.all())
        if not values:
            return float("nan")
        position = min(len(values) - 1, max(0, round(fraction * (len(values) - 1))))
        return values[position]

    def medians(self) -> dict[str, float]:
        return {label: statistics.median(values) for label, values in self.samples.items()}

    def slowest(self, count: int) -> list[tuple[str, float]]:
        return sorted(self.medians().items(), key=lambda kv: -kv[1])[:count]


@dataclass
class SizeResult:
    """Everything measured at one archive size."""

    target: int
    documents: int = 0
    issues: int = 0
    files_mb: float = 0.0
    generate_s: float = 0.0
    parse_s: float = 0.0
    documents_s: float = 0.0
    build_s: float = 0.0
    build_peak_mb: float = 0.0
    build_children_peak_mb: float = 0.0
    disk_mb: float = 0.0
    segments: int = 0
    open_s: float = 0.0
    first_query_s: float = 0.0
    bare_open_s: float = 0.0
    store: Latencies = field(default_factory=Latencies)
    whoosh_path: Latencies = field(default_factory=Latencies)  # IndexStore, vectorised off
    cache_mb: float = 0.0  # the vector cache after the whole query set
    bare: Latencies = field(default_factory=Latencies)
    fts: Latencies = field(default_factory=Latencies)
    fts_build_s: float = 0.0
    fts_disk_mb: float = 0.0
    update_s: float = 0.0
    update_search_s: float = 0.0
    update_total_s: float = 0.0
    update_found: bool = False
    notes: list[str] = field(default_factory=list)


def _now() -> float:
    return time.perf_counter()


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _reset_peak_rss() -> None:
    """Reset the kernel's high-water mark of this process's RSS (Linux; else no-op)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _time_queries(run: Callable[[BenchQuery], int], queries: Sequence[BenchQuery],
                  runs: int, into: Latencies, reset: Callable[[], None] | None = None
                  ) -> None:
    """Run each query once cold, then `runs` times warm, recording every run.

    The first run is recorded apart (`into.cold`), after `reset()` (which empties
    whatever the engine caches across queries, e.g. IndexStore's vector cache).
    """
    for bench_query in queries:
        label = bench_query.label
        if reset is not None:
            reset()
        try:
            started = _now()
            into.hits[label] = run(bench_query)
            into.cold[label] = _now() - started
        except Exception as error:  # noqa: BLE001 - a failing query is a result too
            into.errors[label] = f"{type(error).__name__}: {getattr(error, 'message', error)}"
            continue
        samples = []
        for _ in range(runs):
            started = _now()
            run(bench_query)
            samples.append(_now() - started)
        into.samples[label] = samples


# ---------------------------------------------------------------------- IndexStore


def _store_runner(store: Any) -> Callable[[BenchQuery], int]:
    def run(bench_query: BenchQuery) -> int:
        result = store.search(bench_query.text, kind=bench_query.kind,
                              author=bench_query.author, tree=bench_query.tree,
                              issue=bench_query.issue, limit=10)
        return len(result.hits)
    return run


def _generation_dir(data_dir: Path) -> Path:
    index_root = data_dir / "index"
    return index_root / (index_root / "CURRENT").read_text(encoding="utf-8").strip()


# ------------------------------------------------------------------------ bare Whoosh


class BareWhoosh:
    """Stock Whoosh on the same index: MultifieldParser, search(limit=10), stored fields."""

    def __init__(self, directory: Path) -> None:
        from whoosh import index as whoosh_index
        from whoosh.qparser import MultifieldParser

        from index.query import FIELD_BOOSTS, filter_query

        self.index = whoosh_index.open_dir(str(directory))
        self.searcher = self.index.searcher()
        self.parser = MultifieldParser(list(FIELD_BOOSTS), self.index.schema,
                                       fieldboosts=FIELD_BOOSTS)
        self.filter_query = filter_query

    def run(self, bench_query: BenchQuery) -> int:
        from whoosh import query

        parts = []
        if bench_query.text.strip():
            parts.append(self.parser.parse(bench_query.text))
        filters = self.filter_query(bench_query.kind, bench_query.author, bench_query.tree,
                                    bench_query.issue)
        if filters is not None:
            parts.append(filters)
        q = parts[0] if len(parts) == 1 else query.And(parts)
        results = self.searcher.search(q, limit=10)
        return len([hit.fields() for hit in results])

    def close(self) -> None:
        self.searcher.close()


# ----------------------------------------------------------------------------- FTS5

_FTS_COLUMNS = ("title", "body", "author", "kind", "tree", "section", "list")
_TEXT_FIELDS = {"author": "author", "by": "author", "title": "title", "subject": "title",
                "body": "body", "text": "body", "section": "section", "list": "list"}
_TOKEN = re.compile(r'\(|\)|\w[\w-]*:"[^"]*"|\w[\w-]*:[^\s()]+|"[^"]*"|[^\s()]+')


class Fts5:
    """The baseline: an SQLite FTS5 table (porter tokenizer) over the same documents.

    Words, phrases and prefixes search title, body and author (bm25 weights 3/1/2 like
    our field boosts); author/title/body/section/list/kind fields become FTS5 column
    filters; tree/issue/date/version/part/rfc/commit become SQL conditions on an
    indexed side table. Filter-only queries list in archive order, like ours.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db: sqlite3.Connection | None = None

    def build(self, documents: Iterable[dict[str, Any]]) -> None:
        self.path.unlink(missing_ok=True)
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(" + ", ".join(_FTS_COLUMNS)
            + ", tokenize='porter unicode61 remove_diacritics 2')"
        )
        db.execute(
            "CREATE TABLE meta(id INTEGER PRIMARY KEY, kind TEXT, tree TEXT, issue INTEGER, "
            "date TEXT, version INTEGER, part INTEGER, rfc INTEGER, hash TEXT, seq INTEGER, "
            "url TEXT)"
        )
        fts_rows, meta_rows = [], []
        for rowid, document in enumerate(documents, start=1):
            fts_rows.append((rowid, *(str(document.get(name) or "") for name in _FTS_COLUMNS)))
            meta_rows.append((
                rowid, document["kind"], document.get("tree"), _int(document.get("issue")),
                document.get("date"), _int(document.get("version")),
                _int(document.get("part")),
                {"yes": 1, "no": 0}.get(document.get("rfc", "")), document.get("commit"),
                document.get("seq"), document.get("url"),
            ))
        db.executemany(f"INSERT INTO fts(rowid, {', '.join(_FTS_COLUMNS)}) VALUES "
                       f"(?{', ?' * len(_FTS_COLUMNS)})", fts_rows)
        db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", meta_rows)
        for column in ("kind", "tree", "issue", "date", "version", "part", "rfc", "hash",
                       "seq"):
            db.execute(f"CREATE INDEX meta_{column} ON meta({column})")
        db.execute("INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(3.0, 1.0, 2.0, 0, 0, 0, 0)')")
        db.execute("INSERT INTO fts(fts) VALUES('optimize')")
        db.commit()
        db.close()

    def open(self) -> None:
        self.db = sqlite3.connect(self.path)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def run(self, bench_query: BenchQuery) -> int:
        assert self.db is not None
        match, where, params, ranked = translate(bench_query)
        conditions = " AND ".join(where) or "1"
        if match is not None:
            sql = (
                "SELECT fts.rowid, fts.title, meta.url FROM fts JOIN meta ON meta.id = fts.rowid "
                f"WHERE fts MATCH ? AND {conditions} "
                f"ORDER BY {'fts.rank' if ranked else 'meta.seq'} LIMIT 10"
            )
            rows = self.db.execute(sql, [match, *params]).fetchall()
        else:
            sql = f"SELECT id, url FROM meta WHERE {conditions} ORDER BY seq LIMIT 10"
            rows = self.db.execute(sql, params).fetchall()
        return len(rows)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def translate(bench_query: BenchQuery) -> tuple[str | None, list[str], list[Any], bool]:
    """Our query language as (FTS5 MATCH expression or None, SQL conditions, params, ranked).

    Covers what the benchmark's query set uses: words, "phrases", prefix*, AND/OR/NOT,
    parentheses, and the fields of QUERY_HELP.
    """
    from index.schema import KIND_ALIASES, PATCH_KINDS, TOPIC_KINDS

    pieces: list[str] = []
    where: list[str] = []
    params: list[Any] = []
    ranked = False
    free = "{title body author} : "
    for token in _TOKEN.findall(bench_query.text):
        if token in ("(", ")") or token in ("OR", "AND", "NOT"):
            pieces.append(token)
            continue
        if ":" in token and not token.startswith('"'):
            name, value = token.split(":", 1)
            name, value = name.lower(), value.strip('"')
            if name in _TEXT_FIELDS and _TEXT_FIELDS[name] == "author" and " " not in value:
                # ours matches partial names (author:kicin): a prefix here too
                pieces.append(f"author : {_fts_string(value)} *")
            elif name in _TEXT_FIELDS:
                pieces.append(f"{_TEXT_FIELDS[name]} : {_fts_string(value)}")
                ranked = ranked or name in ("title", "subject", "body", "text")
            elif name in ("kind", "type"):
                kinds = KIND_ALIASES.get(value.lower(), (value.lower(),))
                pieces.append("kind : (" + " OR ".join(_fts_string(k) for k in kinds) + ")")
            else:
                _condition(name, value, where, params)
            continue
        ranked = True
        if token.endswith("*"):
            pieces.append(free + _fts_string(token.rstrip("*")) + " *")
        else:
            pieces.append(free + _fts_string(token.strip('"')))
    kinds = {"all": (), "patches": PATCH_KINDS, "topics": TOPIC_KINDS}.get(
        bench_query.kind, (bench_query.kind,))
    if kinds:
        where.append(f"meta.kind IN ({', '.join('?' * len(kinds))})")
        params.extend(kinds)
    if bench_query.author:
        pieces.append(f"author : {_fts_string(bench_query.author)}")
    if bench_query.tree:
        _condition("tree", bench_query.tree, where, params)
    if bench_query.issue is not None:
        _condition("issue", str(bench_query.issue), where, params)
    return _join(pieces), where, params, ranked


def _join(pieces: list[str]) -> str | None:
    """Pieces joined with explicit ANDs (FTS5 allows implicit AND only between phrases)."""
    operators = {"AND", "OR", "NOT"}
    out: list[str] = []
    for piece in pieces:
        operand = piece not in operators and piece != ")"
        if out and operand and out[-1] not in operators and out[-1] != "(":
            out.append("AND")
        out.append(piece)
    # an operator left without an operand (its field became an SQL condition)
    while out and out[-1] in operators:
        out.pop()
    while out and out[0] in operators:
        out.pop(0)
    return " ".join(out) or None


def _condition(name: str, value: str, where: list[str], params: list[Any]) -> None:
    low, _, high = value.partition("..")
    if name == "tree":
        where.append("meta.tree = ?")
        params.append(value.lower())
    elif name in ("issue", "version", "part"):
        numbers = [int(re.sub(r"\D", "", piece)) for piece in (low, high) if piece]
        if len(numbers) == 2:
            where.append(f"meta.{name} BETWEEN ? AND ?")
        else:
            where.append(f"meta.{name} = ?")
        params.extend(numbers)
    elif name == "date":
        where.append("meta.date >= ? AND meta.date <= ?")
        params.extend([low, (high or low) + "~"])
    elif name == "rfc":
        where.append("meta.rfc = ?")
        params.append(1 if value.lower() in ("yes", "y", "true", "1") else 0)
    elif name == "commit":
        where.append("meta.hash >= ? AND meta.hash < ?")
        params.extend([value.lower(), value.lower() + "~"])


# ------------------------------------------------------------------------ one size


@dataclass(frozen=True)
class ArchiveFiles:
    """What the benchmark keeps of a generated archive (the truth itself is dropped:
    100k patch records in memory would slow every garbage collection in the build)."""

    root: Path
    issue_dir: Path
    last_number: int


def bench_size(target: int, seed: int, runs: int, fts: bool, profile_build: bool,
               log: Callable[[str], None]) -> SizeResult:
    """Measure everything at one archive size."""
    from index.store import IndexStore

    result = SizeResult(target)
    emit = print if profile_build else log
    started = _now()
    generated = generate_archive(OUT / f"archive-{target}-s{seed}", target, seed)
    result.generate_s = _now() - started
    result.issues, result.documents = len(generated.issues), generated.documents
    result.files_mb = sum(path.stat().st_size for path in generated.files) / 1e6
    archive = ArchiveFiles(generated.root, generated.issue_dir, generated.last_number)
    del generated
    paths = [archive.issue_dir]
    log(f"{target}: {result.issues} issues, {result.documents} documents "
        f"({result.generate_s:.1f} s to generate or load)")

    # The build's first phases, timed on their own (the store runs them inside build);
    # their documents feed the FTS5 baseline, built now so they can be freed before ours.
    gc.collect()
    started = _now()
    parsed = parse_paths(paths)
    result.parse_s = _now() - started
    started = _now()
    documents = [doc for issue in parsed.issues
                 for doc in issue_documents(issue, issue.content_hash).documents]
    result.documents_s = _now() - started
    del parsed
    baseline = Fts5(OUT / f"fts5-{target}.sqlite")
    if fts:
        started = _now()
        baseline.build(documents)
        result.fts_build_s = _now() - started
        result.fts_disk_mb = baseline.path.stat().st_size / 1e6
    del documents

    data_dir = OUT / f"index-{target}"
    shutil.rmtree(data_dir, ignore_errors=True)
    store = IndexStore(data_dir)
    gc.collect()
    _reset_peak_rss()
    profiler = cProfile.Profile() if profile_build else None
    started = _now()
    if profiler:
        profiler.enable()
    try:
        report = store.build(paths)
    except Exception as error:  # noqa: BLE001 - report it and go on with the other sizes
        result.notes.append(f"build failed: {type(error).__name__}: {error}")
        log(f"{target}: build failed: {error!r}")
        store.close()
        return result
    finally:
        if profiler:
            profiler.disable()
    result.build_s = _now() - started
    result.build_peak_mb = _peak_rss_mb()
    result.build_children_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if profiler:
        _dump_profile(profiler, OUT / "profiles" / f"build-{target}.prof",
                      f"build at {target} documents", emit)
    if report.documents != result.documents:
        result.notes.append(f"index has {report.documents} documents, generator counted "
                            f"{result.documents}")
    store.close()
    generation = _generation_dir(data_dir)
    result.disk_mb = _dir_mb(generation)
    result.segments = len(list(generation.glob("*.seg")))
    log(f"{target}: built in {result.build_s:.2f} s, {result.disk_mb:.1f} MB")

    # Open: a fresh store, as the bot starts
    gc.collect()
    started = _now()
    store = IndexStore(data_dir)
    store.exists()
    result.open_s = _now() - started
    started = _now()
    store.search("xdp")
    result.first_query_s = _now() - started

    # Before: every query through Whoosh's matchers; after: the vectorised path, each
    # query's first run on an empty vector cache (cold), then `runs` warm runs
    vectors = getattr(store._current(), "vectors", None)
    if vectors is not None:
        store.vectorised = False
        _time_queries(_store_runner(store), QUERIES, runs, result.whoosh_path)
        store.vectorised = True
        _time_queries(_store_runner(store), QUERIES, runs, result.store, reset=vectors.clear)
        run = _store_runner(store)
        for bench_query in QUERIES:  # the cache once every query has run
            with contextlib.suppress(Exception):
                run(bench_query)
        result.cache_mb = vectors.bytes / 1e6
    else:
        _time_queries(_store_runner(store), QUERIES, runs, result.store)
    started = _now()
    bare = BareWhoosh(generation)
    result.bare_open_s = _now() - started
    _time_queries(bare.run, QUERIES, runs, result.bare)
    bare.close()
    log(f"{target}: queries p95 store {result.store.percentile(0.95) * 1e3:.1f} ms, "
        f"bare {result.bare.percentile(0.95) * 1e3:.1f} ms")

    _new_issue(store, archive, seed, result)
    store.close()
    log(f"{target}: new issue searchable in {result.update_total_s:.2f} s")

    if fts:
        baseline.open()
        _time_queries(baseline.run, QUERIES, runs, result.fts)
        baseline.close()
        log(f"{target}: FTS5 p95 {result.fts.percentile(0.95) * 1e3:.1f} ms")
    gc.collect()
    return result


def _new_issue(store: Any, archive: ArchiveFiles, seed: int, result: SizeResult) -> None:
    """Time a new weekly issue from its file being written to a search finding it."""
    incoming = archive.root / "incoming"
    shutil.rmtree(incoming, ignore_errors=True)
    number = archive.last_number + 1
    truth = new_issue_truth(number, seed)
    words = [word for word in re.findall(r"[A-Za-z]{4,}", truth.patches[0].subject)][:3]
    probe = " ".join(words) or "bpf"
    started = _now()
    new_issue_file(incoming, number, seed)
    report = store.update([archive.issue_dir, incoming])
    result.update_s = _now() - started
    searched = _now()
    found = store.search(probe, issue=number, limit=5)
    result.update_search_s = _now() - searched
    result.update_total_s = _now() - started
    result.update_found = any(hit.issue == number for hit in found.hits)
    if [summary.number for summary in report.added] != [number]:
        result.notes.append(f"update reported added={[s.number for s in report.added]}")
    shutil.rmtree(incoming, ignore_errors=True)


def bench_seeds(runs: int) -> Latencies:
    """Every query on the real archive (the five seed issues)."""
    from index.store import IndexStore

    data_dir = OUT / "index-seeds"
    shutil.rmtree(data_dir, ignore_errors=True)
    store = IndexStore(data_dir)
    store.build([SEEDS])
    store.search("xdp")
    latencies = Latencies()
    _time_queries(_store_runner(store), QUERIES, runs, latencies)
    store.close()
    return latencies


# -------------------------------------------------------------------------- profile


def _dump_profile(profiler: cProfile.Profile, path: Path, title: str,
                  log: Callable[[str], None], lines: int = 25) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path))
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.strip_dirs().sort_stats("cumulative").print_stats(lines)
    log(f"--- cProfile: {title} (full profile: {path.relative_to(ROOT)})")
    log("\n".join(line for line in text.getvalue().splitlines() if line.strip()))


def profile_slowest(target: int, result: SizeResult, count: int, runs: int,
                    log: Callable[[str], None]) -> None:
    """cProfile the `count` slowest queries (by median through IndexStore)."""
    from index.store import IndexStore

    store = IndexStore(OUT / f"index-{target}")
    by_label = {bench_query.label: bench_query for bench_query in QUERIES}
    run = _store_runner(store)
    for rank, (label, median) in enumerate(result.store.slowest(count), start=1):
        bench_query = by_label[label]
        run(bench_query)  # warm
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(runs):
            run(bench_query)
        profiler.disable()
        _dump_profile(profiler, OUT / "profiles" / f"query-{target}-{rank}.prof",
                      f"{label!r} at {target} documents, median {median * 1e3:.1f} ms, "
                      f"{runs} runs", log, lines=20)
    store.close()


# --------------------------------------------------------------------------- report


def _ms(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "-"
    return f"{seconds * 1e3:.2f}" if seconds < 0.01 else f"{seconds * 1e3:.1f}"


def _size_name(target: int) -> str:
    return f"{target // 1000}k" if target % 1000 == 0 else str(target)


def render(results: list[SizeResult], seeds: Latencies | None, runs: int) -> str:
    """The side-by-side table, the slowest queries and the targets."""
    import sqlite3 as sqlite
    from importlib.metadata import version

    try:
        whoosh_version = version("whoosh-reloaded")
    except Exception:  # noqa: BLE001 - only for the header
        whoosh_version = "?"
    out: list[str] = []
    out.append(
        f"BPF Updates index benchmark: {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, whoosh-reloaded {whoosh_version}, SQLite "
        f"{sqlite.sqlite_version}; {len(QUERIES)} queries x {runs} warm runs, one reused "
        "searcher; 'cold' is each query's first run (IndexStore: its vector cache emptied "
        "first)"
    )
    if not results:
        return "\n".join([*out, "", "Targets:", *targets(results, seeds)])
    width = 26
    head = f"{'':34}" + "".join(f"{_size_name(r.target):>{width}}" for r in results)
    out += ["", head, "-" * len(head)]

    def row(name: str, cell: Callable[[SizeResult], str]) -> None:
        out.append(f"{name:34}" + "".join(f"{cell(r):>{width}}" for r in results))

    row("documents (issues)", lambda r: f"{r.documents} ({r.issues})")
    row("issue files", lambda r: f"{r.files_mb:.1f} MB")
    row("full build, IndexStore.build", lambda r: f"{r.build_s:.2f} s")
    row("  docs/s", lambda r: f"{r.documents / r.build_s:,.0f}" if r.build_s else "-")
    row("  parse / make documents", lambda r: f"{r.parse_s:.2f} s / {r.documents_s:.2f} s")
    row("  rest (Whoosh write, commit)",
        lambda r: f"{max(0.0, r.build_s - r.parse_s - r.documents_s):.2f} s")
    row("  peak RSS (writer procs)",
        lambda r: f"{r.build_peak_mb:.0f} MB ({r.build_children_peak_mb:.0f} MB)")
    row("on-disk size (segments)", lambda r: f"{r.disk_mb:.1f} MB ({r.segments})")
    row("open: IndexStore / bare", lambda r: f"{_ms(r.open_s)} / {_ms(r.bare_open_s)} ms")
    row("first query (cold searcher)", lambda r: f"{_ms(r.first_query_s)} ms")
    def spread(values: Latencies, cold: bool = False) -> str:
        if not (values.cold if cold else values.samples):
            return "-"
        return (f"{_ms(values.percentile(.5, cold))} / {_ms(values.percentile(.95, cold))} / "
                f"{_ms(values.percentile(1, cold))} ms")

    row("IndexStore p50 / p95 / max", lambda r: spread(r.store))
    row("  cold (first run, empty cache)", lambda r: spread(r.store, cold=True))
    row("  vector cache (all queries)", lambda r: f"{r.cache_mb:.1f} MB" if r.cache_mb else "-")
    row("IndexStore, Whoosh path (before)", lambda r: spread(r.whoosh_path))
    row("  cold (first run)", lambda r: spread(r.whoosh_path, cold=True))
    row("bare Whoosh p50 / p95 / max", lambda r: spread(r.bare))
    row("  cold (first run)", lambda r: spread(r.bare, cold=True))
    row("  overhead p50 / p95 (store/bare)",
        lambda r: f"{_ratio(r.store.percentile(.5), r.bare.percentile(.5))} / "
                  f"{_ratio(r.store.percentile(.95), r.bare.percentile(.95))}")
    row("FTS5 p50 / p95 / max", lambda r: spread(r.fts))
    row("  cold (first run)", lambda r: spread(r.fts, cold=True))
    row("IndexStore/FTS5 p50 / p95",
        lambda r: f"{_ratio(r.store.percentile(.5), r.fts.percentile(.5))} / "
                  f"{_ratio(r.store.percentile(.95), r.fts.percentile(.95))}")
    row("  cold: IndexStore/FTS5 p50 / p95",
        lambda r: f"{_ratio(r.store.percentile(.5, True), r.fts.percentile(.5, True))} / "
                  f"{_ratio(r.store.percentile(.95, True), r.fts.percentile(.95, True))}")
    row("FTS5 build / size", lambda r: f"{r.fts_build_s:.2f} s / {r.fts_disk_mb:.1f} MB"
        if r.fts_build_s else "-")
    row("new issue: update / search",
        lambda r: f"{r.update_s:.2f} s / {_ms(r.update_search_s)} ms")
    row("new issue -> searchable",
        lambda r: f"{r.update_total_s:.2f} s{'' if r.update_found else ' NOT FOUND'}")

    for r in results:
        out += ["", f"Slowest queries at {_size_name(r.target)} (median ms: IndexStore | "
                    "its cold run | Whoosh path | bare Whoosh | FTS5):"]
        bare, fts, before = r.bare.medians(), r.fts.medians(), r.whoosh_path.medians()
        nan = float("nan")
        for label, median in r.store.slowest(8):
            out.append(f"  {_ms(median):>8} | {_ms(r.store.cold.get(label, nan)):>8} | "
                       f"{_ms(before.get(label, nan)):>8} | {_ms(bare.get(label, nan)):>8} | "
                       f"{_ms(fts.get(label, nan)):>8}   {label}")
        slow_cold = sorted(r.store.cold.items(), key=lambda kv: -kv[1])[:5]
        if slow_cold:
            out.append("  slowest cold runs: " + ", ".join(
                f"{label} {_ms(value)} ms" for label, value in slow_cold))
        for engine, latencies in (("IndexStore", r.store), ("Whoosh path", r.whoosh_path),
                                  ("bare Whoosh", r.bare), ("FTS5", r.fts)):
            for label, error in latencies.errors.items():
                out.append(f"  {engine} failed {label!r}: {error}")
        for label in _disagreements(r):
            out.append(f"  no hits in some engine only: {label} (hits: IndexStore "
                       f"{r.store.hits.get(label)}, bare {r.bare.hits.get(label)}, FTS5 "
                       f"{r.fts.hits.get(label)})")
        for note in r.notes:
            out.append(f"  note: {note}")

    out += ["", "Targets:"]
    out += targets(results, seeds)
    return "\n".join(out)


def _disagreements(result: SizeResult) -> list[str]:
    """Queries some engine found nothing for while another found something."""
    found = []
    for bench_query in QUERIES:
        counts = [engine.hits.get(bench_query.label) for engine in
                  (result.store, result.bare, result.fts) if engine.hits]
        counts = [count for count in counts if count is not None]
        if counts and min(counts) == 0 < max(counts):
            found.append(bench_query.label)
    return found


def _ratio(a: float, b: float) -> str:
    if not b or a != a or b != b:
        return "-"
    return f"{a / b:.2f}x"


def targets(results: list[SizeResult], seeds: Latencies | None) -> list[str]:
    """PASS/FAIL lines for the four targets."""
    lines: list[str] = []

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    with_fts = [r for r in results if r.fts.samples]
    at = next((r for r in with_fts if r.target == RATIO_SIZE), None)
    if at is None and with_fts:
        at = max(with_fts, key=lambda r: r.target)
    if at is not None:
        ours, theirs = at.store.percentile(0.95), at.fts.percentile(0.95)
        label = _size_name(at.target)
        note = "" if at.target == RATIO_SIZE else f" (target is for 100k; largest run: {label})"
        lines.append(
            f"  [{verdict(ours <= TARGET_P95_RATIO * theirs)}] query p95 at {label} <= "
            f"{TARGET_P95_RATIO}x FTS5's: {_ms(ours)} ms vs {_ms(theirs)} ms "
            f"({_ratio(ours, theirs)}){note}"
        )
        cold_ours, cold_theirs = at.store.percentile(0.95, True), at.fts.percentile(0.95, True)
        lines.append(f"         (warm runs; cold first runs: {_ms(cold_ours)} ms vs "
                     f"{_ms(cold_theirs)} ms, {_ratio(cold_ours, cold_theirs)})")
    if results:
        ok = all(0 < r.build_s <= TARGET_REBUILD_S for r in results)
        builds = ", ".join(f"{_size_name(r.target)} "
                           + (f"{r.build_s:.1f} s" if r.build_s else "failed") for r in results)
        lines.append(f"  [{verdict(ok)}] full rebuild <= "
                     f"{TARGET_REBUILD_S:.0f} s: {builds}")
        ok = all(r.update_found and r.update_total_s <= TARGET_UPDATE_S for r in results)
        updates = ", ".join(
            f"{_size_name(r.target)} {r.update_total_s:.2f} s"
            + ("" if r.update_found else " (not found)") for r in results)
        lines.append(f"  [{verdict(ok)}] new issue searchable <= {TARGET_UPDATE_S:.0f} s: "
                     f"{updates}")
    if seeds is not None:
        medians = seeds.medians()
        label, slowest = max(medians.items(), key=lambda kv: kv[1]) if medians else ("-", 0.0)
        ok = bool(medians) and slowest <= TARGET_SEED_QUERY_MS / 1e3 and not seeds.errors
        lines.append(
            f"  [{verdict(ok)}] real archive (5 seeds): every query <= "
            f"{TARGET_SEED_QUERY_MS:.0f} ms (median of each; slowest {_ms(slowest)} ms: "
            f"{label}; p95 of all runs {_ms(seeds.percentile(0.95))} ms)"
        )
        for query_label, error in seeds.errors.items():
            lines.append(f"         failed {query_label!r}: {error}")
    return lines


def _json(results: list[SizeResult], seeds: Latencies | None) -> dict[str, Any]:
    def latencies(values: Latencies) -> dict[str, Any]:
        return {"p50": values.percentile(0.5), "p95": values.percentile(0.95),
                "cold_p50": values.percentile(0.5, cold=True),
                "cold_p95": values.percentile(0.95, cold=True), "cold": values.cold,
                "medians": values.medians(), "errors": values.errors}

    sizes = []
    for r in results:
        data = {key: value for key, value in asdict(r).items()
                if key not in ("store", "whoosh_path", "bare", "fts")}
        data.update(store=latencies(r.store), whoosh_path=latencies(r.whoosh_path),
                    bare=latencies(r.bare), fts=latencies(r.fts))
        sizes.append(data)
    return {"sizes": sizes, "seeds": latencies(seeds) if seeds else None,
            "queries": [q.label for q in QUERIES]}


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated document counts (default: 1000,10000,100000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query")
    parser.add_argument("--seed", type=int, default=0, help="synthetic archive seed")
    parser.add_argument("--no-fts", action="store_true", help="skip the SQLite FTS5 baseline")
    parser.add_argument("--no-seeds", action="store_true", help="skip the real-archive check")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the slowest queries at the largest size")
    parser.add_argument("--profile-count", type=int, default=3,
                        help="how many of the slowest queries --profile covers")
    parser.add_argument("--profile-build", action="store_true",
                        help="cProfile IndexStore.build (the parent process only)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    OUT.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    # The real archive first, while this process is small (a big heap slows Python).
    seeds = None if args.no_seeds else bench_seeds(args.runs)
    results = [bench_size(size, args.seed, args.runs, not args.no_fts, args.profile_build, log)
               for size in sizes]
    print(render(results, seeds, args.runs))
    if args.profile and results:
        largest = max(results, key=lambda r: r.target)
        profile_slowest(largest.target, largest, args.profile_count, args.runs, print)
    if args.json:
        args.json.write_text(json.dumps(_json(results, seeds), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A vectorised evaluator for the common query shapes: the same hits and scores as Whoosh.

Whoosh scores each matching posting in Python (~5 us); for a common word at 100k
documents that is most of a query's time. `VectorIndex` keeps an index generation's
decoded postings (docnums and weights as numpy arrays) and field lengths in a bounded
LRU cache (an index-data cache, like SQLite's page cache; never query results), and
`VectorSearch` evaluates Term / Phrase / And / Or / AndMaybe / ExcludingAnd / prefix and
range queries with numpy, scoring BM25F exactly as Whoosh's `BM25FScorer` does (same idf,
average field lengths, B, K1, boosts). Anything else (phrases with a slop, NOT alone,
other weightings) raises `Unsupported` and the caller uses Whoosh.

Every match is scored, so the top-k is the true one: Whoosh's block-quality skipping
can miss some of its documents on big indexes (tests compare with Whoosh's exhaustive
scoring). Position lists (phrases) are decoded from the raw posting values kept when a
term's postings are read, only for terms a phrase uses.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from itertools import chain
from typing import Any

import numpy as np
from whoosh import query, scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import FilterMatcher
from whoosh.util.numeric import byte_to_length

CACHE_BYTES = 256 * 1024 * 1024
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)


class Unsupported(Exception):
    """The query has a shape the vectorised path does not evaluate."""


class VectorIndex:
    """Per-generation cache of decoded postings, field lengths and columns (thread-safe).

    Bounded by bytes (least recently used entries are dropped first).
    """

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, load) -> Any:  # noqa: ANN001 - load() -> (value, nbytes)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry[0]
        value, size = load()  # outside the lock: two threads may load the same key once
        self.put(key, value, size)
        return value

    def put(self, key: Any, value: Any, size: int) -> None:
        """Store a value loaded alongside another one (kept unless already there)."""
        with self._lock:
            if key not in self._entries and size <= self.max_bytes:
                self._entries[key] = (value, size)
                self.bytes += size
                while self.bytes > self.max_bytes:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self.bytes -= dropped

    def peek(self, key: Any) -> Any:
        """The cached value, or None (nothing is loaded)."""
        with self._lock:
            entry = self._entries.get(key)
            return None if entry is None else entry[0]

    def discard(self, key: Any) -> None:
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is not None:
                self.bytes -= entry[1]

    def clear(self) -> None:
        """Drop everything (the benchmark's cold runs)."""
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def search(self, searcher) -> VectorSearch:  # noqa: ANN001 - a whoosh Searcher
        return VectorSearch(self, searcher)


class VectorSearch:
    """Evaluates queries on one searcher of the cached generation."""

    def __init__(self, cache: VectorIndex, searcher) -> None:  # noqa: ANN001
        weighting = searcher.weighting
        if type(weighting) is not scoring.BM25F or weighting.use_final:
            raise Unsupported("weighting")
        self.cache = cache
        self.searcher = searcher
        self.schema = searcher.schema
        self.weighting = weighting
        self.leaves = list(searcher.leaf_searchers())

    # ------------------------------------------------------------------ index data

    def postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Global docnums (sorted, live documents only) and weights of a term."""
        return self.cache.get(("p", fieldname, btext), lambda: self._load(fieldname, btext))

    def _load(self, fieldname: str, btext: bytes) -> tuple[Any, int]:
        # The raw position values come with the same block reads: kept (undecoded) for
        # phrases, which decode them only when one needs them (positions())
        values: list[bytes] | None = [] if self._has_positions(fieldname) else None
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for sub, offset in self.leaves:
            reader = sub.reader()
            if (fieldname, btext) not in reader:
                continue
            matcher = reader.postings(fieldname, btext)
            deleted = None
            if isinstance(matcher, FilterMatcher):
                deleted, matcher = matcher._ids, matcher.child
            if type(matcher) is not W3LeafMatcher:
                raise Unsupported("postings format")
            seg_ids: list[Any] = []
            seg_weights: list[Any] = []
            seg_values: list[bytes] = []
            while matcher.is_active():
                seg_ids.append(_block_ids(matcher))
                seg_weights.append(_block_weights(matcher))
                if values is not None:
                    matcher._read_values()
                    seg_values.extend(matcher._values)
                matcher._next_block()
            if not seg_ids:
                continue
            docs = np.concatenate(seg_ids)
            w = np.concatenate(seg_weights)
            if deleted:
                keep = ~np.isin(docs, np.fromiter(deleted, dtype=np.int64))
                docs, w = docs[keep], w[keep]
                seg_values = [v for v, k in zip(seg_values, keep.tolist(), strict=False) if k]
            ids.append(docs + offset)
            weights.append(w)
            if values is not None:
                values.extend(seg_values)
        if not ids:
            value = (_EMPTY_IDS, _EMPTY_SCORES)
        else:
            value = (np.concatenate(ids), np.concatenate(weights))
        if values is not None:
            self.cache.put(("raw", fieldname, btext), values,
                           sum(map(len, values)) + 40 * len(values) + 200)
        return value, value[0].nbytes + value[1].nbytes + 200

    def _has_positions(self, fieldname: str) -> bool:
        fmt = self.schema[fieldname].format
        return bool(fmt) and fmt.supports("positions")

    def lengths(self, fieldname: str) -> np.ndarray:
        """Every document's field length as Whoosh's scorer reads it (byte-quantised)."""
        def load() -> tuple[np.ndarray, int]:
            parts = []
            for sub, _ in self.leaves:
                reader = sub.reader()
                perdoc = reader._perdoc
                count = reader.doc_count_all()
                column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
                if column is None:
                    raise Unsupported("no lengths")
                parts.append(_column_array(column, count, np.uint8))
            value = _BYTE_LENGTHS[np.concatenate(parts)]
            return value, value.nbytes
        return self.cache.get(("len", fieldname), load)

    def column(self, fieldname: str) -> np.ndarray:
        """A numeric column (the `seq` listing order) for every document."""
        def load() -> tuple[np.ndarray, int]:
            parts = []
            for sub, _ in self.leaves:
                reader = sub.reader()
                column = reader.column_reader(fieldname, translate=False)
                count = reader.doc_count_all()
                if getattr(column, "_fixedlen", None) == 8:  # NumericColumn("Q"): "!Q"
                    parts.append(_column_array(column, count, ">u8").astype(np.int64))
                else:
                    column = reader.column_reader(fieldname)
                    parts.append(np.fromiter((column[d] for d in range(count)),
                                             dtype=np.int64, count=count))
            value = np.concatenate(parts) if parts else _EMPTY_IDS
            return value, value.nbytes
        return self.cache.get(("col", fieldname), load)

    # ---------------------------------------------------------------- evaluation

    def evaluate(self, q: query.Query) -> tuple[np.ndarray, np.ndarray]:
        """(sorted docnums, scores) of every live document matching `q`."""
        from index.query import ExcludingAnd, _ListMatching

        kind = type(q)
        if kind is query.Term:
            return self._term(q)
        if kind is query.Phrase:
            return self._phrase(q)
        if isinstance(q, _ListMatching):
            return self._listed(q)
        if kind is query.NullQuery.__class__:
            return _EMPTY_IDS, _EMPTY_SCORES
        if kind is query.Or:
            if q.scale or getattr(q, "minmatch", 0):
                raise Unsupported("scaled or")
            return _union([self.evaluate(child) for child in q.subqueries])
        if kind is query.And:
            if any(isinstance(child, query.Not) for child in q.subqueries):
                raise Unsupported("and not")
            return _intersection([self.evaluate(child) for child in q.subqueries])
        if kind is ExcludingAnd:
            positives = [c for c in q.subqueries if not isinstance(c, query.Not)]
            negatives = [c for c in q.subqueries if isinstance(c, query.Not)]
            if not positives or not negatives:
                raise Unsupported("and not")
            if len(positives) == 1:
                docs, scores = self.evaluate(positives[0])
            else:
                docs, scores = _intersection([self.evaluate(c) for c in positives])
            if q.boost != 1.0:
                scores = scores * q.boost
            for negative in negatives:
                excluded, _ = self.evaluate(negative.query)
                keep = ~np.isin(docs, excluded, assume_unique=True)
                docs, scores = docs[keep], scores[keep]
            bonus = sum(negative.boost for negative in negatives) * q.boost
            return docs, scores + bonus
        if kind is query.AndMaybe:
            docs, scores = self.evaluate(q.a)
            bdocs, bscores = self.evaluate(q.b)
            if len(bdocs) and len(docs):
                where = np.searchsorted(bdocs, docs)
                where[where >= len(bdocs)] = 0
                hit = bdocs[where] == docs
                scores = scores.copy()
                scores[hit] += bscores[where[hit]]
            return docs, scores
        raise Unsupported(kind.__name__)

    def _term(self, q: query.Term) -> tuple[np.ndarray, np.ndarray]:
        fieldname = q.fieldname
        if fieldname not in self.schema:
            return _EMPTY_IDS, _EMPTY_SCORES
        field = self.schema[fieldname]
        try:
            btext = field.to_bytes(q.text)
        except ValueError:
            return _EMPTY_IDS, _EMPTY_SCORES
        if q.minquality:
            raise Unsupported("minquality")
        docs, weights = self.postings(fieldname, btext)
        if not len(docs):
            return docs, weights
        if field.scorable:
            searcher = self.searcher.get_parent()
            idf = searcher.idf(fieldname, btext)
            avgfl = searcher.avg_field_length(fieldname) or 1
            w = self.weighting
            B = w._field_B.get(fieldname, w.B)  # noqa: N806
            K1 = w.K1  # noqa: N806
            fl = self.lengths(fieldname)[docs]
            # bm25(): idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
            scores = idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))
        else:
            scores = weights
        if q.boost != 1.0:
            scores = scores * q.boost
        return docs, scores

    def _listed(self, q: query.Query) -> tuple[np.ndarray, np.ndarray]:
        # The terms of the whole index's reader, as _ListMatching.matcher expands them
        arrays = [self.postings(q.fieldname, btext)[0]
                  for btext in q._btexts(self.searcher.get_parent().reader())]
        arrays = [docs for docs in arrays if len(docs)]
        if not arrays:
            return _EMPTY_IDS, _EMPTY_SCORES
        docs = np.unique(np.concatenate(arrays)) if len(arrays) > 1 else arrays[0]
        return docs, np.full(len(docs), float(q.boost), dtype=np.float64)

    def _phrase(self, q: query.Phrase) -> tuple[np.ndarray, np.ndarray]:
        """Whoosh's Phrase: documents with the words at consecutive positions.

        whoosh.query.Phrase.matcher builds SpanNear2(Term(word) for each word, slop=1,
        ordered=True, mindist=1), wrapped in WrappingMatcher(boost) when boosted. The
        span matcher wraps an IntersectionMatcher of the terms' matchers and only
        filters documents (SpanWrappingMatcher._find_next); its score() is
        WrappingMatcher's child.score() * 1.0, i.e. the SUM of the words' BM25F term
        scores (each word with its whole-document frequency, unboosted), times the
        phrase's boost. So: intersect the terms with numpy, sum their scores, then
        keep the candidates whose positions line up (word i at p + i).
        """
        fieldname = q.fieldname
        if fieldname not in self.schema:
            return _EMPTY_IDS, _EMPTY_SCORES
        field = self.schema[fieldname]
        if q.slop != 1 or not q.words or not field.format \
                or not field.format.supports("positions"):
            raise Unsupported("phrase shape")
        try:
            btexts = [field.to_bytes(word) for word in q.words]
        except ValueError:
            return _EMPTY_IDS, _EMPTY_SCORES
        parts = [self._term(query.Term(fieldname, word)) for word in q.words]
        docs, scores = _intersection(parts)
        if len(btexts) > 1 and len(docs):
            keys = None
            for i, btext in enumerate(btexts):
                word_docs, positions = self._positions_of(fieldname, btext, docs)
                start = positions - i  # the phrase's first position, were this word in it
                ok = start >= 0
                mine = (word_docs[ok] << 32) | start[ok]
                keys = mine if keys is None else np.intersect1d(keys, mine)
                if not len(keys):
                    break
            found = np.unique(keys >> 32) if keys is not None else _EMPTY_IDS
            keep = np.isin(docs, found, assume_unique=True)
            docs, scores = docs[keep], scores[keep]
        if q.boost != 1.0:
            scores = scores * q.boost
        return docs, scores

    def _positions_of(self, fieldname: str, btext: bytes, docs: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """(docnum, position) pairs of a term in `docs` (all of which have the term)."""
        term_docs = self.postings(fieldname, btext)[0]
        starts, flat = self.positions(fieldname, btext)
        where = np.searchsorted(term_docs, docs)
        begin, end = starts[where], starts[where + 1]
        lengths = end - begin
        total = int(lengths.sum())
        if not total:
            return _EMPTY_IDS, _EMPTY_IDS
        # a ragged gather: flat[begin[k]:end[k]] for every k, concatenated
        shift = np.repeat(begin - (np.cumsum(lengths) - lengths), lengths)
        index = shift + np.arange(total, dtype=np.int64)
        return np.repeat(docs, lengths), flat[index]

    def positions(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """A term's positions: posting k's are flat[starts[k]:starts[k + 1]].

        Aligned with postings() (same documents, same order).
        """
        return self.cache.get(("pos", fieldname, btext),
                              lambda: self._load_positions(fieldname, btext))

    def _load_positions(self, fieldname: str, btext: bytes) -> tuple[Any, int]:
        key = ("raw", fieldname, btext)
        values = self.cache.peek(key)
        if values is None:  # evicted (or decoded and dropped) since: read them again
            self._load(fieldname, btext)
            values = self.cache.peek(key)
        if values is None:
            raise Unsupported("position values too big to cache")
        starts, flat = _decode_positions(values, self.schema[fieldname].format)
        self.cache.discard(key)  # decoded now: the raw values are not needed any more
        return (starts, flat), starts.nbytes + flat.nbytes + 200

    # ------------------------------------------------------------------- results

    def top(self, docs: np.ndarray, scores: np.ndarray, wanted: int
            ) -> list[tuple[int, float]]:
        """Whoosh's TopCollector order: score descending, then docnum ascending."""
        if len(docs) > wanted:
            kth = np.partition(-scores, wanted - 1)[wanted - 1]
            keep = -scores <= kth  # every document tied with the last one kept
            docs, scores = docs[keep], scores[keep]
        order = np.lexsort((docs, -scores))[:wanted]
        return [(int(d), float(s)) for d, s in zip(docs[order], scores[order], strict=True)]

    def listing(self, docs: np.ndarray, wanted: int) -> list[tuple[int, float]]:
        """index.query._list's order: `seq` ascending, then docnum descending."""
        seq = self.column("seq")[docs]
        order = np.lexsort((-docs, seq))[:wanted]
        return [(int(d), 0.0) for d in docs[order]]


def _block_ids(matcher: W3LeafMatcher) -> np.ndarray:
    """The current block's document numbers (W3LeafMatcher._read_ids, with numpy)."""
    if matcher._data is None:
        matcher._read_data()
    raw = matcher._data[0]
    if isinstance(raw, bytes | bytearray):
        ids = np.frombuffer(raw, dtype=np.uint8).astype(np.int64)
    else:
        ids = np.asarray(raw, dtype=np.int64)
    if not matcher._byteids:
        ids = np.cumsum(ids)  # whoosh.util.numlists.delta_decode
    return ids


def _block_weights(matcher: W3LeafMatcher) -> np.ndarray:
    """The current block's weights as float32, as W3LeafMatcher._read_weights reads them."""
    if matcher._data is None:
        matcher._read_data()
    raw = matcher._data[1]
    count = matcher._blocklength
    if raw is None:
        return np.ones(count, dtype=np.float64)
    if isinstance(raw, float):
        return np.full(count, np.float32(raw), dtype=np.float64)
    return np.asarray(raw, dtype=np.float32).astype(np.float64)


_PICKLE_HEAD = b"\x80\x02"


def _decode_positions(values: list[bytes], fmt) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Positions of many postings: (starts, flat), posting k's at flat[starts[k]:starts[k+1]].

    Each value is whoosh.formats.Positions.encode's: a 4-byte count, then a pickled
    (protocol 2) list of position deltas. Their pickle bodies, concatenated between a
    MARK and an APPENDS, are one pickle of the list of those lists: one C-level
    loads() instead of one decode_positions() per posting. Anything unexpected falls
    back to decode_positions().
    """
    count = len(values)
    starts = np.zeros(count + 1, dtype=np.int64)
    if not count:
        return starts, _EMPTY_IDS
    lists: list[list[int]] | None = None
    joined = b"".join(values)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=count)
    ends = np.cumsum(lengths)
    begins = ends - lengths
    data = np.frombuffer(joined, dtype=np.uint8)
    if (lengths >= 8).all() and (data[begins + 4] == 0x80).all() \
            and (data[begins + 5] == 0x02).all() and (data[ends - 1] == ord(".")).all():
        keep = np.ones(len(data), dtype=bool)
        for cut in range(6):  # the count and the pickle protocol header
            keep[begins + cut] = False
        keep[ends - 1] = False  # each pickle's STOP
        try:
            lists = pickle.loads(_PICKLE_HEAD + b"](" + data[keep].tobytes() + b"e.")
        except Exception:  # noqa: BLE001 - not the expected encoding: the slow way
            lists = None
        if lists is not None and (type(lists) is not list or len(lists) != count):
            lists = None
    counts = None
    if lists is not None:
        try:  # every item a list of ints (len() of an int raises)
            counts = np.fromiter(map(len, lists), dtype=np.int64, count=count)
        except TypeError:
            lists = None
    if lists is None or counts is None:
        decoded = [fmt.decode_positions(value) for value in values]
        counts = np.fromiter(map(len, decoded), dtype=np.int64, count=count)
        np.cumsum(counts, out=starts[1:])
        flat = np.fromiter(chain.from_iterable(decoded), dtype=np.int64, count=int(starts[-1]))
        return starts, flat
    np.cumsum(counts, out=starts[1:])
    deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(starts[-1]))
    running = np.cumsum(deltas)
    # each posting's positions restart from 0: subtract the running sum before it
    before = np.zeros(count, dtype=np.int64)
    nonzero = starts[:-1] > 0
    before[nonzero] = running[starts[:-1][nonzero] - 1]
    return starts, running - np.repeat(before, counts)


def _column_array(column, count: int, dtype) -> np.ndarray:  # noqa: ANN001
    """A fixed-width column's values for documents 0..count-1, read in one piece."""
    fixed = getattr(column, "_fixedlen", None)
    dbfile = getattr(column, "_dbfile", None)
    if fixed == np.dtype(dtype).itemsize and dbfile is not None:
        stored = min(column._count, count)
        data = np.frombuffer(bytes(dbfile.get(column._basepos, stored * fixed)), dtype=dtype)
        if stored < count:
            default = np.frombuffer(column._defaultbytes, dtype=dtype)[0]
            data = np.concatenate([data, np.full(count - stored, default, dtype=dtype)])
        return data
    return np.fromiter((column[d] for d in range(count)), dtype=dtype, count=count)


def _union(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _EMPTY_IDS, _EMPTY_SCORES
    if len(parts) == 1:
        return parts[0]
    docs, inverse = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
    scores = np.zeros(len(docs), dtype=np.float64)
    for (_, part_scores), where in zip(parts, np.split(inverse, np.cumsum(
            [len(p[0]) for p in parts])[:-1]), strict=True):
        scores[where] += part_scores  # docnums are unique within a part
    return docs, scores


def _intersection(parts: list[tuple[np.ndarray, np.ndarray]]
                  ) -> tuple[np.ndarray, np.ndarray]:
    docs, scores = parts[0]
    for other_docs, other_scores in parts[1:]:
        if not len(docs):
            break
        _, mine, theirs = np.intersect1d(docs, other_docs, assume_unique=True,
                                         return_indices=True)
        docs = docs[mine]
        scores = scores[mine] + other_scores[theirs]
    return docs, scores


__all__ = ["CACHE_BYTES", "Unsupported", "VectorIndex", "VectorSearch"]

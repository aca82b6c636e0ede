"""One name per person across the archive: near-typos are folded into the common spelling.

`Martin KaFai La` and `Richard Weinber` are truncations of names written in full
elsewhere in the archive; `Daniel Diaz` is `Daniel Díaz` without the accent. The
spelling as written is kept on each patch (`author_as_written`) as an alias.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

from index.model import Issue

# Combining marks left by NFKD decomposition (the accents of "Salaün", "Díaz").
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_MIN_TRUNCATED = 8  # shorter names are too ambiguous to call a truncation
_MAX_TRUNCATION = 4
_SIMILAR_SURNAME = 0.88


def fold(name: str) -> str:
    """A name compared without accents, case or repeated spaces."""
    if name.isascii():  # the common case, and ~10x faster
        return " ".join(name.lower().split())
    bare = _COMBINING.sub("", unicodedata.normalize("NFKD", name))
    return " ".join(bare.casefold().split())


def same_person(a: str, b: str) -> bool:
    """Whether two spellings are, by the archive's evidence, one person's name."""
    fa, fb = fold(a), fold(b)
    if fa == fb:
        return True
    ta, tb = fa.split(), fb.split()
    if len(ta) < 2 or len(tb) < 2 or ta[0] != tb[0]:
        return False
    short, long_ = sorted((fa, fb), key=len)
    if long_.startswith(short) and len(short) >= _MIN_TRUNCATED:
        return len(long_) - len(short) <= _MAX_TRUNCATION
    rest_a, rest_b = " ".join(ta[1:]), " ".join(tb[1:])
    if min(len(rest_a), len(rest_b)) < 5:
        return False
    return difflib.SequenceMatcher(None, rest_a, rest_b).ratio() >= _SIMILAR_SURNAME


def build_author_map(name_counts: Mapping[str, int]) -> dict[str, str]:
    """Map every spelling to its canonical one: the most used, then the longest."""
    ordered = sorted(name_counts, key=lambda name: (-name_counts[name], -len(name), name))
    canonical: list[str] = []
    mapping: dict[str, str] = {}
    for name in ordered:
        match = next((known for known in canonical if same_person(name, known)), None)
        if match is None:
            canonical.append(name)
            match = name
        mapping[name] = match
    return mapping


def author_counts(issues: Iterable[Issue]) -> Counter[str]:
    """How often each spelling appears (patch authors as written)."""
    counts: Counter[str] = Counter()
    for issue in issues:
        for patch in issue.patches:
            if patch.author_as_written and patch.parent is None:
                counts[patch.author_as_written] += 1
        if issue.author:
            counts[issue.author] += 1
    return counts


def apply_author_map(issues: Iterable[Issue], mapping: Mapping[str, str]) -> None:
    """Set each patch's canonical `author` (and the issue author) from the mapping."""
    for issue in issues:
        for patch in issue.patches:
            if patch.author_as_written:
                patch.author = mapping.get(patch.author_as_written, patch.author_as_written)
        if issue.author:
            issue.author = mapping.get(issue.author, issue.author)

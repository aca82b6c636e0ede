"""The one-pass indexing of index.schema's fields gives exactly Whoosh's postings.

`FastIndexed.index()` replaces Whoosh's analyzer -> format pipeline at build time;
queries and highlighting still use the analyzers, so both must agree term for term,
frequency, weight and encoded positions included, on every field of every document.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.synthetic import generate_archive  # noqa: E402
from index.documents import issue_documents  # noqa: E402
from index.parse import parse_paths  # noqa: E402
from index.schema import FastIndexed, build_schema  # noqa: E402

SEEDS = ROOT / "seeds"
ODD_VALUES = [
    "", " ", "a", "the of and", "Salaün Mickaël", "bpf_prog_attach() and skb->len",
    "net/mlx4_en: fix bpf.h 4.12-rc1", "a_b_c of_the", "__x__ _y_", "ÆØÅ æøå ﬁ ß",
    "x-y-z x.y", "line one\nline two\n\n  \nÉcole", "foo::bar+baz", "12 34 5_6",
    "redirecting redirected redirects", "İstanbul ǅ", "tabs\tand\r\nCRs",
]


def _generic(field, value):  # noqa: ANN001, ANN202
    return sorted(super(FastIndexed, field).index(value))


def _fast(field, value):  # noqa: ANN001, ANN202
    return sorted(field.index(value))


def _check(schema, documents) -> int:  # noqa: ANN001
    checked = 0
    for document in documents:
        for name, value in document.items():
            field = schema[name]
            if not isinstance(field, FastIndexed) or not isinstance(value, str):
                continue
            assert _fast(field, value) == _generic(field, value), (name, value)
            checked += 1
    return checked


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    generated = generate_archive(tmp_path_factory.mktemp("fast"), 1000, seed=3)
    archive = parse_paths([SEEDS, generated.issue_dir])
    return [doc for issue in archive.issues
            for doc in issue_documents(issue, issue.content_hash).documents]


def test_fast_indexing_matches_whoosh_on_archive(documents: list[dict]) -> None:
    assert _check(build_schema(), documents) > 10_000


def test_fast_indexing_matches_whoosh_on_odd_values() -> None:
    schema = build_schema()
    fields = [name for name in schema.names() if isinstance(schema[name], FastIndexed)]
    assert {"title", "body", "author", "author_id", "tree", "kind"} <= set(fields)
    for value in ODD_VALUES:
        _check(schema, [{name: value for name in fields}])

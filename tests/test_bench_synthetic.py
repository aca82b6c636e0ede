"""The synthetic archive (bench/synthetic.py) is what it claims to be.

A ~1k-document archive parses without errors, every generated patch line reads back as
the tree / version / part / total / RFC / kind it was written with, and the documents
the index makes of each file are the ones the generator counted.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.synthetic import (  # noqa: E402 - needs the repository root on sys.path
    GeneratedArchive,
    generate_archive,
    new_issue_file,
    new_issue_truth,
    render_issue,
)
from index.documents import issue_documents  # noqa: E402
from index.model import Archive  # noqa: E402
from index.parse import parse_paths  # noqa: E402

TARGET = 1000
FIELDS = ("author", "subject", "tree", "version", "part", "total", "rfc", "kind", "url",
          "revision")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedArchive:
    return generate_archive(tmp_path_factory.mktemp("synthetic"), TARGET, seed=0)


@pytest.fixture(scope="module")
def parsed(generated: GeneratedArchive) -> Archive:
    return parse_paths([generated.issue_dir])


def test_the_archive_parses_without_file_errors(generated, parsed):
    assert parsed.errors == []
    assert sorted(issue.number for issue in parsed.issues) == [
        issue.number for issue in generated.issues
    ]
    assert {issue.format for issue in generated.issues} == {"md", "mdx", "txt"}


def test_every_patch_line_parses_to_what_it_was_generated_with(generated, parsed):
    by_file = {Path(issue.source).name: issue for issue in parsed.issues}
    wrong: list[str] = []
    for truth in generated.issues:
        issue = by_file[truth.file]
        assert len(issue.patches) == len(truth.patches), truth.file
        for patch, expected in zip(issue.patches, truth.patches, strict=True):
            got = {name: getattr(patch, name) for name in FIELDS}
            got["author"] = patch.author_as_written
            want = {name: getattr(expected, name) for name in FIELDS}
            if patch.parent is not None:
                assert expected.nested, expected.line
                assert issue.patches[patch.parent].part in (0, None), expected.line
            else:
                assert not expected.nested, expected.line
            if got != want:
                diff = {name: (got[name], want[name]) for name in FIELDS if got[name] != want[name]}
                wrong.append(f"{truth.file}: {expected.line[:120]} -> {diff}")
    assert wrong == [], "\n".join(wrong[:10])


def test_document_counts_are_the_generators_and_near_the_target(generated, parsed):
    by_file = {Path(issue.source).name: issue for issue in parsed.issues}
    total = 0
    for truth in generated.issues:
        issue = by_file[truth.file]
        documents = issue_documents(issue, issue.content_hash)
        assert len(documents.documents) == truth.documents, truth.file
        assert documents.kinds == truth.kinds, truth.file
        assert [commit.hash for commit in issue.commits] == truth.commits, truth.file
        total += len(documents.documents)
    assert total == generated.documents
    assert abs(total - TARGET) <= TARGET * 0.1


def test_every_patch_line_shape_is_in_the_archive(generated):
    lines = [patch.line for issue in generated.issues for patch in issue.patches]
    kinds = {patch.kind for issue in generated.issues for patch in issue.patches}
    shapes = {
        "[PATCH net-next v2 1/5]": r"\[\[PATCH [a-z-]+ v\d+ [1-9]\d*/\d+\]",
        "[PATCH][net-next]": r"\[\[PATCH\]\[[a-z-]+\] ",
        "PATCH bpf-next: (unbracketed)": r"\[PATCH [a-z-]+: ",
        "[net-next PATCH 0/9]": r"\[\[[a-z-]+ PATCH \d+/\d+\]",
        "[V3 PATCH net-next 0/5]": r"\[\[V\d+ PATCH [a-z-]+ \d+/\d+\]",
        "[RFC net-next 0/2]": r"\[\[RFC [a-z-]+ \d+/\d+\]",
        "[Patch net-next v2]": r"\[\[Patch [a-z-]+ v\d+\]",
        "[iproute PATCH v2]": r"\[\[iproute PATCH v\d+\]",
        "[PATCH iproute2 -master 0/2]": r"\[\[PATCH iproute2 -master \d+/\d+\]",
        "[PATCH net-next v7 00/10]": r"\[\[PATCH [a-z-]+ v\d+ 00/\d\d\]",
        "[PATCH, bpf-llvm]": r"\[\[PATCH, bpf-llvm\]",
        "[llvm] r311567 - bpf:": r"\[\[llvm\] r\d+ - bpf",
        "[iovisor-dev] [RFC]": r"\[\[iovisor-dev\] \[RFC\] ",
        "a link whose text is the URL": r", \[https?://[^\]]+\]\(https?://",
        "untagged": r"^[^\[]+, \[(?!https?:|PATCH)[^\[\]]+\]\(",
        "nested part": r"^\[\[",
    }
    missing = [name for name, pattern in shapes.items()
               if not any(re.search(pattern, line) for line in lines)]
    assert missing == []
    assert {"patch", "llvm-commit", "report"} <= kinds


def test_series_come_back_in_later_issues_with_higher_versions(generated):
    seen: dict[tuple[str | None, str], list[tuple[int, int | None]]] = defaultdict(list)
    for issue in generated.issues:
        for patch in issue.patches:
            if patch.part == 0 and patch.kind == "patch":
                seen[(patch.author, patch.subject)].append((issue.number, patch.version))
    again = [runs for runs in seen.values() if len({number for number, _ in runs}) > 1]
    assert again
    for runs in again:
        versions = [version or 1 for _, version in sorted(runs)]
        assert versions == sorted(versions) and versions[-1] > versions[0], runs


def test_generation_is_deterministic_and_cached(generated, tmp_path):
    again = generate_archive(tmp_path, TARGET, seed=0)
    assert [issue.file for issue in again.issues] == [issue.file for issue in generated.issues]
    for first, second in zip(generated.files, again.files, strict=True):
        assert first.read_bytes() == second.read_bytes()
    reused = generate_archive(tmp_path, TARGET, seed=0)
    assert reused.documents == again.documents
    assert GeneratedArchive.load(tmp_path) is not None
    other = render_issue(3, seed=1)[0]
    assert other != render_issue(3, seed=0)[0]


def test_a_new_issue_continues_the_archive(generated, tmp_path):
    number = generated.last_number + 1
    path = new_issue_file(tmp_path, number, seed=0)
    truth = new_issue_truth(number, seed=0)
    issue = parse_paths([path]).issues[0]
    assert issue.number == number
    assert len(issue_documents(issue, issue.content_hash).documents) == truth.documents
    assert len(issue.patches) == len(truth.patches) > 50

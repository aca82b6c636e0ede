"""Build and update reports: exact added/changed/removed, renames, crashes, corruption."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import pytest

from index.store import IndexStore

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = {  # issue number -> seed file
    1: "000_3af274de2489058f.txt",
    10: "001_cd8837d008516b1a.txt",
    3: "002_ed41dd5c72a7ab7f.txt",
    2: "003_8ba0f59055e39228.txt",
    12: "004_bea3d97bdaa15b0f.txt",
}

ISSUE_11 = """---
path: '/blog/2017/9/5/bpf-updates-11'
date: '2017-09-05T10:00:00.000Z'
title: 'BPF updates 11'
---

This is issue 11 of the regular newsletter around BPF written by Alexander Alemayhu.

---

The highlights since last time are

- A new Landlock iteration.

## Patches

- Mickaël Salaün, [[PATCH net-next v8 00/10] Landlock LSM: Toward unprivileged sandboxing](https://example.org/v8-0)
  - [[PATCH net-next v8 01/10] landlock: Add the frobnicator](https://example.org/v8-1)
  - [[PATCH net-next v8 02/10] bpf: Teach the verifier about frobnication](https://example.org/v8-2)
{extra}
Happy eBPF hacking!
"""


def numbers(summaries) -> list[int | None]:
    return sorted(summary.number for summary in summaries)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "issues"
    folder.mkdir()
    for number, name in SEED_FILES.items():
        if number != 12:
            shutil.copy(SEEDS / name, folder / name)
    return folder


def test_update_reports_exactly_what_changed(tmp_path: Path, archive: Path) -> None:
    store = IndexStore(tmp_path / "data")
    report = store.build([archive])
    assert report.full and numbers(report.added) == [1, 2, 3, 10]
    assert (report.changed, report.removed, report.errors) == ([], [], [])
    assert report.issues == 4 and report.documents > 200 and report.seconds > 0
    assert any("Stas Kelvich" in warning for warning in report.warnings)

    # nothing changed: nothing reported, nothing rebuilt
    same = store.update([archive])
    assert (same.added, same.changed, same.removed, same.full) == ([], [], [], False)

    # a new file with a new issue number is an added issue, searchable right away
    shutil.copy(SEEDS / SEED_FILES[12], archive / SEED_FILES[12])
    added = store.update([archive])
    assert (numbers(added.added), added.changed, added.removed) == ([12], [], [])
    assert added.added[0].patch_count == 169
    assert store.search("author:kicinski issue:12").hits

    # a changed file is a changed issue; its new text is searchable, its old text gone
    path = archive / SEED_FILES[3]
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("## Patches\n", "## Patches\n\n- Ada Lovelace, "
                     "[[PATCH net-next] bpf: teach the verifier about looms]"
                     "(https://example.org/loom)\n", 1).replace("IDA processor", "IDB processor"),
        encoding="utf-8")
    changed = store.update([archive])
    assert (changed.added, numbers(changed.changed), changed.removed) == ([], [3], [])
    assert store.search("looms").hits[0].author == "Ada Lovelace"
    assert store.search("IDA processor").total == 0
    assert store.issue(3).patch_count == 31

    # a renamed but unchanged file is no change at all
    path.rename(archive / "renamed-issue-03.md")
    renamed = store.update([archive])
    assert (renamed.added, renamed.changed, renamed.removed) == ([], [], [])
    assert store.issue(3).source.endswith("renamed-issue-03.md")
    assert store.search("looms").total == 1

    # a removed file is a removed issue, and its documents are gone
    (archive / SEED_FILES[2]).unlink()
    removed = store.update([archive])
    assert (removed.added, removed.changed, removed.removed) == ([], [], [2])
    assert store.search("issue:2").total == 0
    assert [s.number for s in store.issues()] == [1, 3, 10, 12]

    # a full build reports its difference against the index it replaces
    shutil.copy(SEEDS / SEED_FILES[2], archive / SEED_FILES[2])
    rebuilt = store.build([archive])
    assert (numbers(rebuilt.added), rebuilt.changed, rebuilt.removed) == ([2], [], [])
    assert rebuilt.full
    store.close()


def test_update_matches_a_fresh_build(tmp_path: Path, archive: Path) -> None:
    """Incremental and full indexing give the same answers."""
    updated = IndexStore(tmp_path / "a")
    updated.build([archive])
    (archive / "011.md").write_text(ISSUE_11.format(extra=""), encoding="utf-8")
    updated.update([archive])
    fresh = IndexStore(tmp_path / "b")
    fresh.build([archive])
    for text in ("landlock", "frobnicator", "sockmap", "author:salaun", "issue:11", "xdp"):
        a, b = updated.search(text, limit=20), fresh.search(text, limit=20)
        assert [h.title for h in a.hits] == [h.title for h in b.hits], text
        assert a.total == b.total, text
    assert updated.stats() == fresh.stats()
    assert updated.authors() == fresh.authors()
    updated.close()
    fresh.close()


def test_series_versions_across_issues(tmp_path: Path, archive: Path) -> None:
    (archive / "011.md").write_text(ISSUE_11.format(extra=""), encoding="utf-8")
    store = IndexStore(tmp_path / "data")
    store.build([archive])
    hits = store.search("landlock", kind="patches").hits
    assert len(hits) == 1, "both postings of the series are one hit"
    (hit,) = hits
    others = {(v.issue, v.version) for v in hit.versions}
    assert {(hit.issue, hit.version)} | others == {(10, 7), (11, 8)}
    assert all(part.issue == hit.issue for part in hit.parts)
    v8 = store.search("frobnicator").hits[0]
    assert (v8.issue, v8.version, v8.part) == (11, 8, 0)
    assert [(v.issue, v.version) for v in v8.versions] == [(10, 7)]
    assert "\x02frobnicator\x03" in v8.snippet
    store.close()


def test_canonical_names_stay_archive_wide(tmp_path: Path) -> None:
    """A new file can change a name's canonical spelling in files that did not change."""
    folder = tmp_path / "issues"
    folder.mkdir()
    one = "- Richard Weinber, [[PATCH] bpf: frobnicate the widget](https://example.org/w)\n"
    (folder / "011.md").write_text(ISSUE_11.format(extra=one), encoding="utf-8")
    store = IndexStore(tmp_path / "data")
    store.build([folder])
    assert store.search("widget").hits[0].author == "Richard Weinber"

    more = "".join(
        f"- Richard Weinberger, [[PATCH] bpf: polish gadget {n}](https://example.org/g{n})\n"
        for n in range(3)
    )
    (folder / "012.md").write_text(
        ISSUE_11.format(extra=more).replace("11", "12"), encoding="utf-8")
    report = store.update([folder])
    assert (numbers(report.added), report.changed, report.removed) == ([12], [], [])
    widget = store.search("widget").hits[0]
    assert widget.author == "Richard Weinberger", "the unchanged file was re-indexed"
    assert store.search('author:"Richard Weinber" widget').total == 1, "the alias still works"
    assert "Richard Weinber" not in store.authors()
    store.close()


def test_unreadable_files_are_reported_not_fatal(tmp_path: Path, archive: Path) -> None:
    (archive / "broken.md").write_bytes(b"\x00\x01\x02 binary \xff" * 100)
    store = IndexStore(tmp_path / "data")
    report = store.build([archive])
    assert [error.source for error in report.errors] == [str(archive / "broken.md")]
    assert numbers(report.added) == [1, 2, 3, 10]
    again = store.update([archive])
    assert (again.added, again.changed, again.removed) == ([], [], [])
    assert [error.source for error in again.errors] == [str(archive / "broken.md")]
    store.close()


def test_ensure_builds_once_and_repairs_a_corrupt_index(tmp_path: Path, caplog) -> None:
    before = digest(SEEDS)
    store = IndexStore(tmp_path / "data")
    assert not store.exists()
    first = store.ensure([SEEDS])
    assert first is not None and numbers(first.added) == [1, 2, 3, 10, 12]
    assert store.exists() and store.ensure([SEEDS]) is None
    store.close()

    generation = store.root / (store.root / "CURRENT").read_text().strip()
    for segment in generation.glob("*.seg"):
        segment.write_bytes(b"garbage" * 10)
    for toc in generation.glob("*.toc"):
        toc.write_bytes(b"\x00" * 20)
    reopened = IndexStore(tmp_path / "data")
    with caplog.at_level(logging.ERROR, logger="index.store"):
        repaired = reopened.ensure([SEEDS])
    assert repaired is not None and repaired.full
    assert any(str(reopened.root) in record.getMessage() for record in caplog.records
               if record.levelno >= logging.ERROR)
    assert reopened.search("landlock").hits
    assert not generation.exists(), "the broken generation was cleaned up"
    assert digest(SEEDS) == before, "the seeds are never modified"
    reopened.close()


def test_a_missing_manifest_or_pointer_target_is_rebuilt(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "data")
    store.build([SEEDS])
    store.close()
    (store.root / "CURRENT").write_text("gen-does-not-exist\n")
    again = IndexStore(tmp_path / "data")
    assert not again.exists()
    report = again.ensure([SEEDS])
    assert report is not None and again.search("sockmap").hits
    again.close()


def test_a_parallel_build_matches_a_sequential_one(tmp_path: Path) -> None:
    folder = tmp_path / "issues"
    shutil.copytree(SEEDS, folder)
    shutil.copy(SEEDS / SEED_FILES[12], folder / "duplicate-of-12.md")  # indexed once
    (folder / "011.md").write_text(ISSUE_11.format(extra=""), encoding="utf-8")
    (folder / "broken.md").write_bytes(b"\x00\xff" * 64)
    one, two = IndexStore(tmp_path / "one"), IndexStore(tmp_path / "two")
    first, second = one.build([folder], procs=1), two.build([folder], procs=2)
    assert numbers(first.added) == numbers(second.added) == [1, 2, 3, 10, 11, 12]
    assert (first.documents, first.issues) == (second.documents, second.issues)
    assert [e.source for e in first.errors] == [e.source for e in second.errors]
    assert sorted(first.warnings) == sorted(second.warnings)
    for text in ("sockmap", "landlock", "author:kicinski issue:12", "sokcmap", "kind:slides"):
        a, b = one.search(text, limit=20), two.search(text, limit=20)
        assert [h.title for h in a.hits] == [h.title for h in b.hits], text
        assert (a.total, a.did_you_mean) == (b.total, b.did_you_mean), text
    assert one.stats() == two.stats()
    assert one.authors() == two.authors()
    # and an update on top of a parallel build works the same way
    (folder / "011.md").unlink()
    assert two.update([folder]).removed == [11] == one.update([folder]).removed
    one.close()
    two.close()

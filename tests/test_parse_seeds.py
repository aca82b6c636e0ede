"""Facts a reader of the newsletter would state about the five seed issues."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from index.model import Archive, Issue
from index.parse import parse_paths

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def archive() -> Archive:
    return parse_paths([SEEDS])


def issue(archive: Archive, number: int) -> Issue:
    found = archive.by_number(number)
    assert found is not None, f"issue {number} not found"
    return found


def test_the_five_files_are_issues_1_2_3_10_12_with_their_patch_counts(archive):
    assert archive.errors == []
    counts = {i.number: len(i.patches) for i in archive.issues}
    assert counts == {1: 38, 2: 0, 3: 30, 10: 108, 12: 169}


def test_issue_12_date_presentations_and_the_nfp_series(archive):
    twelve = issue(archive, 12)
    assert twelve.date == dt.date(2017, 10, 25)
    assert len(twelve.section("Presentations", "Talks").items) == 5
    assert len(twelve.section("Presentations", "Slides").items) == 3
    covers = [p for p in twelve.patches if p.subject == "nfp: bpf ABIv2 and multi port"]
    assert len(covers) == 1
    cover = covers[0]
    assert cover.author == "Jakub Kicinski"
    assert (cover.tree, cover.part, cover.total) == ("net-next", 0, 15)
    index = twelve.patches.index(cover)
    children = [p for p in twelve.patches if p.parent == index]
    assert len(children) == 15
    assert [c.part for c in children] == list(range(1, 16))
    assert all(c.author == "Jakub Kicinski" for c in children)


def test_issue_12_mdx_imports_and_jsx_are_not_content(archive):
    twelve = issue(archive, 12)
    everything = "\n".join(s.text for s in twelve.sections)
    assert "import authors" not in everything
    assert "BlogAuthor" not in everything
    assert twelve.highlights[0].startswith("Generic metadata transfer from XDP")


def test_issue_10_colin_king_and_the_url_titled_llvm_entry(archive):
    ten = issue(archive, 10)
    colin = [p for p in ten.patches if p.author == "Colin King"]
    assert len(colin) == 1
    assert colin[0].tree == "net-next"
    assert colin[0].subject == "MIPS,bpf: fix missing break in switch statement"
    url = "http://llvm.org/viewvc/llvm-project?view=revision&revision=311522"
    url_entries = [p for p in ten.patches if p.url == url]
    assert len(url_entries) == 1
    assert url_entries[0].author == "Yonghong Song"
    assert url_entries[0].tree == "llvm"
    assert url_entries[0].revision == "r311522"


def test_issue_10_doubled_url_is_repaired_and_reported(archive):
    ten = issue(archive, 10)
    smap = next(p for p in ten.patches if p.subject == "Two BPF smap related followups")
    assert smap.url == "https://www.spinics.net/lists/netdev/msg449999.html"
    assert any("msg449999" in w and "twice" in w for w in ten.warnings)


def test_issue_10_typo_authors_are_unified_and_the_spelling_is_kept(archive):
    ten = issue(archive, 10)
    numa = [p for p in ten.patches if p.author_as_written == "Martin KaFai La"]
    assert len(numa) == 3
    assert {p.author for p in numa} == {"Martin KaFai Lau"}
    twelve = issue(archive, 12)
    richard = [p for p in twelve.patches if p.author_as_written == "Richard Weinber"]
    assert richard and {p.author for p in richard} == {"Richard Weinberger"}


def test_issue_10_landlock_series_has_ten_parts_and_v7(archive):
    ten = issue(archive, 10)
    cover = next(p for p in ten.patches if p.subject.startswith("Landlock LSM"))
    assert (cover.author, cover.version, cover.part, cover.total) == ("Mickaël Salaün", 7, 0, 10)
    assert sum(1 for p in ten.patches if p.parent == ten.patches.index(cover)) == 10


def test_issue_3_date_trimmed_author_and_unescaped_subject(archive):
    three = issue(archive, 3)
    assert three.date == dt.date(2017, 5, 18)
    assert three.author == "Alexander Alemayhu"
    subjects = [p.subject for p in three.patches]
    assert "bpf: Use 1<<16 as ceiling for immediate alignment in verifier." in subjects
    assert not any("data-preserve" in s or "\\" in s for s in subjects)


def test_issue_1_is_a_draft_with_unknown_date_and_distrusted_front_matter(archive):
    one = issue(archive, 1)
    assert one.draft is True
    assert one.date is None
    assert one.author == "Alexander Alemayhu"
    assert any("Stas Kelvich" in w for w in one.warnings)
    assert any("description" in w and "another post" in w for w in one.warnings)
    assert "Svelte" not in one.summary


def test_issue_2_plain_text_sections_and_commits(archive):
    two = issue(archive, 2)
    paths = [s.path for s in two.sections]
    for expected in (
        ["Presentations", "Videos"],
        ["Presentations", "Slides"],
        ["In case you missed it"],
        ["Random cool note"],
        ["Patches"],
    ):
        assert expected in paths
    assert len(two.commits) == 4
    assert two.commits[0].hash == "b0e92279d3ec"
    assert two.commits[0].title == "Merge branch 'thunderx-xdp'"
    assert two.commits[0].date == dt.date(2017, 5, 2)
    slides = [item.title for item in two.section("Presentations", "Slides").items]
    assert slides[0] == "XDP - eXpress Data Path, Lund Linux Con"


def test_every_patch_has_a_subject_and_nested_parts_know_their_parent(archive):
    for one in archive.issues:
        for position, patch in enumerate(one.patches):
            assert patch.subject
            assert not patch.subject.startswith("[PATCH")
            if patch.parent is not None:
                assert patch.parent < position
                assert patch.author is not None


def test_commit_references_in_issue_1_are_linked(archive):
    one = issue(archive, 1)
    assert [c.hash for c in one.commits] == ["7a12b5031c6b", "b5cdae3291f7"]
    assert one.commits[0].title == "sparc64: Add eBPF JIT."
    assert one.commits[0].url.endswith("id=7a12b5031c6b")


def test_parsing_does_not_depend_on_file_names(tmp_path):
    original = parse_paths([SEEDS])
    for index, path in enumerate(sorted(SEEDS.iterdir())):
        (tmp_path / f"renamed-{index}.md").write_bytes(path.read_bytes())
    renamed = parse_paths([tmp_path])
    assert [(i.number, len(i.patches), i.date) for i in renamed.issues] == [
        (i.number, len(i.patches), i.date) for i in original.issues
    ]

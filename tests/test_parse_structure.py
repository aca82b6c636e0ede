"""Structure variations of the newsletter family beyond the five seeds."""

from __future__ import annotations

from index.model import Issue
from index.parse import parse_bytes

GROUPED = """# BPF Updates 13

This is issue 13 of the regular newsletter around BPF written by Jane Doe.

---

The highlights since last time are

- bpf_prog_attach gained flags.

## Presentations

### Videos

#### [A talk about XDP](https://example.org/talk)

Good talk.

### [Talks](https://example.org/talks)

#### A talk without a link

Described here.

## [Random cool note](https://example.org/note)

> Something cool.

## Some patches

#### LLVM

- Yonghong Song, [[llvm] r320000 - bpf: add something](http://llvm.org/viewvc/llvm-project?rev=320000&view=rev)

#### netdev

- Jane Doe, [[PATCH bpf-next 0/2] bpf: a series](https://patchwork.ozlabs.org/cover/1/)
    - [[PATCH bpf-next 1/2] bpf: part one](https://patchwork.ozlabs.org/patch/2/)
    - [[PATCH bpf-next 2/2] bpf: part two](https://patchwork.ozlabs.org/patch/3/)
* John Roe, [[PATCH net] bpf: a fix](https://patchwork.ozlabs.org/patch/4/)

<Footer />
"""


def parse(text: str) -> Issue:
    result = parse_bytes(text.encode(), "grouped.md")
    assert isinstance(result, Issue), result
    return result


def test_markdown_without_front_matter_takes_the_title_from_the_heading():
    issue = parse(GROUPED)
    assert (issue.number, issue.title, issue.author) == (13, "BPF Updates 13", "Jane Doe")
    assert issue.highlights == ["bpf_prog_attach gained flags."]


def test_linked_and_unlinked_headings_at_levels_2_to_4():
    issue = parse(GROUPED)
    videos = issue.section("Presentations", "Videos")
    assert [(i.title, i.url) for i in videos.items] == [("A talk about XDP", "https://example.org/talk")]
    talks = issue.section("Presentations", "Talks")
    assert talks.url == "https://example.org/talks"
    assert [i.title for i in talks.items] == ["A talk without a link"]
    note = issue.section("Random cool note")
    assert note.url == "https://example.org/note"
    assert note.items[0].title == "Something cool."


def test_patches_heading_variant_with_groups():
    issue = parse(GROUPED)
    assert [p.group for p in issue.patches] == ["LLVM", "netdev", "netdev", "netdev", "netdev"]
    assert issue.patches[0].kind == "llvm-commit"
    assert [p.parent for p in issue.patches] == [None, None, 1, 1, None]
    assert issue.patches[2].author == "Jane Doe"
    assert issue.patches[4].author == "John Roe" and issue.patches[4].tree == "net"
    assert issue.section("Some patches", "LLVM") is not None
    assert "Footer" not in "".join(s.text for s in issue.sections)


def test_plain_text_bullets_and_lost_links_in_patches():
    text = (
        "BPF Updates 20\n\nThis is issue 20 of the regular newsletter around BPF.\n\n"
        "Patches\n\n  • Daniel Borkmann, [PATCH net] bpf: fix a thing\n"
        "  • Jane Doe, [PATCH bpf-next v2 0/3] bpf: a series\n"
    )
    issue = parse(text)
    assert issue.number == 20
    assert [(p.author, p.tree, p.version, p.subject) for p in issue.patches] == [
        ("Daniel Borkmann", "net", None, "bpf: fix a thing"),
        ("Jane Doe", "bpf-next", 2, "bpf: a series"),
    ]


def test_an_issue_with_no_number_is_kept_with_a_warning():
    issue = parse("---\ntitle: 'Notes'\n---\n\nSome words about BPF.\n")
    assert issue.number is None
    assert any("no issue number" in w for w in issue.warnings)

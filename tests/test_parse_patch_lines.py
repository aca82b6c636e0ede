"""Every patch-line shape the newsletter family uses parses to the right fields."""

from __future__ import annotations

import pytest

from index.parse.patches import mailing_list, parse_patch_line, parse_subject

URL = "https://www.spinics.net/lists/netdev/msg1.html"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"Daniel Borkmann, [[PATCH net-next] bpf: add foo]({URL})",
            dict(author="Daniel Borkmann", tree="net-next", subject="bpf: add foo", kind="patch"),
        ),
        (
            f"Daniel Borkmann [[PATCH net-next v2 0/2] BPF inline improvements]({URL})",
            dict(author="Daniel Borkmann", tree="net-next", version=2, part=0, total=2),
        ),
        (
            f"Colin King, [[PATCH][net-next] MIPS,bpf: fix missing break]({URL})",
            dict(tree="net-next", subject="MIPS,bpf: fix missing break"),
        ),
        (
            f"Colin King, [PATCH net-next: MIPS, bpf: fix missing break]({URL})",
            dict(tree="net-next", subject="MIPS, bpf: fix missing break"),
        ),
        (f"J, [[net-next PATCH 0/9] sockmap UAPI]({URL})", dict(tree="net-next", part=0, total=9)),
        (
            f"J, [[V3 PATCH net-next 0/5] xdp: more work]({URL})",
            dict(tree="net-next", version=3, part=0, total=5, subject="xdp: more work"),
        ),
        (
            f"M, [[RFC net-next 0/2] Introduce bpf_prog ID]({URL})",
            dict(tree="net-next", rfc=True, part=0, total=2),
        ),
        (f"C, [[Patch net-next v2] net_sched: use idr]({URL})", dict(tree="net-next", version=2)),
        (f"P, [[iproute PATCH v2] lib/bpf: leak]({URL})", dict(tree="iproute2", version=2)),
        (
            f"D, [[PATCH iproute2 -master 0/2] Two misc BPF updates]({URL})",
            dict(tree="iproute2", part=0, total=2, subject="Two misc BPF updates"),
        ),
        (
            f"M, [[PATCH net-next v7 00/10] Landlock LSM]({URL})",
            dict(version=7, part=0, total=10),
        ),
        (
            f"J, [[PATCH, bpf-llvm] Fix bug on silently truncating]({URL})",
            dict(tree="llvm", subject="Fix bug on silently truncating", kind="patch"),
        ),
        (
            "Y, [[llvm] r311567 - bpf: close the fd](http://llvm.org/viewvc/llvm-project?rev=311567)",
            dict(tree="llvm", kind="llvm-commit", revision="r311567", subject="bpf: close the fd"),
        ),
        (
            "B, [[iovisor-dev] [RFC] pktgen: add bpf fill support]"
            "(https://lists.iovisor.org/pipermail/iovisor-dev/2017-August/001001.html)",
            dict(rfc=True, subject="pktgen: add bpf fill support", mailing_list="iovisor-dev"),
        ),
        (
            f"Eric Biggers, [strparser: initialize all callbacks]({URL})",
            dict(tree=None, kind="patch", subject="strparser: initialize all callbacks"),
        ),
        (
            "Mark Rutland, [EBPF-triggered WARNING at mm/percpu.c:1361 in v4-14-rc2]"
            "(https://patchwork.kernel.org/patch/9975851/)",
            dict(kind="report", mailing_list="patchwork.kernel.org"),
        ),
        (
            "Yonghong Song, [http://llvm.org/viewvc/llvm-project?view=revision&revision=311522]"
            "(http://llvm.org/viewvc/llvm-project?view=revision&revision=311522)",
            dict(kind="llvm-commit", tree="llvm", revision="r311522"),
        ),
        (
            f"[[PATCH net-next 1/5] bpf, x86_64/arm64: remove old artifacts]({URL})",
            dict(author=None, part=1, total=5, subject="bpf, x86_64/arm64: remove old artifacts"),
        ),
        (
            "D, [[PATCH v2 1/3] bpf: Use 1\\<\\<16 data-preserve-html-node=\"true\" as ceiling]"
            f"({URL})",
            dict(subject="bpf: Use 1<<16 as ceiling", version=2, part=1, total=3),
        ),
        (
            f"A, [[PATCH RFC v3] bpf: allow map helpers]({URL})",
            dict(rfc=True, version=3, subject="bpf: allow map helpers"),
        ),
        (
            f"A, [[PATCH iproute2 net-next v2] bpf: add support for generic xdp]({URL})",
            dict(tree="iproute2", version=2),
        ),
        (
            f"N, [[PATCH bpf-next v3 05/12] bpf: `bpf_prog_attach` flags]({URL})",
            dict(tree="bpf-next", version=3, part=5, total=12,
                 subject="bpf: bpf_prog_attach flags"),
        ),
        (
            f"S, [[PATCH 4.9 12/30] bpf: backport]({URL})",
            dict(tree=None, part=12, total=30, subject="bpf: backport"),
        ),
    ],
)
def test_patch_line_shapes(line, expected):
    patch = parse_patch_line(line).patch
    for field, value in expected.items():
        assert getattr(patch, field) == value, (field, patch)


def test_a_bracketed_word_that_is_not_a_tag_stays_in_the_subject():
    assert parse_subject("[e]BPF for everyone").subject == "[e]BPF for everyone"
    assert parse_subject("[bpf] Fix test").tree == "bpf"


def test_a_link_lost_in_plain_text_still_gives_author_and_subject():
    patch = parse_patch_line("Daniel Borkmann, [PATCH net] bpf: fix the thing").patch
    assert (patch.author, patch.tree, patch.subject, patch.url) == (
        "Daniel Borkmann",
        "net",
        "bpf: fix the thing",
        None,
    )


def test_a_doubled_url_keeps_one_and_warns():
    doubled = "https://a.org/x/msg1.htmlcwhttps://a.org/x/msg1.html"
    parsed = parse_patch_line(f"D, [[PATCH net] bpf: x]({doubled})")
    assert parsed.patch.url == "https://a.org/x/msg1.html"
    assert parsed.warnings and "twice" in parsed.warnings[0]


def test_an_embedded_url_after_a_slash_is_not_a_doubled_url():
    archived = "https://web.archive.org/web/2017/https://a.org/x"
    parsed = parse_patch_line(f"D, [[PATCH net] bpf: x]({archived})")
    assert parsed.patch.url == archived and not parsed.warnings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.spinics.net/lists/netdev/msg1.html", "netdev"),
        ("https://www.spinics.net/lists/xdp-newbies/msg1.html", "xdp-newbies"),
        ("https://www.mail-archive.com/netdev@vger.kernel.org/msg1.html", "netdev"),
        ("http://www.mail-archive.com/linux-kernel@vger.kernel.org/msg1.html", "linux-kernel"),
        ("https://patchwork.ozlabs.org/patch/1/", "patchwork.ozlabs.org"),
        ("https://patchwork.kernel.org/patch/1/", "patchwork.kernel.org"),
        ("https://lkml.org/lkml/2017/10/10/88", "linux-kernel"),
        ("https://lists.iovisor.org/pipermail/iovisor-dev/2017-October/1.html", "iovisor-dev"),
        ("http://llvm.org/viewvc/llvm-project?rev=1&view=rev", "llvm"),
        ("https://marc.info/?l=linux-netdev&m=1&w=2", "netdev"),
        (None, None),
    ],
)
def test_mailing_list_from_url(url, expected):
    assert mailing_list(url) == expected

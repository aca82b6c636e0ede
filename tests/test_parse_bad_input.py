"""Bad input gets a clear report naming the file and the reason, and nothing else is lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from index.model import FileError, Issue
from index.parse import parse_bytes, parse_paths
from index.parse.source import MAX_ISSUE_BYTES

ROOT = Path(__file__).resolve().parent.parent
SEED_12 = (ROOT / "seeds" / "004_bea3d97bdaa15b0f.txt").read_bytes()
SEED_3 = (ROOT / "seeds" / "002_ed41dd5c72a7ab7f.txt").read_bytes()


def parsed_issue(data: bytes, name: str = "x.md") -> Issue:
    result = parse_bytes(data, name)
    assert isinstance(result, Issue), result
    return result


def test_broken_yaml_is_reported_and_the_body_still_read():
    broken = SEED_3.replace(b"title: 'BPF updates 03'", b"title: 'BPF updates 03\n  - : [")
    issue = parsed_issue(broken)
    assert any("not valid YAML" in w for w in issue.warnings)
    assert issue.number == 3  # from the body's "This is issue 03"
    assert len(issue.patches) == 30


def test_bom_and_crlf_are_normalised_with_a_warning():
    issue = parsed_issue(b"\xef\xbb\xbf" + SEED_12.replace(b"\n", b"\r\n"))
    assert issue.number == 12 and len(issue.patches) == 169
    assert any("byte-order mark" in w for w in issue.warnings)
    assert any("CRLF" in w for w in issue.warnings)


def test_bytes_that_are_not_utf8_are_read_with_a_warning():
    data = SEED_3.replace(b"Alexander", b"Alex\xe9ander", 1)
    issue = parsed_issue(data)
    assert any("not valid UTF-8" in w for w in issue.warnings)
    assert len(issue.patches) == 30


def test_empty_binary_and_huge_files_are_errors_with_reasons():
    assert "empty" in parse_bytes(b"", "e.md").reason
    assert "empty" in parse_bytes(b"  \n\n", "e.md").reason
    binary = parse_bytes(bytes(range(256)) * 100, "b.bin")
    assert isinstance(binary, FileError) and "binary" in binary.reason
    huge = parse_bytes(b"x" * (10 * 1024 * 1024), "h.md")
    assert isinstance(huge, FileError) and "MiB" in huge.reason
    assert MAX_ISSUE_BYTES < 10 * 1024 * 1024


def test_front_matter_that_is_not_a_mapping_is_ignored():
    issue = parsed_issue(b"---\n- a\n- b\n---\n\nThis is issue 7 of the newsletter.\n")
    assert issue.number == 7
    assert any("not a mapping" in w for w in issue.warnings)


def test_padded_values_are_trimmed_and_draft_spellings_understood():
    issue = parsed_issue(
        b"---\ntitle: '  BPF Updates 44 '\ndraft: 'yes'\ndate: 'not a date'\n---\nBody.\n"
    )
    assert issue.title == "BPF Updates 44" and issue.number == 44
    assert issue.draft is True and issue.date is None
    assert any("not a date" in w for w in issue.warnings)


def test_number_sources_that_disagree_are_reported():
    issue = parsed_issue(
        b"---\ntitle: 'BPF Updates 13'\npath: '/blog/2017/1/1/bpf-updates-14'\n---\n"
        b"This is issue 13 of the regular newsletter.\n"
    )
    assert issue.number == 13
    assert issue.date is not None and issue.date.isoformat() == "2017-01-01"
    assert any("14" in w and "path" in w for w in issue.warnings)


def test_a_folder_with_bad_files_still_reads_every_good_one(tmp_path):
    for seed in (ROOT / "seeds").iterdir():
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (tmp_path / "broken.md").write_bytes(b"---\ntitle: [unclosed\n---\nThis is issue 99.\n")
    archive = parse_paths([tmp_path])
    assert sorted(i.number for i in archive.issues) == [1, 2, 3, 10, 12, 99]
    reasons = {Path(e.source).name: e.reason for e in archive.errors}
    assert set(reasons) == {"empty.md", "image.png"}
    assert "binary" in reasons["image.png"]


def test_check_command_reports_by_file_and_exits_nonzero_only_for_unreadable(tmp_path):
    (tmp_path / "ok.md").write_bytes(SEED_3)
    run = [sys.executable, "-m", "index", "check", str(tmp_path)]
    result = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0
    assert "ok.md: warning:" in result.stdout
    (tmp_path / "empty.md").write_bytes(b"")
    result = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 1
    assert "empty.md: error: empty file" in result.stdout


def test_dump_json_has_the_documented_shape():
    result = subprocess.run(
        [sys.executable, "-m", "index", "dump", "--json"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    payload = json.loads(result.stdout)
    assert payload["errors"] == []
    twelve = next(i for i in payload["issues"] if i["number"] == 12)
    for key in ("number", "title", "date", "draft", "source", "author", "warnings",
                "sections", "patches", "commits"):
        assert key in twelve
    assert twelve["date"] == "2017-10-25"
    patch = twelve["patches"][1]
    for key in ("author", "subject", "url", "tree", "version", "part", "total", "rfc",
                "kind", "parent"):
        assert key in patch
    assert patch["parent"] == 0
    talks = next(s for s in twelve["sections"] if s["path"] == ["Presentations", "Talks"])
    assert {"title", "url", "text"} <= set(talks["items"][0])


def test_dump_human_output_names_each_issue():
    result = subprocess.run(
        [sys.executable, "-m", "index", "dump"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    assert "#12  2017-10-25  BPF Updates 12" in result.stdout
    assert "#1  date unknown  BPF Updates 01 [draft]" in result.stdout
    assert "patches: 169" in result.stdout

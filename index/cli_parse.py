"""`python -m index dump` and `python -m index check`: the archive as the parser reads it."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from index.config import seeds_dir
from index.model import Archive, Issue
from index.parse import parse_paths


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """Register the `dump` and `check` sub-commands."""
    dump = commands.add_parser("dump", help="show the archive as the parser reads it")
    dump.add_argument("paths", nargs="*", type=Path, help="files or folders (default: seeds/)")
    dump.add_argument("--json", action="store_true", help="print one JSON object")
    dump.set_defaults(handler=cmd_dump)
    check = commands.add_parser("check", help="lint the archive: warnings by file")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders (default: seeds/)")
    check.set_defaults(handler=cmd_check)


def _read(args: argparse.Namespace) -> Archive:
    return parse_paths(args.paths or [seeds_dir()])


def cmd_dump(args: argparse.Namespace) -> int:
    """Print every issue (human blocks, or `{"issues": [...], "errors": [...]}`)."""
    archive = _read(args)
    if args.json:
        payload = {
            "issues": [issue.to_json() for issue in archive.issues],
            "errors": [
                {"source": error.source, "reason": error.reason} for error in archive.errors
            ],
        }
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for issue in archive.issues:
        print(describe(issue))
        print()
    for error in archive.errors:
        print(f"error: {error.source}: {error.reason}")
    return 0


def describe(issue: Issue) -> str:
    """A human block: number, date, title, counts per section, patches, warnings."""
    number = f"#{issue.number}" if issue.number is not None else "#?"
    date = issue.date.isoformat() if issue.date else "date unknown"
    flags = " [draft]" if issue.draft else ""
    lines = [f"{number}  {date}  {issue.title}{flags}", f"  file: {issue.source}"]
    if issue.author:
        lines.append(f"  author: {issue.author}")
    for section in issue.sections:
        if section.items:
            count = len(section.items)
            lines.append(f"  {section.name}: {count} item{'' if count == 1 else 's'}")
    trees = Counter(patch.tree or "?" for patch in issue.patches)
    series = sum(1 for patch in issue.patches if patch.part == 0)
    tree_text = ", ".join(f"{tree} {count}" for tree, count in trees.most_common(5))
    lines.append(f"  patches: {len(issue.patches)} ({series} series; {tree_text or 'none'})")
    if issue.commits:
        lines.append(f"  commits: {len(issue.commits)}")
    lines.extend(f"  warning: {warning}" for warning in issue.warnings)
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    """Print warnings by file; exit 1 only when a file could not be read at all."""
    archive = _read(args)
    for issue in archive.issues:
        for warning in issue.warnings:
            print(f"{issue.source}: warning: {warning}")
    for error in archive.errors:
        print(f"{error.source}: error: {error.reason}")
    warned = sum(1 for issue in archive.issues if issue.warnings)
    print(
        f"{len(archive.issues)} issues read, {warned} with warnings, "
        f"{len(archive.errors)} unreadable",
        file=sys.stderr,
    )
    return 1 if archive.errors else 0

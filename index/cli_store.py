"""Command-line subcommands of the index store: build, update, search, stats.

`add_parsers(commands)` registers them on an argparse subparsers object, like
index.cli_parse does (each sets `handler` to its `cmd_*` function, which returns the
exit status). The data directory comes from BOT_DATA_DIR (default `data/`), the seeds
from BOT_SEEDS_DIR (default `seeds/`), via index.config. Exit status: 0 success,
1 failure, 2 a bad query, 3 a build already running.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from index.config import data_dir, seeds_dir
from index.query import QUERY_HELP, SEARCH_KINDS, mark_snippet
from index.results import BuildInProgress, Hit, IndexReport, QueryError
from index.store import IndexStore

EXIT_OK, EXIT_FAILED, EXIT_QUERY, EXIT_BUSY = 0, 1, 2, 3


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register `build`, `update`, `search` and `stats` on an argparse subparsers object."""
    build = subparsers.add_parser(
        "build", help="rebuild the search index from issue files",
        description="Rebuild the whole index and swap it in atomically.")
    build.add_argument("paths", nargs="*", type=Path,
                       help="issue files or folders (default: $BOT_SEEDS_DIR or seeds/)")
    build.add_argument("--procs", type=int, default=None,
                       help="writer processes (default: 2 for large archives, else 1)")
    build.add_argument("--json", action="store_true", help="print the report as JSON")
    build.set_defaults(handler=cmd_build, func=cmd_build)

    update = subparsers.add_parser(
        "update", help="re-index only the issue files that changed",
        description="Re-index files whose content changed; report issues added, "
                    "changed and removed.")
    update.add_argument("paths", nargs="*", type=Path,
                        help="issue files or folders (default: $BOT_SEEDS_DIR or seeds/)")
    update.add_argument("--json", action="store_true", help="print the report as JSON")
    update.set_defaults(handler=cmd_update, func=cmd_update)

    search = subparsers.add_parser(
        "search", help="search the index", description=QUERY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    search.add_argument("query", nargs="+", help="the query (words are joined by spaces)")
    search.add_argument("--kind", default="all", choices=sorted(SEARCH_KINDS),
                        help="patches, topics or all (default), or one kind")
    search.add_argument("--limit", type=int, default=10, help="hits to show (default 10)")
    search.add_argument("--json", action="store_true",
                        help='print {"query", "total", "hits", "did_you_mean"} as JSON')
    search.set_defaults(handler=cmd_search, func=cmd_search)

    stats = subparsers.add_parser("stats", help="counts by kind, tree, author and issue")
    stats.add_argument("--json", action="store_true", help="print the counts as JSON")
    stats.set_defaults(handler=cmd_stats, func=cmd_stats)


def _paths(args: argparse.Namespace) -> list[Path]:
    return list(args.paths) or [seeds_dir()]


def _print_report(report: IndexReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        return

    def numbers(values: Sequence[int | None]) -> str:
        return ", ".join(str(v) if v is not None else "?" for v in values) or "none"

    print(f"{'built' if report.full else 'updated'}: {report.issues} issues, "
          f"{report.documents} documents in {report.seconds:.2f} s")
    print(f"  added:   {numbers([s.number for s in report.added])}")
    print(f"  changed: {numbers([s.number for s in report.changed])}")
    print(f"  removed: {numbers(report.removed)}")
    print(f"  warnings: {len(report.warnings)}")
    for warning in report.warnings:
        print(f"    {warning}")
    for error in report.errors:
        print(f"  error: {error.source}: {error.reason}")


def _write(args: argparse.Namespace, full: bool) -> int:
    store = IndexStore(data_dir())
    try:
        if full:
            report = store.build(_paths(args), procs=args.procs)
        else:
            report = store.update(_paths(args))
    except BuildInProgress as busy:
        print(f"error: {busy.message}", file=sys.stderr)
        return EXIT_BUSY
    finally:
        store.close()
    _print_report(report, args.json)
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    """`build [PATH...]`: full rebuild; prints the report. Returns the exit status."""
    return _write(args, full=True)


def cmd_update(args: argparse.Namespace) -> int:
    """`update [PATH...]`: incremental update; prints the report. Returns the exit status."""
    return _write(args, full=False)


def _describe(hit: Hit) -> str:
    details = [value for value in (hit.author, hit.tree) if value]
    if hit.version:
        details.append(f"v{hit.version}")
    if hit.rfc:
        details.append("RFC")
    if hit.issue is not None:
        details.append(f"issue {hit.issue}" + (f" ({hit.date.isoformat()})" if hit.date else ""))
    return f"[{hit.kind}] {hit.title}" + (f" — {', '.join(details)}" if details else "")


def cmd_search(args: argparse.Namespace) -> int:
    """`search QUERY [--kind K] [--limit N] [--json]`. Returns the exit status."""
    text = " ".join(args.query)
    store = IndexStore(data_dir())
    try:
        if not store.exists():
            print(f"error: no index in {store.root}; run `build` first", file=sys.stderr)
            return EXIT_FAILED
        result = store.search(text, kind=args.kind, limit=args.limit)
    except QueryError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_QUERY
    finally:
        store.close()
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{result.total} matching documents for {text!r}")
    if result.did_you_mean:
        print(f"did you mean: {result.did_you_mean}")
    for rank, hit in enumerate(result.hits, 1):
        print(f"{rank:2}. {_describe(hit)}")
        print(f"    {mark_snippet(hit.snippet)}")
        if hit.url:
            print(f"    {hit.url}")
        if hit.parts:
            print(f"    {len(hit.parts)} parts: " + "; ".join(
                f"{part.part}/{part.total} {part.title}" for part in hit.parts[:3])
                + (" …" if len(hit.parts) > 3 else ""))
        for version in hit.versions:
            label = "RFC" if version.rfc else (f"v{version.version}" if version.version else "v1")
            print(f"    also {label} in issue {version.issue}: {version.title}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    """`stats [--json]`: counts by kind, tree, author and issue. Returns the exit status."""
    store = IndexStore(data_dir())
    try:
        stats = store.stats()
    except QueryError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        store.close()
    if args.json:
        print(json.dumps(stats.to_json(), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{stats.issues} issues, {stats.documents} documents, {stats.patches} patch entries")
    for title, pairs in (("kinds", stats.by_kind), ("trees", stats.by_tree),
                         ("authors (top 15)", stats.by_author[:15])):
        print(f"{title}:")
        for name, count in pairs:
            print(f"  {count:6}  {name}")
    print("patches per issue:")
    for number, count in stats.patches_per_issue:
        print(f"  {count:6}  issue {number}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the store subcommands on their own: `python -m index.cli_store build`."""
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m index.cli_store")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


add_store_commands = add_parsers  # the name the first draft of this module used


if __name__ == "__main__":
    raise SystemExit(main())

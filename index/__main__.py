"""python -m index: dump, check (the parser); build, update, search, stats (the index)."""

from __future__ import annotations

import argparse
import logging
import sys

from index import cli_parse, cli_store


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True)
    cli_parse.add_parsers(commands)
    cli_store.add_parsers(commands)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())

"""The README's promises that drift silently: the query language and the two commands."""

from __future__ import annotations

from pathlib import Path

from index.query import QUERY_HELP

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_query_language_the_bot_shows():
    for line in QUERY_HELP.strip().splitlines():
        assert line in README, f"README lacks the /help line: {line!r}"


def test_ci_runs_the_readme_test_command():
    assert "make run" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")

"""The store's command-line subcommands (index/cli_store.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.cli_store import EXIT_BUSY, EXIT_OK, EXIT_QUERY, main
from index.store import IndexStore

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOT_SEEDS_DIR", str(SEEDS))
    return tmp_path / "data"


def test_build_update_search_stats(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "built: 5 issues" in out and "added:   1, 2, 3, 10, 12" in out
    assert main(["update", "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["changed"], report["removed"]) == ([], [], [])

    assert main(["search", "landlock"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Landlock LSM" in out and "**Landlock**" in out and "10 parts" in out
    assert main(["search", "sokcmap", "--json"]) == EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"query", "total", "hits", "did_you_mean"}
    assert result["did_you_mean"] == "sockmap"
    assert main(["search", "xdp", "--kind", "topics", "--limit", "3", "--json"]) == EXIT_OK
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert 0 < len(hits) <= 3

    assert main(["search", "xd*"]) == EXIT_QUERY
    assert "4 characters" in capsys.readouterr().err
    assert main(["stats", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["issues"] == 5


def test_a_second_writer_is_told_a_build_is_running(env: Path, capsys) -> None:
    store = IndexStore(env)
    with store._writer():
        assert main(["build"]) == EXIT_BUSY
    assert "a build is already running" in capsys.readouterr().err
    store.close()

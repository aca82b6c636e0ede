"""`python -m bot` as a process against the fake Discord (in a thread): killed with
SIGKILL in the middle of a /reindex it comes back on the previous index and finishes the
rebuild; a state file it cannot use stops it with an error naming the file.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest
from fake_discord import ClientDied, FakeDiscordThread
from test_bot_console import bot_env
from test_bot_news_support import copy_archive, copy_synthetic
from test_bot_support import index_data_dir_fixture  # noqa: F401 - the `index_data_dir` fixture

from bot.state import REINDEX_STARTED, SCHEMA_VERSION, STATE_FILE

pytestmark = pytest.mark.timeout(120)


def start_bot(env: dict[str, str], cwd: Path, log: IO[str]) -> subprocess.Popen[str]:
    """`python -m bot` logging to `log` (a file: a pipe nobody reads could fill up)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], env=env, cwd=cwd, stdout=log, stderr=log, text=True
    )


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `condition` until it is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
    return value


def reindex_mark(data_dir: Path) -> str | None:
    """The state's "a reindex is under way" mark, read as another process would."""
    with sqlite3.connect(f"file:{data_dir / STATE_FILE}?mode=ro", uri=True) as db:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (REINDEX_STARTED,)).fetchone()
    return row[0] if row else None


def test_killed_during_a_reindex_the_old_index_serves_and_the_rebuild_completes(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    seeds, data_dir = copy_synthetic(tmp_path_factory, tmp_path)
    index = data_dir / "index"
    served = (index / "CURRENT").read_text().strip()
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    with FakeDiscordThread() as srv:
        env = bot_env(data_dir, **srv.env(), BOT_POLL_SECONDS="0.5")
        env["BOT_SEEDS_DIR"] = str(seeds)
        with first_log.open("w") as log:
            proc = start_bot(env, tmp_path, log)
            try:
                srv.watch(lambda: ClientDied("python -m bot exited")
                          if proc.poll() is not None else None)
                srv.blocking.wait_for_sync(timeout=30)
                srv.blocking.slash("reindex", user=srv.fake.admin_user)
                # The rebuild is under way once its new generation directory exists.
                wait_until(lambda: [path for path in index.glob("gen-*") if path.name != served],
                           30, "the rebuild to start")
                srv.fake.unwatch_all()
            finally:
                proc.kill()  # SIGKILL: no cleanup of any kind
                proc.wait(timeout=10)
        assert (index / "CURRENT").read_text().strip() == served  # killed before the swap
        assert reindex_mark(data_dir) is not None

        with second_log.open("w") as log:
            proc = start_bot(env, tmp_path, log)
            try:
                srv.watch(lambda: ClientDied("python -m bot exited")
                          if proc.poll() is not None else None)
                srv.blocking.wait_for_gateway("identify", count=2, timeout=30)
                reply = srv.blocking.slash("search", {"query": "xdp"}).final(timeout=30)
                assert "for “xdp” in everything" in reply.content and reply.embeds
                # answered by the previous index: the rebuild (seconds) has not swapped yet
                assert (index / "CURRENT").read_text().strip() == served
                wait_until(lambda: (index / "CURRENT").read_text().strip() != served, 60,
                           "the resumed rebuild to swap in its index")
                wait_until(lambda: reindex_mark(data_dir) is None, 30, "the rebuild to finish")
                again = srv.blocking.slash("search", {"query": "xdp"}).final(timeout=30)
                assert again.embeds
                srv.fake.unwatch_all()
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    assert proc.returncode == 0
    first, second = first_log.read_text(), second_log.read_text()
    assert "Traceback" not in first and "Traceback" not in second
    assert "was interrupted; running it again" in second
    assert "the interrupted reindex is complete: 26 issues, 5000 documents" in second
    generations = sorted(path.name for path in index.glob("gen-*"))
    assert len(generations) == 2 and served in generations  # the new one and the previous


def test_a_state_file_from_a_newer_bot_stops_it_with_a_clear_error(
    index_data_dir: Path, tmp_path: Path
) -> None:
    seeds, data_dir = copy_archive(index_data_dir, tmp_path)
    with sqlite3.connect(data_dir / STATE_FILE) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with FakeDiscordThread() as srv:
        env = bot_env(data_dir, **srv.env())
        env["BOT_SEEDS_DIR"] = str(seeds)
        result = subprocess.run([sys.executable, "-m", "bot"], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"state file {data_dir / STATE_FILE} has schema version {SCHEMA_VERSION + 1}" \
        in result.stderr
    assert "upgrade the bot" in result.stderr and "Traceback" not in result.stderr

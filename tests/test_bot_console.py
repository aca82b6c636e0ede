"""`python -m bot` as a user runs it: the console driven through stdin, the fallback to
the console without a token, and the real entry point talking to the fake Discord.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fake_discord import ClientDied, FakeDiscordThread
from test_bot_support import (
    REPO,
    SEEDS,
    index_data_dir_fixture,  # noqa: F401 - the `index_data_dir` fixture
)

pytestmark = pytest.mark.timeout(90)


def bot_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """A clean environment for `python -m bot`: no token unless given, our data dir."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DISCORD_", "BOT_"))
    }
    env.update(
        PYTHONPATH=str(REPO),
        BOT_DATA_DIR=str(data_dir),
        BOT_SEEDS_DIR=str(SEEDS),
        **extra,
    )
    return env


def run_module(
    args: list[str], stdin: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def copy_index(index_data_dir: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(index_data_dir, data_dir, symlinks=True)
    return data_dir


def test_console_runs_the_commands_from_stdin(index_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_index(index_data_dir, tmp_path)
    script = "\n".join([
        "/search sockmap",
        "/patches landlock",
        "/patches xdp --author borkmann --tree net-next",
        "/topics xdp",
        "n",
        "/next",
        "/prev",
        "/issue 12",
        "/issue",
        "/stats",
        "/help",
        "/search kind:bananas",
        "/search sockmapp",
        "/frobnicate",
        "/quit",
        "/search never-reached",
    ]) + "\n"
    result = run_module(["console"], script, bot_env(data_dir), tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in result.stderr
    assert "bpf>" not in out  # no prompt when stdin is not a terminal
    assert "for “sockmap” in everything" in out
    assert "[Patch] sockmap UAPI updates and fixes" in out
    assert "Landlock LSM: Toward unprivileged sandboxing" in out
    assert "series parts (10):" in out
    assert "in patches (author: Daniel Borkmann, tree: net-next)" in out
    # the first answer fetches one page; turning past it fetches more (n, /next, /prev)
    assert "for “xdp” in topics — page 1/1+" in out
    assert len(re.findall(r"in topics — page 2/\d+\+?\n", out)) == 2
    assert re.search(r"in topics — page 3/\d+\+?\n", out)
    assert out.count("BPF Updates 12\n#12 (2017-10-25)") == 2  # /issue 12 and the latest
    assert "Patches: 169" in out and "Top trees: net-next (118)" in out
    chart = data_dir / "charts" / "patches-per-issue.png"
    assert f"Chart saved to {chart.resolve()}" in out
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert "Query language:" in out and "/search date:2017-05..2017-06" in out
    assert "That search didn't work: Unknown kind 'bananas'" in out
    assert "Did you mean “sockmap”?" in out
    assert "Unknown command /frobnicate" in out
    assert "never-reached" not in out


def test_without_a_token_python_m_bot_starts_the_console_and_says_why(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh-data"  # no index yet: it is built on start
    result = run_module([], "/issue 1\n", bot_env(data_dir), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "DISCORD_TOKEN is not set" in result.stderr and "console" in result.stderr
    assert "BPF Updates 01" in result.stdout
    assert (data_dir / "index").is_dir()


def test_the_token_never_shows_in_the_logs(index_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_index(index_data_dir, tmp_path)
    with FakeDiscordThread() as srv:
        env = bot_env(data_dir, **srv.env(token="very-secret-token-123"))
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--verbose"], env=env, cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            srv.watch(lambda: ClientDied("python -m bot exited") if proc.poll() is not None
                      else None)
            srv.blocking.wait_for_sync(timeout=30)
            reply = srv.blocking.slash("search", {"query": "landlock"}).final(timeout=10)
            assert "Landlock LSM" in reply.text()
            srv.fake.unwatch_all()
        finally:
            proc.terminate()
            _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err  # SIGTERM closes the bot cleanly
    assert "very-secret-token-123" not in err
    assert "synced 11 global commands" in err
    assert "Traceback" not in err


def test_a_rejected_token_is_reported_without_a_traceback(
    index_data_dir: Path, tmp_path: Path
) -> None:
    data_dir = copy_index(index_data_dir, tmp_path)
    with FakeDiscordThread(token="the-right-token") as srv:
        env = bot_env(data_dir, **srv.env())
        env["DISCORD_TOKEN"] = "a-wrong-token"
        result = run_module([], "", env, tmp_path)
    assert result.returncode == 1
    assert "Discord rejected DISCORD_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr and "a-wrong-token" not in result.stderr

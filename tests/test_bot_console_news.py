"""The console's side of subscriptions: `/subscribe` subscribes the console itself, new
issue files are printed once, `/announce N`, `/unsubscribe`, `/reindex` and
`/subscriptions` answer in text.
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_bot_console import bot_env, run_module
from test_bot_news_support import add_issue, copy_archive, digests
from test_bot_support import index_data_dir_fixture  # noqa: F401 - the `index_data_dir` fixture

from bot.app import open_state, open_store
from bot.config import Config
from bot.console import Console
from bot.console_news import ConsoleNews

pytestmark = pytest.mark.timeout(90)


def read_until(stream: io.TextIOBase, marker: str, timeout: float = 30.0) -> str:
    """Lines from `stream` up to and including the one containing `marker`."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"{marker!r} never came; got {''.join(seen)!r}")


def test_a_subscribed_console_prints_a_new_issue_file_once(
    index_data_dir: Path, tmp_path: Path
) -> None:
    seeds, data_dir = copy_archive(index_data_dir, tmp_path)
    env = bot_env(data_dir)
    env["BOT_SEEDS_DIR"] = str(seeds)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"], env=env, cwd=tmp_path, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("/subscribe\n")
    proc.stdin.flush()
    subscribed = read_until(proc.stdout, "Subscribed:")
    assert subscribed.startswith(
        "Subscribed: this console will get each new issue of BPF Updates. Issues already in "
        "the archive are not re-posted. The latest is #12;"
    )
    add_issue(seeds, 13)  # the file appears while the console waits for input
    out, err = proc.communicate("/subscriptions\n/search cpumap\n", timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert out.count("New issue: BPF Updates 13") == 1
    # printed by the look after a command or at the end of the input, whichever came
    # first after the file appeared
    assert "Subscriptions in all servers (1):\n  this console: active since 20" in out
    assert "New issue: BPF Updates 13\n#13 (2017-10-25)\n" in out
    assert "Highlights:\n  • Generic metadata transfer from XDP into skb" in out
    assert "169 patches, top trees: net-next (118), net (13), llvm (11)\n" in out
    assert "New issue: BPF Updates 12" not in out  # no back-fill

    again = run_module(["console"], "/search cpumap\n", env, tmp_path)
    assert "New issue" not in again.stdout  # once, across restarts


def test_announce_unsubscribe_and_reindex_in_the_console(
    index_data_dir: Path, tmp_path: Path
) -> None:
    seeds, data_dir = copy_archive(index_data_dir, tmp_path)
    before = digests(seeds)
    env = bot_env(data_dir)
    env["BOT_SEEDS_DIR"] = str(seeds)
    script = "/subscribe\n/announce 12\n/announce 12\n/announce 7\n/announce x\n"
    first = run_module(["console"], script, env, tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert out.count("New issue: BPF Updates 12\n#12 (2017-10-25)") == 1
    assert "Announced issue #12 in this console." in out
    assert "Issue #12 was already announced in this console; it is posted there only once." in out
    assert "There is no issue #7; the archive has issues #1 to #12." in out
    assert "/announce wants an issue number, not 'x'." in out

    add_issue(seeds, 13)
    (seeds / "empty.txt").write_bytes(b"")
    second = run_module(["console"], "/reindex\n/unsubscribe\n/unsubscribe\n/subscriptions\n",
                        env, tmp_path)
    out = second.stdout
    assert "Rebuilt the index in " in out and " s: 6 issues, " in out
    assert "Added (1):\n  #13 BPF Updates 13\n" in out
    assert "  empty.txt: unreadable, empty file\n" in out
    assert "Announcing #13 to 1 subscribed channel.\n\nNew issue: BPF Updates 13" in out
    assert out.count("New issue: BPF Updates 13") == 1
    assert "Unsubscribed: this console will not get new issues any more." in out
    assert "This console is not subscribed, so there is nothing to stop." in out
    assert "Nothing is subscribed in all servers yet; /subscribe sets it up." in out
    after = digests(seeds)
    assert {name: after[name] for name in before} == before


def test_on_a_terminal_a_thread_prints_new_issues_while_waiting(
    index_data_dir: Path, tmp_path: Path
) -> None:
    seeds, data_dir = copy_archive(index_data_dir, tmp_path)
    config = Config(seeds_dir=seeds, data_dir=data_dir, poll_seconds=0.1)
    store = open_store(config)
    state = open_state(config, store)
    news = ConsoleNews(store, state, config)
    printed: list[str] = []
    try:
        Console(store, config, news).handle("/subscribe")
        news.start_polling(config.poll_seconds, printed.append)
        add_issue(seeds, 13)
        deadline = time.monotonic() + 10
        while not printed and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)  # a few more polls: nothing more comes
    finally:
        news.stop_polling()
        state.close()
        store.close()
    (text,) = printed
    assert text.startswith("New issue: BPF Updates 13\n#13 (2017-10-25)\n")

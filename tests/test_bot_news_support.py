"""Shared set-up for the subscription, announcement and reindex tests: a private copy of
the archive and its index per test (these tests add issue files and rebuild), a world
with channels to subscribe, and a synthetic archive big enough for a slow rebuild.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_discord import Channel, FakeDiscord, RecordedMessage, Role, World, default_world
from test_bot_support import REPO, SEEDS

from index import IndexStore

POLL = 0.1  # BOT_POLL_SECONDS in these tests
BASE_URL = "https://example.org"
LATEST = 12  # the newest issue in seeds/
TEMPLATE = SEEDS / "004_bea3d97bdaa15b0f.txt"  # issue 12
SYNTHETIC_DOCUMENTS = 5000  # about 3 s to build: long enough to act during a rebuild

_synthetic_lock = threading.Lock()
_synthetic: dict[str, Path] = {}


def copy_archive(index_data_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(seeds, data dir): a copy of the seeds and of the session's index built from them."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    data_dir = tmp_path / "data"
    shutil.copytree(index_data_dir, data_dir)
    return seeds, data_dir


def add_issue(seeds: Path, number: int = LATEST + 1, *, draft: bool = False) -> Path:
    """Write issue `number` into `seeds`: issue 12 with its number changed everywhere
    (title, path, "This is issue N"), as an editor would drop a new file."""
    text = TEMPLATE.read_text(encoding="utf-8")
    text = text.replace("title: 'BPF Updates 12'", f"title: 'BPF Updates {number}'")
    text = text.replace("bpf-updates-12", f"bpf-updates-{number}")
    text = text.replace("This is issue 12 ", f"This is issue {number} ")
    if draft:
        text = text.replace("---\n", "---\ndraft: true\n", 1)
    path = seeds / f"{number:03d}_new_issue.txt"
    path.write_text(text, encoding="utf-8")
    return path


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder` (to show the seeds were never modified)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def news_world() -> tuple[World, Channel, Channel, Role]:
    """The default world plus channels `news` and `releases` and a role to ping."""
    world = default_world()
    guild = world.guilds[0]
    news = guild.add_channel("news")
    releases = guild.add_channel("releases")
    fans = guild.add_role("BPF fans")
    return world, news, releases, fans


def news_config(seeds: Path, **extra: Any) -> dict[str, Any]:
    """Bot settings for these tests: our seeds copy, a short poll, issue links."""
    return {"seeds_dir": seeds, "poll_seconds": POLL, "newsletter_base_url": BASE_URL, **extra}


def posts(fake: FakeDiscord, channel: Channel) -> list[RecordedMessage]:
    """The bot's channel posts (announcements) in `channel`, oldest first."""
    return [message for message in fake.messages_in(channel) if message.kind == "channel"]


async def settle(ticks: int = 5) -> None:
    """Let the watcher run a few more ticks (to catch a duplicate that should not come)."""
    await asyncio.sleep(POLL * ticks)


async def until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Wait for `condition()` to be truthy (polling); return its value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        if loop.time() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {condition}")
        await asyncio.sleep(0.02)
    return value


async def subscribe(
    fake: FakeDiscord, channel: Channel, role: Role | None = None, **kwargs: Any
) -> RecordedMessage:
    """/subscribe `channel` (pinging `role`) as the admin; the final reply."""
    options: dict[str, Any] = {"channel": channel}
    if role is not None:
        options["role"] = role
    kwargs.setdefault("user", fake.admin_user)
    return await (await fake.slash("subscribe", options, **kwargs)).final()


def synthetic_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(issues folder, data dir with its index) of a synthetic archive, built once per
    session; copy both before changing anything."""
    with _synthetic_lock:
        if "issues" not in _synthetic:
            sys.path.insert(0, str(REPO / "bench"))
            from synthetic import generate_archive

            root = tmp_path_factory.mktemp("synthetic")
            archive = generate_archive(root / "archive", SYNTHETIC_DOCUMENTS)
            store = IndexStore(root / "data")
            report = store.build([archive.issue_dir])
            store.close()
            assert not report.errors, report.errors
            _synthetic["issues"], _synthetic["data"] = archive.issue_dir, root / "data"
        return _synthetic["issues"], _synthetic["data"]


def copy_synthetic(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> tuple[Path, Path]:
    """(seeds, data dir): private copies of the synthetic archive and its index."""
    issues, data = synthetic_archive(tmp_path_factory)
    seeds = tmp_path / "seeds"
    shutil.copytree(issues, seeds)
    data_dir = tmp_path / "data"
    shutil.copytree(data, data_dir)
    return seeds, data_dir


def test_add_issue_makes_a_new_numbered_issue(tmp_path: Path) -> None:
    from index import parse_paths

    path = add_issue(tmp_path, 13)
    (issue,) = parse_paths([path]).issues
    assert (issue.number, issue.title, issue.draft) == (13, "BPF Updates 13", False)
    assert issue.path == "/blog/2017/10/24/bpf-updates-13" and not issue.warnings
    (tmp_path / "drafts").mkdir()
    draft = add_issue(tmp_path / "drafts", 14, draft=True)
    (issue,) = parse_paths([draft]).issues
    assert issue.number == 14 and issue.draft

"""/reindex through the real bot and the fake Discord: the diff it reports, searches
answered throughout, one rebuild at a time, and broken data found and rebuilt.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest
from fake_discord import FakeDiscord
from test_bot_news_support import (
    add_issue,
    copy_archive,
    copy_synthetic,
    digests,
    news_config,
    news_world,
    posts,
    settle,
    subscribe,
    until,
)
from test_bot_support import (
    index_data_dir_fixture,  # noqa: F401 - the `index_data_dir` fixture
    run_bot,
)

from bot.app import BpfBot
from bot.state import STATE_FILE, State

pytestmark = pytest.mark.timeout(90)


def test_reindex_reports_the_diff_then_announces_what_is_new(
    index_data_dir: Path, tmp_path: Path
) -> None:
    seeds, data_dir = copy_archive(index_data_dir, tmp_path)
    world, news, _releases, _fans = news_world()
    issue_10 = next(seeds.glob("001_*"))
    issue_3 = next(seeds.glob("002_*"))

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        await until(lambda: bot.watcher.ticks >= 1)  # the start's look is done
        await subscribe(fake, news)
        # Changes the (slow, 60 s) watcher has not seen: only /reindex finds them.
        add_issue(seeds, 13)
        issue_10.write_text(issue_10.read_text() + "\nOne more line.\n")
        issue_3.unlink()
        (seeds / "broken.bin").write_bytes(b"\x00\x01 not an issue")

        handle = await fake.slash("reindex", user=fake.admin_user)
        assert (await handle.response()).type == 5  # deferred at once: it may take long
        reply = await handle.final(timeout=20)
        assert reply.ephemeral
        (embed,) = reply.embeds
        assert embed["title"] == "Reindex done"
        assert embed["description"].startswith("Rebuilt the index in ")
        assert embed["description"].endswith(" s: 5 issues, 588 documents.")
        fields = {field["name"]: field["value"] for field in embed["fields"]}
        assert fields["Added (1)"] == "#13 BPF Updates 13"
        assert fields["Changed (1)"] == "#10 BPF updates 10"
        assert fields["Removed (1)"] == "#3"
        warnings = fields[next(name for name in fields if name.startswith("Warnings"))]
        assert "broken.bin: unreadable, binary file (contains NUL bytes)" in warnings
        assert "000\\_3af274de2489058f.txt: front matter author" in warnings
        assert embed["footer"]["text"] == "Announcing #13 to 1 subscribed channel."

        announcement = await fake.wait_for_message(news, timeout=5)
        assert announcement.embeds[0]["title"] == "BPF Updates 13"
        await settle()
        assert len(posts(fake, news)) == 1
        search = await (await fake.slash("issue", {"number": 13})).final()
        assert search.embeds[0]["title"] == "BPF Updates 13"  # the new index serves

        again = await (await fake.slash("reindex", user=fake.admin_user)).final(timeout=20)
        description = again.embeds[0]["description"]
        assert description.endswith("No issue was added, changed or removed.")
        assert again.embeds[0]["footer"]["text"] == "Nothing new to announce."

    run_bot(scenario, store=None, data_dir=data_dir, world=world,
            config=news_config(seeds, poll_seconds=60.0))


def test_searches_are_answered_throughout_a_reindex(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    seeds, data_dir = copy_synthetic(tmp_path_factory, tmp_path)

    async def search(fake: FakeDiscord, bot: BpfBot, number: int) -> tuple[str, bool]:
        """One user's search; (query, whether the rebuild was still running when the
        answer came)."""
        query = ("xdp", "verifier", "sockmap")[number % 3]
        reply = await (await fake.slash("search", {"query": query})).final(timeout=30)
        assert f"for “{query}” in everything" in reply.content, reply.content
        assert reply.embeds and not reply.ephemeral
        return query, bot.watcher.reindexing

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        old_generation = (data_dir / "index" / "CURRENT").read_text()
        reindex = await fake.slash("reindex", user=fake.admin_user)
        await until(lambda: bot.watcher.reindexing)
        second = await (await fake.slash("reindex", user=fake.admin_user)).final()
        assert second.ephemeral and second.content.startswith("A reindex is already running")

        answers = await asyncio.gather(*(search(fake, bot, n) for n in range(50)))
        assert len(answers) == 50
        during = sum(1 for _query, reindexing in answers if reindexing)
        assert during > 0, "every search came after the rebuild: make the archive bigger"

        report = await reindex.final(timeout=60)
        assert report.embeds[0]["description"].endswith(
            "s: 26 issues, 5000 documents. No issue was added, changed or removed."
        )
        assert (data_dir / "index" / "CURRENT").read_text() != old_generation
        after = await (await fake.slash("search", {"query": "xdp"})).final()
        assert after.embeds

    run_bot(scenario, store=None, data_dir=data_dir, timeout=90,
            config=news_config(seeds, poll_seconds=60.0))


def test_broken_state_and_index_are_named_and_rebuilt_from_the_untouched_seeds(
    index_data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seeds, data_dir = copy_archive(index_data_dir, tmp_path)
    before = digests(seeds)
    (data_dir / STATE_FILE).write_bytes(b"definitely not SQLite " * 400)
    generation = data_dir / "index" / (data_dir / "index" / "CURRENT").read_text().strip()
    for path in generation.iterdir():
        path.write_bytes(b"garbage")
    world, news, _releases, _fans = news_world()

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        reply = await (await fake.slash("search", {"query": "landlock"})).final()
        assert "Landlock" in reply.text()
        listing = await (await fake.slash("subscriptions")).final()
        assert listing.content.startswith("No channel in Test Guild is subscribed yet")
        await subscribe(fake, news)
        add_issue(seeds, 13)  # the test writes it; the bot only reads
        announcement = await fake.wait_for_message(news, timeout=10)
        assert announcement.embeds[0]["title"] == "BPF Updates 13"

    with caplog.at_level(logging.INFO):
        run_bot(scenario, store=None, data_dir=data_dir, world=world, config=news_config(seeds))
    errors = [record.getMessage() for record in caplog.records
              if record.levelno >= logging.ERROR]
    state_error = next(message for message in errors if STATE_FILE in message)
    assert f"state file {data_dir / STATE_FILE} is not a usable SQLite database" in state_error
    assert "moved it to" in state_error and list(data_dir.glob(f"{STATE_FILE}.corrupt-*"))
    index_error = next(message for message in errors if "unreadable" in message)
    assert str(generation) in index_error and f"rebuilding it from {seeds}" in index_error
    after = digests(seeds)
    after.pop("013_new_issue.txt")
    assert after == before  # the seeds were read, never written
    fresh = State.open_in(data_dir)
    assert fresh.has_baseline() and 13 in fresh.known_issue_numbers()
    fresh.close()
    shutil.rmtree(data_dir)

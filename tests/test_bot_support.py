"""Shared set-up for the bot's tests: the index built once per session from the real
seeds, the real bot started against the fake Discord, and Discord's limits checked on
what was actually sent. Other `test_bot_*` modules import from here (fixtures are
imported under their function names, `store_fixture`, and requested as `store`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from fake_discord import FakeDiscord, RecordedMessage, World, running_client

from bot.app import BpfBot
from bot.config import Config
from index import IndexStore

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"

_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()


def shared_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the index of the real seeds, built once per test session."""
    with _cache_lock:
        if "data_dir" not in _cache:
            data_dir = tmp_path_factory.mktemp("bot-index")
            store = IndexStore(data_dir)
            report = store.build([SEEDS])
            store.close()
            assert report.issues >= 5 and not report.errors, report
            _cache["data_dir"] = data_dir
        return _cache["data_dir"]


def shared_store(tmp_path_factory: pytest.TempPathFactory) -> IndexStore:
    """One open store over the shared index (thread-safe, reused by every test)."""
    data_dir = shared_data_dir(tmp_path_factory)
    with _cache_lock:
        if "store" not in _cache:
            _cache["store"] = IndexStore(data_dir)
        return _cache["store"]


@pytest.fixture(scope="session", name="index_data_dir")
def index_data_dir_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data dir with the session's index (do not write to it)."""
    return shared_data_dir(tmp_path_factory)


@pytest.fixture(scope="session", name="store")
def store_fixture(tmp_path_factory: pytest.TempPathFactory) -> IndexStore:
    """The session's open index store."""
    return shared_store(tmp_path_factory)


Scenario = Callable[[FakeDiscord, BpfBot], Awaitable[None]]


def run_bot(
    scenario: Scenario,
    *,
    store: IndexStore | None,
    data_dir: Path,
    world: World | None = None,
    timeout: float = 30.0,
    config: dict[str, Any] | None = None,
    bot_class: type[BpfBot] = BpfBot,
    fake_options: dict[str, Any] | None = None,
    **bot_options: Any,
) -> None:
    """Start a fake Discord and the real bot (configured to talk to it), run `scenario`,
    then check that the bot only used routes the fake models and broke nothing there."""

    async def main() -> None:
        async with FakeDiscord(world, **(fake_options or {})) as fake:
            settings = {
                "token": "fake-token",
                "seeds_dir": SEEDS,
                "data_dir": data_dir,
                "api_base": fake.api_base,
                "gateway_url": fake.gateway_url,
                **(config or {}),
            }
            bot_options.setdefault("guild_ready_timeout", 0.05)
            bot = bot_class(Config(**settings), store=store, **bot_options)
            async with running_client(bot, fake):
                await scenario(fake, bot)
            fake.assert_no_unknown_requests()
            assert not fake.server_errors()

    asyncio.run(asyncio.wait_for(main(), timeout))


# -- Discord's limits, checked on the JSON that was sent (independently of bot.render) --

LIMITS = {
    "content": 2000,
    "embeds": 10,
    "title": 256,
    "description": 4096,
    "fields": 25,
    "field_name": 256,
    "field_value": 1024,
    "footer": 2048,
    "author": 256,
    "total": 6000,
}


def limit_problems(message: dict[str, Any]) -> list[str]:
    """How a message payload (`content`, `embeds`) breaks Discord's limits; empty if none."""
    problems = []
    content = message.get("content") or ""
    if len(content) > LIMITS["content"]:
        problems.append(f"content: {len(content)} chars")
    embeds = message.get("embeds") or []
    if len(embeds) > LIMITS["embeds"]:
        problems.append(f"{len(embeds)} embeds")
    total = 0
    for number, embed in enumerate(embeds):
        title = embed.get("title") or ""
        description = embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        fields = embed.get("fields") or []
        for name, text in (
            ("title", title), ("description", description), ("footer", footer), ("author", author)
        ):
            if len(text) > LIMITS[name]:
                problems.append(f"embed {number} {name}: {len(text)} chars")
        if len(fields) > LIMITS["fields"]:
            problems.append(f"embed {number}: {len(fields)} fields")
        for field in fields:
            if not field.get("name") or not field.get("value"):
                problems.append(f"embed {number}: empty field {field}")
            if len(field.get("name") or "") > LIMITS["field_name"]:
                problems.append(f"embed {number} field name: {len(field['name'])} chars")
            if len(field.get("value") or "") > LIMITS["field_value"]:
                problems.append(f"embed {number} field value: {len(field['value'])} chars")
        total += len(title) + len(description) + len(footer) + len(author)
        total += sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
    if total > LIMITS["total"]:
        problems.append(f"embeds total: {total} chars")
    return problems


def assert_within_limits(message: RecordedMessage) -> None:
    """Fail with the list of problems when a recorded message breaks Discord's limits."""
    for payload in [message.data, *message.payloads]:
        problems = limit_problems(payload)
        assert not problems, problems


def button(message: RecordedMessage, label_part: str) -> dict[str, Any]:
    """The button whose label contains `label_part` (raises AssertionError)."""
    for component in message.all_components():
        if component.get("type") == 2 and label_part in (component.get("label") or ""):
            return component
    raise AssertionError(f"no button {label_part!r} in {message.all_components()}")


def test_shared_index_holds_the_seed_issues(store: IndexStore) -> None:
    numbers = [summary.number for summary in store.issues()]
    assert {1, 12} <= set(numbers)
    assert "Daniel Borkmann" in store.authors()

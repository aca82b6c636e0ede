"""The Bot subclass: `setup_hook` opens the shared state (the index), loads the cogs and
syncs the slash commands; `on_error` is the central handler for events.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import discord
from discord.ext import commands

from bot import answers
from bot.config import Config, apply_discord_endpoints
from bot.errors import BotCommandTree, report_message_error
from bot.index_api import IndexStore
from bot.paginator import PAGE_TIMEOUT
from bot.replies import Reply, ResultPages
from bot.respond import DEFER_AFTER, answer_interaction, answer_message

log = logging.getLogger(__name__)

# One extension per feature; the next ones (subscriptions, admin) are added here.
COGS: tuple[str, ...] = ("bot.cogs.search", "bot.cogs.issues")

COMMAND_HASH_FILE = "commands.sha256"
GUILD_READY_TIMEOUT = 0.5


def open_store(config: Config) -> IndexStore:
    """Open the index in the data directory, building it from the seeds when missing.

    Blocking (a build parses every issue): call it with `asyncio.to_thread` from async code.
    """
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = IndexStore(config.data_dir)  # the index lives in <data dir>/index/
    report = store.ensure([config.seeds_dir])
    if report is not None:
        log.info(
            "built the index from %s: %d issues, %d documents in %.2f s",
            config.seeds_dir,
            report.issues,
            report.documents,
            report.seconds,
        )
        for error in report.errors:
            log.warning("could not read %s: %s", error.source, error.reason)
    return store


class BpfBot(commands.Bot):
    """The BPF Updates bot: slash commands in cogs, mention-asks, no prefix commands.

    `store` may be passed in (tests, or a process that already opened the index); otherwise
    `setup_hook` opens it. The bot never pings anyone: `AllowedMentions.none()`.
    """

    def __init__(
        self,
        config: Config,
        *,
        store: IndexStore | None = None,
        sync_commands: bool = True,
        defer_after: float = DEFER_AFTER,
        page_timeout: float = PAGE_TIMEOUT,
        **client_options: Any,
    ) -> None:
        apply_discord_endpoints(config)
        # on_ready waits this long after the last GUILD_CREATE (discord.py's default: 2 s)
        client_options.setdefault("guild_ready_timeout", GUILD_READY_TIMEOUT)
        super().__init__(
            command_prefix=commands.when_mentioned,  # required; prefix commands are not used
            intents=discord.Intents.default(),  # no privileged message-content intent
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BotCommandTree,
            owner_ids=set(config.owner_ids) or None,
            help_command=None,
            **client_options,
        )
        self.config = config
        self._store = store
        self._owns_store = store is None
        self.sync_commands_on_start = sync_commands
        self.defer_after = defer_after
        self.page_timeout = page_timeout
        self.synced: str | None = None  # "guild", "global", "unchanged" or None (not synced)

    @property
    def store(self) -> IndexStore:
        """The open index; raises RuntimeError before `setup_hook` has opened it."""
        if self._store is None:
            raise RuntimeError("the index is not open yet")
        return self._store

    async def setup_hook(self) -> None:
        """Open shared state, load every cog in `COGS`, sync the slash commands."""
        await self.open_shared_state()
        for extension in COGS:
            await self.load_extension(extension)
        if self.sync_commands_on_start:
            await self.sync_application_commands()

    async def open_shared_state(self) -> None:
        """Open the index (building it when missing) off the event loop.

        The next features' state (SQLite subscriptions) is opened here too.
        """
        if self._store is None:
            self._store = await asyncio.to_thread(open_store, self.config)

    def command_payload(self) -> list[dict[str, Any]]:
        """The global slash commands as Discord receives them, in a stable order."""
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        return sorted(payload, key=lambda item: (item.get("type", 1), item["name"]))

    def command_hash(self) -> str:
        """A hash of the command payload and the application it belongs to."""
        blob = json.dumps(
            {"application": self.application_id, "commands": self.command_payload()},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    async def sync_application_commands(self) -> str:
        """Sync to the dev guild when configured (instant); otherwise sync globally only
        when the command set changed since the last sync (its hash is kept in the data dir).
        Returns what was done: "guild", "global" or "unchanged"."""
        if self.config.dev_guild_id is not None:
            guild = discord.Object(id=self.config.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), self.config.dev_guild_id)
            self.synced = "guild"
            return self.synced
        hash_file = self.config.data_dir / COMMAND_HASH_FILE
        current = self.command_hash()
        previous = hash_file.read_text().strip() if hash_file.is_file() else None
        if previous == current:
            log.info("slash commands unchanged since the last sync; not syncing")
            self.synced = "unchanged"
            return self.synced
        synced = await self.tree.sync()
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        hash_file.write_text(current + "\n")
        log.info("synced %d global commands", len(synced))
        self.synced = "global"
        return self.synced

    async def answer(
        self, interaction: discord.Interaction, work: Callable[[], Reply]
    ) -> None:
        """Run a command's `work` off the loop and send its reply (see `bot.respond`)."""
        await answer_interaction(
            interaction,
            work,
            defer_after=self.defer_after,
            page_timeout=self.page_timeout,
            fetch_more=self.fetch_more,
        )

    async def answer_mention(self, message: discord.Message, reply: Reply) -> None:
        """Reply to a message that mentioned the bot (see `bot.respond`)."""
        await answer_message(
            message, reply, page_timeout=self.page_timeout, fetch_more=self.fetch_more
        )

    def fetch_more(self, results: ResultPages) -> ResultPages:
        """More results for a paginator (blocking; paginators call it in a thread)."""
        return answers.more_results(self.store, results)

    async def on_ready(self) -> None:
        log.info("ready as %s (id %s) in %d guilds", self.user, self.user and self.user.id,
                 len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: mentions are answered by the search cog's listener."""

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """Central handler for event errors: log, and answer the message when there is one."""
        error = sys.exc_info()[1]
        if error is None:  # pragma: no cover - discord.py always calls this inside except
            log.error("error in %s without an exception", event_method)
            return
        message = next((arg for arg in args if isinstance(arg, discord.Message)), None)
        if message is not None:
            await report_message_error(message, error)
        else:
            log.error("unexpected error in %s", event_method, exc_info=error)

    async def close(self) -> None:
        """Close the connection, then the index if this bot opened it."""
        await super().close()
        if self._store is not None and self._owns_store:
            await asyncio.to_thread(self._store.close)


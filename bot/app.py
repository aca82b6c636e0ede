"""The Bot subclass: `setup_hook` opens the shared state (the index, the SQLite state),
loads the cogs, syncs the slash commands and starts watching for new issues; `on_error`
is the central handler for events.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands

from bot import answers
from bot.announcer import record_new_issues
from bot.config import Config, apply_discord_endpoints
from bot.errors import BotCommandTree, report_message_error
from bot.paginator import PAGE_TIMEOUT
from bot.render import to_discord
from bot.replies import Reply, ResultPages
from bot.respond import DEFER_AFTER, answer_interaction, answer_message
from bot.state import State
from bot.watcher import Watcher
from index import IndexStore

log = logging.getLogger(__name__)

# One extension per feature.
COGS: tuple[str, ...] = (
    "bot.cogs.search", "bot.cogs.issues", "bot.cogs.subscriptions", "bot.cogs.admin"
)

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


def open_state(config: Config, store: IndexStore) -> State:
    """Open the SQLite state in the data directory and bring it up to date with the index.

    The first look ever records a baseline (nothing that exists now is announced);
    announcements that a restart interrupted are made due at once. Blocking.
    """
    state = State.open_in(config.data_dir)
    record_new_issues(store, state)
    pending = state.retry_pending_now()
    if pending:
        log.info("%d announcements were pending; delivering them on the first tick", pending)
    return state


class BpfBot(commands.Bot):
    """The BPF Updates bot: slash commands in cogs, mention-asks, no prefix commands.

    `store` may be passed in (tests, or a process that already opened the index); otherwise
    `setup_hook` opens it. The bot never pings anyone (`AllowedMentions.none()`) except
    the role a subscription asked for, in its announcements.
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
        self._state: State | None = None
        self._watcher: Watcher | None = None
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

    @property
    def state(self) -> State:
        """The SQLite state; raises RuntimeError before `setup_hook` has opened it."""
        if self._state is None:
            raise RuntimeError("the state is not open yet")
        return self._state

    @property
    def watcher(self) -> Watcher:
        """The new-issue machinery (polling, delivery, reindex); set up by `setup_hook`."""
        if self._watcher is None:
            raise RuntimeError("the watcher is not set up yet")
        return self._watcher

    async def setup_hook(self) -> None:
        """Open shared state, load every cog in `COGS`, sync the slash commands, start
        watching for new issues."""
        await self.open_shared_state()
        for extension in COGS:
            await self.load_extension(extension)
        if self.sync_commands_on_start:
            await self.sync_application_commands()
        self.watcher.start()

    async def open_shared_state(self) -> None:
        """Open the index (building it when missing), then the SQLite state, off the event
        loop. A state file that cannot be read is moved aside with an error naming it; one
        written by a newer bot raises `StateError`."""
        if self._store is None:
            self._store = await asyncio.to_thread(open_store, self.config)
        if self._state is None:
            self._state = await asyncio.to_thread(open_state, self.config, self._store)
        self._watcher = Watcher(self)

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

    async def answer_deferred(
        self, interaction: discord.Interaction, work: Callable[[], Awaitable[Reply]]
    ) -> None:
        """For work that awaits Discord or a long rebuild: defer privately at once, then
        put `work`'s reply in place of the "thinking..." message."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        reply = await work()
        message = to_discord(reply)
        await interaction.followup.send(
            content=message.content, embeds=message.embeds, ephemeral=True
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
        """Stop watching, close the connection, then the state and the index (if this bot
        opened it)."""
        if self._watcher is not None:
            self._watcher.stop()
        await super().close()
        if self._state is not None:
            await asyncio.to_thread(self._state.close)
        if self._store is not None and self._owns_store:
            await asyncio.to_thread(self._store.close)


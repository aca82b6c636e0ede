"""Admin commands: /announce (one issue to one channel, now) and /reindex (rebuild the
index from the seeds while searches go on, report the diff, announce what is new).

Both need Manage Server or being one of the bot's owners (`BOT_OWNER_IDS`).
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import answers, news
from bot.permissions import (
    cannot_post,
    in_guild,
    manage_guild_or_owner,
)
from bot.replies import ErrorReply, Reply
from bot.respond import choices, send_interaction_reply
from bot.watcher import on_discord

if TYPE_CHECKING:
    from bot.app import BpfBot


class AdminCog(commands.Cog, name="Admin"):
    """Posting on demand, and rebuilding the index."""

    def __init__(self, bot: BpfBot) -> None:
        self.bot = bot

    @app_commands.command(name="announce", description="Post one issue to one channel now")
    @app_commands.describe(issue="The issue number", channel="The channel to post it in")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @manage_guild_or_owner()
    @in_guild()
    async def announce(
        self,
        interaction: discord.Interaction,
        issue: app_commands.Range[int, 0, 1_000_000],
        channel: discord.TextChannel,
    ) -> None:
        """Post issue `issue` in `channel` as an announcement (once per channel, ever)."""
        if (refusal := cannot_post(channel)) is not None:
            await send_interaction_reply(interaction, refusal)
            return

        async def work() -> Reply:
            state, store = self.bot.state, self.bot.store
            refused = await asyncio.to_thread(
                functools.partial(news.queue_announcement, store, state, number=issue,
                                  channel_id=channel.id, where=channel.mention)
            )
            if refused is not None:
                return refused
            await self.bot.watcher.deliver()
            return await asyncio.to_thread(
                functools.partial(
                    news.announcement_result, state, number=issue, channel_id=channel.id,
                    where=channel.mention,
                    link=lambda message_id: channel.get_partial_message(message_id).jump_url,
                )
            )

        await self.bot.answer_deferred(interaction, work)

    @announce.autocomplete("issue")
    async def _issue_autocomplete(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await choices(functools.partial(answers.issue_choices, self.bot.store, current))

    @app_commands.command(
        name="reindex", description="Rebuild the archive index from the seeds folder"
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @manage_guild_or_owner()
    @in_guild()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Rebuild the index (searches keep using the old one until the swap), reply with
        what changed, then announce the issues that are new."""
        watcher = self.bot.watcher
        task = watcher.start_reindex()
        if task is None:
            started = watcher.reindex_started or time.time()
            await send_interaction_reply(interaction, ErrorReply(
                f"A reindex is already running (for {time.time() - started:.0f} s); searches "
                "keep working meanwhile. Its report goes to whoever started it."
            ))
            return

        async def work() -> Reply:
            result = await task
            return await asyncio.to_thread(
                functools.partial(news.reindex_summary, self.bot.state, result,
                                  accept=on_discord)
            )

        await self.bot.answer_deferred(interaction, work)
        await watcher.deliver()


async def setup(bot: BpfBot) -> None:
    """Extension entry point."""
    await bot.add_cog(AdminCog(bot))

"""The archive itself: /issue, /stats and /help."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import answers
from bot.respond import choices, send_interaction_reply

if TYPE_CHECKING:
    from bot.app import BpfBot


class IssuesCog(commands.Cog, name="Issues"):
    """One issue at a glance, the whole archive at a glance, and help."""

    def __init__(self, bot: BpfBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="issue", description="One issue of BPF Updates (default: the latest)"
    )
    @app_commands.describe(number="The issue number (leave empty for the latest)")
    async def issue(
        self,
        interaction: discord.Interaction,
        number: app_commands.Range[int, 0, 1_000_000] | None = None,
    ) -> None:
        """Title, date, link, highlights, items per section, patch count, top trees."""
        work = functools.partial(answers.issue_card, self.bot.store, number, self.bot.config)
        await self.bot.answer(interaction, work)

    @issue.autocomplete("number")
    async def _number_autocomplete(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await choices(functools.partial(answers.issue_choices, self.bot.store, current))

    @app_commands.command(
        name="stats", description="The BPF Updates archive at a glance, with a chart"
    )
    async def stats(self, interaction: discord.Interaction) -> None:
        """Issues, patches, top authors and trees, patches per issue (chart)."""
        work = functools.partial(answers.archive_stats, self.bot.store)
        await self.bot.answer(interaction, work)

    @app_commands.command(name="help", description="How to use the bot and its query language")
    async def help(self, interaction: discord.Interaction) -> None:
        """The commands, the query language, examples."""
        await send_interaction_reply(interaction, answers.help_reply())


async def setup(bot: BpfBot) -> None:
    """Extension entry point."""
    await bot.add_cog(IssuesCog(bot))

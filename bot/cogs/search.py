"""Searching: /search, /patches, /topics, and asking by mention ("@bot sockmap redirect")."""

from __future__ import annotations

import asyncio
import functools
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import answers
from bot.replies import ErrorReply
from bot.respond import choices

if TYPE_CHECKING:
    from bot.app import BpfBot

QUERY_DESCRIPTION = "Words or query syntax, e.g. sockmap, author:borkmann tree:net"
MENTION_HINT = (
    "Ask me with some words after the mention, e.g. “sockmap redirect”, or use `/help`."
)

Query = app_commands.Range[str, 1, 300]
MENTION_PATTERN = re.compile(r"<@!?(\d+)>")


def strip_mention(content: str, user_id: int) -> str:
    """`content` without mentions of `user_id` (the bot), whitespace normalised."""
    stripped = MENTION_PATTERN.sub(
        lambda match: "" if int(match.group(1)) == user_id else match.group(0), content
    )
    return " ".join(stripped.split())


class SearchCog(commands.Cog, name="Search"):
    """Full-text search over the archive, in the index's query language."""

    def __init__(self, bot: BpfBot) -> None:
        self.bot = bot

    async def _search(
        self, interaction: discord.Interaction, query: str, scope: str, **filters: object
    ) -> None:
        work = functools.partial(answers.search, self.bot.store, query, scope=scope, **filters)
        await self.bot.answer(interaction, work)

    @app_commands.command(
        name="search", description="Search everything in the BPF Updates archive"
    )
    @app_commands.describe(query=QUERY_DESCRIPTION)
    async def search(self, interaction: discord.Interaction, query: Query) -> None:
        """Patches, talks, slides, articles, projects and sections."""
        await self._search(interaction, query, "everything")

    @app_commands.command(
        name="patches", description="Search the patches (series fold their parts)"
    )
    @app_commands.describe(
        query=QUERY_DESCRIPTION,
        author="Only patches by this author",
        tree="Only patches to this tree (net-next, bpf, ...)",
        issue="Only patches in this issue",
    )
    async def patches(
        self,
        interaction: discord.Interaction,
        query: Query,
        author: app_commands.Range[str, 1, 100] | None = None,
        tree: app_commands.Range[str, 1, 100] | None = None,
        issue: app_commands.Range[int, 0, 1_000_000] | None = None,
    ) -> None:
        """Patches only, optionally by author, tree and issue."""
        await self._search(interaction, query, "patches", author=author, tree=tree, issue=issue)

    @patches.autocomplete("author")
    async def _author_autocomplete(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await choices(functools.partial(answers.author_choices, self.bot.store, current))

    @patches.autocomplete("tree")
    async def _tree_autocomplete(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await choices(functools.partial(answers.tree_choices, self.bot.store, current))

    @patches.autocomplete("issue")
    async def _issue_autocomplete(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await choices(functools.partial(answers.issue_choices, self.bot.store, current))

    @app_commands.command(
        name="topics", description="Search talks, slides, videos, articles, projects"
    )
    @app_commands.describe(query=QUERY_DESCRIPTION)
    async def topics(self, interaction: discord.Interaction, query: Query) -> None:
        """Talks, slides, videos, articles and projects."""
        await self._search(interaction, query, "topics")

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A message that mentions the bot is answered like /search with its other words."""
        me = self.bot.user
        if me is None or message.author.bot:
            return
        if not any(user.id == me.id for user in message.mentions):
            return
        query = strip_mention(message.content, me.id)
        if not query:
            await self.bot.answer_mention(message, ErrorReply(MENTION_HINT))
            return
        async with message.channel.typing():
            reply = await asyncio.to_thread(
                answers.search, self.bot.store, query, scope="everything"
            )
        await self.bot.answer_mention(message, reply)


async def setup(bot: BpfBot) -> None:
    """Extension entry point."""
    await bot.add_cog(SearchCog(bot))

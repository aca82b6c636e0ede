"""New issues in a channel: /subscribe, /unsubscribe and /subscriptions.

Posting itself is the watcher's job (`bot.watcher`); these commands only say who wants
what. Subscribing needs Manage Channels (checked here, and suggested to Discord with
`default_permissions`); the bot first makes sure it can post embeds in the channel.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import news
from bot.permissions import (
    cannot_post,
    in_guild,
    role_ping_problem,
)
from bot.replies import ErrorReply, Notice, Reply
from bot.respond import send_interaction_reply

if TYPE_CHECKING:
    from bot.app import BpfBot

NOT_A_TEXT_CHANNEL = "Announcements go to text channels: pick one with the `channel` option."


def target_channel(
    interaction: discord.Interaction, channel: discord.TextChannel | None
) -> discord.TextChannel | None:
    """The channel a command is about: the one given, else the one it was used in (None
    when that is not a text channel, e.g. a thread or a voice channel's chat)."""
    if channel is not None:
        return channel
    here = interaction.channel
    return here if isinstance(here, discord.TextChannel) else None


class SubscriptionsCog(commands.Cog, name="Subscriptions"):
    """Which channels get new issues, and with which role pinged."""

    def __init__(self, bot: BpfBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="subscribe", description="Post each new BPF Updates issue in a channel"
    )
    @app_commands.describe(
        channel="Where to post new issues (default: this channel)",
        role="A role to ping with each new issue (default: no ping)",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.has_permissions(manage_channels=True)
    @in_guild()
    async def subscribe(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        role: discord.Role | None = None,
    ) -> None:
        """Subscribe a channel (this one by default), optionally pinging a role."""
        target = target_channel(interaction, channel)
        if target is None:
            await send_interaction_reply(interaction, ErrorReply(NOT_A_TEXT_CHANNEL))
            return
        if (refusal := cannot_post(target)) is not None:
            await send_interaction_reply(interaction, refusal)
            return
        if role is not None and role.is_default():
            await send_interaction_reply(interaction, ErrorReply(
                "I won't ping the whole server: pick a role, or leave `role` empty for no ping."
            ))
            return
        assert interaction.guild is not None  # in_guild() said so
        problem = role_ping_problem(role, target) if role is not None else None
        work = functools.partial(
            self._subscribe, interaction.guild.id, target, role, interaction.user.id, problem
        )
        await self.bot.answer(interaction, work)

    def _subscribe(
        self,
        guild_id: int,
        channel: discord.TextChannel,
        role: discord.Role | None,
        user_id: int,
        problem: str | None,
    ) -> Reply:
        notice = news.subscribe(
            self.bot.store,
            self.bot.state,
            guild_id=guild_id,
            channel_id=channel.id,
            where=channel.mention,
            role_id=role.id if role else None,
            role=role.mention if role else None,
            user_id=user_id,
        )
        return Notice(f"{notice.message}\n{problem}") if problem else notice

    @app_commands.command(
        name="unsubscribe", description="Stop posting new BPF Updates issues in a channel"
    )
    @app_commands.describe(channel="The channel to stop posting in (default: this channel)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.has_permissions(manage_channels=True)
    @in_guild()
    async def unsubscribe(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        """Remove a channel's subscription (this one by default)."""
        target = target_channel(interaction, channel)
        if target is None:
            await send_interaction_reply(interaction, ErrorReply(NOT_A_TEXT_CHANNEL))
            return
        work = functools.partial(
            news.unsubscribe, self.bot.state, channel_id=target.id, where=target.mention
        )
        await self.bot.answer(interaction, work)

    @app_commands.command(
        name="subscriptions", description="This server's channels that get new issues"
    )
    @app_commands.guild_only()
    @in_guild()
    async def subscriptions(self, interaction: discord.Interaction) -> None:
        """Every subscription of this server: channel, role, active or disabled (and why)."""
        assert interaction.guild is not None  # in_guild() said so
        work = functools.partial(
            news.subscription_list,
            self.bot.state,
            guild_id=interaction.guild.id,
            place=interaction.guild.name,
        )
        await self.bot.answer(interaction, work)


async def setup(bot: BpfBot) -> None:
    """Extension entry point."""
    await bot.add_cog(SubscriptionsCog(bot))

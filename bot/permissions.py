"""Who may run the admin commands, and whether the bot itself can post in a channel.

The command checks are `app_commands` checks, so Discord's own `default_permissions`
(which server admins can override) is never the only guard; a refusal raises an
`app_commands.CheckFailure` that the central error handler (`bot.errors`) answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import Refused
from bot.replies import ErrorReply

T = TypeVar("T")

# What an announcement needs: see the channel, post in it, and show an embed (without
# Embed Links Discord accepts the message but silently drops the embed).
POST_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)

NOT_ADMIN = (
    "Only members with the Manage Server permission, or the bot's owners, can use {command}."
)


def in_guild() -> Callable[[T], T]:
    """Check: the command runs in a server the bot is in (`guild_only` is only a hint to
    Discord's client; this enforces it). Put it last so that it runs first."""

    def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        return True

    return app_commands.check(predicate)


def manage_guild_or_owner() -> Callable[[T], T]:
    """Check: the member has Manage Server in this server, or is one of the bot's owners
    (`BOT_OWNER_IDS`; without it, the application's owner)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        # The member's permissions come with the interaction: no request needed.
        if interaction.permissions.manage_guild:
            return True
        client = interaction.client
        if isinstance(client, commands.Bot) and await client.is_owner(
            interaction.user
        ):
            return True
        command = interaction.command.qualified_name if interaction.command else "that"
        raise Refused(NOT_ADMIN.format(command=f"/{command}"))

    return app_commands.check(predicate)


def missing_post_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    """The permissions (as Discord names them) the bot lacks to post announcements in
    `channel`, from the cached roles and overwrites; empty when it can."""
    me = channel.guild.me
    if me is None:  # not cached: let the send itself tell
        return []
    allowed = channel.permissions_for(me)
    return [label for name, label in POST_PERMISSIONS if not getattr(allowed, name)]


def cannot_post(channel: discord.abc.GuildChannel) -> ErrorReply | None:
    """An ErrorReply naming the permissions the bot lacks to post announcements in
    `channel`, or None when it can post there."""
    missing = missing_post_permissions(channel)
    if not missing:
        return None
    bold = [f"**{name}**" for name in missing]
    names = ", ".join(bold[:-1]) + " and " + bold[-1] if len(bold) > 1 else bold[0]
    plural = "s" if len(missing) > 1 else ""
    return ErrorReply(
        f"I can't post announcements in {channel.mention}: I'm missing the {names} "
        f"permission{plural} there. Give my role View Channel, Send Messages and Embed "
        "Links in that channel, then try again."
    )


def role_ping_problem(role: discord.Role, channel: discord.abc.GuildChannel) -> str | None:
    """Why pinging `role` in `channel` would not notify anyone, or None when it would."""
    me = channel.guild.me
    if role.mentionable or me is None or channel.permissions_for(me).mention_everyone:
        return None
    return (
        f"{role.mention} is not mentionable and I lack **Mention @everyone, @here and All "
        "Roles** there, so the ping will show but not notify anyone."
    )

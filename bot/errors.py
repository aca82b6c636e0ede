"""The one place where errors become replies.

Slash commands (`CommandTree.on_error`), buttons (`View.on_error`) and events
(`Bot.on_error`, e.g. a mention that failed) all end up here: expected problems get a
specific, kind answer; anything else is logged with its traceback and answered with a
polite apology. Nothing else in the bot swallows exceptions.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from index import BuildInProgress, QueryError

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong while answering that. It has been logged; please try again."
REBUILDING = "The archive index is being rebuilt right now; please try again in a moment."
GUILD_ONLY = "That command works in a server only, not in direct messages."

# Discord's names for the permissions the bot's checks ask for (the API names otherwise).
PERMISSION_NAMES = {"manage_guild": "Manage Server", "manage_channels": "Manage Channels"}


class Refused(app_commands.CheckFailure):
    """A check said no, with a sentence written for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def permission_name(name: str) -> str:
    """`manage_channels` -> `Manage Channels`, as Discord's settings call it."""
    return PERMISSION_NAMES.get(name, name.replace("_", " ").title())


def unwrap(error: BaseException) -> BaseException:
    """The exception a command really raised, without discord.py's wrappers."""
    while isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    return error


def explain(error: BaseException, *, where: str) -> str:
    """The answer for `error`; unexpected errors are logged here (with `where` for context)."""
    if isinstance(error, QueryError):
        return f"That search didn't work: {error.message}\nSee `/help` for the query syntax."
    if isinstance(error, BuildInProgress):
        return REBUILDING
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand “{discord.utils.escape_mentions(str(error.value))}” there."
    if isinstance(error, Refused):
        return error.message
    if isinstance(error, app_commands.NoPrivateMessage):
        return GUILD_ONLY
    if isinstance(error, app_commands.MissingPermissions):
        names = " and ".join(permission_name(name) for name in error.missing_permissions)
        return f"You need the {names} permission to use {where}."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that command here."
    log.error("unexpected error in %s", where, exc_info=error)
    return APOLOGY


async def report_interaction_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer an interaction whose handling failed, privately, and log what was unexpected."""
    command = interaction.command.qualified_name if interaction.command else "a component"
    text = explain(unwrap(error), where=f"/{command}" if interaction.command else command)
    if interaction.client.is_closed():
        log.info("not answering /%s: the bot is shutting down", command)
        return
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the user about an error in %s", command, exc_info=True)


async def report_message_error(message: discord.Message, error: BaseException) -> None:
    """Answer a message (a mention) whose handling failed, and log what was unexpected."""
    text = explain(unwrap(error), where=f"the answer to message {message.id}")
    try:
        await message.reply(text, mention_author=False)
    except discord.HTTPException:
        log.warning(
            "could not tell the user about an error on message %s", message.id, exc_info=True
        )


class BotCommandTree(app_commands.CommandTree):
    """The command tree with the central error handler."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report_interaction_error(interaction, error)

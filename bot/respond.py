"""Sending replies to Discord: run the command off the event loop, defer when it is slow,
attach a paginator to paged results, keep error-like replies private.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.paginator import PAGE_TIMEOUT, Paginator, ResultsPageSource
from bot.render import DiscordMessage, to_discord
from bot.replies import Reply, ResultPages

DEFER_AFTER = 1.0  # seconds: answer directly if the work is done by then, else defer


FetchMore = Callable[[ResultPages], ResultPages]


def prepare(
    reply: Reply,
    owner_id: int,
    page_timeout: float = PAGE_TIMEOUT,
    fetch_more: FetchMore | None = None,
) -> tuple[DiscordMessage, Paginator | None]:
    """The first message for `reply` and, for results with several pages, their paginator
    (`fetch_more` gets further results when the reader turns past the fetched ones)."""
    if isinstance(reply, ResultPages) and (
        reply.page_count > 1 or (reply.truncated and fetch_more is not None)
    ):
        source = ResultsPageSource(reply, fetch_more)
        view = Paginator(source, owner_id=owner_id, timeout=page_timeout)
        return view.first_page(), view
    return to_discord(reply), None


def _message_kwargs(message: DiscordMessage, view: Paginator | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"content": message.content, "embeds": message.embeds}
    files = message.files()
    if files:
        kwargs["files"] = files
    if view is not None:
        kwargs["view"] = view
    return kwargs


async def answer_interaction(
    interaction: discord.Interaction,
    work: Callable[[], Reply],
    *,
    defer_after: float = DEFER_AFTER,
    page_timeout: float = PAGE_TIMEOUT,
    fetch_more: FetchMore | None = None,
) -> None:
    """Run `work` in a thread and send its reply; defer (thinking...) if it takes longer
    than `defer_after` seconds. Exceptions from `work` propagate to the central handler."""
    task = asyncio.ensure_future(asyncio.to_thread(work))
    try:
        reply = await asyncio.wait_for(asyncio.shield(task), timeout=defer_after)
    except TimeoutError:
        await interaction.response.defer(thinking=True)
        reply = await task
    await send_interaction_reply(
        interaction, reply, page_timeout=page_timeout, fetch_more=fetch_more
    )


async def send_interaction_reply(
    interaction: discord.Interaction,
    reply: Reply,
    *,
    page_timeout: float = PAGE_TIMEOUT,
    fetch_more: FetchMore | None = None,
) -> None:
    """Send `reply` as the interaction's response (or its follow-up, when deferred)."""
    message, view = prepare(reply, interaction.user.id, page_timeout, fetch_more)
    kwargs = _message_kwargs(message, view)
    if not interaction.response.is_done():
        await interaction.response.send_message(ephemeral=message.ephemeral, **kwargs)
    elif message.ephemeral:
        # the public "thinking..." placeholder would show a private answer to everyone
        await interaction.delete_original_response()
        await interaction.followup.send(ephemeral=True, **kwargs)
    else:
        await interaction.followup.send(wait=True, **kwargs)
    if view is not None:
        view.attach(interaction.edit_original_response)


async def answer_message(
    message: discord.Message,
    reply: Reply,
    *,
    page_timeout: float = PAGE_TIMEOUT,
    fetch_more: FetchMore | None = None,
) -> discord.Message:
    """Reply to `message` (a mention) with `reply`; paged results get buttons for its author."""
    rendered, view = prepare(reply, message.author.id, page_timeout, fetch_more)
    sent = await message.reply(mention_author=False, **_message_kwargs(rendered, view))
    if view is not None:
        view.attach(sent.edit)
    return sent


async def choices(
    work: Callable[[], Sequence[tuple[str, Any]]],
) -> list[app_commands.Choice[Any]]:
    """Autocomplete choices from `work` (run in a thread), labels cut to Discord's 100."""
    pairs = await asyncio.to_thread(work)
    return [app_commands.Choice(name=label[:100], value=value) for label, value in pairs][:25]

"""Posting one announcement to one Discord channel, with Discord's failures classified.

`bot.announcer.deliver_due` decides what to do with a failure; this module only says
which kind it is: `ChannelGone` (403, 404: the channel is gone or closed to the bot,
retrying cannot help) or `TryLater` (5xx, 429, network trouble, timeouts).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.announcer import ChannelGone, TryLater, announcement_nonce
from bot.permissions import missing_post_permissions
from bot.render_news import announcement_message

if TYPE_CHECKING:
    from bot.config import Config
    from bot.state import Announcement
    from index import IssueSummary

# Everything a REST call can fail with besides our own bugs.
TRANSIENT = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


def describe(error: discord.HTTPException) -> str:
    """`403 Forbidden (Missing Permissions)`: status, reason and Discord's message."""
    reason = getattr(error.response, "reason", "") or ""
    text = f"{error.status} {reason}".strip()
    return f"{text} ({error.text})" if error.text else text


@asynccontextmanager
async def classified() -> AsyncIterator[None]:
    """Turn Discord's and the network's exceptions into ChannelGone or TryLater."""
    try:
        yield
    except (discord.Forbidden, discord.NotFound) as error:
        raise ChannelGone(describe(error)) from error
    except discord.HTTPException as error:
        # 5xx after discord.py's own retries, a 429 it did not wait out, or a request
        # Discord refused for now: worth another try later, with backoff.
        raise TryLater(describe(error)) from error
    except TRANSIENT as error:
        raise TryLater(f"{type(error).__name__}: {error}".rstrip(": ")) from error


async def resolve_channel(client: discord.Client, channel_id: int) -> discord.abc.Messageable:
    """The channel from the cache, else from Discord (a deleted one answers 404)."""
    channel = client.get_channel(channel_id)
    if channel is None:
        async with classified():
            channel = await client.fetch_channel(channel_id)
    if not isinstance(channel, discord.abc.Messageable):
        raise ChannelGone(f"{type(channel).__name__} is not a channel I can post in")
    return channel


async def send_announcement(
    client: discord.Client, config: Config, announcement: Announcement, summary: IssueSummary
) -> int:
    """Post `summary` as an announcement in its channel; returns the message id.

    The nonce makes a repeated send (after a lost response or a restart) return the
    earlier message instead of posting twice. Only the subscription's role may be pinged.
    Raises ChannelGone or TryLater (see the module docstring).
    """
    channel = await resolve_channel(client, announcement.channel_id)
    if isinstance(channel, discord.abc.GuildChannel):
        missing = missing_post_permissions(channel)
        if missing:
            raise ChannelGone("missing permissions: " + ", ".join(missing))
    rendered = announcement_message(
        summary, config.issue_url(summary.path), announcement.role_id
    )
    roles = [discord.Object(announcement.role_id)] if announcement.role_id else False
    async with classified():
        message = await channel.send(
            content=rendered.content,
            embeds=rendered.embeds,
            allowed_mentions=discord.AllowedMentions(everyone=False, users=False, roles=roles),
            nonce=announcement_nonce(announcement.issue_number, announcement.channel_id),
        )
    return message.id

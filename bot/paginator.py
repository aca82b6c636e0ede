"""Paging with buttons, RoboDanny style: a page source says what is on a page, the view
only navigates. Only the person who asked may turn the pages (others get an ephemeral
refusal), and when the view times out its buttons are disabled in place.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord

from bot.render import DiscordMessage, page_label, results_message
from bot.replies import ResultPages

log = logging.getLogger(__name__)

PAGE_TIMEOUT = 180.0


class PageSource(Protocol):
    """Pages to show: `page_count` known so far, `has_more` when more can be fetched
    (`load` fetches them), `format_page` renders one, `label` names it ("2/4+")."""

    @property
    def page_count(self) -> int: ...

    @property
    def has_more(self) -> bool: ...

    async def load(self, index: int) -> None: ...

    def format_page(self, index: int) -> DiscordMessage: ...

    def label(self, index: int) -> str: ...


class ResultsPageSource:
    """Pages of search results, rendered by `bot.render.results_message`.

    `fetch_more(results)` (blocking, run in a thread) returns the same search with more
    results; it is called when the reader turns past the last fetched page.
    """

    def __init__(
        self,
        results: ResultPages,
        fetch_more: Callable[[ResultPages], ResultPages] | None = None,
    ) -> None:
        self.results = results
        self.fetch_more = fetch_more

    @property
    def page_count(self) -> int:
        return self.results.page_count

    @property
    def has_more(self) -> bool:
        return self.fetch_more is not None and self.results.truncated

    async def load(self, index: int) -> None:
        """Fetch more results if page `index` is past the ones fetched so far."""
        if index >= self.page_count and self.has_more and self.fetch_more is not None:
            self.results = await asyncio.to_thread(self.fetch_more, self.results)

    def format_page(self, index: int) -> DiscordMessage:
        return results_message(self.results, index)

    def label(self, index: int) -> str:
        return page_label(self.results, index) if self.has_more else (
            f"{index + 1}/{self.page_count}"
        )


class Paginator(discord.ui.View):
    """Prev / page counter / Next buttons over a `PageSource`, for one user.

    After sending the first page, the sender calls `attach(edit)` with a coroutine function
    that edits the sent message (`interaction.edit_original_response` or `message.edit`),
    so the timeout can disable the buttons.
    """

    def __init__(
        self, source: PageSource, *, owner_id: int, timeout: float | None = PAGE_TIMEOUT
    ) -> None:
        super().__init__(timeout=timeout)
        self.source = source
        self.owner_id = owner_id
        self.current = 0
        self._edit: Callable[..., Awaitable[Any]] | None = None
        self._update_buttons()

    def first_page(self) -> DiscordMessage:
        """The message for page 1, to send together with this view."""
        return self.source.format_page(0)

    def attach(self, edit: Callable[..., Awaitable[Any]]) -> None:
        """Remember how to edit the message this view is attached to (for the timeout)."""
        self._edit = edit

    def _update_buttons(self) -> None:
        last = self.current >= self.source.page_count - 1
        self.previous_page.disabled = self.current <= 0
        self.next_page.disabled = last and not self.source.has_more
        self.counter.label = self.source.label(self.current)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the invoker may press; anyone else is told so, privately."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "These pages belong to whoever asked; run the command yourself to get your own.",
            ephemeral=True,
        )
        return False

    async def show(self, interaction: discord.Interaction, index: int) -> None:
        """Turn to page `index` (clamped; fetching more results when needed) by editing
        the message the button is on."""
        await self.source.load(index)
        self.current = min(max(index, 0), self.source.page_count - 1)
        self._update_buttons()
        page = self.source.format_page(self.current)
        await interaction.response.edit_message(content=page.content, embeds=page.embeds, view=self)

    @discord.ui.button(label="◀ Prev", style=discord.ButtonStyle.secondary)
    async def previous_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:
        await self.show(interaction, self.current - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:  # pragma: no cover - always disabled
        await interaction.response.defer()

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.primary)
    async def next_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:
        await self.show(interaction, self.current + 1)

    async def on_timeout(self) -> None:
        """Disable every button on the message; a message deleted meanwhile is fine."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self._edit is None:
            return
        try:
            await self._edit(view=self)
        except discord.NotFound:
            log.info("paged message was deleted before its buttons timed out")

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        """Hand button errors to the bot's central error handler."""
        from bot.errors import report_interaction_error

        await report_interaction_error(interaction, error)

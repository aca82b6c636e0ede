"""Running a real discord.py client against the fake server inside a test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .waiting import ClientDied

if TYPE_CHECKING:
    import discord

ClientT = TypeVar("ClientT", bound="discord.Client")


class _Target(Protocol):
    """A FakeDiscord or FakeDiscordThread."""

    def point_discord_py_here(self) -> None: ...

    def watch(self, client: Any) -> None: ...


@contextlib.asynccontextmanager
async def running_client(
    client: ClientT,
    fake: _Target,
    *,
    token: str = "fake-token",
    ready_timeout: float = 10.0,
) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``fake`` and yield it once ``on_ready`` has fired.

    * points discord.py (process-wide) at the fake;
    * runs ``client.start(token)`` as a task and registers it with ``fake.watch`` so
      every later wait raises :class:`ClientDied` at once if the client crashes (a
      malformed payload kills discord.py's connection loop);
    * raises ``ClientDied`` / ``TimeoutError`` if the client dies or is not ready in
      ``ready_timeout`` seconds;
    * closes the client on exit and re-raises a crash that happened meanwhile.

    Create clients with a small ``guild_ready_timeout`` (e.g. 0.05): discord.py waits
    that long after the last GUILD_CREATE before ``on_ready`` (2 s by default).
    """
    fake.point_discord_py_here()
    task = asyncio.create_task(client.start(token), name="discord-client")
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ready_timeout
        # Poll rather than client.wait_until_ready(): that raises before login has
        # initialised the client, and cannot notice the task dying.
        while not client.is_ready():
            if task.done():
                exc = None if task.cancelled() else task.exception()
                raise ClientDied(f"client stopped before becoming ready: {exc!r}") from exc
            if loop.time() > deadline:
                raise TimeoutError(f"client not ready after {ready_timeout}s")
            await asyncio.sleep(0.01)
        fake.watch(task)
        yield client
    finally:
        if not client.is_closed():
            await client.close()
        # asyncio.wait never raises the task's exception, so a crash cannot mask an
        # exception (e.g. a failed assert) coming out of the ``async with`` body.
        await asyncio.wait({task}, timeout=5)
        if not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=1)
    if task.done() and not task.cancelled() and task.exception() is not None:
        raise ClientDied(f"client crashed: {task.exception()!r}") from task.exception()

"""A fake Discord (REST + gateway on 127.0.0.1) for driving real discord.py clients.

Import it as ``fake_discord`` (``tests/conftest.py`` puts ``tests/`` on ``sys.path``).

In-process, on the test's event loop (sync test calling ``asyncio.run``)::

    async with FakeDiscord() as fake:                  # default world, see model.py
        bot = make_bot(guild_ready_timeout=0.05)       # else on_ready waits 2 s
        async with running_client(bot, fake):          # start, wait ready, fail fast
            await bot.tree.sync()
            handle = await fake.slash("search", {"query": "sockmap"}, user=fake.admin_user)
            message = await handle.final()             # as the user finally sees it
            assert "sockmap" in message.text()
            fake.fail_channel_sends(fake.channel, 403) # next send -> discord.Forbidden

Bot in a subprocess (or another thread): serve from a background thread and use the
blocking proxy::

    with FakeDiscordThread() as srv:
        proc = subprocess.Popen([sys.executable, "-m", "bot"], env={**os.environ, **srv.env()})
        srv.blocking.wait_for_sync(timeout=30)
        assert srv.blocking.slash("ping").final().content == "pong"

Modules: :mod:`.server` (``FakeDiscord``: lifecycle, faults), :mod:`.injections`
(acting as users), :mod:`.recording` (reading/awaiting what the bot did),
:mod:`.handles` (per-injection handles), :mod:`.model` (guilds, roles, channels,
members, permissions), :mod:`.records` (recorded messages/requests), :mod:`.faults`,
:mod:`.threaded` (``FakeDiscordThread``), :mod:`.client` (``running_client``),
:mod:`.gateway`, :mod:`.rest`, :mod:`.rest_interactions`, :mod:`.payloads`.
"""

from .client import running_client
from .faults import Fault
from .handles import InteractionHandle, MessageHandle
from .model import Channel, Guild, Member, Overwrite, Perm, Role, User, World, default_world
from .records import (
    EPHEMERAL,
    LOADING,
    Callback,
    CommandSync,
    InteractionRecord,
    RecordedMessage,
    RecordedRequest,
    UploadedFile,
)
from .server import FakeDiscord
from .threaded import FakeDiscordThread
from .waiting import ClientDied, WaitTimeout

__all__ = [
    "EPHEMERAL",
    "LOADING",
    "Callback",
    "Channel",
    "ClientDied",
    "CommandSync",
    "FakeDiscord",
    "FakeDiscordThread",
    "Fault",
    "Guild",
    "InteractionHandle",
    "InteractionRecord",
    "Member",
    "MessageHandle",
    "Overwrite",
    "Perm",
    "RecordedMessage",
    "RecordedRequest",
    "Role",
    "UploadedFile",
    "User",
    "WaitTimeout",
    "World",
    "default_world",
    "running_client",
]

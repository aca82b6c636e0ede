"""Shared state and argument resolution for the ``FakeDiscord`` mixins.

``FakeDiscord`` is split by concern: :mod:`.recording` (reading and awaiting what the
bot did), :mod:`.injections` (acting as users), :mod:`.server` (lifecycle, faults,
gateway control). This base declares the state they share and turns the loose
arguments tests pass (model objects, ids, names, discord.py objects) into model objects.
"""

from __future__ import annotations

from typing import Any

from .faults import FaultInjector
from .gateway import Gateway
from .model import Channel, Guild, Member, User, World
from .records import UploadedFile
from .store import Store
from .waiting import Notifier

# Besides the fake's own model objects, ids, names, and anything with an ``id``
# attribute (discord.py's Member, TextChannel, Guild, discord.Object) are accepted.
UserLike = User | Member | int | str | Any
ChannelLike = Channel | int | str | Any
GuildLike = Guild | int | str | Any


def _id_of(value: Any) -> Any:
    """``value.id`` for discord.py objects, else ``value`` (an id or a name)."""
    ident = getattr(value, "id", None)
    return ident if isinstance(ident, int) else value


class FakeBase:
    """Attributes every mixin relies on (set by ``FakeDiscord.__init__``)."""

    world: World
    store: Store
    notifier: Notifier
    gateway: Gateway
    faults: FaultInjector
    session_timeout: float
    port: int

    def attachment_url(self, channel_id: int, upload: UploadedFile) -> str:
        """Where the server serves an uploaded file (``Attachment.read()`` works)."""
        return (
            f"http://127.0.0.1:{self.port}/attachments/{channel_id}/{upload.id}/{upload.filename}"
        )

    # -- shortcuts into the world ---------------------------------------------------

    @property
    def bot_user(self) -> User:
        """The bot's user (its id is also the application id by default)."""
        return self.world.bot

    @property
    def guild(self) -> Guild:
        """The first guild."""
        return self.world.guilds[0]

    @property
    def channel(self) -> Channel:
        """The first channel of the first guild (``general`` in the default world)."""
        return self.guild.channels[0]

    @property
    def admin_user(self) -> User:
        """The application owner (``alice``: Administrator + Manage Guild by default)."""
        return self.world.owner

    @property
    def plain_user(self) -> User:
        """A member without extra roles (``bob`` by default): the default actor."""
        owner, bot = self.world.owner.id, self.world.bot.id
        return next(m.user for m in self.guild.members if m.user.id not in (owner, bot))

    # -- resolving loose arguments ------------------------------------------------------

    def _guild(self, guild: GuildLike | None) -> Guild:
        if isinstance(guild, Guild):
            return guild
        return self.world.guild(_id_of(guild))

    def _channel_id(self, channel: ChannelLike) -> int:
        if isinstance(channel, Channel):
            return channel.id
        key = _id_of(channel)
        return key if isinstance(key, int) else self.guild.channel(key).id

    def _user(self, user: UserLike | None) -> User:
        if user is None:
            return self.plain_user
        if isinstance(user, Member):
            return user.user
        if isinstance(user, User):
            return user
        return self.world.user(_id_of(user))

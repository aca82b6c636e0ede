"""The fake server's world: users, guilds, roles, channels and members.

Everything here is plain data with ``to_payload()`` methods producing the JSON shapes
Discord sends. Tests build or tweak a :class:`World` before (or after) starting the
server; the gateway serialises it at IDENTIFY time, so changes made after a client is
connected only reach that client through events the test dispatches itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .ids import iso_now, snowflake


class Perm:
    """Permission bits (the subset tests usually need; any int is accepted anywhere)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1

    #: What @everyone gets by default: read, talk, react, use commands.
    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
    )
    #: What the default bot role adds on top of @everyone.
    BOT_DEFAULT = EVERYONE_DEFAULT | MANAGE_MESSAGES


@dataclass
class User:
    """A Discord user (also used for the bot itself, with ``bot=True``)."""

    username: str
    id: int = field(default_factory=snowflake)
    bot: bool = False
    global_name: str | None = None

    @property
    def mention(self) -> str:
        """The ``<@id>`` form that pings this user."""
        return f"<@{self.id}>"

    def to_payload(self) -> dict[str, Any]:
        """The user object as Discord serialises it."""
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
        }


@dataclass
class Role:
    """A guild role; ``permissions`` is the raw bit field (see :class:`Perm`)."""

    name: str
    permissions: int = 0
    id: int = field(default_factory=snowflake)
    position: int = 0
    managed: bool = False

    def to_payload(self) -> dict[str, Any]:
        """The role object as Discord serialises it."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (``type=0``) or a member (``type=1``)."""

    target_id: int
    type: int = 0
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> dict[str, Any]:
        """The overwrite object as Discord serialises it."""
        return {
            "id": str(self.target_id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class Channel:
    """A channel. ``type`` 0 is a guild text channel, 1 a DM (``guild_id`` is then None)."""

    name: str
    id: int = field(default_factory=snowflake)
    type: int = 0
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipients: list[User] = field(default_factory=list)

    @property
    def mention(self) -> str:
        """The ``<#id>`` form."""
        return f"<#{self.id}>"

    def to_payload(self) -> dict[str, Any]:
        """The channel object as Discord serialises it."""
        if self.type == 1:
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [user.to_payload() for user in self.recipients],
            }
        payload: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [ow.to_payload() for ow in self.overwrites],
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "topic": self.topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.guild_id is not None:
            payload["guild_id"] = str(self.guild_id)
        return payload


@dataclass
class Member:
    """A user's membership of a guild: their roles (ids, excluding @everyone) and nick."""

    user: User
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    def to_payload(self, *, with_user: bool = True) -> dict[str, Any]:
        """The guild member object; ``with_user=False`` gives the partial form used in
        MESSAGE_CREATE and ``resolved.members``."""
        payload: dict[str, Any] = {
            "roles": [str(role_id) for role_id in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user.to_payload()
        return payload


@dataclass
class Guild:
    """A guild with its roles, channels and members.

    The @everyone role always exists and has the guild's id (as on Discord).
    """

    name: str
    owner_id: int
    id: int = field(default_factory=snowflake)
    roles: list[Role] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not any(role.id == self.id for role in self.roles):
            self.roles.insert(0, Role("@everyone", Perm.EVERYONE_DEFAULT, id=self.id))

    @property
    def everyone(self) -> Role:
        """The @everyone role."""
        return next(role for role in self.roles if role.id == self.id)

    def add_role(self, name: str, permissions: int = 0) -> Role:
        """Create a role above the existing ones and return it."""
        role = Role(name, permissions, position=len(self.roles))
        self.roles.append(role)
        return role

    def add_channel(
        self, name: str, *, type: int = 0, overwrites: list[Overwrite] | None = None
    ) -> Channel:
        """Create a (text, by default) channel and return it."""
        channel = Channel(
            name,
            type=type,
            guild_id=self.id,
            position=len(self.channels),
            overwrites=list(overwrites or []),
        )
        self.channels.append(channel)
        return channel

    def add_member(self, user: User, roles: list[Role] | None = None) -> Member:
        """Make ``user`` a member with the given roles and return the membership."""
        member = Member(user, [role.id for role in roles or []])
        self.members.append(member)
        return member

    def channel(self, key: int | str) -> Channel:
        """Find a channel by id or name (raises ``KeyError``)."""
        for channel in self.channels:
            if key in (channel.id, channel.name):
                return channel
        raise KeyError(f"no channel {key!r} in guild {self.name!r}")

    def role(self, key: int | str) -> Role:
        """Find a role by id or name (raises ``KeyError``)."""
        for role in self.roles:
            if key in (role.id, role.name):
                return role
        raise KeyError(f"no role {key!r} in guild {self.name!r}")

    def member(self, key: int | str | User) -> Member:
        """Find a member by user, user id or username (raises ``KeyError``)."""
        if isinstance(key, User):
            key = key.id
        for member in self.members:
            if key in (member.user.id, member.user.username):
                return member
        raise KeyError(f"no member {key!r} in guild {self.name!r}")

    def base_permissions(self, member: Member) -> int:
        """Guild-level permissions of ``member`` (before channel overwrites)."""
        if member.user.id == self.owner_id:
            return Perm.ALL
        perms = self.everyone.permissions
        for role in self.roles:
            if role.id in member.roles:
                perms |= role.permissions
        return Perm.ALL if perms & Perm.ADMINISTRATOR else perms

    def permissions_for(self, member: Member, channel: Channel | None = None) -> int:
        """Effective permissions of ``member`` in ``channel``, following Discord's
        documented order: @everyone overwrite, role overwrites, member overwrite."""
        perms = self.base_permissions(member)
        if channel is None or perms & Perm.ADMINISTRATOR:
            return perms
        by_target = {ow.target_id: ow for ow in channel.overwrites}
        if (everyone := by_target.get(self.id)) is not None:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            if (ow := by_target.get(role_id)) is not None and ow.type == 0:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        if (own := by_target.get(member.user.id)) is not None and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
        return perms

    def to_payload(self) -> dict[str, Any]:
        """The GUILD_CREATE payload. ``member_count`` equals the members sent, so
        discord.py considers the guild chunked and does not wait for member chunks."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [role.to_payload() for role in self.roles],
            "channels": [channel.to_payload() for channel in self.channels],
            "threads": [],
            "members": [member.to_payload() for member in self.members],
            "member_count": len(self.members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "lazy": True,
            "joined_at": iso_now(),
            "application_id": None,
        }


@dataclass
class World:
    """Everything the fake server knows about: the bot, the application owner, guilds.

    ``application_id`` defaults to the bot user's id, as for real bot applications.
    """

    bot: User
    owner: User
    guilds: list[Guild]
    application_id: int = 0
    #: Application flags reported at login: GATEWAY_GUILD_MEMBERS | GATEWAY_MESSAGE_CONTENT.
    application_flags: int = (1 << 15) | (1 << 19)
    dm_channels: list[Channel] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.application_id:
            self.application_id = self.bot.id

    def users(self) -> list[User]:
        """Every known user (bot, owner, all guild members), without duplicates."""
        seen: dict[int, User] = {self.bot.id: self.bot, self.owner.id: self.owner}
        for guild in self.guilds:
            for member in guild.members:
                seen.setdefault(member.user.id, member.user)
        return list(seen.values())

    def user(self, key: int | str) -> User:
        """Find a user by id or username (raises ``KeyError``)."""
        for user in self.users():
            if key in (user.id, user.username):
                return user
        raise KeyError(f"no user {key!r}")

    def guild(self, key: int | str | None = None) -> Guild:
        """Find a guild by id or name; ``None`` means the first guild."""
        if key is None:
            return self.guilds[0]
        for guild in self.guilds:
            if key in (guild.id, guild.name):
                return guild
        raise KeyError(f"no guild {key!r}")

    def channel(self, key: int) -> tuple[Channel, Guild | None]:
        """Find any channel (guild or DM) by id; returns it with its guild."""
        for guild in self.guilds:
            for channel in guild.channels:
                if channel.id == key:
                    return channel, guild
        for channel in self.dm_channels:
            if channel.id == key:
                return channel, None
        raise KeyError(f"no channel {key!r}")

    def dm_channel_with(self, user: User) -> Channel:
        """The DM channel between the bot and ``user`` (created on first use)."""
        for channel in self.dm_channels:
            if any(r.id == user.id for r in channel.recipients):
                return channel
        channel = Channel(name="", type=1, recipients=[user])
        self.dm_channels.append(channel)
        return channel


def default_world() -> World:
    """One guild "Test Guild" with text channels ``general`` and ``bot-commands``;
    roles @everyone, ``Admin`` (Administrator + Manage Guild) and ``Bot``; members
    ``FakeBot`` (the bot), ``alice`` (admin, also the guild and application owner) and
    ``bob`` (plain member, no extra role)."""
    bot = User("FakeBot", bot=True)
    alice = User("alice", global_name="Alice")
    bob = User("bob", global_name="Bob")
    guild = Guild("Test Guild", owner_id=alice.id)
    admin_role = guild.add_role("Admin", Perm.ADMINISTRATOR | Perm.MANAGE_GUILD)
    bot_role = guild.add_role("Bot", Perm.BOT_DEFAULT)
    bot_role.managed = True
    guild.add_channel("general")
    guild.add_channel("bot-commands")
    guild.add_member(bot, [bot_role])
    guild.add_member(alice, [admin_role])
    guild.add_member(bob)
    return World(bot=bot, owner=alice, guilds=[guild])

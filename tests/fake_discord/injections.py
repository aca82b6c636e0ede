"""Acting as Discord users: slash commands, autocomplete, components, modals,
context menus and plain messages, each dispatched over the gateway."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from .base import ChannelLike, GuildLike, UserLike, _id_of
from .handles import DEFAULT_TIMEOUT, InteractionHandle, MessageHandle
from .ids import iso_now, snowflake
from .model import Channel, Guild, Member, User
from .payloads import (
    CHANNEL,
    MENTIONABLE,
    ROLE,
    USER,
    Actor,
    OptionBuilder,
    base_interaction,
    leaf_schema,
    nest_options,
)
from .recording import RecordingMixin
from .records import InteractionRecord, RecordedMessage, UploadedFile

log = logging.getLogger("fake_discord")

#: Select menu component types whose values are ids needing ``resolved`` data.
_SELECT_VALUE_TYPES = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}


class InjectionMixin(RecordingMixin):
    """Inject gateway events and interactions; each returns a handle to await replies."""

    async def dispatch(
        self, event: str, data: Any, *, guild_id: int | None = None, timeout: float | None = None
    ) -> int:
        """Send any gateway event (e.g. ``GUILD_MEMBER_ADD``) to the connected clients,
        waiting up to ``timeout`` (default ``session_timeout``) for one to be
        connected. Returns the number of sessions reached."""
        await self.wait_for_session(self.session_timeout if timeout is None else timeout)
        return await self.gateway.broadcast(event, data, guild_id=guild_id)

    def _actor(
        self,
        user: UserLike | None,
        guild: GuildLike | None,
        channel: ChannelLike | None,
        dm: bool,
    ) -> Actor:
        who = self._user(user)
        if dm:
            return Actor(who, None, None, self.world.dm_channel_with(who))
        where = self._guild(guild)
        if channel is None:
            chan = next(c for c in where.channels if c.type == 0)
        elif isinstance(channel, Channel):
            chan = channel
        else:
            chan = where.channel(_id_of(channel))
        try:
            member = where.member(who)
        except KeyError as exc:
            raise ValueError(f"{who.username} is not a member of {where.name}") from exc
        return Actor(who, member, where, chan)

    def _find_command(
        self, name: str, guild: Guild | None, command_type: int = 1
    ) -> tuple[dict[str, Any] | None, int | None]:
        """The synced command called ``name``: guild commands first, then global."""
        with self.store.lock:
            scopes = ([guild.id] if guild is not None else []) + [None]
            for scope in scopes:
                for command in self.store.commands.get(scope, []):
                    if command["name"] == name and command.get("type", 1) == command_type:
                        return self.store.snapshot(command), scope
        log.warning("fake discord: /%s was never synced; option types are guessed", name)
        return None, None

    # -- injections -----------------------------------------------------------------------

    async def _inject(
        self, payload: dict[str, Any], actor: Actor, source_message_id: int | None = None
    ) -> InteractionHandle:
        record = InteractionRecord(
            id=int(payload["id"]),
            token=payload["token"],
            type=payload["type"],
            payload=payload,
            channel_id=actor.channel.id,
            guild_id=actor.guild.id if actor.guild else None,
            created_at=time.monotonic(),
            source_message_id=source_message_id,
        )
        self.store.add_interaction(record)
        handle = InteractionHandle(self, record)
        await self.dispatch("INTERACTION_CREATE", payload, guild_id=record.guild_id)
        return handle

    def _command_payload(
        self,
        name: str,
        options: dict[str, Any] | list[dict[str, Any]] | None,
        *,
        interaction_type: int,
        focused: str | None,
        actor: Actor,
        permissions: int | None,
        app_permissions: int | None,
        locale: str,
    ) -> dict[str, Any]:
        parts = name.split()
        command, scope = self._find_command(parts[0], actor.guild)
        builder = OptionBuilder(self.world, actor, self._register_upload(actor.channel.id))
        if isinstance(options, list):
            leaf = options
        else:
            leaf = builder.build(leaf_schema(command, parts[1:]), options or {}, focused, name)
        data: dict[str, Any] = {
            "id": command["id"] if command else str(snowflake()),
            "name": parts[0],
            "type": 1,
            "options": nest_options(parts[1:], (command or {}).get("options"), leaf),
        }
        if scope is not None:
            data["guild_id"] = str(scope)
        if builder.resolved:
            data["resolved"] = builder.resolved
        payload = base_interaction(
            self.world,
            actor,
            type=interaction_type,
            permissions=permissions,
            app_permissions=app_permissions,
            locale=locale,
        )
        payload["data"] = data
        return payload

    def _register_upload(self, channel_id: int) -> Callable[[UploadedFile], None]:
        def register(upload: UploadedFile) -> None:
            if not upload.id:
                upload.id = snowflake()
                upload.url = self.attachment_url(channel_id, upload)
            with self.store.lock:
                self.store.uploads[upload.id] = upload

        return register

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | list[dict[str, Any]] | None = None,
        *,
        user: UserLike | None = None,
        guild: GuildLike | None = None,
        channel: ChannelLike | None = None,
        permissions: int | None = None,
        app_permissions: int | None = None,
        locale: str = "en-US",
        dm: bool = False,
    ) -> InteractionHandle:
        """Invoke slash command ``name`` (``"group sub"`` for subcommands) as ``user``.

        ``options`` maps option names to values; their types come from the synced
        command (else from the Python type). Values for USER/CHANNEL/ROLE options may be
        model objects or ids; ATTACHMENT options take an :class:`UploadedFile`. A list
        of raw option dicts is sent verbatim. ``user`` defaults to the plain member,
        ``channel`` to the guild's first text channel; ``permissions`` and
        ``app_permissions`` override the computed member/bot permissions; ``dm=True``
        invokes it in the user's DM with the bot.
        """
        actor = self._actor(user, guild, channel, dm)
        payload = self._command_payload(
            name,
            options,
            interaction_type=2,
            focused=None,
            actor=actor,
            permissions=permissions,
            app_permissions=app_permissions,
            locale=locale,
        )
        return await self._inject(payload, actor)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        *,
        focused: str,
        timeout: float = DEFAULT_TIMEOUT,
        user: UserLike | None = None,
        guild: GuildLike | None = None,
        channel: ChannelLike | None = None,
    ) -> list[dict[str, Any]]:
        """Ask for autocomplete of option ``focused`` while the user has typed
        ``options`` so far; returns the bot's choices (``[{"name", "value"}]``)."""
        if focused not in options:
            raise ValueError(f"focused option {focused!r} must be among the options")
        actor = self._actor(user, guild, channel, False)
        payload = self._command_payload(
            name,
            options,
            interaction_type=4,
            focused=focused,
            actor=actor,
            permissions=None,
            app_permissions=None,
            locale="en-US",
        )
        handle = await self._inject(payload, actor)
        return await handle.choices(timeout)

    async def context_menu(
        self,
        name: str,
        target: User | Member | RecordedMessage,
        *,
        user: UserLike | None = None,
        guild: GuildLike | None = None,
        channel: ChannelLike | None = None,
    ) -> InteractionHandle:
        """Invoke a user (target is a user) or message (target is a recorded message)
        context-menu command."""
        actor = self._actor(user, guild, channel, False)
        is_message = isinstance(target, RecordedMessage)
        command_type = 3 if is_message else 2
        command, scope = self._find_command(name, actor.guild, command_type)
        builder = OptionBuilder(self.world, actor, self._register_upload(actor.channel.id))
        data: dict[str, Any] = {
            "id": command["id"] if command else str(snowflake()),
            "name": name,
            "type": command_type,
        }
        if isinstance(target, RecordedMessage):
            data["target_id"] = str(target.id)
            builder.resolved["messages"] = {str(target.id): self.message(target.id).data}
        else:
            data["target_id"] = builder.encode(USER, target)
        data["resolved"] = builder.resolved
        if scope is not None:
            data["guild_id"] = str(scope)
        payload = base_interaction(
            self.world, actor, type=2, permissions=None, app_permissions=None, locale="en-US"
        )
        payload["data"] = data
        return await self._inject(payload, actor)

    async def press(
        self,
        message: RecordedMessage | int,
        custom_id: str,
        *,
        user: UserLike | None = None,
        values: list[Any] | None = None,
    ) -> InteractionHandle:
        """Click a button or pick select-menu ``values`` on a recorded bot message.

        The component type is looked up in the message's *current* components; pressing
        a missing or disabled component raises (a real user could not do it either).
        """
        current = self.message(message if isinstance(message, int) else message.id)
        if current.deleted:
            raise ValueError(f"message {current.id} was deleted")
        component = current.component(custom_id)
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        chan, guild = self.world.channel(current.channel_id)
        actor = self._actor(user, guild, chan, guild is None)
        comp_type = int(component["type"])
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": comp_type}
        if comp_type in (3, 5, 6, 7, 8):
            builder = OptionBuilder(self.world, actor, self._register_upload(chan.id))
            opt_type = _SELECT_VALUE_TYPES.get(comp_type)
            data["values"] = [
                builder.encode(opt_type, v) if opt_type else v for v in (values or [])
            ]
            if builder.resolved:
                data["resolved"] = builder.resolved
        payload = base_interaction(
            self.world, actor, type=3, permissions=None, app_permissions=None, locale="en-US"
        )
        payload["message"] = current.data
        payload["data"] = data
        return await self._inject(payload, actor, source_message_id=current.id)

    async def user_message(
        self,
        content: str,
        *,
        channel: ChannelLike | None = None,
        author: UserLike | None = None,
        mentions: list[User] | None = None,
        reply_to: RecordedMessage | int | None = None,
    ) -> MessageHandle:
        """Post a message as a user (MESSAGE_CREATE); await the bot's answer with
        ``handle.reply()``. ``mentions`` lists users pinged in ``mentions``."""
        who = self._user(author if author is not None else None)
        chan_id = self._channel_id(channel if channel is not None else self.channel)
        chan, guild = self.world.channel(chan_id)
        data: dict[str, Any] = {
            "id": str(snowflake()),
            "channel_id": str(chan.id),
            "type": 0,
            "author": who.to_payload(),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [u.to_payload() for u in mentions or []],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "flags": 0,
        }
        if reply_to is not None:
            ref_id = reply_to if isinstance(reply_to, int) else reply_to.id
            data["type"] = 19
            data["message_reference"] = {
                "type": 0,
                "message_id": str(ref_id),
                "channel_id": str(chan.id),
            }
            data["referenced_message"] = self.message(ref_id).data
        event = dict(data)
        if guild is not None:
            event["guild_id"] = str(guild.id)
            event["member"] = guild.member(who).to_payload(with_user=False)
        message = RecordedMessage(
            id=int(data["id"]),
            channel_id=chan.id,
            guild_id=guild.id if guild else None,
            kind="user",
            data=data,
        )
        self.store.add_message(message)
        await self.dispatch("MESSAGE_CREATE", event, guild_id=message.guild_id)
        return MessageHandle(self, message)

    async def submit_modal(
        self,
        opened_by: InteractionHandle,
        values: dict[str, Any],
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> InteractionHandle:
        """Fill in and submit the modal the bot opened (type-9 callback) in answer to
        ``opened_by``. ``values`` maps input ``custom_id`` to the typed text (or a list
        of values for selects/checkboxes); unset text inputs are submitted empty. The
        submitting user, guild and channel are those of ``opened_by``."""
        modal = await opened_by.modal(timeout)
        original = opened_by.payload
        chan, guild = self.world.channel(int(original["channel_id"]))
        who = original.get("member", {}).get("user") or original["user"]
        actor = self._actor(int(who["id"]), guild, chan, guild is None)

        def submitted(component: dict[str, Any]) -> dict[str, Any] | None:
            kind = component.get("type")
            if kind == 1:
                inner = [c for c in map(submitted, component.get("components", [])) if c]
                return {"type": 1, "components": inner}
            if kind == 18:
                inner_one = submitted(component.get("component", {}))
                return {"type": 18, "component": inner_one} if inner_one else None
            custom_id = component.get("custom_id")
            if custom_id is None:
                return None  # text displays and other static parts are not submitted
            value = values.get(custom_id, component.get("value"))
            if isinstance(value, list):
                return {"type": kind, "custom_id": custom_id, "values": [str(v) for v in value]}
            if kind == 4 or value is not None:
                return {"type": kind, "custom_id": custom_id, "value": value or ""}
            return {"type": kind, "custom_id": custom_id, "values": []}

        components = [c for c in map(submitted, modal.get("components", [])) if c]
        payload = base_interaction(
            self.world, actor, type=5, permissions=None, app_permissions=None, locale="en-US"
        )
        payload["data"] = {"custom_id": modal["custom_id"], "components": components}
        source = opened_by.record().source_message_id
        if source is not None:
            payload["message"] = self.message(source).data
        return await self._inject(payload, actor, source_message_id=source)

    async def mention_message(
        self,
        content: str,
        *,
        channel: ChannelLike | None = None,
        author: UserLike | None = None,
    ) -> MessageHandle:
        """Post a user message that pings the bot: ``<@BOT_ID> `` is prepended unless
        ``content`` already mentions it, and the bot is listed in ``mentions``."""
        bot = self.world.bot
        if f"<@{bot.id}>" not in content and f"<@!{bot.id}>" not in content:
            content = f"{bot.mention} {content}"
        return await self.user_message(content, channel=channel, author=author, mentions=[bot])

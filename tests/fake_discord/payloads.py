"""Building INTERACTION_CREATE payloads (application commands, autocomplete,
components) shaped like Discord's.

Option types come from the commands the bot synced when available, so a test can write
``options={"limit": 3}`` and get an INTEGER option; without a synced schema the Python
type of the value decides.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from .ids import snowflake
from .model import Channel, Guild, Member, Role, User, World
from .records import UploadedFile

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


@dataclass
class Actor:
    """Who interacts, and where: resolved from the loose arguments tests pass."""

    user: User
    member: Member | None
    guild: Guild | None
    channel: Channel


def infer_type(value: Any) -> int:
    """Option type for a Python value when no synced schema says otherwise."""
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, User | Member):
        return USER
    if isinstance(value, Channel):
        return CHANNEL
    if isinstance(value, Role):
        return ROLE
    if isinstance(value, UploadedFile):
        return ATTACHMENT
    return STRING


class OptionBuilder:
    """Turns ``{name: value}`` into typed options plus the ``resolved`` map."""

    def __init__(self, world: World, actor: Actor, attachment_url: Any) -> None:
        self.world = world
        self.actor = actor
        self.resolved: dict[str, dict[str, Any]] = {}
        # Callable (UploadedFile) -> None that assigns an id and URL and stores the bytes.
        self._attachment_url = attachment_url

    def _resolve(self, kind: str, key: str, value: dict[str, Any]) -> None:
        self.resolved.setdefault(kind, {})[key] = value

    def _resolve_user(self, value: Any) -> str:
        user = value.user if isinstance(value, Member) else value
        if isinstance(user, int | str) and not isinstance(user, bool):
            user = self.world.user(int(user) if str(user).isdigit() else user)
        assert isinstance(user, User)
        self._resolve("users", str(user.id), user.to_payload())
        guild = self.actor.guild
        if guild is not None:
            try:
                member = guild.member(user)
            except KeyError:
                pass
            else:
                entry = member.to_payload(with_user=False)
                entry["permissions"] = str(guild.permissions_for(member, self.actor.channel))
                self._resolve("members", str(user.id), entry)
        return str(user.id)

    def _resolve_channel(self, value: Any) -> str:
        channel = value if isinstance(value, Channel) else self.world.channel(int(value))[0]
        entry = {
            "id": str(channel.id),
            "name": channel.name,
            "type": channel.type,
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "permissions": str(self._member_perms(channel)),
        }
        self._resolve("channels", str(channel.id), entry)
        return str(channel.id)

    def _resolve_role(self, value: Any) -> str:
        guild = self.actor.guild
        assert guild is not None, "role options need a guild"
        role = value if isinstance(value, Role) else guild.role(value)
        self._resolve("roles", str(role.id), role.to_payload())
        return str(role.id)

    def _member_perms(self, channel: Channel) -> int:
        guild, member = self.actor.guild, self.actor.member
        if guild is None or member is None:
            return 0
        return guild.permissions_for(member, channel)

    def encode(self, opt_type: int, value: Any) -> Any:
        """The wire form of ``value`` for an option of ``opt_type``."""
        if opt_type == USER:
            return self._resolve_user(value)
        if opt_type == CHANNEL:
            return self._resolve_channel(value)
        if opt_type == ROLE:
            return self._resolve_role(value)
        if opt_type == MENTIONABLE:
            if isinstance(value, Role):
                return self._resolve_role(value)
            return self._resolve_user(value)
        if opt_type == ATTACHMENT:
            assert isinstance(value, UploadedFile), "pass an UploadedFile for attachments"
            self._attachment_url(value)
            self._resolve("attachments", str(value.id), value.to_attachment())
            return str(value.id)
        if opt_type == INTEGER and not isinstance(value, str):
            return int(value)
        if opt_type == NUMBER and not isinstance(value, str):
            return float(value)
        return value

    def build(
        self,
        schema: list[dict[str, Any]] | None,
        values: dict[str, Any],
        focused: str | None,
        command: str,
    ) -> list[dict[str, Any]]:
        """Typed leaf options for ``values`` (``schema``: the synced option list)."""
        by_name = {opt["name"]: opt for opt in schema or []}
        out = []
        for name, value in values.items():
            if schema is not None and name not in by_name:
                raise ValueError(
                    f"/{command} has no option {name!r} (synced options: {sorted(by_name)})"
                )
            opt_type = by_name[name]["type"] if name in by_name else infer_type(value)
            option: dict[str, Any] = {"name": name, "type": opt_type}
            if name == focused:
                # Autocomplete sends the partial text the user typed, unconverted.
                option["value"] = value
                option["focused"] = True
            else:
                option["value"] = self.encode(opt_type, value)
            out.append(option)
        return out


def nest_options(
    path: list[str], schema: list[dict[str, Any]] | None, leaf: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Wrap leaf options in sub-command / group options for ``/cmd group sub``."""
    if not path:
        return leaf
    name, rest = path[0], path[1:]
    node = next((o for o in schema or [] if o.get("name") == name), None)
    if node is not None:
        opt_type = node["type"]
    else:
        opt_type = SUB_COMMAND_GROUP if rest else SUB_COMMAND
    inner = node.get("options") if node is not None else None
    return [{"name": name, "type": opt_type, "options": nest_options(rest, inner, leaf)}]


def leaf_schema(command: dict[str, Any] | None, path: list[str]) -> list[dict[str, Any]] | None:
    """The option schema of the (sub)command at ``path`` below ``command``."""
    if command is None:
        return None
    options = command.get("options") or []
    for name in path:
        node = next((o for o in options if o.get("name") == name), None)
        if node is None:
            raise ValueError(f"synced command {command['name']!r} has no subcommand {name!r}")
        options = node.get("options") or []
    return options


def base_interaction(
    world: World,
    actor: Actor,
    *,
    type: int,
    permissions: int | None,
    app_permissions: int | None,
    locale: str,
) -> dict[str, Any]:
    """Fields every interaction has; ``permissions`` overrides the computed ones."""
    channel, guild, member = actor.channel, actor.guild, actor.member
    payload: dict[str, Any] = {
        "id": str(snowflake()),
        "application_id": str(world.application_id),
        "type": type,
        "token": "fake-itoken-" + secrets.token_urlsafe(24),
        "version": 1,
        "channel_id": str(channel.id),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if guild is not None and member is not None:
        perms = guild.permissions_for(member, channel) if permissions is None else permissions
        bot_member = guild.member(world.bot)
        app_perms = (
            guild.permissions_for(bot_member, channel)
            if app_permissions is None
            else app_permissions
        )
        member_payload = member.to_payload()
        member_payload["permissions"] = str(perms)
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=member_payload,
            app_permissions=str(app_perms),
            authorizing_integration_owners={"0": str(guild.id)},
            context=0,
            channel={**channel.to_payload(), "permissions": str(perms)},
        )
    else:
        payload.update(
            user=actor.user.to_payload(),
            app_permissions=str(app_permissions or 0),
            authorizing_integration_owners={"0": str(actor.user.id)},
            context=1,
            channel=channel.to_payload(),
        )
    return payload

"""REST endpoints under ``/api/v10``: login, command sync, channels, messages, guilds.

Interaction callbacks and webhooks live in :mod:`.rest_interactions`. Unknown routes
are recorded and answered 404 so tests can spot calls the fake does not model yet.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .faults import Fault
from .http_util import (
    Parsed,
    attach,
    body,
    error,
    json_response,
    no_content,
    parse_body,
    parsed,
    uploads,
)
from .ids import snowflake
from .messages import attachments_for, new_message, resolve_mentions
from .model import Perm
from .records import CommandSync, RecordedMessage, RecordedRequest, UploadedFile

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger("fake_discord")

API = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _snowflake_param(request: web.Request, name: str) -> int | None:
    value = request.match_info.get(name, "")
    return int(value) if value.isdigit() else None


class RestApi:
    """Request handlers bound to one :class:`FakeDiscord`."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.store = fake.store
        self.world = fake.world

    # -- plumbing -----------------------------------------------------------------

    def routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path below /api/v10, handler) for every modelled endpoint."""
        app_cmds = "/applications/{app}/commands"
        guild_cmds = "/applications/{app}/guilds/{guild}/commands"
        msg = "/channels/{channel}/messages/{message}"
        return [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/users/{user}", self.get_user),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", app_cmds, self.get_commands),
            ("PUT", app_cmds, self.put_commands),
            ("POST", app_cmds, self.upsert_command),
            ("DELETE", app_cmds + "/{command}", self.delete_command),
            ("GET", guild_cmds, self.get_commands),
            ("PUT", guild_cmds, self.put_commands),
            ("POST", guild_cmds, self.upsert_command),
            ("DELETE", guild_cmds + "/{command}", self.delete_command),
            ("GET", guild_cmds + "/permissions", self.empty_list),
            ("GET", "/channels/{channel}", self.get_channel),
            ("POST", "/channels/{channel}/typing", self.no_content),
            ("GET", "/channels/{channel}/messages", self.list_messages),
            ("POST", "/channels/{channel}/messages", self.create_message),
            ("GET", msg, self.get_message),
            ("PATCH", msg, self.edit_message),
            ("DELETE", msg, self.delete_message),
            ("PUT", msg + "/reactions/{emoji}/@me", self.add_reaction),
            ("DELETE", msg + "/reactions/{emoji}/@me", self.no_content),
            ("GET", "/guilds/{guild}", self.get_guild),
            ("GET", "/guilds/{guild}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild}/roles", self.get_guild_roles),
            ("GET", "/guilds/{guild}/members/{user}", self.get_member),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Parse and record every API request, apply auth and queued faults, and turn
        fake-server bugs into a 400 (a 500 would make discord.py retry for ~25 s)."""
        if not request.path.startswith(API):
            return await handler(request)
        path = request.path[len(API) :]
        payload, files = await parse_body(request)
        record = RecordedRequest(
            seq=self.store.next_seq(),
            method=request.method,
            path=path,
            query=dict(request.query),
            json=payload,
            files=[files[i] for i in sorted(files)],
        )
        attach(request, Parsed(payload, files, record))
        with self.store.lock:
            self.store.requests.append(record)
        fault = self.fake.faults.take(request.method, path)
        response: web.StreamResponse
        if fault is not None:
            record.fault = True
            log.info("fake discord: injected %s for %s %s", fault.status, request.method, path)
            response = self._fault_response(fault)
        elif not self._authorised(request, path):
            response = error(401, "401: Unauthorized")
        else:
            try:
                response = await handler(request)
            except Exception:  # noqa: BLE001 - any bug here must reach the test, not the bot
                trace = traceback.format_exc()
                with self.store.lock:
                    self.store.server_errors.append(trace)
                log.error("FAKE DISCORD internal error on %s %s\n%s", request.method, path, trace)
                response = error(400, f"fake discord internal error: {trace.splitlines()[-1]}")
        record.status = response.status
        self.store.changed()
        return response

    def _authorised(self, request: web.Request, path: str) -> bool:
        # Interaction callbacks and webhook calls authenticate with their token in the
        # URL, like on Discord; everything else needs the bot token if one is set.
        if self.fake.token is None or path.startswith(("/interactions/", "/webhooks/")):
            return True
        return request.headers.get("Authorization") == f"Bot {self.fake.token}"

    @staticmethod
    def _fault_response(fault: Fault) -> web.Response:
        if fault.body is None:
            return web.Response(status=fault.status, headers=fault.headers)
        return json_response(fault.body, fault.status, fault.headers)

    async def unknown(self, request: web.Request) -> web.Response:
        """Any route the fake does not model: loud log, recorded, 404."""
        if request.path.startswith(API):
            parsed(request).record.unknown = True
        log.error(
            "FAKE DISCORD: no route for %s %s (answered 404); add it to tests/fake_discord",
            request.method,
            request.path,
        )
        return error(404, "Unknown", 0)

    async def no_content(self, request: web.Request) -> web.Response:
        """Endpoints whose effect nothing observes (typing indicator, ...)."""
        return no_content()

    async def empty_list(self, request: web.Request) -> web.Response:
        """Endpoints that list nothing in the fake."""
        return json_response([])

    # -- users, application, gateway --------------------------------------------------

    async def get_me(self, request: web.Request) -> web.Response:
        """``GET /users/@me``: the bot user (discord.py's login call)."""
        return json_response(
            {
                **self.world.bot.to_payload(),
                "verified": True,
                "mfa_enabled": False,
                "locale": "en-US",
            }
        )

    async def get_user(self, request: web.Request) -> web.Response:
        """``GET /users/{id}``."""
        try:
            user = self.world.user(int(request.match_info["user"]))
        except (KeyError, ValueError):
            return error(404, "Unknown User", 10013)
        return json_response(user.to_payload())

    async def create_dm(self, request: web.Request) -> web.Response:
        """``POST /users/@me/channels``: open (or reuse) the DM with a user."""
        try:
            user = self.world.user(int(body(request)["recipient_id"]))
        except (KeyError, ValueError, TypeError):
            return error(400, "Invalid Recipient(s)", 50033)
        return json_response(self.world.dm_channel_with(user).to_payload())

    async def get_application(self, request: web.Request) -> web.Response:
        """``GET /oauth2/applications/@me``: application info (id, owner, flags)."""
        world = self.world
        return json_response(
            {
                "id": str(world.application_id),
                "name": world.bot.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": world.owner.to_payload(),
                "team": None,
                "flags": world.application_flags,
                "bot": world.bot.to_payload(),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
            }
        )

    async def get_gateway(self, request: web.Request) -> web.Response:
        """``GET /gateway`` (only used by clients that do not connect directly)."""
        return json_response({"url": self.fake.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        """``GET /gateway/bot`` (AutoShardedClient)."""
        return json_response(
            {
                "url": self.fake.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    # -- application commands ---------------------------------------------------------

    def _scope(self, request: web.Request) -> int | None:
        return _snowflake_param(request, "guild")

    def _echo_command(self, scope: int | None, command: dict[str, Any]) -> dict[str, Any]:
        # Keep ids stable across re-syncs of the same command, like Discord does.
        previous = {(c["name"], c.get("type", 1)): c for c in self.store.commands.get(scope, [])}
        old = previous.get((command["name"], command.get("type", 1)))
        echoed: dict[str, Any] = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            **command,
            "id": old["id"] if old else str(snowflake()),
            "application_id": str(self.world.application_id),
            "version": str(snowflake()),
        }
        if scope is not None:
            echoed["guild_id"] = str(scope)
        return echoed

    async def get_commands(self, request: web.Request) -> web.Response:
        """``GET .../commands``: the currently registered commands of that scope."""
        with self.store.lock:
            return json_response(self.store.commands.get(self._scope(request), []))

    async def put_commands(self, request: web.Request) -> web.Response:
        """``PUT .../commands``: bulk overwrite (what ``tree.sync()`` does); recorded."""
        scope = self._scope(request)
        commands = [self._echo_command(scope, c) for c in body(request) or []]
        with self.store.lock:
            self.store.commands[scope] = commands
            self.store.syncs.append(CommandSync(self.store.next_seq(), scope, commands))
        return json_response(commands)

    async def upsert_command(self, request: web.Request) -> web.Response:
        """``POST .../commands``: create or replace one command."""
        scope = self._scope(request)
        command = self._echo_command(scope, body(request))
        with self.store.lock:
            current = [
                c
                for c in self.store.commands.get(scope, [])
                if (c["name"], c.get("type", 1)) != (command["name"], command.get("type", 1))
            ]
            self.store.commands[scope] = [*current, command]
        return json_response(command, 201)

    async def delete_command(self, request: web.Request) -> web.Response:
        """``DELETE .../commands/{id}``."""
        scope = self._scope(request)
        with self.store.lock:
            self.store.commands[scope] = [
                c
                for c in self.store.commands.get(scope, [])
                if c["id"] != request.match_info["command"]
            ]
        return no_content()

    # -- channels and messages ----------------------------------------------------------

    def _channel(self, request: web.Request) -> tuple[Any, Any] | None:
        channel_id = _snowflake_param(request, "channel")
        try:
            return self.world.channel(channel_id or 0)
        except KeyError:
            return None

    def _message(self, request: web.Request) -> RecordedMessage | None:
        message_id = _snowflake_param(request, "message")
        with self.store.lock:
            message = self.store.messages.get(message_id or 0)
        if message is None or message.deleted or message.ephemeral:
            return None
        if message.channel_id != _snowflake_param(request, "channel"):
            return None
        return message

    async def get_channel(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}``."""
        found = self._channel(request)
        if found is None:
            return error(404, "Unknown Channel", 10003)
        return json_response(found[0].to_payload())

    def _bot_lacks(self, channel: Any, guild: Any, needed: int) -> web.Response | None:
        """403 when the bot's effective permissions in ``channel`` miss ``needed`` bits."""
        if guild is None:
            return None
        try:
            perms = guild.permissions_for(guild.member(self.world.bot), channel)
        except KeyError:
            return error(403, "Missing Access", 50001)
        if not perms & Perm.VIEW_CHANNEL:
            return error(403, "Missing Access", 50001)
        if perms & needed != needed:
            return error(403, "Missing Permissions", 50013)
        return None

    def store_uploads(self, channel_id: int, files: list[UploadedFile]) -> None:
        for upload in files:
            if not upload.id:
                upload.id = snowflake()
                upload.url = self.fake.attachment_url(channel_id, upload)
            with self.store.lock:
                self.store.uploads[upload.id] = upload

    def mentions_for(
        self, payload: dict[str, Any], replied_to: RecordedMessage | None = None
    ) -> dict[str, Any]:
        """``mentions``/``mention_roles``/``mention_everyone`` for a bot message."""
        author = None
        if replied_to is not None:
            try:
                author = self.world.user(int(replied_to.data["author"]["id"]))
            except KeyError:
                author = None
        return resolve_mentions(
            self.world, payload.get("content") or "", payload.get("allowed_mentions"), author
        )

    async def list_messages(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/messages`` (newest first; ``before``/``after``/``limit``)."""
        found = self._channel(request)
        if found is None:
            return error(404, "Unknown Channel", 10003)
        # Ephemeral messages exist only for their recipient, never in channel reads.
        messages = [
            m
            for m in self.store.channel_messages(
                found[0].id, include_user=True, include_deleted=False
            )
            if not m.ephemeral
        ]
        before = int(request.query.get("before", 0)) or None
        after = int(request.query.get("after", 0)) or None
        limit = int(request.query.get("limit", 50))
        picked = [
            m.data
            for m in reversed(messages)
            if (before is None or m.id < before) and (after is None or m.id > after)
        ]
        return json_response(picked[:limit])

    async def get_message(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/messages/{id}``."""
        message = self._message(request)
        if message is None:
            return error(404, "Unknown Message", 10008)
        return json_response(message.data)

    async def create_message(self, request: web.Request) -> web.Response:
        """``POST /channels/{id}/messages`` (JSON or multipart with files)."""
        found = self._channel(request)
        if found is None:
            return error(404, "Unknown Channel", 10003)
        channel, guild = found
        payload: dict[str, Any] = body(request) or {}
        files_in: dict[int, UploadedFile] = uploads(request)
        needed = Perm.SEND_MESSAGES | (Perm.ATTACH_FILES if files_in else 0)
        if (denied := self._bot_lacks(channel, guild, needed)) is not None:
            return denied
        nonce = payload.get("nonce")
        if nonce and payload.get("enforce_nonce"):
            # Discord answers a repeated enforced nonce with the earlier message instead
            # of posting twice: the bot's exactly-once announcements rely on it.
            with self.store.lock:
                earlier = next(
                    (
                        m
                        for m in self.store.messages.values()
                        if m.channel_id == channel.id and m.data.get("nonce") == str(nonce)
                    ),
                    None,
                )
            if earlier is not None:
                return json_response(earlier.data)
        files = attachments_for(payload, files_in, [], editing=False)
        self.store_uploads(channel.id, files)
        extra: dict[str, Any] = {}
        replied_to = None
        message_type = 0
        ref = payload.get("message_reference")
        if ref and ref.get("message_id"):
            with self.store.lock:
                replied_to = self.store.messages.get(int(ref["message_id"]))
            if replied_to is None and ref.get("fail_if_not_exists", True):
                return error(400, "Invalid Form Body: Unknown message", 50035)
            message_type = 19
            extra["message_reference"] = {
                "type": 0,
                "message_id": str(ref["message_id"]),
                "channel_id": str(ref.get("channel_id") or channel.id),
                "guild_id": str(guild.id) if guild else None,
            }
            extra["referenced_message"] = replied_to.data if replied_to else None
        data = new_message(
            message_id=snowflake(),
            channel_id=channel.id,
            author=self.world.bot,
            payload=payload,
            files=files,
            mentions=self.mentions_for(payload, replied_to),
            message_type=message_type,
            extra=extra,
        )
        message = RecordedMessage(
            id=int(data["id"]),
            channel_id=channel.id,
            guild_id=guild.id if guild else None,
            kind="channel",
            data=data,
            payloads=[payload],
            files=files,
        )
        self.store.add_message(message)
        self.fake.echo("MESSAGE_CREATE", message)
        return json_response(data)

    async def edit_message(self, request: web.Request) -> web.Response:
        """``PATCH /channels/{id}/messages/{id}``."""
        message = self._message(request)
        if message is None:
            return error(404, "Unknown Message", 10008)
        if message.kind == "user":
            return error(403, "Cannot edit a message authored by another user", 50005)
        payload: dict[str, Any] = body(request) or {}
        self.fake.apply_edit(message, payload, uploads(request))
        self.fake.echo("MESSAGE_UPDATE", message)
        return json_response(message.data)

    async def delete_message(self, request: web.Request) -> web.Response:
        """``DELETE /channels/{id}/messages/{id}``."""
        message = self._message(request)
        if message is None:
            return error(404, "Unknown Message", 10008)
        self.store.delete_message(message)
        self.fake.echo("MESSAGE_DELETE", message)
        return no_content()

    async def add_reaction(self, request: web.Request) -> web.Response:
        """``PUT .../reactions/{emoji}/@me``: recorded in ``RecordedMessage.reactions``."""
        message = self._message(request)
        if message is None:
            return error(404, "Unknown Message", 10008)
        with self.store.lock:
            message.reactions.append(request.match_info["emoji"])
            message.updated_seq = self.store.next_seq()
        return no_content()

    # -- guilds ---------------------------------------------------------------------------

    def _guild(self, request: web.Request) -> Any:
        try:
            return self.world.guild(_snowflake_param(request, "guild") or -1)
        except KeyError:
            return None

    async def get_guild(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}``."""
        guild = self._guild(request)
        if guild is None:
            return error(404, "Unknown Guild", 10004)
        payload = guild.to_payload()
        for key in ("channels", "members", "threads", "presences", "voice_states"):
            payload.pop(key, None)
        return json_response(payload)

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}/channels``."""
        guild = self._guild(request)
        if guild is None:
            return error(404, "Unknown Guild", 10004)
        return json_response([c.to_payload() for c in guild.channels])

    async def get_guild_roles(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}/roles``."""
        guild = self._guild(request)
        if guild is None:
            return error(404, "Unknown Guild", 10004)
        return json_response([r.to_payload() for r in guild.roles])

    async def get_member(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}/members/{user}``."""
        guild = self._guild(request)
        if guild is None:
            return error(404, "Unknown Guild", 10004)
        try:
            member = guild.member(int(request.match_info["user"]))
        except (KeyError, ValueError):
            return error(404, "Unknown Member", 10007)
        return json_response(member.to_payload())

"""``FakeDiscord``: a local stand-in for Discord's REST API and gateway.

Typical in-process use (same event loop as the client under test)::

    async with FakeDiscord() as fake:
        async with running_client(bot, fake):
            handle = await fake.slash("search", {"query": "sockmap"})
            message = await handle.final()
            assert "sockmap" in message.text()

For a bot running in another thread or process see :mod:`.threaded`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from aiohttp import web

from .base import ChannelLike
from .faults import FaultInjector, FaultLike
from .gateway import RECONNECT, Gateway
from .http_util import error
from .injections import InjectionMixin
from .messages import attachments_for, edited_message
from .model import World, default_world
from .records import RecordedMessage, UploadedFile
from .rest import API, RestApi
from .rest_interactions import InteractionApi
from .store import Store
from .waiting import Notifier, Watch, watch_task

log = logging.getLogger("fake_discord")


class FakeDiscord(InjectionMixin):
    """Fake Discord (REST + gateway) on ``127.0.0.1`` at a random port.

    Main API (all ``async`` unless noted; waits take ``timeout=`` seconds):

    * connect: ``api_base``, ``gateway_url``, ``env()``, ``point_discord_py_here()``
      (sync), or simply ``running_client(client, fake)``;
    * act as users: ``slash``, ``autocomplete``, ``press``, ``submit_modal``,
      ``context_menu``, ``mention_message``, ``user_message``, ``dispatch`` (any
      event), ``request_reconnect``, ``drop_connections``;
    * read (sync, snapshots, thread-safe): ``messages_in``, ``message``, ``requests``,
      ``unknown_requests``, ``commands``, ``syncs``, ``gateway_log``, ``interactions``,
      ``cursor``, ``server_errors``, ``assert_no_unknown_requests``;
    * wait: ``wait_for_message``, ``wait_for_sync``, ``wait_for_request``,
      ``wait_for_session``, ``wait_for_gateway``, plus the returned handles;
    * faults (sync): ``fail_channel_sends``, ``fail_next``, ``pending_faults``,
      ``clear_faults``; liveness: ``watch``, ``unwatch_all``;
    * world shortcuts: ``world``, ``guild``, ``channel``, ``bot_user``, ``admin_user``,
      ``plain_user``.

    Args:
        world: guilds, channels, roles, members and the bot user; defaults to
            :func:`~.model.default_world` (one guild, ``general`` and ``bot-commands``,
            admin ``alice``, plain member ``bob``).
        token: if set, REST calls and IDENTIFY must use it (else anything is accepted).
        heartbeat_interval: seconds announced in HELLO.
        echo_bot_messages: also dispatch MESSAGE_CREATE/UPDATE/DELETE for the bot's own
            channel messages, as Discord does (off by default: less noise).
        interaction_ack_deadline: if set, callbacks later than this many seconds after
            the injection get 404 Unknown interaction (Discord's limit is 3 s).
        session_timeout: how long injections wait for a connected gateway session.
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        token: str | None = None,
        heartbeat_interval: float = 41.25,
        echo_bot_messages: bool = False,
        interaction_ack_deadline: float | None = None,
        session_timeout: float = 10.0,
    ) -> None:
        self.world = world or default_world()
        self.token = token
        self.echo_bot_messages = echo_bot_messages
        self.interaction_ack_deadline = interaction_ack_deadline
        self.session_timeout = session_timeout
        self.notifier = Notifier()
        self.store = Store(self.notifier)
        self.faults = FaultInjector()
        self.gateway = Gateway(self, heartbeat_interval)
        self.rest = RestApi(self)
        self.interaction_api = InteractionApi(self)
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._background: set[asyncio.Task[Any]] = set()

    # -- lifecycle ------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        # Generous body limit: file uploads go through here.
        app = web.Application(middlewares=[self.rest.middleware], client_max_size=64 * 2**20)
        for method, path, handler in self.rest.routes() + self.interaction_api.routes():
            app.router.add_route(method, API + path, handler)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_get("/attachments/{channel}/{attachment}/{filename}", self._attachment)
        # Registered last so it only catches what nothing else matched (any method).
        app.router.add_route("*", "/{tail:.*}", self.rest.unknown)
        return app

    async def start(self) -> FakeDiscord:
        """Start serving on 127.0.0.1 at a free port; returns self."""
        self._runner = web.AppRunner(self._build_app(), handle_signals=False)
        await self._runner.setup()
        # Bind the socket ourselves: port 0 picks a free port and we can read it back
        # without reaching into aiohttp's private site attributes.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        log.info("fake discord listening on %s", self.api_base)
        return self

    async def close(self) -> None:
        """Close client websockets and stop the server."""
        await self.gateway.close_all()
        for task in list(self._background):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- where the client should connect ------------------------------------------

    @property
    def api_base(self) -> str:
        """REST base URL, the value for ``discord.http.Route.BASE`` / DISCORD_API_BASE."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Gateway URL, for ``DiscordWebSocket.DEFAULT_GATEWAY`` / DISCORD_GATEWAY_URL."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self, token: str = "fake-token") -> dict[str, str]:
        """Environment variables pointing a ``python -m bot`` subprocess here."""
        return {
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DISCORD_TOKEN": self.token or token,
        }

    def point_discord_py_here(self) -> None:
        """Point every discord.py client *in this process* at this server (sets the
        class attributes ``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``)."""
        import discord.gateway
        import discord.http
        import yarl

        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        with self.store.lock:
            upload = self.store.uploads.get(int(request.match_info["attachment"]))
        if upload is None:
            return error(404, "Unknown Attachment", 0)
        return web.Response(
            body=upload.data, content_type=upload.content_type or "application/octet-stream"
        )

    # -- liveness -----------------------------------------------------------------------

    def watch(self, client: asyncio.Task[Any] | Watch) -> None:
        """Make every wait fail fast with ``ClientDied`` when ``client`` dies: an
        asyncio task (running ``client.start()``) or a callable returning an
        exception once the client is dead (e.g. checking ``Popen.poll()``)."""
        self.notifier.watch(watch_task(client) if isinstance(client, asyncio.Task) else client)

    def unwatch_all(self) -> None:
        """Forget watched clients (before killing one on purpose)."""
        self.notifier.unwatch_all()

    # -- faults ---------------------------------------------------------------------------

    def fail_next(self, method: str, path_glob: str, *faults: FaultLike) -> None:
        """Answer the next matching requests with ``faults`` (a :class:`Fault` or a
        status code: 403, 404, 429, 500...), then behave normally. ``path_glob`` is
        relative to ``/api/v10``, e.g. ``"/webhooks/*"``; ``method`` may be ``"*"``."""
        self.faults.add(method, path_glob, faults)

    def fail_channel_sends(self, channel: ChannelLike, *faults: FaultLike) -> None:
        """Queue faults for ``POST /channels/{id}/messages`` of one channel:
        ``fail_channel_sends(ch, 403)``; ``fail_channel_sends(ch, 500, 500)``;
        ``fail_channel_sends(ch, Fault.rate_limited(0.2))``."""
        self.fail_next("POST", f"/channels/{self._channel_id(channel)}/messages", *faults)

    def pending_faults(self) -> int:
        """Queued faults not served yet."""
        return self.faults.pending()

    def clear_faults(self) -> None:
        """Drop all queued faults."""
        self.faults.clear()

    # -- gateway control --------------------------------------------------------------

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: clients reconnect and RESUME (see ``wait_for_gateway``)."""
        await self.gateway.send_op(RECONNECT)

    async def drop_connections(self, code: int = 1001) -> None:
        """Close every gateway websocket abruptly, as a network failure would."""
        await self.gateway.close_all(code)

    # -- internals shared by the REST handlers ------------------------------------------

    def apply_edit(
        self, message: RecordedMessage, payload: dict[str, Any], uploads: dict[int, UploadedFile]
    ) -> None:
        """Apply a PATCH (or type-7 update / followup-replaces-placeholder) to a message."""
        files = attachments_for(payload, uploads, message.files, editing=True)
        self.rest.store_uploads(message.channel_id, files)
        mentions = (
            self.rest.mentions_for({"content": message.content, **payload})
            if "content" in payload or "allowed_mentions" in payload
            else None
        )
        data = edited_message(message.data, payload, files, mentions)
        self.store.update_message(message, data, payload, files)

    def echo(self, event: str, message: RecordedMessage) -> None:
        """Dispatch the gateway event for a bot message if ``echo_bot_messages``."""
        if not self.echo_bot_messages or message.ephemeral:
            return
        if event == "MESSAGE_DELETE":
            data: dict[str, Any] = {"id": str(message.id), "channel_id": str(message.channel_id)}
        else:
            data = dict(message.data)
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        self._spawn(self.gateway.broadcast(event, data, guild_id=message.guild_id))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

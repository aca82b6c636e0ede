"""Reading and awaiting what the bot did: requests, messages, syncs, gateway traffic.

Readers return snapshots and are thread-safe; waits are coroutines for the server's
loop (use :mod:`.threaded` proxies from elsewhere).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from .base import ChannelLike, FakeBase, GuildLike
from .handles import DEFAULT_TIMEOUT
from .records import CommandSync, InteractionRecord, RecordedMessage, RecordedRequest


class RecordingMixin(FakeBase):
    """Read and wait on recorded state."""

    # -- recording: reads (snapshots, thread-safe) ----------------------------------

    def requests(
        self, method: str | None = None, path_glob: str | None = None
    ) -> list[RecordedRequest]:
        """Every REST request so far (optionally filtered; glob on the path)."""
        with self.store.lock:
            found = [
                r
                for r in self.store.requests
                if (method is None or r.method == method.upper())
                and (path_glob is None or fnmatch.fnmatchcase(r.path, path_glob))
            ]
            return self.store.snapshot(found)

    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests that hit no modelled route (answered 404 ``Unknown``)."""
        return [r for r in self.requests() if r.unknown]

    def assert_no_unknown_requests(self) -> None:
        """Fail if the client called routes the fake does not implement."""
        unknown = self.unknown_requests()
        assert not unknown, "unmodelled Discord routes called: " + ", ".join(
            f"{r.method} {r.path}" for r in unknown
        )

    def server_errors(self) -> list[str]:
        """Tracebacks of bugs inside the fake server (each answered 400)."""
        with self.store.lock:
            return list(self.store.server_errors)

    def messages_in(
        self,
        channel: ChannelLike,
        *,
        after: int = 0,
        include_user_messages: bool = False,
        include_deleted: bool = False,
    ) -> list[RecordedMessage]:
        """Messages in a channel in creation order: by default only the bot's (channel
        posts, interaction responses, followups), not deleted ones. ``after`` is a
        :meth:`cursor` value: only messages created after it."""
        channel_id = self._channel_id(channel)
        with self.store.lock:
            found = [
                m
                for m in self.store.channel_messages(
                    channel_id, include_user=include_user_messages, include_deleted=include_deleted
                )
                if m.created_seq > after
            ]
            return self.store.snapshot(found)

    def message(self, message_id: int) -> RecordedMessage:
        """Current state of a recorded message (raises ``KeyError``)."""
        with self.store.lock:
            return self.store.snapshot(self.store.messages[message_id])

    def cursor(self) -> int:
        """A position in the recording: pass as ``after=`` to see only newer things."""
        return self.store.seq

    def commands(self, guild: GuildLike | None = None) -> list[dict[str, Any]]:
        """Currently registered commands: global (``guild=None``) or of a guild."""
        scope = None if guild is None else self._guild(guild).id
        with self.store.lock:
            return self.store.snapshot(self.store.commands.get(scope, []))

    def syncs(self) -> list[CommandSync]:
        """Every bulk command overwrite (``tree.sync()``), in order."""
        with self.store.lock:
            return self.store.snapshot(self.store.syncs)

    def gateway_log(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Payloads the clients sent on the gateway: ``"identify"`` (with ``intents``),
        ``"resume"``, ``"presence"``, ``"request_members"``, ``"voice_state"``."""
        with self.store.lock:
            return self.store.snapshot(
                [data for k, data in self.store.gateway_log if kind is None or k == kind]
            )

    def interactions(self) -> list[InteractionRecord]:
        """Every injected interaction with its callback and message ids."""
        with self.store.lock:
            return self.store.snapshot(list(self.store.interactions.values()))

    def describe_recent(self, n: int = 8) -> str:
        """A one-line summary of the latest requests (for timeout messages)."""
        with self.store.lock:
            recent = self.store.requests[-n:]
            unknown = [r for r in self.store.requests if r.unknown]
        text = "recent requests: " + (
            ", ".join(f"{r.method} {r.path} -> {r.status}" for r in recent) or "none"
        )
        if unknown:
            text += "; UNMODELLED ROUTES: " + ", ".join(f"{r.method} {r.path}" for r in unknown)
        if errors := self.server_errors():
            text += f"; FAKE SERVER ERRORS: {len(errors)} (see log)"
        return text

    # -- recording: waits ------------------------------------------------------------

    async def wait_for_message(
        self,
        channel: ChannelLike,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        after: int = 0,
        predicate: Callable[[RecordedMessage], bool] | None = None,
    ) -> RecordedMessage:
        """The first bot message in ``channel`` created after cursor ``after`` (default:
        any) that satisfies ``predicate``; waits up to ``timeout`` seconds."""

        def probe() -> RecordedMessage | None:
            for message in self.messages_in(channel, after=after):
                if predicate is None or predicate(message):
                    return message
            return None

        return await self.notifier.wait_for(
            probe, timeout, lambda: f"no matching message in {channel!r}; {self.describe_recent()}"
        )

    async def wait_for_sync(
        self, guild: GuildLike | None = None, *, timeout: float = DEFAULT_TIMEOUT, after: int = 0
    ) -> CommandSync:
        """The first command sync for that scope (global if ``guild`` is None) after
        cursor ``after``."""
        scope = None if guild is None else self._guild(guild).id

        def probe() -> CommandSync | None:
            with self.store.lock:
                for sync in self.store.syncs:
                    if sync.guild_id == scope and sync.seq > after:
                        return self.store.snapshot(sync)
            return None

        return await self.notifier.wait_for(
            probe, timeout, lambda: f"no command sync for scope {scope}; {self.describe_recent()}"
        )

    async def wait_for_request(
        self, method: str, path_glob: str, *, timeout: float = DEFAULT_TIMEOUT, after: int = 0
    ) -> RecordedRequest:
        """The first REST request matching method and path glob after cursor ``after``."""

        def probe() -> RecordedRequest | None:
            for request in self.requests(method, path_glob):
                if request.seq > after and request.status:
                    return request
            return None

        return await self.notifier.wait_for(
            probe, timeout, lambda: f"no {method} {path_glob}; {self.describe_recent()}"
        )

    async def wait_for_session(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until some client has an identified, connected gateway session."""
        await self.notifier.wait_for(
            lambda: True if self.gateway.live_sessions() else None,
            timeout,
            lambda: f"no client connected to the gateway; {self.describe_recent()}",
        )

    async def wait_for_gateway(
        self, kind: str, *, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> dict[str, Any]:
        """Wait until the clients sent ``count`` gateway payloads of ``kind`` (see
        :meth:`gateway_log`) and return the latest one."""

        def probe() -> dict[str, Any] | None:
            found = self.gateway_log(kind)
            return found[-1] if len(found) >= count else None

        return await self.notifier.wait_for(
            probe, timeout, lambda: f"fewer than {count} {kind!r} gateway payloads"
        )

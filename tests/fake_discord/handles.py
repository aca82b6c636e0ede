"""Handles returned by injections, to await what the bot did in response.

All waits take a ``timeout`` (seconds) and raise :class:`~.waiting.WaitTimeout` with a
description of what *was* recorded; they raise :class:`~.waiting.ClientDied` at once
if a watched client dies. Returned records are snapshots.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .records import Callback, InteractionRecord, RecordedMessage

if TYPE_CHECKING:
    from .server import FakeDiscord

DEFAULT_TIMEOUT = 5.0
#: How long a message must stay unchanged before ``final()`` calls it final.
DEFAULT_SETTLE = 0.1


async def settle(
    fake: FakeDiscord, message_id: int, quiet: float, timeout: float
) -> RecordedMessage:
    """Wait until message ``message_id`` has not changed for ``quiet`` seconds
    (bounded by ``timeout``) and return its snapshot."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        with fake.store.lock:
            before = fake.store.messages[message_id].updated_seq
        await asyncio.sleep(quiet)
        fake.notifier.check_alive()
        with fake.store.lock:
            message = fake.store.messages[message_id]
            if message.updated_seq == before or loop.time() >= deadline:
                return fake.store.snapshot(message)


class InteractionHandle:
    """An injected interaction (slash command, autocomplete, component press...).

    ``payload`` is exactly what was dispatched in INTERACTION_CREATE.
    """

    def __init__(self, fake: FakeDiscord, record: InteractionRecord) -> None:
        self._fake = fake
        self._record = record
        self.id: int = record.id
        self.token: str = record.token
        self.payload: dict[str, Any] = fake.store.snapshot(record.payload)

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self._record.type}>"

    def record(self) -> InteractionRecord:
        """Snapshot of the server-side state (callback, original id, followup ids)."""
        return self._fake.store.snapshot(self._record)

    def describe(self) -> str:
        """What the bot has done with this interaction so far (used in timeouts)."""
        rec = self._record
        data = self.payload.get("data", {})
        what = data.get("name") or data.get("custom_id") or "?"
        cb = rec.callback
        parts = [
            f"interaction {what!r} type {rec.type}",
            f"callback={'none' if cb is None else cb.type}",
            f"original={rec.original_message_id}",
            f"followups={len(rec.followup_ids)}",
        ]
        if rec.original_message_id is not None:
            with self._fake.store.lock:
                original = self._fake.store.messages[rec.original_message_id]
                parts.append(f"original content={original.content!r} edits={original.edits}")
        return "; ".join(parts) + "; " + self._fake.describe_recent()

    async def response(self, timeout: float = DEFAULT_TIMEOUT) -> Callback:
        """The interaction callback (``.type``: 4 message, 5 defer, 6 deferred update,
        7 update, 8 autocomplete, 9 modal; ``.data``: its payload)."""

        def probe() -> Callback | None:
            with self._fake.store.lock:
                cb = self._record.callback
                return self._fake.store.snapshot(cb) if cb is not None else None

        return await self._fake.notifier.wait_for(probe, timeout, self.describe)

    async def original(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        predicate: Callable[[RecordedMessage], bool] | None = None,
    ) -> RecordedMessage:
        """The original response message once it exists (and satisfies ``predicate``,
        if given); for a deferred response this may still be the placeholder."""

        def probe() -> RecordedMessage | None:
            with self._fake.store.lock:
                ident = self._record.original_message_id
                if ident is None:
                    return None
                message = self._fake.store.snapshot(self._fake.store.messages[ident])
            return message if predicate is None or predicate(message) else None

        return await self._fake.notifier.wait_for(probe, timeout, self.describe)

    async def final(
        self, timeout: float = DEFAULT_TIMEOUT, settle_for: float = DEFAULT_SETTLE
    ) -> RecordedMessage:
        """The original response as the user finally sees it.

        Waits for the callback, then: for a defer (type 5) until the placeholder was
        replaced; for a deferred update (type 6) until the message was edited after
        the callback; then until the message stayed unchanged for ``settle_for``
        seconds. Raises ``WaitTimeout`` if the bot never gets there.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        callback = await self.response(timeout)

        def ready(message: RecordedMessage) -> bool:
            if callback.type == 5:
                return not message.loading
            if callback.type == 6:
                return message.updated_seq > callback.seq
            return True

        if callback.type not in (4, 5, 6, 7):
            raise AssertionError(
                f"interaction answered with callback type {callback.type}, which shows no "
                f"message; use response() instead ({self.describe()})"
            )
        message = await self.original(max(0.0, deadline - loop.time()), ready)
        return await settle(self._fake, message.id, settle_for, max(0.0, deadline - loop.time()))

    async def followups(
        self, n: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> list[RecordedMessage]:
        """At least ``n`` followup messages, in order (current state of each).

        After a type-5 defer the first followup *is* the original response (Discord
        replaces the placeholder), so it appears both here and as ``original()``.
        """

        def probe() -> list[RecordedMessage] | None:
            with self._fake.store.lock:
                ids = list(self._record.followup_ids)
                if len(ids) < n:
                    return None
                return [self._fake.store.snapshot(self._fake.store.messages[i]) for i in ids]

        return await self._fake.notifier.wait_for(probe, timeout, self.describe)

    async def choices(self, timeout: float = DEFAULT_TIMEOUT) -> list[dict[str, Any]]:
        """Autocomplete choices (``[{"name": ..., "value": ...}]``) from a type-8 callback."""
        callback = await self.response(timeout)
        if callback.type != 8:
            raise AssertionError(f"expected an autocomplete result, got callback {callback.type}")
        return list((callback.data or {}).get("choices") or [])

    async def modal(self, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """The modal (``custom_id``, ``title``, ``components``) from a type-9 callback."""
        callback = await self.response(timeout)
        if callback.type != 9:
            raise AssertionError(f"expected a modal, got callback {callback.type}")
        return dict(callback.data or {})

    def messages(self) -> list[RecordedMessage]:
        """Original response and followups recorded so far (no waiting)."""
        with self._fake.store.lock:
            ids = [self._record.original_message_id, *self._record.followup_ids]
            seen: dict[int, RecordedMessage] = {}
            for ident in ids:
                if ident is not None and ident not in seen:
                    seen[ident] = self._fake.store.snapshot(self._fake.store.messages[ident])
        return list(seen.values())


class MessageHandle:
    """A message injected as if a user wrote it; await the bot's reply with it."""

    def __init__(self, fake: FakeDiscord, message: RecordedMessage) -> None:
        self._fake = fake
        self.message: RecordedMessage = fake.store.snapshot(message)
        self.id: int = message.id
        self.channel_id: int = message.channel_id
        self._after = message.created_seq

    def __repr__(self) -> str:
        return f"<MessageHandle id={self.id} content={self.message.content!r}>"

    async def replies(self, n: int = 1, timeout: float = DEFAULT_TIMEOUT) -> list[RecordedMessage]:
        """At least ``n`` bot messages posted in the channel after this one."""

        def probe() -> list[RecordedMessage] | None:
            found = self._fake.messages_in(self.channel_id, after=self._after)
            return found if len(found) >= n else None

        def describe() -> str:
            return f"no reply in channel {self.channel_id}; {self._fake.describe_recent()}"

        return await self._fake.notifier.wait_for(probe, timeout, describe)

    async def reply(self, timeout: float = DEFAULT_TIMEOUT) -> RecordedMessage:
        """The first bot message posted in the channel after this one."""
        return (await self.replies(1, timeout))[0]

    async def final(
        self, timeout: float = DEFAULT_TIMEOUT, settle_for: float = DEFAULT_SETTLE
    ) -> RecordedMessage:
        """The first reply once it stopped changing for ``settle_for`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        first = await self.reply(timeout)
        return await settle(self._fake, first.id, settle_for, max(0.0, deadline - loop.time()))

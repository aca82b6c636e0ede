"""Waiting for the bot to do something, with a deadline, failing fast if it died.

Every change the server records calls :meth:`Notifier.bump`; waiters re-check their
condition on each bump. They also wake every ``POLL`` seconds to check the watched
clients (an asyncio task or a subprocess may die without the server noticing), so a
crashed client surfaces as :class:`ClientDied` at once instead of as a timeout.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL = 0.05


class WaitTimeout(AssertionError, TimeoutError):
    """The bot did not do what a test waited for in time (message tells what it saw)."""


class ClientDied(AssertionError):
    """A watched client (task or process) ended while a test was waiting on it."""


#: A watch returns an exception describing the death, or None while all is fine.
Watch = Callable[[], BaseException | None]


def watch_task(task: asyncio.Task[object]) -> Watch:
    """A watch for an asyncio task running ``client.start()``."""

    def check() -> BaseException | None:
        if not task.done():
            return None
        if task.cancelled():
            return ClientDied("the client task was cancelled")
        exc = task.exception()
        if exc is None:
            return ClientDied("the client task returned (client closed)")
        died = ClientDied(f"the client task died: {exc!r}")
        died.__cause__ = exc
        return died

    return check


class Notifier:
    """Wakes waiters whenever recorded state changes. Lives on the server's loop."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()
        self._watches: list[Watch] = []
        self._lock = threading.Lock()

    def bump(self) -> None:
        """Signal a change (call from the server loop)."""
        waiters, self._waiters = self._waiters, set()
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    def watch(self, check: Watch) -> None:
        """Add a liveness check consulted by every wait (thread-safe)."""
        with self._lock:
            self._watches.append(check)

    def unwatch_all(self) -> None:
        """Forget every liveness check (e.g. before restarting a client on purpose)."""
        with self._lock:
            self._watches.clear()

    def check_alive(self) -> None:
        """Raise the first watched client's death, if any."""
        with self._lock:
            watches = list(self._watches)
        for check in watches:
            if (err := check()) is not None:
                raise err

    async def wait_for(
        self,
        probe: Callable[[], T | None],
        timeout: float,
        describe: Callable[[], str],
    ) -> T:
        """Return ``probe()`` as soon as it is not None; raise :class:`WaitTimeout`
        (with ``describe()`` appended) after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = probe()
            if value is not None:
                return value
            self.check_alive()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise WaitTimeout(f"timed out after {timeout:.1f}s: {describe()}")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.add(fut)
            try:
                await asyncio.wait({fut}, timeout=min(remaining, POLL))
            finally:
                self._waiters.discard(fut)

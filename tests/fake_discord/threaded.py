"""Running the fake server on its own thread and event loop.

Needed when the bot under test is not on the test's loop: a ``python -m bot``
subprocess (possibly killed with SIGKILL and restarted), or a client running in another
thread. The server's coroutines must run on the server's loop, so tests reach them
through proxies:

* ``srv.blocking.<method>(...)`` runs the method on the server loop and blocks until
  it returns (for plain sync tests): ``srv.blocking.slash("ping").final()``;
* ``await srv.aio.<method>(...)`` does the same from another event loop
  (``await (await srv.aio.slash("ping")).final()``).

Handles returned through a proxy are wrapped the same way. Read-only accessors
(``srv.fake.messages_in(...)``, ``requests()``, ...) are thread-safe and may be called
directly on ``srv.fake``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .handles import InteractionHandle, MessageHandle
from .server import FakeDiscord

T = TypeVar("T")

_WRAPPED = (FakeDiscord, InteractionHandle, MessageHandle)


class _Proxy:
    """Runs attribute calls of ``target`` on ``loop``; sync or async flavour."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop, blocking: bool, limit: float):
        self._target = target
        self._loop = loop
        self._blocking = blocking
        self._limit = limit

    def __repr__(self) -> str:
        kind = "blocking" if self._blocking else "aio"
        return f"<{kind} proxy for {self._target!r}>"

    def _wrap(self, value: Any) -> Any:
        if isinstance(value, _WRAPPED):
            return _Proxy(value, self._loop, self._blocking, self._limit)
        return value

    def _submit(
        self, func: Callable[..., Any], args: Any, kwargs: Any
    ) -> concurrent.futures.Future[Any]:
        async def call() -> Any:
            result = func(*args, **kwargs)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(call(), self._loop)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        if self._blocking:

            @functools.wraps(attr)
            def blocking_call(*args: Any, **kwargs: Any) -> Any:
                future = self._submit(attr, args, kwargs)
                return self._wrap(future.result(timeout=self._limit))

            return blocking_call

        @functools.wraps(attr)
        async def async_call(*args: Any, **kwargs: Any) -> Any:
            future = self._submit(attr, args, kwargs)
            return self._wrap(await asyncio.wrap_future(future))

        return async_call


class FakeDiscordThread:
    """A :class:`FakeDiscord` serving from a background thread (context manager).

    ::

        with FakeDiscordThread() as srv:
            proc = subprocess.Popen([sys.executable, "-m", "bot"], env={**os.environ,
                                    **srv.env()})
            srv.fake.watch(lambda: RuntimeError("bot exited") if proc.poll() is not None
                           else None)
            srv.blocking.wait_for_session(timeout=20)
            reply = srv.blocking.slash("ping").final()

    Keyword arguments are passed to :class:`FakeDiscord`. ``call_timeout`` bounds every
    blocking proxy call (the waits' own ``timeout`` arguments normally fire first).
    """

    def __init__(self, *, call_timeout: float = 60.0, **fake_kwargs: Any) -> None:
        self._fake_kwargs = fake_kwargs
        self._call_timeout = call_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._fake: FakeDiscord | None = None

    @property
    def fake(self) -> FakeDiscord:
        """The server object; call only its thread-safe (non-async) readers directly."""
        assert self._fake is not None, "FakeDiscordThread is not started"
        return self._fake

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The server's event loop."""
        assert self._loop is not None, "FakeDiscordThread is not started"
        return self._loop

    @property
    def blocking(self) -> Any:
        """Sync proxy: every method call runs on the server loop and blocks."""
        return _Proxy(self.fake, self.loop, True, self._call_timeout)

    @property
    def aio(self) -> Any:
        """Async proxy for use from another event loop: ``await srv.aio.slash(...)``."""
        return _Proxy(self.fake, self.loop, False, self._call_timeout)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the server loop and return its result (blocking)."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout=timeout or self._call_timeout)

    # Convenience pass-throughs (all thread-safe).
    @property
    def api_base(self) -> str:
        """See :attr:`FakeDiscord.api_base`."""
        return self.fake.api_base

    @property
    def gateway_url(self) -> str:
        """See :attr:`FakeDiscord.gateway_url`."""
        return self.fake.gateway_url

    def env(self, token: str = "fake-token") -> dict[str, str]:
        """See :meth:`FakeDiscord.env`."""
        return self.fake.env(token)

    def point_discord_py_here(self) -> None:
        """See :meth:`FakeDiscord.point_discord_py_here`."""
        self.fake.point_discord_py_here()

    def watch(self, client: Any) -> None:
        """See :meth:`FakeDiscord.watch` (thread-safe)."""
        self.fake.watch(client)

    def start(self) -> FakeDiscordThread:
        """Start the thread and the server; returns once it is listening."""
        started = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                self._fake = FakeDiscord(**self._fake_kwargs)
                loop.run_until_complete(self._fake.start())
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=main, name="fake-discord", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        """Stop the server and join the thread."""
        if self._thread is None or self._loop is None:
            return
        try:
            self.run(self.fake.close(), timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> FakeDiscordThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

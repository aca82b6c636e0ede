"""Fault injection: canned error responses queued for the next matching requests.

A rule is (HTTP method, glob over the path relative to ``/api/v10``) plus a queue of
:class:`Fault` objects. Each matching request pops one fault; once the queue is empty
the route behaves normally again. That models "fail twice, then recover" directly.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fault:
    """An error response: status, JSON body (None for an empty body) and headers."""

    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def forbidden(cls) -> Fault:
        """403 Missing Permissions (code 50013): discord.py raises ``discord.Forbidden``."""
        return cls(403, {"message": "Missing Permissions", "code": 50013})

    @classmethod
    def unknown_channel(cls) -> Fault:
        """404 Unknown Channel (code 10003): discord.py raises ``discord.NotFound``."""
        return cls(404, {"message": "Unknown Channel", "code": 10003})

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """5xx: discord.py retries 500/502/504/524 after sleeping 1 s, 3 s, 5 s..."""
        return cls(status, {"message": f"{status}: Internal Server Error", "code": 0})

    @classmethod
    def rate_limited(
        cls, retry_after: float = 0.05, *, is_global: bool = False, scope: str = "user"
    ) -> Fault:
        """429 with what discord.py needs to retry instead of raising: a ``Via`` header
        (without it discord.py assumes a Cloudflare ban), a JSON body with
        ``retry_after``, plus the ``X-RateLimit-*`` headers Discord sends."""
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(retry_after + 0.5))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "fakebucket0000000000000000000000",
            "X-RateLimit-Scope": "global" if is_global else scope,
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
            "code": 0,
        }
        return cls(429, body, headers)

    @classmethod
    def of(cls, status: int) -> Fault:
        """A fault with Discord's usual body for ``status`` (403, 404, 429, 5xx...)."""
        if status == 403:
            return cls.forbidden()
        if status == 404:
            return cls.unknown_channel()
        if status == 429:
            return cls.rate_limited()
        if status >= 500:
            return cls.server_error(status)
        return cls(status, {"message": f"{status}: Error", "code": 0})


FaultLike = Fault | int


@dataclass
class _Rule:
    method: str
    pattern: str
    queue: list[Fault]


class FaultInjector:
    """Thread-safe store of fault rules (tests may queue faults from another thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []

    def add(self, method: str, pattern: str, faults: tuple[FaultLike, ...]) -> None:
        """Queue ``faults`` for requests matching ``method`` and glob ``pattern``."""
        queue = [f if isinstance(f, Fault) else Fault.of(f) for f in faults]
        with self._lock:
            self._rules.append(_Rule(method.upper(), pattern, queue))

    def take(self, method: str, path: str) -> Fault | None:
        """Pop the next fault for this request, or None to serve it normally."""
        with self._lock:
            for rule in self._rules:
                if (
                    rule.queue
                    and rule.method in (method, "*")
                    and fnmatch.fnmatchcase(path, rule.pattern)
                ):
                    return rule.queue.pop(0)
        return None

    def pending(self) -> int:
        """How many queued faults have not been served yet."""
        with self._lock:
            return sum(len(rule.queue) for rule in self._rules)

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._rules.clear()

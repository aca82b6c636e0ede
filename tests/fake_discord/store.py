"""The recorder: everything the fake server saw, guarded by one lock.

Only the server's event loop mutates it; the lock exists so tests on another thread
(see :mod:`.threaded`) can take consistent snapshots while the server keeps going.
"""

from __future__ import annotations

import copy
import threading
from typing import Any, TypeVar

from .records import (
    CommandSync,
    InteractionRecord,
    RecordedMessage,
    RecordedRequest,
    UploadedFile,
)
from .waiting import Notifier

T = TypeVar("T")


class Store:
    """Recorded state. Public readers should go through :meth:`snapshot`."""

    def __init__(self, notifier: Notifier) -> None:
        self.lock = threading.RLock()
        self.notifier = notifier
        self._last_seq = 0
        self.requests: list[RecordedRequest] = []
        self.messages: dict[int, RecordedMessage] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.tokens: dict[str, int] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.syncs: list[CommandSync] = []
        #: ("identify" | "resume" | "presence" | "request_members", payload), in order.
        self.gateway_log: list[tuple[str, dict[str, Any]]] = []
        self.uploads: dict[int, UploadedFile] = {}
        self.server_errors: list[str] = []

    def next_seq(self) -> int:
        """A new recorder sequence number (orders every recorded change)."""
        with self.lock:
            self._last_seq += 1
            return self._last_seq

    @property
    def seq(self) -> int:
        """The latest sequence number handed out (a cursor meaning "after now")."""
        with self.lock:
            return self._last_seq

    def changed(self) -> None:
        """Wake every waiter (call after each mutation, on the server loop)."""
        self.notifier.bump()

    def snapshot(self, value: T) -> T:
        """A deep copy of ``value`` taken under the lock."""
        with self.lock:
            return copy.deepcopy(value)

    # -- messages ---------------------------------------------------------------

    def add_message(self, message: RecordedMessage) -> RecordedMessage:
        """Record a new message."""
        with self.lock:
            message.created_seq = message.updated_seq = self.next_seq()
            self.messages[message.id] = message
        self.changed()
        return message

    def update_message(
        self,
        message: RecordedMessage,
        data: dict[str, Any],
        payload: dict[str, Any] | None,
        files: list[UploadedFile] | None = None,
    ) -> None:
        """Record an edit: keep the old state in ``history``."""
        with self.lock:
            message.history.append(message.data)
            message.data = data
            if payload is not None:
                message.payloads.append(payload)
            if files is not None:
                message.files = files
            message.updated_seq = self.next_seq()
        self.changed()

    def delete_message(self, message: RecordedMessage) -> None:
        """Mark a message deleted (it stays recorded)."""
        with self.lock:
            message.deleted = True
            message.updated_seq = self.next_seq()
        self.changed()

    def channel_messages(
        self, channel_id: int, *, include_user: bool, include_deleted: bool
    ) -> list[RecordedMessage]:
        """Messages of a channel in creation order (live objects: copy before exposing)."""
        with self.lock:
            return [
                m
                for m in sorted(self.messages.values(), key=lambda m: m.created_seq)
                if m.channel_id == channel_id
                and (include_user or m.kind != "user")
                and (include_deleted or not m.deleted)
            ]

    # -- interactions -----------------------------------------------------------

    def add_interaction(self, record: InteractionRecord) -> None:
        """Record an injected interaction."""
        with self.lock:
            self.interactions[record.id] = record
            self.tokens[record.token] = record.id
        self.changed()

    def interaction_by_token(self, token: str) -> InteractionRecord | None:
        """The interaction whose webhook token is ``token``."""
        with self.lock:
            ident = self.tokens.get(token)
            return self.interactions.get(ident) if ident is not None else None

"""What the fake server records: requests, messages (with their edit history), uploads,
interaction callbacks and command syncs.

Accessors on :class:`~tests.fake_discord.server.FakeDiscord` hand out *snapshots*
(deep copies) of these records, so a test can keep one while the bot edits the message
further, and so reading from another thread is safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

EPHEMERAL = 1 << 6
LOADING = 1 << 7


@dataclass
class UploadedFile:
    """A file the bot uploaded (multipart ``files[n]``), or one a test attaches to a
    slash command option of type ATTACHMENT."""

    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    id: int = 0
    url: str = ""

    def to_attachment(self) -> dict[str, Any]:
        """The attachment object Discord returns for this file."""
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type or "application/octet-stream",
            "description": self.description,
        }


@dataclass
class RecordedRequest:
    """One REST request the client made (``path`` is relative to ``/api/v10``)."""

    seq: int
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    status: int = 0
    #: Answered with an injected fault.
    fault: bool = False
    #: Hit no modelled route (answered 404 "Unknown").
    unknown: bool = False


def iter_components(node: Any) -> Iterator[dict[str, Any]]:
    """Every component in a (possibly nested: rows, containers, sections) tree."""
    if isinstance(node, list):
        for item in node:
            yield from iter_components(item)
    elif isinstance(node, dict):
        if "type" in node:
            yield node
        for key in ("components", "accessory"):
            if key in node:
                yield from iter_components(node[key])


@dataclass
class RecordedMessage:
    """A message as the user sees it (``data``: the message object, current state) plus
    everything the bot sent to produce it.

    ``kind`` is ``"channel"`` (POST /channels/{id}/messages), ``"interaction"`` (the
    original response of an interaction), ``"followup"`` (POST /webhooks/...), or
    ``"user"`` (a message injected by the test).
    """

    id: int
    channel_id: int
    guild_id: int | None
    kind: str
    data: dict[str, Any]
    #: Request bodies that created and then edited the message, in order.
    payloads: list[dict[str, Any]] = field(default_factory=list)
    #: Current attachments with their bytes.
    files: list[UploadedFile] = field(default_factory=list)
    #: Earlier states of ``data`` (one per edit), oldest first.
    history: list[dict[str, Any]] = field(default_factory=list)
    interaction_id: int | None = None
    deleted: bool = False
    #: Recorder sequence numbers of the creation and of the latest change.
    created_seq: int = 0
    updated_seq: int = 0
    reactions: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        """The message text."""
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """The embeds as JSON dicts (``title``, ``description``, ``fields``...)."""
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        """The top-level components (action rows, containers...)."""
        return list(self.data.get("components") or [])

    @property
    def flags(self) -> int:
        """Message flags (64 = ephemeral, 128 = loading / "thinking")."""
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user sees this message."""
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether this is still a deferred "Bot is thinking..." placeholder."""
        return bool(self.flags & LOADING)

    @property
    def edits(self) -> int:
        """How many times the message changed after creation."""
        return len(self.history)

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """``allowed_mentions`` of the latest request that set it (None if never set)."""
        for payload in reversed(self.payloads):
            if "allowed_mentions" in payload:
                return payload["allowed_mentions"]
        return None

    @property
    def mentions(self) -> list[int]:
        """Ids of users this message actually pinged (after ``allowed_mentions``)."""
        return [int(user["id"]) for user in self.data.get("mentions") or []]

    @property
    def filenames(self) -> list[str]:
        """Names of the current attachments."""
        return [f.filename for f in self.files]

    def file(self, filename: str) -> bytes:
        """Bytes of the attachment called ``filename`` (raises ``KeyError``)."""
        for f in self.files:
            if f.filename == filename:
                return f.data
        raise KeyError(f"no attachment {filename!r}; have {self.filenames}")

    def all_components(self) -> list[dict[str, Any]]:
        """Every component, flattened out of rows/containers/sections."""
        return list(iter_components(self.components))

    def component(self, custom_id: str) -> dict[str, Any]:
        """The component with ``custom_id`` (raises ``KeyError``)."""
        for comp in self.all_components():
            if comp.get("custom_id") == custom_id:
                return comp
        raise KeyError(f"no component {custom_id!r}; have {self.custom_ids()}")

    def custom_ids(self) -> list[str]:
        """``custom_id`` of every interactive component."""
        return [c["custom_id"] for c in self.all_components() if "custom_id" in c]

    def text(self) -> str:
        """Content plus every embed's title, description, fields and footer, and the
        text of v2 text-display components: handy for "does the user see X" asserts."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for fld in embed.get("fields") or []:
                parts += [fld.get("name") or "", fld.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")
        parts += [c.get("content") or "" for c in self.all_components() if c.get("type") == 10]
        return "\n".join(p for p in parts if p)


@dataclass
class Callback:
    """An interaction callback (``POST /interactions/{id}/{token}/callback``)."""

    type: int
    data: dict[str, Any] | None
    files: list[UploadedFile]
    seq: int


@dataclass
class InteractionRecord:
    """Server-side state of one injected interaction."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    channel_id: int
    guild_id: int | None
    created_at: float
    #: The pressed message for component interactions, else None.
    source_message_id: int | None = None
    callback: Callback | None = None
    #: Callbacks attempted after the first (answered 400 "already acknowledged").
    rejected_callbacks: list[Callback] = field(default_factory=list)
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)


@dataclass
class CommandSync:
    """One bulk overwrite of application commands (``guild_id`` None = global)."""

    seq: int
    guild_id: int | None
    commands: list[dict[str, Any]]

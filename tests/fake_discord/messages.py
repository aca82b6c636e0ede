"""Turning message create/edit requests into message objects, the way Discord does.

Kept free of HTTP so the rules (which fields an edit replaces, how attachments are kept
or added, who actually gets pinged) are in one place.
"""

from __future__ import annotations

import re
from typing import Any

from .ids import iso_now
from .model import User, World
from .records import EPHEMERAL, LOADING, UploadedFile

#: Fields a create/edit request may set that are echoed into the message object.
_ECHOED = ("content", "embeds", "components", "tts", "poll", "sticker_ids")

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def _normalise_embeds(embeds: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    # Discord always reports a type; discord.py's Embed.from_dict tolerates either.
    return [{"type": "rich", **embed} for embed in embeds or []]


def resolve_mentions(
    world: World,
    content: str,
    allowed: dict[str, Any] | None,
    replied_to: User | None,
) -> dict[str, Any]:
    """Who the message pings, honouring ``allowed_mentions`` like Discord: with no
    ``allowed_mentions`` everything in the text pings; otherwise only the ``parse``
    categories and explicitly listed ids do (and the replied-to author only when
    ``replied_user`` is true)."""
    parse = set(allowed.get("parse", [])) if allowed is not None else {"users", "roles", "everyone"}
    allowed_users = {int(x) for x in (allowed or {}).get("users", [])}
    allowed_roles = {int(x) for x in (allowed or {}).get("roles", [])}
    known = {user.id: user for user in world.users()}

    mentioned: dict[int, dict[str, Any]] = {}
    for raw in _USER_MENTION.findall(content):
        uid = int(raw)
        if "users" in parse or uid in allowed_users:
            user = known.get(uid)
            mentioned[uid] = user.to_payload() if user else {"id": str(uid), "username": "?"}
    if replied_to is not None and (allowed is None or allowed.get("replied_user", False)):
        mentioned.setdefault(replied_to.id, replied_to.to_payload())
    roles = [
        raw
        for raw in _ROLE_MENTION.findall(content)
        if "roles" in parse or int(raw) in allowed_roles
    ]
    everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
    return {
        "mentions": list(mentioned.values()),
        "mention_roles": roles,
        "mention_everyone": everyone,
    }


def attachments_for(
    payload: dict[str, Any],
    uploads: dict[int, UploadedFile],
    existing: list[UploadedFile],
    *,
    editing: bool,
) -> list[UploadedFile]:
    """The message's attachments after this request.

    ``payload["attachments"]`` lists what to keep: small ids ``n`` refer to this
    request's ``files[n]`` parts (``uploads`` maps n to the file), snowflakes to
    attachments the message already has. Without the key, a create attaches every
    upload and an edit keeps the existing ones plus the uploads.
    """
    by_index = uploads
    fresh = [uploads[index] for index in sorted(uploads)]
    if "attachments" not in payload or payload["attachments"] is None:
        return fresh if not editing else [*existing, *fresh]
    keep: list[UploadedFile] = []
    old = {f.id: f for f in existing}
    for entry in payload["attachments"]:
        ident = int(entry.get("id", -1))
        if ident in old:
            keep.append(old[ident])
        elif ident in by_index:
            upload = by_index[ident]
            upload.description = entry.get("description", upload.description)
            if entry.get("filename"):
                upload.filename = entry["filename"]
            keep.append(upload)
    return keep


def new_message(
    *,
    message_id: int,
    channel_id: int,
    author: User,
    payload: dict[str, Any],
    files: list[UploadedFile],
    mentions: dict[str, Any],
    message_type: int = 0,
    extra_flags: int = 0,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete message object for a create request."""
    data: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": message_type,
        "author": author.to_payload(),
        "content": payload.get("content") or "",
        "embeds": _normalise_embeds(payload.get("embeds")),
        "components": list(payload.get("components") or []),
        "attachments": [f.to_attachment() for f in files],
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": bool(payload.get("tts", False)),
        "pinned": False,
        "flags": (int(payload.get("flags") or 0) | extra_flags),
        "sticker_items": [],
        "reactions": [],
        **mentions,
    }
    if "nonce" in payload:
        data["nonce"] = payload["nonce"]
    if payload.get("poll"):
        data["poll"] = payload["poll"]
    data.update(extra or {})
    return data


def edited_message(
    old: dict[str, Any],
    payload: dict[str, Any],
    files: list[UploadedFile],
    mentions: dict[str, Any] | None,
) -> dict[str, Any]:
    """The message object after a PATCH: fields present in the request replace the old
    ones (``null`` clears them), others stay; the "loading" flag always goes away since
    any edit of a deferred response replaces the placeholder."""
    data = dict(old)
    for key in _ECHOED:
        if key in payload:
            value = payload[key]
            if key == "embeds":
                value = _normalise_embeds(value)
            elif key == "content":
                value = value or ""
            elif key == "components":
                value = list(value or [])
            data[key] = value
    flags = int(old.get("flags") or 0) & EPHEMERAL
    if payload.get("flags") is not None:
        flags |= int(payload["flags"]) & ~(EPHEMERAL | LOADING)
    else:
        flags |= int(old.get("flags") or 0) & ~(EPHEMERAL | LOADING)
    data["flags"] = flags
    data["attachments"] = [f.to_attachment() for f in files]
    if mentions is not None:
        data.update(mentions)
    data["edited_timestamp"] = iso_now()
    return data

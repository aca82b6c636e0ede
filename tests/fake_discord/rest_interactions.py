"""Interaction callbacks and the interaction webhook (followups, ``@original``).

Discord semantics modelled here, because tests depend on them:

* the first callback acknowledges; any further one gets 400 / code 40060;
* type 5 (deferred) creates a "thinking" placeholder (flag 128) as the original
  response; the first followup after it *replaces* that placeholder (same message id)
  instead of creating a new message;
* for component interactions, type 6/7 make the pressed message the original response;
* followups need an acknowledged interaction (else 404 Unknown Webhook).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .http_util import body, error, json_response, no_content, uploads
from .ids import snowflake
from .messages import attachments_for, new_message
from .records import EPHEMERAL, LOADING, Callback, InteractionRecord, RecordedMessage

if TYPE_CHECKING:
    from .rest import Handler
    from .server import FakeDiscord

PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE = 1, 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9


class InteractionApi:
    """Handlers for ``/interactions/...`` and ``/webhooks/{app}/{token}/...``."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.store = fake.store
        self.world = fake.world

    def routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path below /api/v10, handler)."""
        hook = "/webhooks/{app}/{token}"
        return [
            ("POST", "/interactions/{interaction}/{token}/callback", self.callback),
            ("POST", hook, self.followup),
            ("GET", hook + "/messages/{message}", self.get_message),
            ("PATCH", hook + "/messages/{message}", self.edit_message),
            ("DELETE", hook + "/messages/{message}", self.delete_message),
        ]

    # -- helpers --------------------------------------------------------------------

    def _create(
        self,
        record: InteractionRecord,
        payload: dict[str, Any],
        files_in: dict[int, Any],
        *,
        kind: str,
        extra_flags: int = 0,
    ) -> RecordedMessage:
        """A new message posted on behalf of the interaction."""
        files = attachments_for(payload, files_in, [], editing=False)
        self.fake.rest.store_uploads(record.channel_id, files)
        user = record.payload.get("member", {}).get("user") or record.payload.get("user")
        metadata: dict[str, Any] = {
            "id": str(record.id),
            "type": record.type,
            "user": user,
            "authorizing_integration_owners": record.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        if record.type == 2:
            metadata["name"] = record.payload["data"]["name"]
            metadata["command_type"] = record.payload["data"].get("type", 1)
        if record.source_message_id is not None:
            metadata["interacted_message_id"] = str(record.source_message_id)
        data = new_message(
            message_id=snowflake(),
            channel_id=record.channel_id,
            author=self.world.bot,
            payload=payload,
            files=files,
            mentions=self.fake.rest.mentions_for(payload),
            message_type=20 if record.type == 2 else 0,
            extra_flags=extra_flags,
            extra={
                "webhook_id": str(self.world.application_id),
                "application_id": str(self.world.application_id),
                "interaction_metadata": metadata,
            },
        )
        message = RecordedMessage(
            id=int(data["id"]),
            channel_id=record.channel_id,
            guild_id=record.guild_id,
            kind=kind,
            data=data,
            payloads=[payload],
            files=files,
            interaction_id=record.id,
        )
        return self.store.add_message(message)

    def _record(self, request: web.Request) -> InteractionRecord | None:
        return self.store.interaction_by_token(request.match_info["token"])

    def _target(self, record: InteractionRecord, request: web.Request) -> RecordedMessage | None:
        """The message ``{message}`` names: ``@original`` or one of the followups."""
        raw = request.match_info["message"]
        with self.store.lock:
            if raw == "@original":
                ident = record.original_message_id
            elif raw.isdigit() and int(raw) in (record.original_message_id, *record.followup_ids):
                ident = int(raw)
            else:
                ident = None
            message = self.store.messages.get(ident) if ident is not None else None
        return None if message is None or message.deleted else message

    # -- endpoints ----------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        """``POST /interactions/{id}/{token}/callback``."""
        with self.store.lock:
            record = self.store.interactions.get(int(request.match_info["interaction"]))
        if record is None or record.token != request.match_info["token"]:
            return error(404, "Unknown interaction", 10062)
        deadline = self.fake.interaction_ack_deadline
        if deadline is not None and time.monotonic() - record.created_at > deadline:
            return error(404, "Unknown interaction", 10062)
        answer_body: dict[str, Any] = body(request) or {}
        cb_type = int(answer_body.get("type", 0))
        data = answer_body.get("data")
        callback = Callback(cb_type, data, list(uploads(request).values()), self.store.next_seq())
        if record.callback is not None:
            with self.store.lock:
                record.rejected_callbacks.append(callback)
            return error(400, "Interaction has already been acknowledged.", 40060)

        message: RecordedMessage | None = None
        if cb_type == MESSAGE:
            message = self._create(record, data or {}, uploads(request), kind="interaction")
        elif cb_type == DEFERRED_MESSAGE:
            flags = int((data or {}).get("flags") or 0) & EPHEMERAL
            message = self._create(record, {}, {}, kind="interaction", extra_flags=LOADING | flags)
        elif cb_type in (DEFERRED_UPDATE, UPDATE) and record.source_message_id is not None:
            with self.store.lock:
                message = self.store.messages.get(record.source_message_id)
            if message is not None and cb_type == UPDATE:
                self.fake.apply_edit(message, data or {}, uploads(request))
        with self.store.lock:
            record.callback = callback
            if message is not None:
                record.original_message_id = message.id
        self.store.changed()
        if message is not None and cb_type == UPDATE:
            self.fake.echo("MESSAGE_UPDATE", message)

        if "with_response" not in request.query:
            return no_content()
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_loading": cb_type == DEFERRED_MESSAGE,
                "response_message_ephemeral": bool(message and message.ephemeral),
            }
        }
        if message is not None:
            answer["interaction"]["response_message_id"] = str(message.id)
            if cb_type in (MESSAGE, DEFERRED_MESSAGE, UPDATE):
                answer["resource"] = {"type": cb_type, "message": message.data}
        return json_response(answer)

    async def followup(self, request: web.Request) -> web.Response:
        """``POST /webhooks/{app}/{token}``: a followup message (``?wait=true`` returns
        it; otherwise 204)."""
        record = self._record(request)
        if record is None or record.callback is None:
            return error(404, "Unknown Webhook", 10015)
        payload: dict[str, Any] = body(request) or {}
        with self.store.lock:
            original = self.store.messages.get(record.original_message_id or 0)
        if original is not None and original.loading and not original.deleted:
            # Discord turns the first followup after a defer into the original response.
            self.fake.apply_edit(original, payload, uploads(request))
            message = original
        else:
            message = self._create(record, payload, uploads(request), kind="followup")
        with self.store.lock:
            record.followup_ids.append(message.id)
        self.store.changed()
        if request.query.get("wait", "").lower() in ("true", "1"):
            return json_response(message.data)
        return no_content()

    async def get_message(self, request: web.Request) -> web.Response:
        """``GET /webhooks/{app}/{token}/messages/{id|@original}``."""
        record = self._record(request)
        message = self._target(record, request) if record else None
        if message is None:
            return error(404, "Unknown Message", 10008)
        return json_response(message.data)

    async def edit_message(self, request: web.Request) -> web.Response:
        """``PATCH /webhooks/{app}/{token}/messages/{id|@original}``."""
        record = self._record(request)
        message = self._target(record, request) if record else None
        if message is None:
            return error(404, "Unknown Message", 10008)
        self.fake.apply_edit(message, body(request) or {}, uploads(request))
        return json_response(message.data)

    async def delete_message(self, request: web.Request) -> web.Response:
        """``DELETE /webhooks/{app}/{token}/messages/{id|@original}``."""
        record = self._record(request)
        message = self._target(record, request) if record else None
        if message is None:
            return error(404, "Unknown Message", 10008)
        self.store.delete_message(message)
        return no_content()

"""HTTP helpers: exact-JSON responses and request body parsing (JSON or multipart)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from .records import RecordedRequest, UploadedFile

_FILES_FIELD = re.compile(r"files\[(\d+)\]")


@dataclass
class Parsed:
    """A request's body, parsed once by the middleware for the handlers."""

    payload: Any
    uploads: dict[int, UploadedFile]
    record: RecordedRequest


# Typed request keys exist since aiohttp 3.12; older versions take a plain string.
_PARSED: Any = (
    web.RequestKey("fake_discord_parsed", Parsed)
    if hasattr(web, "RequestKey")
    else ("fake_discord_parsed")
)


def attach(request: web.Request, parsed: Parsed) -> None:
    """Store the parsed body on the request."""
    request[_PARSED] = parsed


def parsed(request: web.Request) -> Parsed:
    """The parsed body stored by :func:`attach`."""
    return request[_PARSED]


def body(request: web.Request) -> Any:
    """The JSON payload of the request (``payload_json`` for multipart), or None."""
    return parsed(request).payload


def uploads(request: web.Request) -> dict[int, UploadedFile]:
    """The request's uploaded files keyed by ``n`` of ``files[n]``."""
    return parsed(request).uploads


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``.

    discord.py compares the header verbatim; aiohttp's ``json_response`` appends
    ``; charset=utf-8``, which would make discord.py treat the body as plain text.
    """
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def error(status: int, message: str, code: int = 0) -> web.Response:
    """A Discord-style error body ``{"message", "code"}``."""
    return json_response({"message": message, "code": code}, status)


def no_content() -> web.Response:
    """204 No Content."""
    return web.Response(status=204)


async def parse_body(request: web.Request) -> tuple[Any, dict[int, UploadedFile]]:
    """The request's JSON payload and its uploads keyed by ``n`` of ``files[n]``.

    Multipart requests carry the JSON in the ``payload_json`` part, as discord.py and
    Discord do; other parts without a ``files[n]`` name get consecutive indexes.
    """
    if not request.body_exists:
        return None, {}
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: dict[int, UploadedFile] = {}
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: neither Discord nor discord.py uses it
            name = part.name or ""
            if name == "payload_json":
                payload = json.loads(await part.text())
                continue
            data = await part.read(decode=False)
            match = _FILES_FIELD.fullmatch(name)
            index = int(match.group(1)) if match else len(files)
            files[index] = UploadedFile(
                filename=part.filename or name,
                data=bytes(data),
                content_type=part.headers.get("Content-Type"),
            )
        return payload, files
    raw = await request.read()
    if not raw:
        return None, {}
    try:
        return json.loads(raw), {}
    except ValueError:
        return raw.decode("utf-8", "replace"), {}

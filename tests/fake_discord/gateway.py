"""The gateway: a JSON-over-websocket endpoint speaking Discord's v10 protocol.

Always plain text frames: discord.py asks for ``compress=zlib-stream`` in the URL, but
it only inflates *binary* frames, so text frames are read as-is. Sessions outlive their
websocket, which lets a client RESUME (and get missed events replayed) after a
reconnect.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger("fake_discord.gateway")

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

#: Replay buffer per session; tests never come close, it only bounds memory.
_BUFFER = 2000


@dataclass
class Session:
    """An identified gateway session (may be between websockets while resuming)."""

    id: str
    identify: dict[str, Any]
    ws: web.WebSocketResponse | None = None
    seq: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def live(self) -> bool:
        """Whether events sent now reach a client."""
        return self.ws is not None and not self.ws.closed

    @property
    def shard(self) -> tuple[int, int] | None:
        """(shard_id, shard_count) from IDENTIFY, if the client shards."""
        shard = self.identify.get("shard")
        return (int(shard[0]), int(shard[1])) if shard else None

    async def send(self, frame: dict[str, Any]) -> None:
        """Send a raw frame if connected (dropped silently otherwise)."""
        ws = self.ws
        if ws is not None and not ws.closed:
            try:
                await ws.send_str(json.dumps(frame))
            except ConnectionError:
                log.debug("session %s: socket went away while sending", self.id)

    async def dispatch(self, event: str, data: Any) -> None:
        """Send an op-0 event with the next sequence number, keeping it for RESUME."""
        async with self.lock:
            self.seq += 1
            frame = {"op": DISPATCH, "s": self.seq, "t": event, "d": data}
            self.buffer.append(frame)
            del self.buffer[:-_BUFFER]
            await self.send(frame)


class Gateway:
    """Accepts websocket connections and routes ops for a :class:`FakeDiscord`."""

    def __init__(self, fake: FakeDiscord, heartbeat_interval: float) -> None:
        self.fake = fake
        self.heartbeat_interval = heartbeat_interval
        self.sessions: dict[str, Session] = {}
        self.sockets: set[web.WebSocketResponse] = set()

    def live_sessions(self) -> list[Session]:
        """Sessions whose websocket is open."""
        return [s for s in self.sessions.values() if s.live]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The websocket endpoint (``GET /gateway``)."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.sockets.add(ws)
        session: Session | None = None
        try:
            hello = {"heartbeat_interval": int(self.heartbeat_interval * 1000), "_trace": []}
            await ws.send_str(json.dumps({"op": HELLO, "d": hello, "s": None, "t": None}))
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    log.warning("gateway: ignoring non-text frame %s", msg.type)
                    continue
                frame = json.loads(msg.data)
                session = await self._on_frame(ws, session, frame) or session
        finally:
            self.sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
            self.fake.store.changed()
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, session: Session | None, frame: dict[str, Any]
    ) -> Session | None:
        op, data = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            await ws.send_str(json.dumps({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None}))
            return None
        if op == IDENTIFY:
            return await self._identify(ws, data)
        if op == RESUME:
            return await self._resume(ws, data)
        if op == REQUEST_MEMBERS and session is not None:
            self._log("request_members", data)
            await self._members_chunk(session, data)
            return None
        if op in (PRESENCE, VOICE_STATE):
            self._log("presence" if op == PRESENCE else "voice_state", data)
            return None
        log.warning("gateway: unhandled op %s: %s", op, frame)
        return None

    def _log(self, kind: str, data: Any) -> None:
        store = self.fake.store
        with store.lock:
            store.gateway_log.append((kind, data))
        store.changed()

    def _token_ok(self, token: str | None) -> bool:
        expected = self.fake.token
        return expected is None or (token or "").removeprefix("Bot ") == expected

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        self._log("identify", data)
        if not self._token_ok(data.get("token")):
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        session = Session(id=secrets.token_hex(16), identify=data, ws=ws)
        self.sessions[session.id] = session
        world = self.fake.world
        guilds = self._guilds_for(session)
        ready = {
            "v": 10,
            "user": {**world.bot.to_payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.fake.gateway_url,
            "application": {"id": str(world.application_id), "flags": world.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "_trace": ["fake-discord"],
        }
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        await session.dispatch("READY", ready)
        for guild in guilds:
            await session.dispatch("GUILD_CREATE", guild.to_payload())
        self.fake.store.changed()
        return session

    def _guilds_for(self, session: Session) -> list[Any]:
        guilds = self.fake.world.guilds
        if session.shard is None:
            return list(guilds)
        shard_id, count = session.shard
        return [g for g in guilds if (g.id >> 22) % count == shard_id]

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        self._log("resume", data)
        session = self.sessions.get(data.get("session_id") or "")
        if session is None or not self._token_ok(data.get("token")):
            # d=false: not resumable, the client must IDENTIFY afresh.
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False, "s": None, "t": None}))
            return None
        old, session.ws = session.ws, ws
        if old is not None and old is not ws and not old.closed:
            await old.close(code=4000)
        last = int(data.get("seq") or 0)
        async with session.lock:
            missed = [f for f in session.buffer if f["s"] > last]
        for frame in missed:
            await session.send(frame)
        await session.dispatch("RESUMED", {"_trace": ["fake-discord"]})
        self.fake.store.changed()
        return session

    async def _members_chunk(self, session: Session, data: dict[str, Any]) -> None:
        guild = self.fake.world.guild(int(data["guild_id"]))
        wanted = {int(x) for x in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            m
            for m in guild.members
            if (not wanted or m.user.id in wanted) and m.user.username.lower().startswith(query)
        ]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.to_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(x) for x in wanted - {m.user.id for m in members}],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def broadcast(self, event: str, data: Any, *, guild_id: int | None = None) -> int:
        """Dispatch to every live session (only the shard owning ``guild_id`` when the
        client shards). Returns how many sessions got the event."""
        sent = 0
        for session in self.live_sessions():
            if guild_id is not None and session.shard is not None:
                shard_id, count = session.shard
                if (guild_id >> 22) % count != shard_id:
                    continue
            await session.dispatch(event, data)
            sent += 1
        return sent

    async def send_op(self, op: int, data: Any = None) -> None:
        """Send a non-dispatch op (e.g. RECONNECT) to every live session."""
        for session in self.live_sessions():
            await session.send({"op": op, "d": data, "s": None, "t": None})

    async def close_all(self, code: int = 1001) -> None:
        """Close every websocket (server shutdown, or simulating a network drop)."""
        for ws in list(self.sockets):
            await ws.close(code=code)

"""Typed configuration read from the environment (and an optional `.env` file).

The token is never logged and never appears in a repr. Real environment variables win
over the `.env` file, which only fills in what the environment leaves unset.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
POLL_SECONDS = 60.0


class ConfigError(ValueError):
    """A setting is present but cannot be understood; the message names the variable."""


@dataclass(frozen=True)
class Config:
    """Everything the bot and the console need to start, already validated."""

    token: str | None = field(default=None, repr=False)
    seeds_dir: Path = Path("seeds")
    data_dir: Path = Path("data")
    owner_ids: frozenset[int] = frozenset()
    dev_guild_id: int | None = None
    api_base: str = DISCORD_API_BASE
    gateway_url: str = DISCORD_GATEWAY_URL
    newsletter_base_url: str | None = None
    poll_seconds: float = POLL_SECONDS  # how often the seeds folder is checked for new issues

    @property
    def has_token(self) -> bool:
        """True when a Discord token is configured."""
        return bool(self.token)

    def issue_url(self, path: str | None) -> str | None:
        """The public link of an issue whose front matter says `path`, or None."""
        if not self.newsletter_base_url or not path:
            return None
        return self.newsletter_base_url.rstrip("/") + "/" + path.lstrip("/")


def parse_env_file(text: str) -> dict[str, str]:
    """Parse simple `KEY=VALUE` lines (with optional `export ` and quotes); `#` starts a comment.

    Lines that are not assignments are ignored rather than fatal: a `.env` file is a
    convenience, and the values it gives are validated like any other.
    """
    values: dict[str, str] = {}
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def _int_or_none(name: str, raw: str | None) -> int | None:
    if raw is None or not raw.strip():
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number (a Discord ID), got {raw!r}") from None


def _positive_seconds(name: str, raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def _id_set(name: str, raw: str | None) -> frozenset[int]:
    if not raw:
        return frozenset()
    ids = set()
    for part in raw.replace(",", " ").split():
        value = _int_or_none(name, part)
        if value is not None:
            ids.add(value)
    return frozenset(ids)


def load_config(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Config:
    """Read the configuration from `environ` (default: `os.environ`) and `env_file`.

    Returns a `Config`; raises `ConfigError` when a variable holds something unusable
    (for example a non-numeric `BOT_DEV_GUILD_ID`, or a `BOT_POLL_SECONDS` that is not a
    positive number).
    """
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update(parse_env_file(env_file.read_text(encoding="utf-8", errors="replace")))
    merged.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = merged.get(name)
        return value.strip() if value is not None and value.strip() else None

    return Config(
        token=get("DISCORD_TOKEN"),
        seeds_dir=Path(get("BOT_SEEDS_DIR") or "seeds"),
        data_dir=Path(get("BOT_DATA_DIR") or "data"),
        owner_ids=_id_set("BOT_OWNER_IDS", get("BOT_OWNER_IDS")),
        dev_guild_id=_int_or_none("BOT_DEV_GUILD_ID", get("BOT_DEV_GUILD_ID")),
        api_base=(get("DISCORD_API_BASE") or DISCORD_API_BASE).rstrip("/"),
        gateway_url=get("DISCORD_GATEWAY_URL") or DISCORD_GATEWAY_URL,
        newsletter_base_url=get("BOT_NEWSLETTER_BASE_URL"),
        poll_seconds=_positive_seconds(
            "BOT_POLL_SECONDS", get("BOT_POLL_SECONDS"), POLL_SECONDS
        ),
    )


def apply_discord_endpoints(config: Config) -> None:
    """Point discord.py at `config.api_base` and `config.gateway_url` (a proxy or a stand-in).

    discord.py reads both from class attributes, so this affects every client in the process.
    """
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = config.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)
    if config.api_base != DISCORD_API_BASE or config.gateway_url != DISCORD_GATEWAY_URL:
        log.info("Discord endpoints: REST %s, gateway %s", config.api_base, config.gateway_url)

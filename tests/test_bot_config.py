"""The bot's configuration: environment first, `.env` second, the token never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, ConfigError, load_config, parse_env_file


def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    config = load_config({}, env_file=tmp_path / "missing.env")
    assert config.token is None and not config.has_token
    assert config.seeds_dir == Path("seeds")
    assert config.data_dir == Path("data")
    assert config.owner_ids == frozenset()
    assert config.dev_guild_id is None
    assert config.api_base == "https://discord.com/api/v10"
    assert config.gateway_url == "wss://gateway.discord.gg/"
    assert config.newsletter_base_url is None


def test_env_file_fills_in_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        "export DISCORD_TOKEN='from-file'\n"
        "BOT_DATA_DIR = /tmp/from-file  # trailing comment\n"
        'BOT_OWNER_IDS="1, 2 3"\n'
        "not an assignment\n"
        "BOT_DEV_GUILD_ID=42\n"
    )
    config = load_config({"BOT_DATA_DIR": "/srv/data"}, env_file=env_file)
    assert config.token == "from-file"
    assert config.data_dir == Path("/srv/data")
    assert config.owner_ids == frozenset({1, 2, 3})
    assert config.dev_guild_id == 42


def test_token_is_never_in_the_repr() -> None:
    config = Config(token="super-secret-token")
    assert "super-secret-token" not in repr(config)
    assert "super-secret-token" not in str(config)


def test_bad_ids_are_reported_by_name() -> None:
    with pytest.raises(ConfigError, match="BOT_DEV_GUILD_ID"):
        load_config({"BOT_DEV_GUILD_ID": "my-guild"}, env_file=None)
    with pytest.raises(ConfigError, match="BOT_OWNER_IDS"):
        load_config({"BOT_OWNER_IDS": "1,alice"}, env_file=None)


def test_issue_links_join_base_and_front_matter_path() -> None:
    config = Config(newsletter_base_url="https://example.org/")
    assert config.issue_url("/blog/2017/10/24/bpf-updates-12") == (
        "https://example.org/blog/2017/10/24/bpf-updates-12"
    )
    assert config.issue_url(None) is None
    assert Config().issue_url("/blog/x") is None


def test_env_file_parser_keeps_quoted_hashes() -> None:
    assert parse_env_file('A="x # y"\nB=plain\n=novalue\n') == {"A": "x # y", "B": "plain"}


def test_poll_seconds_defaults_to_a_minute_and_must_be_positive(tmp_path: Path) -> None:
    missing = tmp_path / "missing.env"
    assert load_config({}, env_file=missing).poll_seconds == 60.0
    assert load_config({"BOT_POLL_SECONDS": "0.25"}, env_file=missing).poll_seconds == 0.25
    for bad in ("0", "-5", "soon", "nan", "inf"):
        with pytest.raises(ConfigError, match="BOT_POLL_SECONDS"):
            load_config({"BOT_POLL_SECONDS": bad}, env_file=missing)

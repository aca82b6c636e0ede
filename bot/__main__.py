"""python -m bot [run|console]: the Discord bot, or the same commands in a terminal.

`python -m bot` runs the bot when DISCORD_TOKEN is set and otherwise starts the console,
saying why on stderr. Logging is configured here and only here.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.config import Config, ConfigError, load_config

log = logging.getLogger("bot")


def setup_logging(level: int) -> None:
    """One place for logging: records to stderr, discord.py's chatter at WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("discord").setLevel(max(level, logging.WARNING))


async def run_bot(config: Config) -> None:
    """Start the bot and run it until it is closed (SIGTERM, Ctrl-C or a fatal error)."""
    from bot.app import BpfBot

    async with BpfBot(config) as bot:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(bot.close()))
        await bot.start(config.token or "")


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, configure logging, run the bot or the console."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "mode", nargs="?", choices=("run", "console"), default="run",
        help="run the Discord bot (default) or the console",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    setup_logging(level)
    try:
        config = load_config()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2

    mode = args.mode
    if mode == "run" and not config.has_token:
        print(
            "DISCORD_TOKEN is not set, so starting the console instead of the Discord bot "
            "(set DISCORD_TOKEN in the environment or .env to run the bot).",
            file=sys.stderr,
        )
        mode = "console"
    if mode == "console":
        if not args.verbose:
            logging.getLogger().setLevel(max(level, logging.WARNING))  # keep the terminal quiet
        from bot.console import run_console

        try:
            return run_console(config)
        except KeyboardInterrupt:
            return 130
    import discord

    from bot.state import StateError

    try:
        asyncio.run(run_bot(config))
    except KeyboardInterrupt:
        log.info("interrupted; bye")
    except discord.LoginFailure:
        log.error("Discord rejected DISCORD_TOKEN; check the bot's token")
        return 1
    except StateError as error:  # it names the file and what is wrong with it
        log.error("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The bot's commands in a terminal, for anyone without a Discord token.

`python -m bot console` reads lines like `/search sockmap`, `/patches xdp --author borkmann`,
`/issue 12`, `/stats`, `/help`; they run through the same `bot.answers` functions as the
Discord commands and are rendered as text by `bot.render`. Paged results are turned with
`/next` and `/prev` (`n`, `p`). When stdin is not a terminal no prompt is shown, so the
console can be scripted: it stops at the end of the input or at `/quit`.

`/subscribe` subscribes the console itself: new issues are then printed when their file
appears in the seeds folder. On a terminal a thread looks every `BOT_POLL_SECONDS`
while the console waits for input; with scripted input there is one look after each
command and one at the end of the input, so a script's output is deterministic.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot import answers
from bot.render import to_text
from bot.replies import ErrorReply, Reply, ResultPages, StatsReply
from bot.state import StateError

if TYPE_CHECKING:
    from bot.config import Config
    from bot.console_news import ConsoleNews
    from index import IndexStore

PROMPT = "bpf> "
NO_NEWS = "Subscriptions are unavailable: the bot's state could not be opened."
OPTION_PATTERN = re.compile(r"(?:^|\s)--(author|tree|issue)(?:=|\s+)(\"[^\"]*\"|'[^']*'|\S+)")


@dataclass
class ConsoleCommand:
    """One console command: its handler gets the console and the rest of the line."""

    handler: Callable[[Console, str], str | None]
    usage: str


def split_options(text: str) -> tuple[str, dict[str, str]]:
    """`xdp --author "Daniel Borkmann" --tree=net` -> ("xdp", {"author": ..., "tree": "net"}).

    Everything else stays in the query verbatim (quotes included: they mean phrases there).
    """
    options: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        value = match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        options[match.group(1)] = value
        return " "

    return " ".join(OPTION_PATTERN.sub(take, text).split()), options


class Console:
    """A command loop over an open index; `handle(line)` answers one line as text.

    With `news` (the state is open) the subscription commands work and new issues are
    printed; without it they say that they are unavailable.
    """

    def __init__(
        self, store: IndexStore, config: Config, news: ConsoleNews | None = None
    ) -> None:
        self.store = store
        self.config = config
        self.news = news
        self.last_results: ResultPages | None = None
        self.page = 0
        self.finished = False
        self._output = threading.Lock()  # the polling thread prints too
        self._stdout: TextIO = sys.stdout
        self._interactive = False

    # ------------------------------------------------------------------ commands

    def _search(self, scope: str, text: str) -> str:
        query, options = split_options(text)
        issue: int | None = None
        if "issue" in options:
            try:
                issue = int(options["issue"].lstrip("#"))
            except ValueError:
                return self._show(ErrorReply(f"--issue wants a number, not {options['issue']!r}."))
        if scope != "patches" and options:
            return self._show(
                ErrorReply("--author, --tree and --issue work with /patches only; "
                           "in other searches write author:... in the query.")
            )
        reply = answers.search(
            self.store,
            query,
            scope=scope,
            author=options.get("author"),
            tree=options.get("tree"),
            issue=issue,
        )
        return self._show(reply)

    def search(self, text: str) -> str:
        return self._search("everything", text)

    def patches(self, text: str) -> str:
        return self._search("patches", text)

    def topics(self, text: str) -> str:
        return self._search("topics", text)

    def issue(self, text: str) -> str:
        text = text.strip().lstrip("#")
        if text and not text.isdigit():
            return self._show(ErrorReply(f"/issue wants an issue number, not {text!r}."))
        return self._show(answers.issue_card(self.store, int(text) if text else None, self.config))

    def stats(self, _text: str) -> str:
        return self._show(answers.archive_stats(self.store))

    def help(self, _text: str) -> str:
        return self._show(answers.help_reply())

    def next_page(self, _text: str) -> str:
        return self._turn(+1)

    def previous_page(self, _text: str) -> str:
        return self._turn(-1)

    def quit(self, _text: str) -> None:
        self.finished = True
        return None

    def _news_reply(self, command: str, text: str) -> str:
        """Run one of `ConsoleNews`'s commands (by name) and show its reply."""
        if self.news is None:
            return NO_NEWS
        return self._show(getattr(self.news, command)(text))

    subscribe = functools.partialmethod(_news_reply, "subscribe")
    unsubscribe = functools.partialmethod(_news_reply, "unsubscribe")
    subscriptions = functools.partialmethod(_news_reply, "subscriptions")
    reindex = functools.partialmethod(_news_reply, "reindex")

    def announce(self, text: str) -> str:
        if self.news is None:
            return NO_NEWS
        printed, result = self.news.announce(text)
        return "\n\n".join([*printed, self._show(result)])

    # ------------------------------------------------------------------ plumbing

    def _turn(self, step: int) -> str:
        if self.last_results is None:
            return "No results to page through yet; try /search sockmap."
        target = self.page + step
        if target >= self.last_results.page_count and self.last_results.truncated:
            self.last_results = answers.more_results(self.store, self.last_results)
        if not 0 <= target < self.last_results.page_count:
            edge = "last" if step > 0 else "first"
            return f"That was the {edge} page ({self.page + 1}/{self.last_results.page_count})."
        self.page = target
        return to_text(self.last_results, self.page)

    def _show(self, reply: Reply) -> str:
        chart_path = None
        if isinstance(reply, ResultPages):
            self.last_results, self.page = reply, 0
        if isinstance(reply, StatsReply) and reply.chart_png:
            chart_path = str(self._save_chart(reply))
        return to_text(reply, 0, chart_path=chart_path)

    def _save_chart(self, reply: StatsReply) -> Path:
        folder = self.config.data_dir / "charts"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / reply.chart_name
        path.write_bytes(reply.chart_png or b"")
        return path.resolve()

    def handle(self, line: str) -> str | None:
        """The answer to one input line (None for nothing to print). A line without a
        leading slash is searched like `/search`, the way a mention is on Discord."""
        line = line.strip()
        if not line:
            return None
        if line in SHORTCUTS:
            line = SHORTCUTS[line]
        if not line.startswith("/"):
            return self.search(line)
        name, _, rest = line[1:].partition(" ")
        command = COMMANDS.get(name.casefold())
        if command is None:
            suggestion = answers.closest_name(list(COMMANDS), name)
            hint = f" Did you mean /{suggestion}?" if suggestion else ""
            return f"Unknown command /{name}.{hint} Type /help for the list."
        return command.handler(self, rest)

    def _write(self, text: str, *, prompt: bool = False) -> None:
        with self._output:
            self._stdout.write(text)
            if prompt and self._interactive:
                self._stdout.write(PROMPT)
            self._stdout.flush()

    def _print_news(self, text: str) -> None:
        """An announcement from the polling thread: on its own lines, prompt again."""
        self._write("\n" + text + "\n\n", prompt=True)

    def _after_command(self) -> None:
        """Print what is new: a full check with scripted input (deterministic), otherwise
        only what is due now (e.g. what /reindex found); the thread does the checks."""
        if self.news is None:
            return
        texts = self.news.deliver() if self._interactive else self.news.check()
        for text in texts:
            self._write(text + "\n\n")

    def run(self, stdin: TextIO, stdout: TextIO) -> None:
        """Answer lines from `stdin` until its end or /quit; prompt only on a terminal."""
        self._stdout = stdout
        self._interactive = stdin.isatty()
        if self.news is not None and self._interactive:
            self.news.start_polling(self.config.poll_seconds, self._print_news)
        try:
            self._loop(stdin)
        finally:
            if self.news is not None and self._interactive:
                self.news.stop_polling()

    def _loop(self, stdin: TextIO) -> None:
        while not self.finished:
            if self._interactive:
                self._write(PROMPT)
            line = stdin.readline()
            if not line:
                if self._interactive:
                    self._write("\n")
                else:
                    self._after_command()  # the last look, at the end of the input
                break
            answer = self.handle(line)
            if answer:
                self._write(answer + "\n\n")
            self._after_command()


# The dispatch table: the next features add their console commands here.
COMMANDS: dict[str, ConsoleCommand] = {
    "search": ConsoleCommand(Console.search, "/search QUERY"),
    "patches": ConsoleCommand(
        Console.patches, "/patches QUERY [--author A] [--tree T] [--issue N]"
    ),
    "topics": ConsoleCommand(Console.topics, "/topics QUERY"),
    "issue": ConsoleCommand(Console.issue, "/issue [NUMBER]"),
    "stats": ConsoleCommand(Console.stats, "/stats"),
    "help": ConsoleCommand(Console.help, "/help"),
    "subscribe": ConsoleCommand(Console.subscribe, "/subscribe"),
    "unsubscribe": ConsoleCommand(Console.unsubscribe, "/unsubscribe"),
    "subscriptions": ConsoleCommand(Console.subscriptions, "/subscriptions"),
    "announce": ConsoleCommand(Console.announce, "/announce NUMBER"),
    "reindex": ConsoleCommand(Console.reindex, "/reindex"),
    "next": ConsoleCommand(Console.next_page, "/next"),
    "prev": ConsoleCommand(Console.previous_page, "/prev"),
    "quit": ConsoleCommand(Console.quit, "/quit"),
    "exit": ConsoleCommand(Console.quit, "/exit"),
}
SHORTCUTS = {"n": "/next", "p": "/prev", "q": "/quit"}


def run_console(config: Config, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Open (or build) the index and the state, and run the console; returns the exit
    status (1 when the state file belongs to a newer bot)."""
    from bot.app import open_state, open_store
    from bot.console_news import ConsoleNews

    store = open_store(config)
    try:
        try:
            state = open_state(config, store)
        except StateError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        try:
            Console(store, config, ConsoleNews(store, state, config)).run(
                stdin or sys.stdin, stdout or sys.stdout
            )
        finally:
            state.close()
    finally:
        store.close()
    return 0

"""The fake Discord server driven by the real discord.py client.

A small ``commands.Bot`` with one cog (defined below) runs against ``FakeDiscord``;
each test injects what a user would do and asserts what the user would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from fake_discord import (
    ClientDied,
    FakeDiscord,
    FakeDiscordThread,
    Fault,
    Overwrite,
    Perm,
    UploadedFile,
    default_world,
    running_client,
)

# -- the bot under test ---------------------------------------------------------------


class CounterView(discord.ui.View):
    """+1 edits the message in the callback (type 7); reset defers first (type 6)."""

    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.count = 0

    @discord.ui.button(label="+1", custom_id="counter:inc", style=discord.ButtonStyle.primary)
    async def inc(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.count += 1
        await interaction.response.edit_message(content=f"count: {self.count}", view=self)

    @discord.ui.button(label="reset", custom_id="counter:reset")
    async def reset(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()
        self.count = 0
        await interaction.edit_original_response(content="count: 0 (reset)", view=self)


class PickView(discord.ui.View):
    """A string select and a user select, each answering with a new message."""

    @discord.ui.select(
        custom_id="pick:fruit",
        options=[discord.SelectOption(label="apple"), discord.SelectOption(label="pear")],
    )
    async def fruit(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await interaction.response.send_message(f"fruit: {select.values[0]}", ephemeral=True)

    @discord.ui.select(cls=discord.ui.UserSelect, custom_id="pick:user")
    async def user(
        self, interaction: discord.Interaction, select: discord.ui.UserSelect[Any]
    ) -> None:
        await interaction.response.send_message(f"user: {select.values[0].name}")


class AskModal(discord.ui.Modal, title="Ask"):
    question = discord.ui.TextInput(label="Question", custom_id="ask:question")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"asked: {self.question.value}")


async def shout(interaction: discord.Interaction, message: discord.Message) -> None:
    """Message context menu."""
    await interaction.response.send_message(message.content.upper())


async def poke(interaction: discord.Interaction, member: discord.Member) -> None:
    """User context menu."""
    await interaction.response.send_message(f"poked {member.name}")


class DemoCog(commands.Cog):
    """Commands exercising each response style the fake must support."""

    admin = app_commands.Group(name="admin", description="Admin tools")

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="search", description="Search the archive")
    @app_commands.describe(query="What to look for", limit="How many results")
    async def search(self, interaction: discord.Interaction, query: str, limit: int = 3) -> None:
        embed = discord.Embed(title=f"Results for {query}", description=f"limit={limit}")
        await interaction.response.send_message(
            embed=embed, allowed_mentions=discord.AllowedMentions.none()
        )

    @search.autocomplete("query")
    async def search_complete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f"{current}{i}", value=f"{current}{i}") for i in range(3)]

    @app_commands.command(name="slow", description="Defer, then answer via a followup")
    async def slow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await asyncio.sleep(0.05)
        first = await interaction.followup.send("working...", wait=True)
        await first.edit(content="done: 42")
        await interaction.followup.send("extra note", ephemeral=True)

    @app_commands.command(name="counter", description="A button counter")
    async def counter(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("count: 0", view=CounterView())

    @app_commands.command(name="pick", description="Selects")
    async def pick(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pick one", view=PickView())

    @app_commands.command(name="ask", description="Open a modal")
    async def ask(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(AskModal())

    @app_commands.command(name="where", description="Guild or DM?")
    async def where(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("dm" if interaction.guild is None else "guild")

    @app_commands.command(name="upload", description="Send a file")
    async def upload(self, interaction: discord.Interaction) -> None:
        data = discord.File(io.BytesIO(b"hello world"), filename="hello.txt")
        await interaction.response.send_message("here it is", file=data)

    @app_commands.command(name="size", description="Size of an attachment")
    async def size(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        body = await file.read()
        await interaction.response.send_message(f"{file.filename}: {len(body)} bytes")

    @admin.command(name="whois", description="Describe a member")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def whois(self, interaction: discord.Interaction, member: discord.Member) -> None:
        admin = member.guild_permissions.administrator
        await interaction.response.send_message(f"{member.name} admin={admin}")

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        with contextlib.suppress(discord.NotFound):  # the interaction may have expired
            await interaction.response.send_message(
                f"denied: {type(error).__name__}", ephemeral=True
            )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        if message.content == "history please":
            await message.add_reaction("\N{EYES}")
            seen = [m.content async for m in message.channel.history(limit=10)]
            await message.channel.send(" | ".join(seen))
            return
        if self.bot.user not in message.mentions:
            return
        text = message.content.replace(self.bot.user.mention, "").strip()
        await message.reply(f"you said: {text}", mention_author=False)


def make_bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    # A tiny guild_ready_timeout: on_ready otherwise waits 2 s after the last guild.
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)

    async def setup_hook() -> None:
        await bot.add_cog(DemoCog(bot))
        bot.tree.add_command(app_commands.ContextMenu(name="Shout", callback=shout))
        bot.tree.add_command(app_commands.ContextMenu(name="Poke", callback=poke))

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


Scenario = Callable[[FakeDiscord, commands.Bot], Awaitable[None]]


def run(scenario: Scenario, fake: FakeDiscord | None = None) -> None:
    """Start a fake and the bot (commands synced globally), then run ``scenario``."""

    async def main() -> None:
        async with fake or FakeDiscord() as server:
            bot = make_bot()
            async with running_client(bot, server):
                await bot.tree.sync()
                await scenario(server, bot)
            server.assert_no_unknown_requests()
            assert not server.server_errors()

    asyncio.run(asyncio.wait_for(main(), 20))


# -- login, ready, sync -----------------------------------------------------------------


@pytest.mark.timeout(10)
def test_login_ready_guild_and_permissions() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        assert bot.user is not None and bot.user.id == fake.bot_user.id
        assert bot.application_id == fake.world.application_id
        guild = bot.get_guild(fake.guild.id)
        assert guild is not None and guild.chunked and guild.member_count == 3
        assert guild.me is not None and guild.me.id == fake.bot_user.id
        channel = guild.get_channel(fake.channel.id)
        assert isinstance(channel, discord.TextChannel)
        assert channel.permissions_for(guild.me).send_messages
        admin = guild.get_member(fake.admin_user.id)
        plain = guild.get_member(fake.plain_user.id)
        assert admin is not None and admin.guild_permissions.manage_guild
        assert plain is not None and not plain.guild_permissions.manage_guild
        identify = fake.gateway_log("identify")[0]
        assert identify["intents"] == bot.intents.value

    run(scenario)


@pytest.mark.timeout(10)
def test_command_sync_is_recorded() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        (sync,) = fake.syncs()
        assert sync.guild_id is None
        names = {c["name"] for c in sync.commands}
        assert {"search", "slow", "counter", "upload", "size", "admin"} <= names
        search = next(c for c in fake.commands() if c["name"] == "search")
        types = {o["name"]: o["type"] for o in search["options"]}
        assert types == {"query": 3, "limit": 4}
        # Guild sync goes to its own scope and routes interactions with data.guild_id.
        bot.tree.copy_global_to(guild=discord.Object(fake.guild.id))
        await bot.tree.sync(guild=discord.Object(fake.guild.id))
        assert {c["name"] for c in fake.commands(fake.guild)} == names
        handle = await fake.slash("search", {"query": "x"})
        assert handle.payload["data"]["guild_id"] == str(fake.guild.id)
        assert (await handle.final()).embeds[0]["title"] == "Results for x"

    run(scenario)


@pytest.mark.timeout(10)
def test_resume_after_reconnect() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        await fake.request_reconnect()
        resume = await fake.wait_for_gateway("resume")
        assert resume["session_id"] in fake.gateway.sessions and resume["seq"] >= 2
        assert len(fake.gateway_log("identify")) == 1  # resumed, not re-identified
        reply = await (await fake.slash("search", {"query": "after"})).final()
        assert reply.embeds[0]["title"] == "Results for after"

    run(scenario)


# -- interactions -------------------------------------------------------------------------


@pytest.mark.timeout(10)
def test_slash_command_with_options_answers_with_embed() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        handle = await fake.slash("search", {"query": "sockmap", "limit": 2})
        callback = await handle.response()
        assert callback.type == 4
        message = await handle.final()
        assert message.kind == "interaction" and not message.ephemeral
        assert message.embeds[0]["title"] == "Results for sockmap"
        assert "limit=2" in message.text()
        assert message.allowed_mentions == {"parse": []}
        assert message.channel_id == fake.channel.id
        assert fake.messages_in(fake.channel) == [message]

    run(scenario)


@pytest.mark.timeout(10)
def test_deferred_reply_then_followup_edit() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        handle = await fake.slash("slow")
        assert (await handle.response()).type == 5
        final = await handle.final()
        assert final.content == "done: 42" and final.ephemeral and not final.loading
        first, extra = await handle.followups(2)
        # The first followup after a defer replaces the "thinking" placeholder.
        assert first.id == final.id and first.content == "done: 42"
        assert extra.content == "extra note" and extra.ephemeral and extra.kind == "followup"
        assert [h["content"] for h in final.history[1:]] == ["working..."]

    run(scenario)


@pytest.mark.timeout(10)
def test_autocomplete_returns_choices() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        choices = await fake.autocomplete("search", {"query": "sock"}, focused="query")
        assert [c["name"] for c in choices] == ["sock0", "sock1", "sock2"]

    run(scenario)


@pytest.mark.timeout(10)
def test_button_press_edits_the_message() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        message = await (await fake.slash("counter")).final()
        assert message.content == "count: 0"
        assert message.custom_ids() == ["counter:inc", "counter:reset"]
        pressed = await fake.press(message, "counter:inc", user=fake.admin_user)
        assert (await pressed.response()).type == 7
        after = await pressed.final()
        assert after.id == message.id and after.content == "count: 1" and after.edits == 1
        again = await (await fake.press(message, "counter:inc")).final()
        assert again.content == "count: 2"
        reset = await fake.press(message, "counter:reset")
        assert (await reset.response()).type == 6
        assert (await reset.final()).content == "count: 0 (reset)"

    run(scenario)


@pytest.mark.timeout(10)
def test_subcommand_with_member_option_and_permission_check() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        ok = await fake.slash("admin whois", {"member": fake.admin_user}, user=fake.admin_user)
        assert (await ok.final()).content == "alice admin=True"
        denied = await fake.slash("admin whois", {"member": fake.plain_user})
        reply = await denied.final()
        assert reply.ephemeral and reply.content == "denied: MissingPermissions"

    run(scenario)


@pytest.mark.timeout(10)
def test_attachment_option_is_readable_by_the_bot() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        upload = UploadedFile("notes.txt", b"0123456789", "text/plain")
        reply = await (await fake.slash("size", {"file": upload})).final()
        assert reply.content == "notes.txt: 10 bytes"

    run(scenario)


@pytest.mark.timeout(10)
def test_selects_modal_context_menus_and_dm() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        menu = await (await fake.slash("pick")).final()
        fruit = await (await fake.press(menu, "pick:fruit", values=["pear"])).final()
        assert fruit.content == "fruit: pear" and fruit.ephemeral
        who = await (await fake.press(menu, "pick:user", values=[fake.admin_user])).final()
        assert who.content == "user: alice"

        opened = await fake.slash("ask", user=fake.admin_user)
        assert (await opened.modal())["title"] == "Ask"
        submitted = await fake.submit_modal(opened, {"ask:question": "why?"})
        assert (await submitted.final()).content == "asked: why?"

        assert (await (await fake.context_menu("Shout", menu)).final()).content == "PICK ONE"
        poked = await (await fake.context_menu("Poke", fake.admin_user)).final()
        assert poked.content == "poked alice"
        assert (await (await fake.slash("where", dm=True)).final()).content == "dm"

    run(scenario)


@pytest.mark.timeout(10)
def test_channel_reads_reactions_and_gateway_echo() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        echoed: list[str] = []

        async def record_echo(message: discord.Message) -> None:
            echoed.append(message.content)

        bot.add_listener(record_echo, "on_message")
        await (await fake.slash("search", {"query": "eph"})).final()
        first = await fake.user_message("first")
        asked = await fake.user_message("history please", author=fake.admin_user)
        reply = await asked.reply()
        # Newest first, user messages included, the interaction reply too.
        assert reply.content == "history please | first | "
        assert fake.message(asked.id).reactions == ["\N{EYES}"]
        assert first.id < asked.id
        await fake.wait_for_message(fake.channel, predicate=lambda m: m.id == reply.id)
        # With echo_bot_messages the bot also receives its own message as an event.
        for _ in range(50):
            if reply.content in echoed:
                break
            await asyncio.sleep(0.01)
        assert reply.content in echoed

    run(scenario, FakeDiscord(echo_bot_messages=True))


@pytest.mark.timeout(10)
def test_token_check_and_interaction_deadline() -> None:
    async def main() -> None:
        async with FakeDiscord(token="right", interaction_ack_deadline=0.0) as fake:
            with pytest.raises(ClientDied) as died:
                async with running_client(make_bot(), fake, token="wrong"):
                    pass
            assert isinstance(died.value.__cause__, discord.LoginFailure)
            bot = make_bot()
            async with running_client(bot, fake, token="right"):
                handle = await fake.slash("search", {"query": "late"})
                await asyncio.sleep(0.2)  # the bot answers after the (zero) deadline
                assert handle.record().callback is None
                late = fake.requests("POST", "/interactions/*")
                assert late and {r.status for r in late} == {404}

    asyncio.run(asyncio.wait_for(main(), 20))


@pytest.mark.timeout(10)
def test_mention_message_gets_a_reply() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        handle = await fake.mention_message("sockmap", author=fake.admin_user)
        reply = await handle.reply()
        assert reply.content == "you said: sockmap"
        assert reply.data["message_reference"]["message_id"] == str(handle.id)
        assert reply.mentions == []  # mention_author=False honoured

    run(scenario)


# -- uploads and faults ----------------------------------------------------------------------


@pytest.mark.timeout(10)
def test_multipart_uploads_are_recorded() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        reply = await (await fake.slash("upload")).final()
        assert reply.content == "here it is"
        assert reply.filenames == ["hello.txt"] and reply.file("hello.txt") == b"hello world"
        channel = bot.get_channel(fake.channel.id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("csv", file=discord.File(io.BytesIO(b"a,b\n"), "t.csv"))
        assert await sent.attachments[0].read() == b"a,b\n"
        recorded = fake.message(sent.id)
        assert recorded.file("t.csv") == b"a,b\n"
        (request,) = fake.requests("POST", f"/channels/{fake.channel.id}/messages")
        assert request.files[0].filename == "t.csv" and request.json["content"] == "csv"

    run(scenario)


@pytest.mark.timeout(10)
def test_forbidden_send_raises_in_the_client() -> None:
    world = default_world()
    guild = world.guilds[0]
    locked = guild.add_channel(
        "read-only", overwrites=[Overwrite(guild.role("Bot").id, allow=0, deny=Perm.SEND_MESSAGES)]
    )

    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        channel = bot.get_channel(fake.channel.id)
        assert isinstance(channel, discord.TextChannel)
        fake.fail_channel_sends(channel.id, 403)
        with pytest.raises(discord.Forbidden) as caught:
            await channel.send("nope")
        assert caught.value.code == 50013
        await channel.send("fine now")  # only the next request failed
        # Permission overwrites are enforced, and visible in the client's cache too.
        read_only = bot.get_channel(locked.id)
        assert isinstance(read_only, discord.TextChannel)
        assert not read_only.permissions_for(read_only.guild.me).send_messages
        with pytest.raises(discord.Forbidden):
            await read_only.send("blocked")
        fake.fail_channel_sends(channel.id, 404)
        with pytest.raises(discord.NotFound):
            await channel.send("gone")

    run(scenario, FakeDiscord(world))


@pytest.mark.timeout(10)
def test_server_error_is_retried() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        channel = bot.get_channel(fake.channel.id)
        assert isinstance(channel, discord.TextChannel)
        fake.fail_channel_sends(channel, 500)
        sent = await channel.send("eventually")  # discord.py sleeps 1 s, then retries
        assert fake.message(sent.id).content == "eventually"
        statuses = [r.status for r in fake.requests("POST", f"/channels/{channel.id}/messages")]
        assert statuses == [500, 200]

    run(scenario)


@pytest.mark.timeout(10)
def test_rate_limit_is_retried() -> None:
    async def scenario(fake: FakeDiscord, bot: commands.Bot) -> None:
        channel = bot.get_channel(fake.channel.id)
        assert isinstance(channel, discord.TextChannel)
        fake.fail_channel_sends(channel, Fault.rate_limited(0.05))
        await channel.send("after the limit")
        statuses = [r.status for r in fake.requests("POST", f"/channels/{channel.id}/messages")]
        assert statuses == [429, 200]
        # The interaction webhook path has its own retry logic; it also needs `Via`.
        fake.fail_next("POST", "/interactions/*", Fault.rate_limited(0.05))
        reply = await (await fake.slash("search", {"query": "rl"})).final()
        assert reply.embeds[0]["title"] == "Results for rl"
        assert [r.status for r in fake.requests("POST", "/interactions/*")] == [429, 200]

    run(scenario)


@pytest.mark.timeout(10)
def test_unknown_routes_are_recorded_and_404() -> None:
    async def main() -> None:
        async with FakeDiscord() as fake:
            bot = make_bot()
            async with running_client(bot, fake):
                with pytest.raises(discord.NotFound):
                    await bot.fetch_template("abc")
            (unknown,) = fake.unknown_requests()
            assert unknown.method == "GET" and unknown.path == "/guilds/templates/abc"
            with pytest.raises(AssertionError, match="templates"):
                fake.assert_no_unknown_requests()

    asyncio.run(asyncio.wait_for(main(), 20))


@pytest.mark.timeout(10)
def test_a_crashed_client_fails_waits_fast() -> None:
    async def main() -> None:
        async with FakeDiscord() as fake:
            bot = make_bot()
            with pytest.raises(ClientDied):
                async with running_client(bot, fake):
                    # A malformed payload kills discord.py's connection loop...
                    await fake.dispatch("INTERACTION_CREATE", {"type": 2})
                    started = time.monotonic()
                    # ...and the next wait reports that instead of timing out.
                    with pytest.raises(ClientDied):
                        await fake.wait_for_message(fake.channel, timeout=5)
                    assert time.monotonic() - started < 1

    asyncio.run(asyncio.wait_for(main(), 20))


# -- thread mode ---------------------------------------------------------------------------


@pytest.mark.timeout(15)
def test_thread_mode_with_a_client_on_another_thread() -> None:
    with FakeDiscordThread() as srv:
        bot = make_bot()
        ready = threading.Event()
        stop: list[asyncio.Event] = []
        errors: list[BaseException] = []

        async def client_main() -> None:
            stop.append(asyncio.Event())
            async with running_client(bot, srv):
                await bot.tree.sync()
                ready.set()
                await stop[0].wait()

        def client_thread() -> None:
            try:
                asyncio.run(client_main())
            except BaseException as exc:  # noqa: BLE001 - reported by the test thread
                errors.append(exc)
                ready.set()

        thread = threading.Thread(target=client_thread, daemon=True)
        thread.start()
        assert ready.wait(10) and not errors, errors

        # Plain sync code drives the bot through blocking proxies...
        message = srv.blocking.slash("counter").final()
        assert message.content == "count: 0"
        assert srv.blocking.press(message, "counter:inc").final().content == "count: 1"
        reply = srv.blocking.mention_message("hi").reply()
        assert reply.content == "you said: hi"
        assert len(srv.fake.messages_in(srv.fake.channel)) == 2  # thread-safe reader

        # ...and another event loop through the async proxy.
        async def from_other_loop() -> str:
            handle = await srv.aio.slash("search", {"query": "loop"})
            return (await handle.final()).embeds[0]["title"]

        assert asyncio.run(from_other_loop()) == "Results for loop"

        bot.loop.call_soon_threadsafe(stop[0].set)
        thread.join(10)
        assert not errors, errors


SUBPROCESS_BOT = textwrap.dedent(
    """
    import os

    import discord
    import discord.gateway
    import discord.http
    import yarl
    from discord import app_commands

    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)


    @tree.command(name="ping", description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"pong from {os.getpid()}")


    @client.event
    async def on_ready() -> None:
        await tree.sync()


    client.run(os.environ["DISCORD_TOKEN"], log_handler=None)
    """
)


@pytest.mark.timeout(20)
def test_thread_mode_with_a_subprocess_killed_and_restarted(tmp_path: Path) -> None:
    script = tmp_path / "tiny_bot.py"
    script.write_text(SUBPROCESS_BOT)
    with FakeDiscordThread(token="s3cret") as srv:
        env = {**os.environ, **srv.env()}

        def start() -> subprocess.Popen[bytes]:
            cursor = srv.fake.cursor()
            proc = subprocess.Popen([sys.executable, str(script)], env=env)
            srv.watch(lambda: ClientDied("bot exited") if proc.poll() is not None else None)
            srv.blocking.wait_for_sync(timeout=15, after=cursor)
            return proc

        proc = start()
        try:
            first = srv.blocking.slash("ping").final()
            assert first.content == f"pong from {proc.pid}"
            srv.fake.unwatch_all()
            proc.send_signal(signal.SIGKILL)
            proc.wait(5)
            proc = start()
            second = srv.blocking.slash("ping").final()
            assert second.content == f"pong from {proc.pid}"
            assert len(srv.fake.gateway_log("identify")) == 2
        finally:
            proc.kill()
            proc.wait(5)

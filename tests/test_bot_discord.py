"""The real bot (discord.py client) against the fake Discord: what users see.

Every test starts the bot with its cogs, lets it sync its commands, injects what a user
would do and asserts on the content of what came back.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from pathlib import Path

import discord
import pytest
from discord import app_commands
from fake_discord import EPHEMERAL, FakeDiscord, default_world
from test_bot_support import (
    SEEDS,
    assert_within_limits,
    button,
    run_bot,
    store_fixture,  # noqa: F401 - the `store` fixture
)

from bot.app import BpfBot
from bot.replies import ErrorReply
from index import QUERY_HELP, IndexStore, parse_paths

pytestmark = pytest.mark.timeout(60)

EXPECTED_COMMANDS = {
    "search", "patches", "topics", "issue", "stats", "help",
    "subscribe", "unsubscribe", "subscriptions", "announce", "reindex",
}


def option_map(command: dict) -> dict[str, dict]:
    return {option["name"]: option for option in command.get("options", [])}


# -- start-up and command sync -------------------------------------------------------------


def test_synced_command_set_and_options(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        (sync,) = fake.syncs()
        assert sync.guild_id is None
        commands = {command["name"]: command for command in sync.commands}
        assert set(commands) == EXPECTED_COMMANDS
        patches = option_map(commands["patches"])
        assert list(patches) == ["query", "author", "tree", "issue"]
        assert patches["query"]["required"] and patches["query"]["type"] == 3
        assert patches["author"]["autocomplete"] and patches["tree"]["autocomplete"]
        assert patches["issue"]["type"] == 4 and patches["issue"]["autocomplete"]
        assert not patches["author"].get("required")
        issue = option_map(commands["issue"])
        assert issue["number"]["type"] == 4 and not issue["number"].get("required")
        assert option_map(commands["search"])["query"]["required"]
        assert all(len(c["description"]) <= 100 for c in sync.commands)
        assert bot.synced == "global"
        # the bot asked for default intents only: no privileged message content
        identify = fake.gateway_log("identify")[0]
        assert identify["intents"] == discord.Intents.default().value
        assert not discord.Intents._from_value(identify["intents"]).message_content

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_global_commands_are_synced_again_only_when_they_change(
    store: IndexStore, tmp_path: Path
) -> None:
    async def first(fake: FakeDiscord, bot: BpfBot) -> None:
        assert len(fake.syncs()) == 1 and bot.synced == "global"

    async def second(fake: FakeDiscord, bot: BpfBot) -> None:
        assert fake.syncs() == [] and bot.synced == "unchanged"

    async def changed(fake: FakeDiscord, bot: BpfBot) -> None:
        assert bot.synced == "global"
        assert "extra" in {c["name"] for c in fake.syncs()[0].commands}

    world = default_world()  # the same application each time
    run_bot(first, store=store, data_dir=tmp_path, world=world)
    run_bot(second, store=store, data_dir=tmp_path, world=world)

    class ExtraBot(BpfBot):
        async def setup_hook(self) -> None:
            @app_commands.command(name="extra", description="A new command")
            async def extra(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("extra")

            self.tree.add_command(extra)
            await super().setup_hook()

    run_bot(changed, store=store, data_dir=tmp_path, world=world, bot_class=ExtraBot)

    async def other_application(fake: FakeDiscord, bot: BpfBot) -> None:
        assert bot.synced == "global"  # a new token/application gets its commands too

    run_bot(other_application, store=store, data_dir=tmp_path, bot_class=ExtraBot)


def test_dev_guild_gets_the_commands_at_every_start(store: IndexStore, tmp_path: Path) -> None:
    world = default_world()

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        (sync,) = fake.syncs()
        assert sync.guild_id == fake.guild.id and bot.synced == "guild"
        assert {c["name"] for c in fake.commands(fake.guild)} == EXPECTED_COMMANDS
        handle = await fake.slash("help")
        assert handle.payload["data"]["guild_id"] == str(fake.guild.id)
        assert (await handle.final()).embeds

    for _start in range(2):
        run_bot(scenario, store=store, data_dir=tmp_path, world=world,
                config={"dev_guild_id": world.guilds[0].id})


def test_bot_builds_a_missing_index_on_start(tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        assert bot.store.exists()
        reply = await (await fake.slash("search", {"query": "landlock"})).final()
        assert "Landlock" in reply.text()

    run_bot(scenario, store=None, data_dir=tmp_path / "fresh")
    assert (tmp_path / "fresh" / "index").is_dir()


# -- the commands' replies -----------------------------------------------------------------


def test_search_answers_with_linked_highlighted_hits(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        handle = await fake.slash("search", {"query": "sockmap"})
        assert (await handle.response()).type == 4
        reply = await handle.final()
        assert not reply.ephemeral
        assert "for “sockmap” in everything" in reply.content
        assert reply.allowed_mentions == {"parse": []}
        first = reply.embeds[0]
        assert "sockmap" in first["title"].lower()
        assert first["url"].startswith("http")
        assert "**sockmap**" in first["description"].lower()
        fields = {field["name"]: field["value"] for field in first["fields"]}
        assert fields["Issue"] == "#10 (2017-08-29)"
        assert fields["Tree"].startswith("net-next")
        assert first["author"]["name"] == "John Fastabend"
        assert "Series parts" in first["description"]
        assert_within_limits(reply)

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_patches_filters_by_author_and_tree_and_folds_series(
    store: IndexStore, tmp_path: Path
) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        options = {"query": "xdp", "author": "Daniel Borkmann", "tree": "net-next"}
        reply = await (await fake.slash("patches", options)).final()
        assert "author: Daniel Borkmann" in reply.content and "tree: net-next" in reply.content
        assert reply.embeds
        for embed in reply.embeds:
            assert embed["author"]["name"] == "Daniel Borkmann"
            assert embed["footer"]["text"].startswith("Patch")
            tree = {f["name"]: f["value"] for f in embed["fields"]}["Tree"]
            assert tree.startswith("net-next")

        landlock = await (await fake.slash("patches", {"query": "landlock"})).final()
        cover = landlock.embeds[0]
        assert "Landlock LSM" in cover["title"]
        assert "v7" in {f["name"]: f["value"] for f in cover["fields"]}["Tree"]
        assert "**Series parts** (10)" in cover["description"]
        assert_within_limits(landlock)

        in_issue = await (await fake.slash("patches", {"query": "bpf", "issue": 1})).final()
        assert all(
            {f["name"]: f["value"] for f in e["fields"]}["Issue"].startswith("#1")
            for e in in_issue.embeds
        )

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_topics_finds_talks_and_articles_not_patches(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        reply = await (await fake.slash("topics", {"query": "xdp"})).final()
        kinds = {embed["footer"]["text"].split(" · ")[0] for embed in reply.embeds}
        assert kinds and kinds <= {"Talk", "Slides", "Video", "Article", "Project", "Note"}
        assert "in topics" in reply.content

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_issue_card_defaults_to_the_latest(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        latest = await (await fake.slash("issue")).final()
        (card,) = latest.embeds
        assert card["title"] == "BPF Updates 12"
        assert card["url"] == "https://example.org/blog/2017/10/24/bpf-updates-12"
        fields = {field["name"]: field["value"] for field in card["fields"]}
        assert fields["Issue"] == "#12" and fields["Date"] == "2017-10-25"
        assert fields["Patches"] == "169"
        assert "Presentations > Talks: 5" in fields["Items per section"]
        assert fields["Top trees"].startswith("net-next (118)\nnet (13)")
        assert "cpumap" in card["description"]  # a highlight
        assert_within_limits(latest)

        numbered = await (await fake.slash("issue", {"number": 10})).final()
        assert numbered.embeds[0]["title"] == "BPF updates 10"  # as the issue spells it

    run_bot(
        scenario,
        store=store,
        data_dir=tmp_path,
        config={"newsletter_base_url": "https://example.org"},
    )


def test_unknown_issue_is_answered_privately_with_a_suggestion(
    store: IndexStore, tmp_path: Path
) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        reply = await (await fake.slash("issue", {"number": 11})).final()
        assert reply.ephemeral
        assert "no issue #11" in reply.content and "/issue 10" in reply.content

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_stats_attaches_a_chart(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        reply = await (await fake.slash("stats")).final(timeout=20)
        (embed,) = reply.embeds
        assert "**5** issues" in embed["description"]
        fields = {field["name"]: field["value"] for field in embed["fields"]}
        assert fields["Top authors"].startswith("Jakub Kicinski")
        assert fields["Top trees"].startswith("net-next (247)")
        assert "busiest #12 (169)" in fields["Patches per issue"]
        assert reply.filenames == ["patches-per-issue.png"]
        assert reply.file("patches-per-issue.png").startswith(b"\x89PNG")
        assert embed["image"]["url"].endswith("patches-per-issue.png")

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_help_lists_commands_and_the_query_language(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        reply = await (await fake.slash("help")).final()
        assert reply.ephemeral
        text = reply.text()
        for name in EXPECTED_COMMANDS:
            assert f"/{name}" in text
        for example in ("sockmap", "author:borkmann tree:net", "kind:slides xdp", "landlock",
                        "date:2017-05..2017-06"):
            assert f"`/search {example}`" in text
        assert QUERY_HELP.splitlines()[0] in text
        assert_within_limits(reply)

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_help_examples_find_something(store: IndexStore) -> None:
    from bot import answers
    from bot.replies import ResultPages

    for example, _ in answers.EXAMPLES:
        assert isinstance(answers.search(store, example), ResultPages), example


# -- autocomplete ----------------------------------------------------------------------------


def test_autocomplete_authors_trees_and_issues(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        authors = await fake.autocomplete(
            "patches", {"query": "xdp", "author": "bork"}, focused="author"
        )
        assert authors[0] == {"name": "Daniel Borkmann", "value": "Daniel Borkmann"}
        everyone = await fake.autocomplete("patches", {"query": "x", "author": ""},
                                           focused="author")
        assert len(everyone) == 25 and everyone[0]["value"] == store.authors()[0]
        fuzzy = await fake.autocomplete("patches", {"query": "x", "author": "starovoitv"},
                                        focused="author")
        assert fuzzy[0]["value"] == "Alexei Starovoitov"

        trees = await fake.autocomplete("patches", {"query": "x", "tree": "net"}, focused="tree")
        assert [choice["value"] for choice in trees][:2] == ["net", "net-next"]

        issues = await fake.autocomplete("patches", {"query": "x", "issue": "1"},
                                         focused="issue")
        assert [choice["value"] for choice in issues] == [1, 12, 10]
        assert issues[0]["name"].startswith("#1 · BPF Updates 01")
        latest = await fake.autocomplete("issue", {"number": ""}, focused="number")
        assert latest[0]["value"] == 12

    run_bot(scenario, store=store, data_dir=tmp_path)


# -- paging ------------------------------------------------------------------------------------


def test_paging_forward_and_back_and_strangers_are_refused(
    store: IndexStore, tmp_path: Path
) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        first = await (await fake.slash("search", {"query": "xdp"}, user=fake.plain_user)).final()
        # the first answer holds one page; turning past it fetches more results
        assert "page 1/1+" in first.content
        assert button(first, "Prev")["disabled"]
        assert button(first, "1/1+")["disabled"]
        first_titles = [embed["title"] for embed in first.embeds]

        forward = await fake.press(first, button(first, "Next")["custom_id"],
                                   user=fake.plain_user)
        assert (await forward.response()).type == 7
        second = await forward.final()
        assert second.id == first.id and "page 2/" in second.content
        assert [embed["title"] for embed in second.embeds] != first_titles
        assert not button(second, "Prev")["disabled"]
        assert button(second, "2/")["label"].startswith("2/")
        assert_within_limits(second)

        stranger = await fake.press(second, button(second, "Prev")["custom_id"],
                                    user=fake.admin_user)
        refusal = await stranger.response()
        assert refusal.type == 4 and refusal.data["flags"] & EPHEMERAL
        assert "run the command yourself" in refusal.data["content"]
        assert fake.message(first.id).content == second.content  # the page did not turn

        back = await fake.press(second, button(second, "Prev")["custom_id"],
                                user=fake.plain_user)
        again = await back.final()
        assert "page 1/" in again.content
        assert [embed["title"] for embed in again.embeds] == first_titles

        # forward to the very end: every page fits, and the last one has no Next
        page, number, seen = again, 1, set()
        while not button(page, "Next")["disabled"]:
            pressed = await fake.press(page, button(page, "Next")["custom_id"],
                                       user=fake.plain_user)
            page = await pressed.final()
            number += 1
            assert f"page {number}/" in page.content, page.content
            assert_within_limits(page)
            seen.update(embed["title"] for embed in page.embeds)
            assert number < 30
        assert number >= 3 and "+" not in button(page, f"{number}/")["label"]
        assert len(seen) >= 5 * (number - 2)


def test_page_buttons_are_disabled_when_they_time_out(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        first = await (await fake.slash("search", {"query": "xdp"})).final()
        assert not button(first, "Next")["disabled"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while loop.time() < deadline:
            current = fake.message(first.id)
            buttons = [c for c in current.all_components() if c.get("type") == 2]
            if buttons and all(c.get("disabled") for c in buttons):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the page buttons were never disabled")
        assert current.content == first.content and current.embeds == first.embeds

    run_bot(scenario, store=store, data_dir=tmp_path, page_timeout=0.3)


# -- asking by mention -------------------------------------------------------------------------


def test_a_mention_is_answered_like_search(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        handle = await fake.mention_message("sockmap redirect")
        reply = await handle.final()
        assert reply.data["message_reference"]["message_id"] == str(handle.id)
        assert "“sockmap redirect”" in reply.content
        assert "sockmap" in reply.embeds[0]["title"].lower()
        assert reply.allowed_mentions is not None and reply.allowed_mentions["parse"] == []
        assert reply.mentions == []
        assert_within_limits(reply)

        empty = await (await fake.mention_message("")).final()
        assert "Ask me with some words" in empty.content

        ignored_cursor = fake.cursor()
        await fake.user_message("sockmap without a mention")
        await asyncio.sleep(0.3)
        assert fake.messages_in(fake.channel, after=ignored_cursor) == []

    run_bot(scenario, store=store, data_dir=tmp_path)


# -- problems, answered kindly -----------------------------------------------------------------


def test_malformed_query_gets_a_friendly_private_explanation(
    store: IndexStore, tmp_path: Path
) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        reply = await (await fake.slash("search", {"query": "kind:bananas xdp"})).final()
        assert reply.ephemeral
        assert "unknown kind 'bananas'" in reply.content.lower() and "/help" in reply.content
        assert not reply.embeds

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_nothing_found_suggests_a_spelling(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        reply = await (await fake.slash("search", {"query": "sockmapp"})).final()
        assert reply.ephemeral
        assert reply.content.startswith("Nothing found for “sockmapp”")
        assert "Did you mean “sockmap”?" in reply.content

        author = await (await fake.slash(
            "patches", {"query": "verifier", "author": "Linus Torvalds"}
        )).final()
        assert author.ephemeral and "No author called “Linus Torvalds”" in author.content

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_everyone_and_role_mentions_never_ping(store: IndexStore, tmp_path: Path) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        role = fake.guild.roles[-1]
        query = f"@everyone <@&{role.id}> sockmap"
        reply = await (await fake.slash("search", {"query": query})).final()
        assert reply.allowed_mentions == {"parse": []}
        assert "@everyone" not in reply.content and "@\u200beveryone" in reply.content
        assert f"<@&{role.id}>" not in reply.content
        assert reply.mentions == [] and not reply.data.get("mention_everyone")

        asked = await (await fake.mention_message(f"@everyone <@&{role.id}> xdp")).final()
        assert asked.allowed_mentions is not None and asked.allowed_mentions["parse"] == []
        assert "@everyone" not in asked.content and asked.mentions == []

        nothing = await (await fake.slash("search", {"query": "@everyone zzqqxx"})).final()
        assert nothing.allowed_mentions == {"parse": []} and "@everyone" not in nothing.content

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_slow_work_is_deferred_and_private_errors_stay_private(
    store: IndexStore, tmp_path: Path
) -> None:
    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        handle = await fake.slash("search", {"query": "landlock"})
        assert (await handle.response()).type == 5
        reply = await handle.final()
        assert not reply.loading and "Landlock" in reply.text()

        bad = await fake.slash("search", {"query": "kind:bananas"})
        assert (await bad.response()).type == 5
        (followup,) = await bad.followups(1)
        assert followup.ephemeral and "unknown kind" in followup.content.lower()
        placeholder = fake.message(bad.record().original_message_id)
        assert placeholder.deleted  # the public "thinking..." did not stay behind

    run_bot(scenario, store=store, data_dir=tmp_path, defer_after=0.0)


def test_a_slow_answer_is_deferred_and_never_holds_up_others(
    store: IndexStore, tmp_path: Path
) -> None:
    class SlowBot(BpfBot):
        async def setup_hook(self) -> None:
            @app_commands.command(name="slowpoke", description="A command whose work is slow")
            async def slowpoke(interaction: discord.Interaction) -> None:
                def work() -> ErrorReply:
                    time.sleep(2.0)  # a slow search, in the worker thread
                    return ErrorReply("finally done")

                await self.answer(interaction, work)

            self.tree.add_command(slowpoke)
            await super().setup_hook()

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        loop = asyncio.get_running_loop()
        slow = await fake.slash("slowpoke")
        started = loop.time()
        quick = await (await fake.slash("issue", {"number": 12})).final(settle_for=0.0)
        assert loop.time() - started < 1.2  # answered while the slow work runs
        assert quick.embeds[0]["title"] == "BPF Updates 12"
        assert (await slow.response()).type == 5  # deferred within Discord's 3 s
        (answer,) = await slow.followups(1, timeout=5)
        assert answer.ephemeral and answer.content == "finally done"

    run_bot(scenario, store=store, data_dir=tmp_path, bot_class=SlowBot,
            fake_options={"interaction_ack_deadline": 3.0})


def test_longest_real_entries_reach_discord_within_limits(
    store: IndexStore, tmp_path: Path
) -> None:
    archive = parse_paths([SEEDS])
    patches = [patch for issue in archive.issues for patch in issue.patches]
    longest = max(patches, key=lambda patch: len(patch.subject))
    biggest_series = max(
        (
            (sum(part.parent == position for part in issue.patches), issue.patches[position])
            for issue in archive.issues
            for position in range(len(issue.patches))
        ),
        key=lambda pair: pair[0],
    )[1]

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        for patch in (longest, biggest_series):
            query = " ".join(re.findall(r"[a-z][a-z0-9]{3,}", patch.subject.lower())[:4])
            reply = await (await fake.slash("patches", {"query": query})).final()
            assert reply.embeds, (query, reply.content)
            assert_within_limits(reply)

    run_bot(scenario, store=store, data_dir=tmp_path)


def test_unexpected_errors_are_logged_and_answered_politely(
    store: IndexStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class FaultyBot(BpfBot):
        async def setup_hook(self) -> None:
            @app_commands.command(name="explode", description="Always fails")
            async def explode(interaction: discord.Interaction) -> None:
                raise RuntimeError("kaboom")

            self.tree.add_command(explode)
            await super().setup_hook()

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        reply = await (await fake.slash("explode")).final()
        assert reply.ephemeral and reply.content.startswith("Sorry, something went wrong")
        assert "kaboom" not in reply.content

    with caplog.at_level(logging.ERROR, logger="bot"):
        run_bot(scenario, store=store, data_dir=tmp_path, bot_class=FaultyBot)
    logged = [r for r in caplog.records if r.name == "bot.errors"]
    assert logged and "/explode" in logged[0].getMessage()
    assert "kaboom" in str(logged[0].exc_info[1])

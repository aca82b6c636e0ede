"""Subscriptions and announcements through the real bot and the fake Discord: who may
subscribe, what an announcement looks like, exactly once across restarts and faults.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from fake_discord import FakeDiscord, Fault, Overwrite, Perm, running_client
from test_bot_news_support import (
    LATEST,
    POLL,
    add_issue,
    copy_archive,
    news_config,
    news_world,
    posts,
    settle,
    subscribe,
    until,
)
from test_bot_support import (
    assert_within_limits,
    index_data_dir_fixture,  # noqa: F401 - the `index_data_dir` fixture
    run_bot,
)

from bot.announcer import announcement_nonce
from bot.app import BpfBot
from bot.config import Config
from bot.state import STATE_FILE, State

pytestmark = pytest.mark.timeout(60)

NEW = LATEST + 1


@pytest.fixture
def archive(index_data_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(seeds, data dir): this test's own copy of the archive and its index."""
    return copy_archive(index_data_dir, tmp_path)


# -- who may do what -----------------------------------------------------------------------


def test_commands_are_synced_guild_only_with_default_permissions(
    archive: tuple[Path, Path]
) -> None:
    seeds, data_dir = archive

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        (sync,) = fake.syncs()
        commands = {command["name"]: command for command in sync.commands}
        assert {"subscribe", "unsubscribe", "subscriptions", "announce", "reindex"} <= set(
            commands
        )
        for name, bits in [("subscribe", Perm.MANAGE_CHANNELS),
                           ("unsubscribe", Perm.MANAGE_CHANNELS),
                           ("announce", Perm.MANAGE_GUILD), ("reindex", Perm.MANAGE_GUILD)]:
            assert int(commands[name]["default_member_permissions"]) == bits, name
        for name in ("subscribe", "unsubscribe", "subscriptions", "announce", "reindex"):
            assert commands[name]["contexts"] == [0], name  # guild only
        assert commands["subscriptions"].get("default_member_permissions") is None
        subscribe_options = {o["name"]: o for o in commands["subscribe"]["options"]}
        assert subscribe_options["channel"]["type"] == 7
        assert subscribe_options["role"]["type"] == 8
        assert not subscribe_options["channel"].get("required")

    run_bot(scenario, store=None, data_dir=data_dir, config=news_config(seeds))


def test_members_without_the_permissions_are_refused_kindly(archive: tuple[Path, Path]) -> None:
    seeds, data_dir = archive
    world, news, _releases, _fans = news_world()

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        handle = await fake.slash("subscribe", {"channel": news}, user=fake.plain_user)
        member_permissions = int(handle.payload["member"]["permissions"])
        assert not member_permissions & Perm.MANAGE_CHANNELS  # what Discord told the bot
        refusal = await handle.final()
        assert refusal.ephemeral
        assert refusal.content == (
            "You need the Manage Channels permission to use /subscribe."
        )
        unsubscribe = await (await fake.slash("unsubscribe", user=fake.plain_user)).final()
        assert unsubscribe.ephemeral and "Manage Channels" in unsubscribe.content

        for command, options in (("reindex", None), ("announce", {"issue": 12, "channel": news})):
            handle = await fake.slash(command, options, user=fake.plain_user)
            assert not int(handle.payload["member"]["permissions"]) & Perm.MANAGE_GUILD
            reply = await handle.final()
            assert reply.ephemeral
            assert reply.content == (
                "Only members with the Manage Server permission, or the bot's owners, "
                f"can use /{command}."
            )
        assert posts(fake, news) == []
        assert bot.state.subscriptions() == []

        # a server member with Manage Channels but not Manage Server may subscribe only
        allowed = await subscribe(fake, news, user=fake.plain_user,
                                  permissions=Perm.EVERYONE_DEFAULT | Perm.MANAGE_CHANNELS)
        assert allowed.content.startswith(f"Subscribed: <#{news.id}>")

        dm = await (await fake.slash("subscriptions", dm=True)).final()
        assert dm.ephemeral and dm.content == (
            "That command works in a server only, not in direct messages."
        )

    run_bot(scenario, store=None, data_dir=data_dir, world=world, config=news_config(seeds))


def test_a_bot_owner_without_manage_server_may_announce(archive: tuple[Path, Path]) -> None:
    seeds, data_dir = archive
    world, news, _releases, _fans = news_world()
    bob = world.user("bob")

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        reply = await (await fake.slash("announce", {"issue": 12, "channel": news},
                                        user=bob)).final()
        assert reply.ephemeral and reply.content.startswith(f"Announced issue #12 in <#{news.id}>")
        (post,) = posts(fake, news)
        assert post.embeds[0]["title"] == "BPF Updates 12"

    run_bot(scenario, store=None, data_dir=data_dir, world=world,
            config=news_config(seeds, owner_ids=frozenset({bob.id})))


def test_subscribe_checks_the_bot_can_post_embeds_there(archive: tuple[Path, Path]) -> None:
    seeds, data_dir = archive
    world, news, _releases, _fans = news_world()
    guild = world.guilds[0]
    bot_role = guild.role("Bot")
    no_embeds = guild.add_channel(
        "no-embeds", overwrites=[Overwrite(bot_role.id, deny=Perm.EMBED_LINKS)]
    )
    hidden = guild.add_channel(
        "hidden", overwrites=[Overwrite(guild.id, deny=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)]
    )

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        reply = await subscribe(fake, no_embeds)
        assert reply.ephemeral
        assert reply.content.startswith(
            f"I can't post announcements in <#{no_embeds.id}>: I'm missing the "
            "**Embed Links** permission there."
        )
        reply = await subscribe(fake, hidden)
        assert ("missing the **View Channel**, **Send Messages** and **Embed Links** "
                "permissions there") in reply.content
        everyone = await subscribe(fake, news, guild.everyone)
        assert everyone.ephemeral and "I won't ping the whole server" in everyone.content
        assert bot.state.subscriptions() == []

    run_bot(scenario, store=None, data_dir=data_dir, world=world, config=news_config(seeds))


# -- announcing new issues -----------------------------------------------------------------


def test_a_new_issue_is_announced_once_in_every_subscribed_channel(
    archive: tuple[Path, Path]
) -> None:
    seeds, data_dir = archive
    world, news, releases, fans = news_world()
    config = news_config(seeds)

    async def first_run(fake: FakeDiscord, bot: BpfBot) -> None:
        with_role = await subscribe(fake, news, fans)
        assert not with_role.ephemeral
        assert with_role.content.startswith(
            f"Subscribed: <#{news.id}> will get each new issue of BPF Updates, pinging "
            f"<@&{fans.id}>."
        )
        assert "not re-posted" in with_role.content and "The latest is #12" in with_role.content
        assert with_role.allowed_mentions == {"parse": []}  # the confirmation pings nobody
        plain = await subscribe(fake, releases)
        assert plain.content.startswith(f"Subscribed: <#{releases.id}> will get each new issue")
        await settle()
        assert posts(fake, news) == [] and posts(fake, releases) == []  # no back-fill

        loop = asyncio.get_running_loop()
        dropped_at = loop.time()
        add_issue(seeds, NEW)
        first = await fake.wait_for_message(news, timeout=10)
        other = await fake.wait_for_message(releases, timeout=10)
        # noticed within the poll interval (plus the index update and the round trip)
        assert loop.time() - dropped_at < POLL + 3.0

        assert first.content == f"<@&{fans.id}>"
        assert first.allowed_mentions == {"parse": [], "roles": [fans.id]}
        assert first.data["mention_roles"] == [str(fans.id)]
        assert first.mentions == [] and not first.data["mention_everyone"]
        assert other.content == "" and other.allowed_mentions == {"parse": []}
        assert other.data["mention_roles"] == []
        for message, channel in ((first, news), (other, releases)):
            (embed,) = message.embeds
            assert embed["title"] == f"BPF Updates {NEW}"
            assert embed["url"] == f"https://example.org/blog/2017/10/24/bpf-updates-{NEW}"
            fields = {field["name"]: field["value"] for field in embed["fields"]}
            assert fields["Issue"] == f"#{NEW}" and fields["Date"] == "2017-10-25"
            assert fields["Patches"] == (
                "169 patches, top trees: net-next (118), net (13), llvm (11)"
            )
            assert embed["description"].startswith("**Highlights**\n• Generic metadata")
            assert "cpumap" in embed["description"]
            assert message.payloads[0]["nonce"] == announcement_nonce(NEW, channel.id)
            assert message.payloads[0]["enforce_nonce"] is True
            assert_within_limits(message)

        await settle()
        assert len(posts(fake, news)) == 1 and len(posts(fake, releases)) == 1
        listing = await (await fake.slash("subscriptions")).final()
        assert listing.ephemeral
        (embed,) = listing.embeds
        assert embed["title"] == "Subscriptions in Test Guild"
        lines = embed["description"].splitlines()
        assert lines[0].startswith(f"<#{news.id}> · pings <@&{fans.id}> · active since 20")
        assert lines[1].startswith(f"<#{releases.id}> · active since 20")

    async def after_restart(fake: FakeDiscord, bot: BpfBot) -> None:
        await settle(10)
        assert posts(fake, news) == [] and posts(fake, releases) == []
        assert [(a.issue_number, a.state) for a in bot.state.announcements()] == [
            (NEW, "sent"), (NEW, "sent")
        ]

    run_bot(first_run, store=None, data_dir=data_dir, world=world, config=config)
    run_bot(after_restart, store=None, data_dir=data_dir, world=world, config=config)


def test_first_start_drafts_and_edits_announce_nothing(archive: tuple[Path, Path]) -> None:
    seeds, data_dir = archive
    world, news, _releases, _fans = news_world()
    # A subscription already in a state that has never looked at the archive.
    state = State.open_in(data_dir)
    state.subscribe(world.guilds[0].id, news.id, None, None)
    assert not state.has_baseline()
    state.close()

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        await settle()
        assert posts(fake, news) == []  # the existing archive is the baseline
        assert bot.state.has_baseline()
        assert bot.state.known_issue_numbers() == {2, 3, 10, 12}  # #1 is a draft

        add_issue(seeds, NEW, draft=True)
        await settle()
        assert posts(fake, news) == []  # drafts are not announced

        edited = add_issue(seeds, NEW)  # published now
        await fake.wait_for_message(news, timeout=10)
        edited.write_text(edited.read_text().replace("cpumap", "cpu map"))  # a typo fixed
        await settle()
        assert len(posts(fake, news)) == 1

    run_bot(scenario, store=None, data_dir=data_dir, world=world, config=news_config(seeds))


# -- faults ----------------------------------------------------------------------------------


def test_a_forbidden_or_deleted_channel_is_disabled_and_never_blocks_the_others(
    archive: tuple[Path, Path]
) -> None:
    seeds, data_dir = archive
    world, news, releases, _fans = news_world()
    guild = world.guilds[0]
    doomed = guild.add_channel("doomed")

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        for channel in (news, releases, doomed):
            await subscribe(fake, channel)
        # `news` answers 403; `doomed` is deleted (the bot hears of it, then Discord 404s)
        fake.fail_channel_sends(news, Fault.forbidden())
        guild.channels.remove(doomed)
        await fake.dispatch("CHANNEL_DELETE", doomed.to_payload(), guild_id=guild.id)
        add_issue(seeds, NEW)

        delivered = await fake.wait_for_message(releases, timeout=10)
        assert delivered.embeds[0]["title"] == f"BPF Updates {NEW}"
        await settle()
        assert posts(fake, news) == [] and len(posts(fake, releases)) == 1
        assert fake.requests("GET", f"/channels/{doomed.id}")[0].status == 404

        subscriptions = {s.channel_id: s for s in bot.state.subscriptions()}
        assert not subscriptions[news.id].active
        assert subscriptions[news.id].disabled_reason == "403 Forbidden (Missing Permissions)"
        assert subscriptions[doomed.id].disabled_reason == "404 Not Found (Unknown Channel)"
        assert subscriptions[releases.id].active

        listing = await (await fake.slash("subscriptions")).final()
        (embed,) = listing.embeds
        lines = {line.split(" · ")[0]: line for line in embed["description"].splitlines()}
        assert lines[f"<#{news.id}>"].endswith(
            "· **disabled on " + subscriptions[news.id].disabled_at[:10]
            + ": 403 Forbidden (Missing Permissions)**"
        )
        assert "404 Not Found (Unknown Channel)" in lines[f"<#{doomed.id}>"]
        assert lines[f"<#{releases.id}>"].endswith("· active since " + subscriptions[
            releases.id].created_at[:10])
        assert embed["footer"]["text"] == "Run /subscribe in a disabled channel to re-enable it."

        again = await subscribe(fake, news)
        assert again.content.startswith(
            f"Re-enabled: <#{news.id}> will get new issues again (it was disabled: "
            "403 Forbidden (Missing Permissions))."
        )
        assert bot.state.subscription(news.id).active
        await settle()
        assert posts(fake, news) == []  # re-enabling does not back-fill

    run_bot(scenario, store=None, data_dir=data_dir, world=world, config=news_config(seeds))


def test_server_errors_and_rate_limits_are_retried_and_announce_once(
    archive: tuple[Path, Path]
) -> None:
    seeds, data_dir = archive
    world, news, releases, _fans = news_world()
    limited = world.guilds[0].add_channel("limited")

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        for channel in (news, releases, limited):
            await subscribe(fake, channel)
        fake.fail_channel_sends(news, Fault.server_error())  # discord.py retries it itself
        fake.fail_channel_sends(releases, Fault.server_error(503), Fault.server_error(503))
        fake.fail_channel_sends(limited, Fault.rate_limited(0.05))
        add_issue(seeds, NEW)
        for channel in (news, releases, limited):
            await fake.wait_for_message(channel, timeout=15)
        await settle()
        for channel in (news, releases, limited):
            assert len(posts(fake, channel)) == 1, channel.name
            statuses = [r.status for r in fake.requests("POST", f"/channels/{channel.id}/messages")]
            expected = {"news": [500, 200], "releases": [503, 503, 200],
                        "limited": [429, 200]}[channel.name]
            assert statuses == expected, (channel.name, statuses)
        assert fake.pending_faults() == 0
        sent = {a.channel_id: a for a in bot.state.announcements(NEW)}
        assert {a.state for a in sent.values()} == {"sent"}
        assert sent[releases.id].attempts == 3  # two backed-off failures, then the post
        assert all(s.active for s in bot.state.subscriptions())

    run_bot(scenario, store=None, data_dir=data_dir, world=world, config=news_config(seeds))


def test_an_announcement_interrupted_by_a_restart_is_completed_after_it(
    archive: tuple[Path, Path]
) -> None:
    seeds, data_dir = archive
    world, news, _releases, _fans = news_world()
    config = news_config(seeds)

    async def failing(fake: FakeDiscord, bot: BpfBot) -> None:
        await subscribe(fake, news)
        fake.fail_channel_sends(news, *[Fault.server_error(503)] * 100)
        add_issue(seeds, NEW)
        await fake.wait_for_request("POST", f"/channels/{news.id}/messages", timeout=10)
        pending = await until(lambda: bot.state.announcement(NEW, news.id).attempts and
                              bot.state.announcement(NEW, news.id))
        assert pending.state == "pending"
        assert pending.last_error == "503 Service Unavailable (503: Internal Server Error)"

    async def restarted(fake: FakeDiscord, bot: BpfBot) -> None:
        message = await fake.wait_for_message(news, timeout=5)  # on the first tick
        assert message.embeds[0]["title"] == f"BPF Updates {NEW}"
        await settle()
        assert len(posts(fake, news)) == 1
        assert bot.state.announcement(NEW, news.id).message_id == message.id

    run_bot(failing, store=None, data_dir=data_dir, world=world, config=config)
    run_bot(restarted, store=None, data_dir=data_dir, world=world, config=config)


def test_a_send_whose_record_was_lost_is_not_posted_twice(archive: tuple[Path, Path]) -> None:
    """A crash between Discord accepting the post and the bot recording it: the retry
    carries the same nonce, so Discord hands back the first message."""
    seeds, data_dir = archive
    world, news, _releases, _fans = news_world()

    def make_bot(settings: dict) -> BpfBot:
        return BpfBot(Config(**settings), guild_ready_timeout=0.05)

    async def main() -> None:
        async with FakeDiscord(world) as fake:
            settings = {"token": "fake-token", "data_dir": data_dir, "api_base": fake.api_base,
                        "gateway_url": fake.gateway_url, **news_config(seeds)}
            async with running_client(make_bot(settings), fake):
                await subscribe(fake, news)
                add_issue(seeds, NEW)
                first = await fake.wait_for_message(news, timeout=10)
            fake.unwatch_all()  # that bot stopped on purpose
            with sqlite3.connect(data_dir / STATE_FILE) as db:  # the record is lost
                db.execute("UPDATE announcements SET state = 'pending', message_id = NULL")
            async with running_client(make_bot(settings), fake) as bot:
                await fake.wait_for_request("POST", f"/channels/{news.id}/messages",
                                            after=first.created_seq, timeout=5)
                await settle()
                assert posts(fake, news) == [first]
                recorded = bot.state.announcement(NEW, news.id)
                assert (recorded.state, recorded.message_id) == ("sent", first.id)
            fake.assert_no_unknown_requests()

    asyncio.run(asyncio.wait_for(main(), 40))


# -- /announce, /unsubscribe ---------------------------------------------------------------


def test_announce_posts_one_issue_to_one_channel_once(archive: tuple[Path, Path]) -> None:
    seeds, data_dir = archive
    world, news, releases, fans = news_world()

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        await subscribe(fake, news, fans)
        handle = await fake.slash("announce", {"issue": 12, "channel": news},
                                  user=fake.admin_user)
        assert (await handle.response()).type == 5  # deferred privately at once
        reply = await handle.final()
        (post,) = posts(fake, news)
        assert reply.ephemeral and reply.content == (
            f"Announced issue #12 in <#{news.id}>: "
            f"https://discord.com/channels/{world.guilds[0].id}/{news.id}/{post.id}"
        )
        assert post.embeds[0]["title"] == "BPF Updates 12"
        assert post.content == f"<@&{fans.id}>"  # the channel's subscription pings its role
        assert posts(fake, releases) == []

        again = await (await fake.slash("announce", {"issue": 12, "channel": news},
                                        user=fake.admin_user)).final()
        assert again.ephemeral and again.content == (
            f"Issue #12 was already announced in <#{news.id}>; it is posted there only once."
        )
        unknown = await (await fake.slash("announce", {"issue": 11, "channel": releases},
                                          user=fake.admin_user)).final()
        assert unknown.content == "There is no issue #11; the archive has issues #1 to #12."
        draft = await (await fake.slash("announce", {"issue": 1, "channel": releases},
                                        user=fake.admin_user)).final()
        assert draft.content == "Issue #1 is a draft; drafts are not announced."

        # an unsubscribed channel gets it without a ping; a 403 there is reported
        other = await (await fake.slash("announce", {"issue": 10, "channel": releases},
                                        user=fake.admin_user)).final()
        assert other.content.startswith(f"Announced issue #10 in <#{releases.id}>")
        (post,) = posts(fake, releases)
        assert post.content == "" and post.allowed_mentions == {"parse": []}
        fake.fail_channel_sends(releases, Fault.forbidden())
        refused = await (await fake.slash("announce", {"issue": 12, "channel": releases},
                                          user=fake.admin_user)).final()
        assert refused.content == (
            f"I couldn't post issue #12 in <#{releases.id}>: 403 Forbidden (Missing "
            "Permissions)."
        )
        assert len(posts(fake, news)) == 1 and len(posts(fake, releases)) == 1

        choices = await fake.autocomplete("announce", {"issue": "1", "channel": news},
                                          focused="issue", user=fake.admin_user)
        assert [choice["value"] for choice in choices] == [1, 12, 10]

    run_bot(scenario, store=None, data_dir=data_dir, world=world, config=news_config(seeds))


def test_unsubscribe_stops_the_announcements(archive: tuple[Path, Path]) -> None:
    seeds, data_dir = archive
    world, news, releases, _fans = news_world()

    async def scenario(fake: FakeDiscord, bot: BpfBot) -> None:
        await subscribe(fake, news)
        await subscribe(fake, releases)
        gone = await (await fake.slash("unsubscribe", {"channel": news},
                                       user=fake.admin_user)).final()
        assert not gone.ephemeral
        assert gone.content == f"Unsubscribed: <#{news.id}> will not get new issues any more."
        twice = await (await fake.slash("unsubscribe", {"channel": news},
                                        user=fake.admin_user)).final()
        assert twice.ephemeral
        assert twice.content == f"<#{news.id}> is not subscribed, so there is nothing to stop."
        here = await (await fake.slash("unsubscribe", user=fake.admin_user,
                                       channel=releases)).final()
        assert here.content.startswith(f"Unsubscribed: <#{releases.id}>")  # the default

        listing = await (await fake.slash("subscriptions")).final()
        assert listing.ephemeral and listing.content == (
            "No channel in Test Guild is subscribed yet; `/subscribe` sets one up."
        )
        add_issue(seeds, NEW)
        await settle(10)
        assert posts(fake, news) == [] and posts(fake, releases) == []
        assert NEW in bot.state.known_issue_numbers()  # seen, announced nowhere

    run_bot(scenario, store=None, data_dir=data_dir, world=world, config=news_config(seeds))

"""The announcer's delivery rules with a `send` supplied by the test (as every front end
supplies its own): who gets what, when a channel is disabled, retried or given up."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path

import pytest
from test_bot_support import store_fixture  # noqa: F401 - the `store` fixture

from bot.announcer import (
    MAX_ATTEMPTS,
    ChannelGone,
    TryLater,
    announcement_nonce,
    deliver_due,
    rebuild_archive,
    reindex_interrupted,
    retry_delay,
)
from bot.state import State
from index import BuildInProgress, IndexStore


@pytest.fixture
def state(tmp_path: Path):
    opened = State.open_in(tmp_path)
    opened.record_issues([])  # the baseline: an empty archive
    yield opened
    opened.close()


class Outbox:
    """A `send` that posts into lists, failing for the channels told to."""

    def __init__(self, failures: dict[int, Exception] | None = None) -> None:
        self.failures = failures or {}
        self.sent: list[tuple[int, int, str]] = []
        self.tries: list[int] = []

    async def __call__(self, announcement, summary) -> int:
        self.tries.append(announcement.channel_id)
        if announcement.channel_id in self.failures:
            raise self.failures[announcement.channel_id]
        self.sent.append((announcement.issue_number, announcement.channel_id, summary.title))
        return 1000 + len(self.sent)


def deliver(state: State, store: IndexStore, outbox: Outbox, **options) -> object:
    return asyncio.run(deliver_due(state, store, outbox, **options))


def test_each_channel_gets_each_new_issue_once_oldest_first(state, store) -> None:
    for channel in (100, 200):
        state.subscribe(1, channel, None, 7)
    assert state.record_issues([(10, "BPF updates 10"), (12, "BPF Updates 12")]) == [10, 12]
    outbox = Outbox()
    report = deliver(state, store, outbox)
    assert outbox.sent == [(10, 100, "BPF updates 10"), (10, 200, "BPF updates 10"),
                           (12, 100, "BPF Updates 12"), (12, 200, "BPF Updates 12")]
    assert report.sent == [(10, 100), (10, 200), (12, 100), (12, 200)]
    assert deliver(state, store, Outbox()).sent == []  # nothing twice
    assert state.announcement(12, 200).message_id == 1004


def test_a_gone_channel_is_disabled_once_and_the_others_still_get_theirs(state, store) -> None:
    for channel in (100, 200):
        state.subscribe(1, channel, None, 7)
    state.record_issues([(10, "ten"), (12, "twelve")])
    outbox = Outbox({100: ChannelGone("403 Forbidden (Missing Permissions)")})
    report = deliver(state, store, outbox)
    assert outbox.tries.count(100) == 1  # not tried again for the second issue
    assert [(issue, channel) for issue, channel, _ in outbox.sent] == [(10, 200), (12, 200)]
    assert report.disabled == [(100, "403 Forbidden (Missing Permissions)")]
    assert [a.state for a in state.announcements() if a.channel_id == 100] == ["dropped"] * 2


def test_transient_failures_back_off_then_give_up(state, store) -> None:
    state.subscribe(1, 100, None, 7)
    state.record_issues([(12, "twelve")])
    outbox = Outbox({100: TryLater("503 Service Unavailable")})
    report = deliver(state, store, outbox, first_retry=3600)
    assert report.retrying == [(12, 100, "503 Service Unavailable")]
    assert deliver(state, store, outbox).retrying == []  # not due for an hour
    assert [retry_delay(n, 15) for n in (1, 2, 3, 10)] == [15, 30, 60, 1800]

    for _ in range(MAX_ATTEMPTS - 2):
        state.retry_pending_now()
        deliver(state, store, outbox, first_retry=0)
    state.retry_pending_now()
    report = deliver(state, store, outbox)
    assert report.dropped == [(12, 100, f"gave up after {MAX_ATTEMPTS} attempts: "
                               "503 Service Unavailable")]
    assert state.announcement(12, 100).state == "dropped"
    assert state.subscription(100).active  # the channel itself is fine


def test_each_front_end_delivers_only_its_own_channels(state, store) -> None:
    state.subscribe(0, 0, None, None)  # the console
    state.subscribe(1, 100, None, 7)
    state.record_issues([(12, "twelve")])
    discord_side = Outbox()
    deliver(state, store, discord_side, accept=lambda channel: channel != 0)
    assert [channel for _, channel, _ in discord_side.sent] == [100]
    console_side = Outbox()
    deliver(state, store, console_side, accept=lambda channel: channel == 0)
    assert [channel for _, channel, _ in console_side.sent] == [0]


def test_an_issue_gone_from_the_archive_is_dropped(state, store) -> None:
    state.subscribe(1, 100, None, 7)
    state.record_issues([(99, "never indexed")])
    report = deliver(state, store, Outbox())
    assert report.dropped == [(99, 100, "the issue is no longer in the archive")]


def test_nonces_are_short_stable_and_distinct() -> None:
    nonce = announcement_nonce(12, 100)
    assert len(nonce) <= 25 and nonce == announcement_nonce(12, 100)
    assert len({nonce, announcement_nonce(12, 101), announcement_nonce(13, 100)}) == 3


def test_a_rebuild_blocked_by_another_writer_leaves_no_mark(state, tmp_path) -> None:
    data_dir = tmp_path / "other"
    (data_dir / "index").mkdir(parents=True)
    # another process (say `python -m index build`) holds the index's writer lock
    fd = os.open(data_dir / "index" / "writer.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    store = IndexStore(data_dir)
    try:
        with pytest.raises(BuildInProgress):
            rebuild_archive(store, state, [tmp_path])
    finally:
        os.close(fd)
        store.close()
    assert reindex_interrupted(state) is None

"""The SQLite state: subscriptions, baseline, exactly-once announcement bookkeeping."""

from __future__ import annotations

import sqlite3

import pytest

from bot.state import SCHEMA_VERSION, STATE_FILE, State, StateError


@pytest.fixture
def state(tmp_path):
    opened = State.open_in(tmp_path)
    yield opened
    opened.close()


def test_first_look_at_the_archive_is_a_baseline_not_an_announcement(state):
    state.subscribe(1, 100, None, 7)
    assert state.record_issues([(1, "one"), (2, "two")]) == []
    assert state.announcements() == []
    assert state.record_issues([(1, "one"), (2, "two"), (3, "three")]) == [3]
    assert [(a.issue_number, a.channel_id, a.state) for a in state.announcements()] == [
        (3, 100, "pending")
    ]
    # Seeing the same archive again queues nothing more.
    assert state.record_issues([(1, "one"), (2, "two"), (3, "three")]) == []
    assert len(state.announcements()) == 1


def test_a_channel_subscribed_later_gets_only_issues_new_after_it(state):
    state.record_issues([(1, "one")])
    state.subscribe(1, 100, None, 7)
    state.record_issues([(1, "one"), (2, "two")])
    state.subscribe(1, 200, 55, 7)
    state.record_issues([(1, "one"), (2, "two"), (3, "three")])
    pairs = [(a.issue_number, a.channel_id, a.role_id) for a in state.due_announcements()]
    assert pairs == [(2, 100, None), (3, 100, None), (3, 200, 55)]


def test_sent_is_final_and_disabled_channels_drop_their_pending(state):
    state.record_issues([])
    state.subscribe(1, 100, None, 7)
    state.subscribe(1, 200, None, 7)
    state.record_issues([(5, "five")])
    state.mark_sent(5, 100, 999)
    state.disable(200, "403 Forbidden: Missing Permissions")
    assert state.due_announcements() == []
    sub = state.subscription(200)
    assert not sub.active and "Missing Permissions" in sub.disabled_reason
    assert state.queue_announcement(5, 100) is False  # already sent there
    # Re-subscribing re-enables without backfilling issue 5.
    state.subscribe(1, 200, None, 7)
    assert state.subscription(200).active
    assert state.due_announcements() == []


def test_retry_waits_for_its_time(state):
    state.record_issues([])
    state.subscribe(1, 100, None, 7)
    state.record_issues([(5, "five")])
    assert state.mark_retry(5, 100, "503", delay=3600) == 1
    assert state.due_announcements() == []
    assert len(state.announcements(5)) == 1


def test_state_survives_reopening(tmp_path):
    first = State.open_in(tmp_path)
    first.record_issues([(1, "one")])
    first.subscribe(1, 100, 9, 7)
    first.close()
    again = State.open_in(tmp_path)
    assert again.has_baseline()
    assert again.known_issue_numbers() == {1}
    assert again.subscription(100).role_id == 9
    with sqlite3.connect(tmp_path / STATE_FILE) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again.close()


def test_a_corrupt_state_file_is_named_moved_aside_and_replaced(tmp_path, caplog):
    (tmp_path / STATE_FILE).write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match=STATE_FILE):
        State(tmp_path / STATE_FILE)
    recovered = State.open_in(tmp_path)
    assert recovered.subscriptions() == []
    assert any(STATE_FILE in record.getMessage() for record in caplog.records)
    assert list(tmp_path.glob(f"{STATE_FILE}.corrupt-*"))
    recovered.close()


def test_a_newer_schema_is_refused_with_its_name(tmp_path):
    with sqlite3.connect(tmp_path / STATE_FILE) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StateError, match="newer"):
        State(tmp_path / STATE_FILE)


def test_open_in_never_moves_aside_a_newer_schema(tmp_path):
    with sqlite3.connect(tmp_path / STATE_FILE) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StateError, match="newer"):
        State.open_in(tmp_path)
    assert not list(tmp_path.glob(f"{STATE_FILE}.corrupt-*"))


def test_subscriptions_are_recovered_from_a_partly_corrupt_file(tmp_path, caplog):
    state = State.open_in(tmp_path)
    state.subscribe(1, 100, 5, 7)
    state.disable(100, "403 Forbidden (Missing Permissions)")
    state.subscribe(1, 200, None, 7)
    state.record_issues([(number, "x" * 300) for number in range(3000)])  # many pages
    state.close()
    path = tmp_path / STATE_FILE
    data = bytearray(path.read_bytes())
    data[-40000:-8000] = b"\x55" * 32000  # the known issues' last pages are garbage
    path.write_bytes(bytes(data))

    recovered = State.open_in(tmp_path)
    subscriptions = {s.channel_id: s for s in recovered.subscriptions()}
    assert set(subscriptions) == {100, 200}
    assert not subscriptions[100].active
    assert subscriptions[100].disabled_reason == "403 Forbidden (Missing Permissions)"
    assert subscriptions[200].active and subscriptions[100].role_id == 5
    assert not recovered.has_baseline()  # the next look at the archive records a new one
    messages = [record.getMessage() for record in caplog.records]
    assert any("integrity check failed" in m and STATE_FILE in m for m in messages)
    assert any(m.startswith("recovered 2 subscriptions from") for m in messages)
    recovered.close()


def test_meta_values_and_pending_retries_after_a_restart(state):
    assert state.meta("reindex_started") is None
    state.set_meta("reindex_started", "2024-01-01T00:00:00+00:00")
    assert state.meta("reindex_started") == "2024-01-01T00:00:00+00:00"
    state.set_meta("reindex_started", None)
    assert state.meta("reindex_started") is None

    state.record_issues([])
    state.subscribe(1, 100, None, 7)
    state.record_issues([(5, "five")])
    state.mark_retry(5, 100, "503 Service Unavailable", delay=3600)
    assert state.due_announcements() == []
    assert state.retry_pending_now() == 1
    (due,) = state.due_announcements()
    assert (due.issue_number, due.attempts, due.last_error) == (5, 1, "503 Service Unavailable")

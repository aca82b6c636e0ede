"""The bot's own state in SQLite: subscriptions, known issues and announcements.

The archive (seeds) is the source of truth for issues; this database only remembers what
the bot promised and did: which channels want new issues, which issues it has already
seen, and which announcement went to which channel. Announcing is exactly-once per
(issue, channel): a row is queued in the same transaction that learns an issue is new,
and marked sent in the same step that learns the message id.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

STATE_FILE = "bot.sqlite3"

# The console subscribes itself under ids no Discord channel or guild can have.
CONSOLE_CHANNEL_ID = 0
CONSOLE_GUILD_ID = 0

# `meta` keys
BASELINE = "baseline"
REINDEX_STARTED = "reindex_started"  # set while a /reindex runs; a restart finishes it

# Each migration moves the schema one version up; `PRAGMA user_version` records where a
# database stands. Never edit a shipped migration: append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE subscriptions (
        channel_id      INTEGER PRIMARY KEY,
        guild_id        INTEGER NOT NULL,
        role_id         INTEGER,
        created_by      INTEGER,
        created_at      TEXT NOT NULL,
        active          INTEGER NOT NULL DEFAULT 1,
        disabled_reason TEXT,
        disabled_at     TEXT
    );
    CREATE INDEX subscriptions_guild ON subscriptions (guild_id);
    CREATE TABLE known_issues (
        number       INTEGER PRIMARY KEY,
        title        TEXT NOT NULL,
        first_seen   TEXT NOT NULL
    );
    CREATE TABLE announcements (
        issue_number INTEGER NOT NULL,
        channel_id   INTEGER NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dropped')),
        message_id   INTEGER,
        attempts     INTEGER NOT NULL DEFAULT 0,
        last_error   TEXT,
        next_attempt TEXT,
        queued_at    TEXT NOT NULL,
        done_at      TEXT,
        PRIMARY KEY (issue_number, channel_id)
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StateError(RuntimeError):
    """The state file cannot be used; the message names the file and the reason."""

    def __init__(self, message: str, *, corrupt: bool) -> None:
        super().__init__(message)
        self.corrupt = corrupt


@dataclass(frozen=True)
class Subscription:
    """One channel's wish to get new issues; `active` False means disabled (with why)."""

    channel_id: int
    guild_id: int
    role_id: int | None
    created_by: int | None
    created_at: str
    active: bool
    disabled_reason: str | None
    disabled_at: str | None


@dataclass(frozen=True)
class Announcement:
    """One issue for one channel: pending, sent (with its message) or dropped (with why);
    `role_id` is the role the channel's subscription pings, if any."""

    issue_number: int
    channel_id: int
    state: str
    message_id: int | None
    attempts: int
    last_error: str | None
    role_id: int | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class State:
    """Thread-safe access to the state database (one connection, serialised by a lock)."""

    def __init__(self, path: Path) -> None:
        """Open (creating and migrating) the database at `path`.

        Raises StateError naming the file when it is not a usable SQLite database or was
        written by a newer version of the bot.
        """
        self.path = path
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            check = self._db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                summary = "; ".join(check.splitlines()[:3])  # it can list every bad page
                raise sqlite3.DatabaseError(f"integrity check failed: {summary}")
            self._migrate()
        except sqlite3.DatabaseError as error:
            if hasattr(self, "_db"):
                self._db.close()
            message = f"state file {path} is not a usable SQLite database: {error}"
            raise StateError(message, corrupt=True) from error

    @classmethod
    def open_in(cls, data_dir: Path) -> State:
        """The state database of a data directory, recovering from a corrupt file.

        A corrupt file is moved aside (kept, for whoever wants to recover it), the error
        is logged naming both files, and a fresh database is started. A fresh database
        records a baseline on its first look at the archive, so nothing is re-announced.
        Raises StateError only when even a fresh database cannot be created.
        """
        path = data_dir / STATE_FILE
        try:
            return cls(path)
        except StateError as error:
            if not error.corrupt:
                raise
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            aside = path.with_name(f"{path.name}.corrupt-{stamp}")
            for suffix in ("", "-wal", "-shm"):
                candidate = Path(f"{path}{suffix}")
                if candidate.exists():
                    candidate.replace(Path(f"{aside}{suffix}"))
            log.error("%s; moved it to %s and started a new state file", error, aside)
            fresh = cls(path)
            fresh._salvage_subscriptions(aside)
            return fresh

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateError(
                f"state file {self.path} has schema version {version}, newer than this "
                f"bot's {SCHEMA_VERSION}; upgrade the bot",
                corrupt=False,
            )
        for number in range(version, SCHEMA_VERSION):
            with self._transaction() as db:
                for statement in _statements(MIGRATIONS[number]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")
            log.info("state %s migrated to schema version %d", self.path, number + 1)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the database; later calls fail with sqlite3.ProgrammingError."""
        with self._lock:
            self._db.close()

    def _salvage_subscriptions(self, corrupt: Path) -> None:
        """Copy what can still be read of a corrupt file's subscriptions (best effort).

        Losing every subscription silently would be worse than the corruption itself;
        often only some pages are damaged and the small subscriptions table still reads.
        """
        try:
            source = sqlite3.connect(f"file:{corrupt}?mode=ro", uri=True)
            try:
                rows = source.execute(
                    f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions"
                ).fetchall()
            finally:
                source.close()
        except sqlite3.DatabaseError as error:
            log.warning("no subscriptions could be read back from %s: %s", corrupt, error)
            return
        with self._transaction() as db:
            db.executemany(
                f"INSERT OR IGNORE INTO subscriptions ({_SUBSCRIPTION_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        log.warning("recovered %d subscriptions from %s", len(rows), corrupt)

    # -- small facts (meta) ----------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """The value stored under `key`, or None."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        """Store `value` under `key` (None removes it)."""
        with self._transaction() as db:
            if value is None:
                db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                db.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    # -- subscriptions -------------------------------------------------------------

    def subscribe(
        self, guild_id: int, channel_id: int, role_id: int | None, created_by: int | None
    ) -> Subscription:
        """Subscribe (or re-enable) a channel; issues already known are not backfilled."""
        with self._transaction() as db:
            db.execute(
                """INSERT INTO subscriptions (channel_id, guild_id, role_id, created_by,
                       created_at, active, disabled_reason, disabled_at)
                   VALUES (?, ?, ?, ?, ?, 1, NULL, NULL)
                   ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id,
                       role_id = excluded.role_id, created_by = excluded.created_by,
                       created_at = excluded.created_at, active = 1,
                       disabled_reason = NULL, disabled_at = NULL""",
                (channel_id, guild_id, role_id, created_by, _now()),
            )
        subscription = self.subscription(channel_id)
        assert subscription is not None
        return subscription

    def unsubscribe(self, channel_id: int) -> bool:
        """Remove a channel's subscription; True when there was one."""
        with self._transaction() as db:
            removed = db.execute("DELETE FROM subscriptions WHERE channel_id = ?", (channel_id,))
            db.execute(
                """UPDATE announcements SET state = 'dropped', done_at = ?,
                       last_error = 'unsubscribed'
                   WHERE channel_id = ? AND state = 'pending'""",
                (_now(), channel_id),
            )
            return removed.rowcount > 0

    def disable(self, channel_id: int, reason: str) -> None:
        """Stop announcing to a channel, keeping the row and saying why (shown to admins)."""
        with self._transaction() as db:
            db.execute(
                """UPDATE subscriptions SET active = 0, disabled_reason = ?, disabled_at = ?
                   WHERE channel_id = ?""",
                (reason, _now(), channel_id),
            )
            db.execute(
                """UPDATE announcements SET state = 'dropped', done_at = ?, last_error = ?
                   WHERE channel_id = ? AND state = 'pending'""",
                (_now(), reason, channel_id),
            )

    def subscription(self, channel_id: int) -> Subscription | None:
        """The subscription of a channel (active or disabled), or None."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE channel_id = ?",
                (channel_id,),
            ).fetchone()
        return _subscription(row) if row else None

    def subscriptions(self, guild_id: int | None = None) -> list[Subscription]:
        """A guild's subscriptions (all guilds' when None), oldest first."""
        query = f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions"
        params: tuple[int, ...] = ()
        if guild_id is not None:
            query += " WHERE guild_id = ?"
            params = (guild_id,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created_at, channel_id", params).fetchall()
        return [_subscription(row) for row in rows]

    # -- issues and announcements --------------------------------------------------

    def has_baseline(self) -> bool:
        """Whether the bot has recorded which issues existed when it first started."""
        return self.meta(BASELINE) is not None

    def known_issue_numbers(self) -> set[int]:
        """The numbers of every published issue the bot has seen."""
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT number FROM known_issues")}

    def record_issues(self, issues: Iterable[tuple[int, str]]) -> list[int]:
        """Learn the archive's published issues; queue announcements for the new ones.

        `issues` is (number, title) of every published (non-draft) issue in the archive.
        The first call ever only records a baseline: issues that exist when the bot first
        starts are not announced. Returns the numbers that are new (oldest first), for
        which one pending announcement per active subscription was queued in the same
        transaction.
        """
        issues = sorted(set(issues))
        with self._transaction() as db:
            known = {row[0] for row in db.execute("SELECT number FROM known_issues")}
            fresh = [(number, title) for number, title in issues if number not in known]
            now = _now()
            db.executemany(
                "INSERT INTO known_issues (number, title, first_seen) VALUES (?, ?, ?)",
                [(number, title, now) for number, title in fresh],
            )
            baseline = db.execute("SELECT 1 FROM meta WHERE key = ?", (BASELINE,)).fetchone()
            if baseline is None:
                db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (BASELINE, now))
                return []
            channels = [
                row[0]
                for row in db.execute("SELECT channel_id FROM subscriptions WHERE active = 1")
            ]
            db.executemany(
                """INSERT OR IGNORE INTO announcements (issue_number, channel_id, state, queued_at)
                   VALUES (?, ?, 'pending', ?)""",
                [(number, channel, now) for number, _ in fresh for channel in channels],
            )
        return [number for number, _ in fresh]

    def queue_announcement(self, issue_number: int, channel_id: int) -> bool:
        """Queue one issue for one channel (the admin's `/announce`); False if already there."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT state FROM announcements WHERE issue_number = ? AND channel_id = ?",
                (issue_number, channel_id),
            ).fetchone()
            if row is not None and row[0] in ("pending", "sent"):
                return False
            db.execute(
                """INSERT INTO announcements (issue_number, channel_id, state, queued_at)
                   VALUES (?, ?, 'pending', ?)
                   ON CONFLICT (issue_number, channel_id) DO UPDATE SET state = 'pending',
                       attempts = 0, last_error = NULL, next_attempt = NULL, done_at = NULL""",
                (issue_number, channel_id, _now()),
            )
            return True

    def due_announcements(self, now: dt.datetime | None = None) -> list[Announcement]:
        """Pending announcements whose retry time has come, oldest issue first."""
        moment = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        with self._lock:
            rows = self._db.execute(
                _ANNOUNCEMENT_QUERY
                + """ WHERE a.state = 'pending'
                        AND (a.next_attempt IS NULL OR a.next_attempt <= ?)
                      ORDER BY a.issue_number, a.channel_id""",
                (moment,),
            ).fetchall()
        return [Announcement(*row) for row in rows]

    def retry_pending_now(self) -> int:
        """Make every pending announcement due at once (after a restart: whatever was
        interrupted or waiting for a retry is tried on the first tick). Returns how many."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE announcements SET next_attempt = NULL WHERE state = 'pending'"
            )
            return cursor.rowcount

    def mark_sent(self, issue_number: int, channel_id: int, message_id: int) -> None:
        """Record the message that announced an issue in a channel."""
        with self._transaction() as db:
            db.execute(
                """UPDATE announcements SET state = 'sent', message_id = ?, done_at = ?,
                       attempts = attempts + 1, last_error = NULL
                   WHERE issue_number = ? AND channel_id = ?""",
                (message_id, _now(), issue_number, channel_id),
            )

    def mark_retry(self, issue_number: int, channel_id: int, error: str, delay: float) -> int:
        """Note a failed attempt and when to try again; returns the attempts so far."""
        retry_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)
        with self._transaction() as db:
            db.execute(
                """UPDATE announcements SET attempts = attempts + 1, last_error = ?,
                       next_attempt = ?
                   WHERE issue_number = ? AND channel_id = ?""",
                (error, retry_at.isoformat(timespec="seconds"), issue_number, channel_id),
            )
            row = db.execute(
                "SELECT attempts FROM announcements WHERE issue_number = ? AND channel_id = ?",
                (issue_number, channel_id),
            ).fetchone()
        return int(row[0]) if row else 0

    def drop_announcement(self, issue_number: int, channel_id: int, reason: str) -> None:
        """Give up one pending announcement, saying why."""
        with self._transaction() as db:
            db.execute(
                """UPDATE announcements SET state = 'dropped', done_at = ?, last_error = ?
                   WHERE issue_number = ? AND channel_id = ? AND state = 'pending'""",
                (_now(), reason, issue_number, channel_id),
            )

    def announcement(self, issue_number: int, channel_id: int) -> Announcement | None:
        """The announcement of one issue in one channel, or None."""
        with self._lock:
            row = self._db.execute(
                _ANNOUNCEMENT_QUERY + " WHERE a.issue_number = ? AND a.channel_id = ?",
                (issue_number, channel_id),
            ).fetchone()
        return Announcement(*row) if row else None

    def announcements(self, issue_number: int | None = None) -> list[Announcement]:
        """Every announcement (of one issue, when given), for admins and tests."""
        query = _ANNOUNCEMENT_QUERY
        params: tuple[int, ...] = ()
        if issue_number is not None:
            query += " WHERE a.issue_number = ?"
            params = (issue_number,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY a.issue_number, a.channel_id", params)
            return [Announcement(*row) for row in rows.fetchall()]


_SUBSCRIPTION_COLUMNS = (
    "channel_id, guild_id, role_id, created_by, created_at, active, disabled_reason, disabled_at"
)
_ANNOUNCEMENT_QUERY = """SELECT a.issue_number, a.channel_id, a.state, a.message_id,
                                a.attempts, a.last_error, s.role_id
                         FROM announcements a LEFT JOIN subscriptions s USING (channel_id)"""


def _subscription(row: tuple) -> Subscription:
    channel_id, guild_id, role_id, created_by, created_at, active, reason, disabled_at = row
    return Subscription(
        channel_id, guild_id, role_id, created_by, created_at, bool(active), reason, disabled_at
    )


def _statements(script: str) -> list[str]:
    return [statement.strip() for statement in script.split(";") if statement.strip()]

"""The sign-in store every dashboard process shares: failed attempts per account and per client address, and
each user's session generation. A small SQLite file (`var/signin.sqlite`, env `SIGNIN_DB`, mode 0600, WAL).

Attempts are counted *before* the password is checked, in one write transaction, so parallel guesses from
many sessions and processes cannot slip between a check and its count. After `FREE` attempts an account (or
address) must wait a delay that doubles with each further attempt (1 s, 2 s, 4 s …, at most `MAX_DELAY`);
after `LOCK_AFTER` attempts it is locked for `LOCK_MINUTES` (env `SIGNIN_LOCK_MINUTES`, default 15). A
successful sign-in clears the account's count (not the address's, so one known account cannot be used to
reset the guessing of others); counts older than `WINDOW` are forgotten.
A user's generation goes up on `reset`, `disable` and 退出全部设备; a session signed in under an older
generation ends at its next action. Nothing here imports streamlit.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "var" / "signin.sqlite"
FREE = 3  # attempts without delay (typing mistakes)
MAX_DELAY = 60.0
WINDOW = 3600.0  # an hour without attempts forgets the count
LIMITS = {"account": 10, "client": 30}  # an office behind one address gets more room than one account


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may go ahead, and if not, for how many seconds it is refused and why."""

    allowed: bool
    wait_s: float = 0.0
    reason: str = ""  # "locked" or "throttled"


def db_path() -> Path:
    """Where the store lives."""
    return Path(os.environ.get("SIGNIN_DB") or DEFAULT_DB)


def lock_seconds() -> float:
    """The lockout's length: env SIGNIN_LOCK_MINUTES (default 15)."""
    try:
        return max(1.0, float(os.environ.get("SIGNIN_LOCK_MINUTES") or 15) * 60)
    except ValueError:
        return 900.0


def _connect() -> sqlite3.Connection:
    """A connection to the store (created 0600 on first use), WAL so readers never wait for a writer."""
    path = db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=10000")
    con.execute("CREATE TABLE IF NOT EXISTS attempts (kind TEXT, key TEXT, count INTEGER, last REAL, "
                "next_allowed REAL, locked_until REAL, PRIMARY KEY (kind, key))")
    con.execute("CREATE TABLE IF NOT EXISTS generations (user TEXT PRIMARY KEY, generation INTEGER)")
    return con


def _key(text: str) -> str:
    """A stored key: a hash, so a password typed into the name field never lands in the store."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


def delay_after(count: int) -> float:
    """The wait before the next attempt after `count` attempts: none for the first FREE, then doubling."""
    return 0.0 if count < FREE else min(MAX_DELAY, 2.0 ** (count - FREE))


def begin(account: str, client: str, now: float | None = None) -> Verdict:
    """Count an attempt for the account and the client address, unless either is locked or must still wait."""
    now = time.time() if now is None else now
    keys = [("account", _key(account)), ("client", _key(client or "?"))]
    con = _connect()
    try:
        con.execute("BEGIN IMMEDIATE")  # one writer at a time, across processes
        rows = {}
        for kind, key in keys:
            row = con.execute("SELECT count, last, next_allowed, locked_until FROM attempts WHERE kind=? AND key=?",
                              (kind, key)).fetchone()
            if row and now - row[1] > WINDOW and now >= row[3]:
                row = None  # long quiet: start again
            rows[kind] = row
        for kind in ("account", "client"):
            row = rows[kind]
            if row and now < row[3]:
                con.execute("COMMIT")
                return Verdict(False, row[3] - now, "locked")
            if row and now < row[2]:
                con.execute("COMMIT")
                return Verdict(False, row[2] - now, "throttled")
        for kind, key in keys:
            count = (rows[kind][0] if rows[kind] else 0) + 1
            locked = now + lock_seconds() if count >= LIMITS[kind] else 0.0
            con.execute("INSERT OR REPLACE INTO attempts VALUES (?, ?, ?, ?, ?, ?)",
                        (kind, key, count, now, now + delay_after(count), locked))
        con.execute("COMMIT")
        return Verdict(True)
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def succeeded(account: str, client: str = "", now: float | None = None) -> None:
    """The account signed in: forget its attempts; the address keeps its count of failures only (this attempt
    is taken back), so colleagues behind one address are not slowed by signing in, and signing in to one
    known account does not reset the guessing of others."""
    now = time.time() if now is None else now
    con = _connect()
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("DELETE FROM attempts WHERE kind='account' AND key=?", (_key(account),))
        row = con.execute("SELECT count FROM attempts WHERE kind='client' AND key=?", (_key(client or "?"),)).fetchone()
        if row:
            count = max(0, row[0] - 1)
            con.execute("UPDATE attempts SET count=?, next_allowed=? WHERE kind='client' AND key=?",
                        (count, now + delay_after(count), _key(client or "?")))
        con.execute("COMMIT")
    finally:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.close()


def attempts(account: str) -> int:
    """The account's counted attempts (for tests and the command line)."""
    con = _connect()
    try:
        row = con.execute("SELECT count FROM attempts WHERE kind='account' AND key=?", (_key(account),)).fetchone()
        return row[0] if row else 0
    finally:
        con.close()


def unlock(account: str) -> None:
    """Clear an account's attempts and lockout (`python -m ui.users unlock`)."""
    con = _connect()
    try:
        con.execute("DELETE FROM attempts WHERE kind='account' AND key=?", (_key(account),))
    finally:
        con.close()


def generation(user: str) -> int:
    """The user's current session generation (0 until the first bump)."""
    con = _connect()
    try:
        row = con.execute("SELECT generation FROM generations WHERE user=?", (user,)).fetchone()
        return row[0] if row else 0
    finally:
        con.close()


def bump(user: str) -> int:
    """End every session of the user (they check the generation on each action); returns the new generation."""
    con = _connect()
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO generations VALUES (?, 1) ON CONFLICT(user) DO UPDATE SET generation = generation + 1",
                    (user,))
        value = con.execute("SELECT generation FROM generations WHERE user=?", (user,)).fetchone()[0]
        con.execute("COMMIT")
        return value
    finally:
        con.close()

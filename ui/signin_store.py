"""The sign-in store every dashboard process shares: attempts per account, failures per client address, and
each user's session generation. A small SQLite file (`var/signin.sqlite`, env `SIGNIN_DB`, mode 0600, WAL).

**Accounts.** Attempts are counted *before* the password is checked, in one write transaction, so parallel
guesses from many sessions and processes cannot slip between a check and its count. After `FREE` attempts an
account must wait a delay that doubles with each further attempt (1 s, 2 s, 4 s …, at most `MAX_DELAY`); after
`LIMITS["account"]` attempts it is locked for `LOCK_MINUTES` (env `SIGNIN_LOCK_MINUTES`, default 15), even for
the right password. A successful sign-in clears the account's count; an hour without attempts forgets it.

**Addresses** (an office's colleagues share one): only *failures* count, and they fade — one is forgotten every
`DECAY_S` seconds, whoever else signs in meanwhile. A right password neither counts nor is slowed by the
colleagues signing in beside it. After `CLIENT_FREE` failures the address waits the doubling delay (and then
has one attempt under way at a time); at `LIMITS["client"]` failures it is locked. An attempt under way
(between the count and the check) holds a place: at most `MAX_PENDING` at once, and never more than the
failures the address has left before its lock, so parallel guesses cannot outrun the count.
`unlock(account)` also lifts the lock of every address the account was tried from in the last hour;
`unlock_address` lifts one address (`python -m ui.users unlock-address 1.2.3.4`).

A user's generation goes up on `reset`, `disable` and 退出全部设备; a session signed in under an older
generation ends at its next action, and the user's browser sessions (ui/session_cookie.py, kept here too)
end at once. Nothing here imports streamlit.
"""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "var" / "signin.sqlite"
FREE = 3  # attempts on one account without delay (typing mistakes)
CLIENT_FREE = 10  # failures from one address without delay (an office's typing mistakes)
MAX_DELAY = 60.0
WINDOW = 3600.0  # an hour without attempts forgets an account's count
DECAY_S = 300.0  # one failure of an address forgotten every 5 minutes
MAX_PENDING = 10  # attempts from one address being checked at once
PENDING_TTL = 60.0  # an attempt whose process died before it finished stops holding a place
LIMITS = {"account": 10, "client": 30}  # an office behind one address gets more room than one account


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may go ahead, and if not, for how many seconds it is refused and why. An allowed
    attempt has a `ticket`: pass it to `failed` or `succeeded` once the password has been checked."""

    allowed: bool
    wait_s: float = 0.0
    reason: str = ""  # "locked" or "throttled"
    ticket: str = ""


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
    # Accounts (kind 'account'; rows of kind 'client' are from a version that counted attempts per address).
    con.execute("CREATE TABLE IF NOT EXISTS attempts (kind TEXT, key TEXT, count INTEGER, last REAL, "
                "next_allowed REAL, locked_until REAL, PRIMARY KEY (kind, key))")
    con.execute("CREATE TABLE IF NOT EXISTS addresses (key TEXT PRIMARY KEY, failures REAL, updated REAL, "
                "next_allowed REAL, locked_until REAL)")
    con.execute("CREATE TABLE IF NOT EXISTS pending (ticket TEXT PRIMARY KEY, client TEXT, started REAL)")
    con.execute("CREATE TABLE IF NOT EXISTS tried (account TEXT, client TEXT, last REAL, PRIMARY KEY (account, client))")
    con.execute("CREATE TABLE IF NOT EXISTS generations (user TEXT PRIMARY KEY, generation INTEGER)")
    # Browser sessions of users-file sign-ins (ui/session_cookie.py): keyed by a hash of the cookie's id.
    con.execute("CREATE TABLE IF NOT EXISTS web_sessions (key TEXT PRIMARY KEY, user TEXT, role TEXT, area TEXT, "
                "generation INTEGER, created REAL, seen REAL, ended REAL)")
    con.execute("CREATE TABLE IF NOT EXISTS handoffs (key TEXT PRIMARY KEY, session TEXT, expires REAL)")
    return con


def _key(text: str) -> str:
    """A stored key: a hash, so a password typed into the name field never lands in the store."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


def delay_after(count: int, free: int = FREE) -> float:
    """The wait before the next attempt after `count` attempts (failures): none for the first `free`, then
    doubling."""
    return 0.0 if count < free else min(MAX_DELAY, 2.0 ** (count - free))


def _failures(row: tuple | None, now: float) -> float:
    """An address's failures as of `now`: the stored count less one per DECAY_S since it was stored."""
    if row is None:
        return 0.0
    return max(0.0, row[0] - max(0.0, now - row[1]) / DECAY_S)


def _write(con: sqlite3.Connection, work):
    """Run `work(con)` in one write transaction (one writer at a time, across processes)."""
    try:
        con.execute("BEGIN IMMEDIATE")
        result = work(con)
        con.execute("COMMIT")
        return result
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def begin(account: str, client: str, now: float | None = None) -> Verdict:
    """Count an attempt for the account and hold a place for it at the address, unless the account or the
    address is locked or must still wait."""
    now = time.time() if now is None else now
    account_key, client_key = _key(account), _key(client or "?")

    def work(con: sqlite3.Connection) -> Verdict:
        con.execute("DELETE FROM tried WHERE last < ?", (now - WINDOW,))  # an hour is all unlock looks back
        con.execute("INSERT OR REPLACE INTO tried VALUES (?, ?, ?)", (account_key, client_key, now))
        row = con.execute("SELECT count, last, next_allowed, locked_until FROM attempts WHERE kind='account' AND key=?",
                          (account_key,)).fetchone()
        if row and now - row[1] > WINDOW and now >= row[3]:
            row = None  # long quiet: start again
        if row and now < row[3]:
            return Verdict(False, row[3] - now, "locked")
        if row and now < row[2]:
            return Verdict(False, row[2] - now, "throttled")
        address = con.execute("SELECT failures, updated, next_allowed, locked_until FROM addresses WHERE key=?",
                              (client_key,)).fetchone()
        if address and now < address[3]:
            return Verdict(False, address[3] - now, "locked")
        if address and now < address[2]:
            return Verdict(False, address[2] - now, "throttled")
        con.execute("DELETE FROM pending WHERE started < ?", (now - PENDING_TTL,))
        under_way = con.execute("SELECT count(*) FROM pending WHERE client=?", (client_key,)).fetchone()[0]
        failures = _failures(address, now)
        room = min(MAX_PENDING, LIMITS["client"] - failures)  # never more at once than the failures left
        if math.ceil(failures) >= CLIENT_FREE:
            room = min(room, 1)  # a slowed address: one attempt at a time
        if under_way >= room:
            return Verdict(False, 1.0, "throttled")
        count = (row[0] if row else 0) + 1
        locked = now + lock_seconds() if count >= LIMITS["account"] else 0.0
        con.execute("INSERT OR REPLACE INTO attempts VALUES ('account', ?, ?, ?, ?, ?)",
                    (account_key, count, now, now + delay_after(count), locked))
        ticket = secrets.token_hex(8)
        con.execute("INSERT INTO pending VALUES (?, ?, ?)", (ticket, client_key, now))
        return Verdict(True, ticket=ticket)

    return _write(_connect(), work)


def failed(client: str, ticket: str = "", now: float | None = None) -> None:
    """The password was wrong: the attempt's place is freed and the address gains a failure (its delay and
    lock follow from its failures)."""
    now = time.time() if now is None else now
    client_key = _key(client or "?")

    def work(con: sqlite3.Connection) -> None:
        con.execute("DELETE FROM pending WHERE ticket=?", (ticket,))
        row = con.execute("SELECT failures, updated FROM addresses WHERE key=?", (client_key,)).fetchone()
        failures = _failures(row, now) + 1
        locked = now + lock_seconds() if failures >= LIMITS["client"] else 0.0
        con.execute("INSERT OR REPLACE INTO addresses VALUES (?, ?, ?, ?, ?)",
                    (client_key, failures, now, now + delay_after(math.ceil(failures), CLIENT_FREE), locked))

    _write(_connect(), work)


def succeeded(account: str, client: str = "", ticket: str = "", now: float | None = None) -> None:
    """The account signed in: forget its attempts and free the attempt's place. The address's failures stay
    (signing in to one known account does not reset the guessing of others) and fade with time."""

    def work(con: sqlite3.Connection) -> None:
        con.execute("DELETE FROM attempts WHERE kind='account' AND key=?", (_key(account),))
        con.execute("DELETE FROM pending WHERE ticket=?", (ticket,))

    _write(_connect(), work)


def attempts(account: str) -> int:
    """The account's counted attempts (for tests and the command line)."""
    con = _connect()
    try:
        row = con.execute("SELECT count FROM attempts WHERE kind='account' AND key=?", (_key(account),)).fetchone()
        return row[0] if row else 0
    finally:
        con.close()


def address_failures(client: str, now: float | None = None) -> float:
    """An address's failures as of now (faded; for tests and the command line)."""
    now = time.time() if now is None else now
    con = _connect()
    try:
        return _failures(con.execute("SELECT failures, updated FROM addresses WHERE key=?",
                                     (_key(client or "?"),)).fetchone(), now)
    finally:
        con.close()


def unlock(account: str, now: float | None = None) -> int:
    """Clear an account's attempts and lockout (`python -m ui.users unlock`, and `reset`), and the failures and
    lock of every address it was tried from in the last hour (the colleague locked out by an office's
    typos is unlocked by name); returns how many addresses were cleared."""
    now = time.time() if now is None else now
    account_key = _key(account)

    def work(con: sqlite3.Connection) -> int:
        con.execute("DELETE FROM attempts WHERE kind='account' AND key=?", (account_key,))
        clients = [r[0] for r in con.execute("SELECT client FROM tried WHERE account=? AND last >= ?",
                                             (account_key, now - WINDOW))]
        for client_key in clients:
            con.execute("DELETE FROM addresses WHERE key=?", (client_key,))
        con.execute("DELETE FROM tried WHERE last < ?", (now - WINDOW,))
        return len(clients)

    return _write(_connect(), work)


def unlock_address(client: str) -> bool:
    """Clear one address's failures and lock (`python -m ui.users unlock-address 1.2.3.4`); whether it had any."""

    def work(con: sqlite3.Connection) -> bool:
        return con.execute("DELETE FROM addresses WHERE key=?", (_key(client.strip()),)).rowcount > 0

    return _write(_connect(), work)


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
        # no browser of the user comes back in with its cookie either
        con.execute("UPDATE web_sessions SET ended = ? WHERE user=? AND ended = 0", (time.time(), user))
        con.execute("COMMIT")
        return value
    finally:
        con.close()

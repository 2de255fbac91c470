"""Credentials of the knowledge base's users: password hashes, login sessions and API tokens.

Users and groups have one home, the store's ``users``/``groups``/``memberships`` tables, which
the CLI, the Python API and the server all use. What only the server needs lives in three small
``auth_*`` tables *in the same database* (SQLite file or PostgreSQL), created here with
``IF NOT EXISTS`` rather than as a store migration: the store stays ignorant of HTTP, and the
foreign keys to ``users`` still delete a user's credentials with the user. Passwords are hashed
with argon2id; sessions and tokens are random secrets stored only as SHA-256 digests, so a copy of
the database lets nobody log in.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sakuin.config import Settings
from sakuin.errors import SakuinError
from sakuin.knowledge.access import check_name

AUTH_TABLES = """
    CREATE TABLE IF NOT EXISTS auth_passwords (
        user_name TEXT PRIMARY KEY REFERENCES users(name) ON DELETE CASCADE,
        hash TEXT NOT NULL,
        is_admin INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS auth_tokens (
        digest TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        label TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL,
        UNIQUE (user_name, label)
    );
    CREATE TABLE IF NOT EXISTS auth_sessions (
        digest TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        expires DOUBLE PRECISION NOT NULL
    )
"""
MIN_PASSWORD_LENGTH = 8


class AccountError(SakuinError):
    """A password, token label or account change that cannot be accepted."""


@dataclass(frozen=True)
class Session:
    """A logged-in browser: whose it is and the token its unsafe requests must echo."""

    user: str
    csrf: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Accounts:
    """Passwords, sessions and tokens, on their own connection to the knowledge base's database."""

    def __init__(self, settings: Settings) -> None:
        self._lock = threading.Lock()
        self._hasher = PasswordHasher()
        self._session_seconds = settings.server.session_hours * 3600
        knowledge = settings.knowledge
        self._db: Any
        if knowledge.store == "postgres":
            import psycopg

            self._db = psycopg.connect(str(knowledge.postgres_url), autocommit=True)
            self._placeholder = "%s"
        else:
            self._db = sqlite3.connect(
                settings.knowledge_db, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._db.execute("PRAGMA foreign_keys = ON")
            self._placeholder = "?"
        for statement in AUTH_TABLES.split(";"):
            self._execute(statement)
        # verifying a login for an unknown user costs the same as for a known one
        self._dummy_hash = self._hasher.hash(secrets.token_hex(8))

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cursor = self._db.execute(sql.replace("?", self._placeholder), params)
            return list(cursor.fetchall()) if cursor.description else []

    def _require_user(self, user: str) -> None:
        check_name(user, "user")
        if not self._execute("SELECT 1 FROM users WHERE name = ?", (user,)):
            raise AccountError(f"no user '{user}'; add it first (sakuin users add {user}).")

    # -- passwords ------------------------------------------------------------------------------
    def set_password(self, user: str, password: str) -> None:
        """Give ``user`` (who must exist in the store) a new password."""
        self._require_user(user)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"the password is too short; use at least {MIN_PASSWORD_LENGTH} characters.")
        self._execute(
            "INSERT INTO auth_passwords (user_name, hash) VALUES (?, ?)"
            " ON CONFLICT (user_name) DO UPDATE SET hash = excluded.hash",
            (user, self._hasher.hash(password)),
        )

    def set_admin(self, user: str, admin: bool) -> None:
        """Let ``user`` manage users, groups and every document (or stop letting them)."""
        if not self._execute("SELECT 1 FROM auth_passwords WHERE user_name = ?", (user,)):
            raise AccountError(f"'{user}' has no password yet; set one before making them an admin.")
        self._execute("UPDATE auth_passwords SET is_admin = ? WHERE user_name = ?", (int(admin), user))

    def verify(self, user: str, password: str) -> bool:
        rows = self._execute("SELECT hash FROM auth_passwords WHERE user_name = ?", (user,))
        try:
            return self._hasher.verify(rows[0][0] if rows else self._dummy_hash, password) and bool(rows)
        except (VerificationError, InvalidHashError):
            return False

    def is_admin(self, user: str) -> bool:
        rows = self._execute("SELECT is_admin FROM auth_passwords WHERE user_name = ?", (user,))
        return bool(rows and rows[0][0])

    def accounts(self) -> dict[str, bool]:
        """Users who can log in, and whether each is an admin."""
        rows = self._execute("SELECT user_name, is_admin FROM auth_passwords ORDER BY user_name")
        return {name: bool(admin) for name, admin in rows}

    # -- sessions -------------------------------------------------------------------------------
    def start_session(self, user: str) -> tuple[str, Session]:
        """A new session for ``user``: the cookie value (shown once) and the session."""
        now = time.time()
        self._execute("DELETE FROM auth_sessions WHERE expires < ?", (now,))
        secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        self._execute(
            "INSERT INTO auth_sessions VALUES (?, ?, ?, ?)",
            (_digest(secret), user, csrf, now + self._session_seconds),
        )
        return secret, Session(user, csrf)

    def session(self, secret: str) -> Session | None:
        rows = self._execute(
            "SELECT user_name, csrf FROM auth_sessions WHERE digest = ? AND expires > ?",
            (_digest(secret), time.time()),
        )
        return Session(rows[0][0], rows[0][1]) if rows else None

    def end_session(self, secret: str) -> None:
        self._execute("DELETE FROM auth_sessions WHERE digest = ?", (_digest(secret),))

    # -- API tokens -----------------------------------------------------------------------------
    def create_token(self, user: str, label: str) -> str:
        """A new API token for scripts (shown once); ``label`` names it for revoking."""
        self._require_user(user)
        check_name(label, "token")
        if self._execute("SELECT 1 FROM auth_tokens WHERE user_name = ? AND label = ?", (user, label)):
            raise AccountError(f"'{user}' already has a token labelled '{label}'; revoke it or pick another.")
        token = "sk-" + secrets.token_urlsafe(32)
        self._execute(
            "INSERT INTO auth_tokens VALUES (?, ?, ?, ?)", (_digest(token), user, label, time.time())
        )
        return token

    def token_user(self, token: str) -> str | None:
        rows = self._execute("SELECT user_name FROM auth_tokens WHERE digest = ?", (_digest(token),))
        return str(rows[0][0]) if rows else None

    def token_labels(self, user: str) -> list[str]:
        rows = self._execute("SELECT label FROM auth_tokens WHERE user_name = ? ORDER BY label", (user,))
        return [str(row[0]) for row in rows]

    def revoke_token(self, user: str, label: str) -> None:
        if not self._execute("SELECT 1 FROM auth_tokens WHERE user_name = ? AND label = ?", (user, label)):
            raise AccountError(f"no token labelled '{label}'.")
        self._execute("DELETE FROM auth_tokens WHERE user_name = ? AND label = ?", (user, label))

    def close(self) -> None:
        self._db.close()

"""Accounts on both stores: argon2 password hashes, sessions and tokens kept only as digests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from sakuin.config import load_settings
from sakuin.knowledge.store.base import Store
from sakuin.knowledge.store.postgres import PostgresStore
from sakuin.knowledge.store.sqlite import SQLiteStore
from sakuin.server.accounts import AccountError, Accounts
from tests.knowledge.conftest import fresh_database, postgres  # noqa: F401 - fixture used by name


@pytest.fixture(params=["sqlite", "postgres"])
def accounts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Accounts, Store]]:
    """Accounts next to a real store (its users table) on each backend; no embedder needed."""
    with ExitStack() as stack:
        store: Store
        if request.param == "postgres":
            url = stack.enter_context(fresh_database(request.getfixturevalue("postgres")))
            settings = load_settings(tmp_path / "data", knowledge={"store": "postgres", "postgres_url": url})
            store = PostgresStore(url, dim=384)
        else:
            settings = load_settings(tmp_path / "data")
            store = SQLiteStore(settings.knowledge_db)
        stack.callback(store.close)
        accounts = Accounts(settings)
        stack.callback(accounts.close)
        yield accounts, store


def test_passwords_sessions_and_tokens(accounts: tuple[Accounts, Store]) -> None:
    store, knowledge = accounts
    knowledge.add_user("alice")
    with pytest.raises(AccountError, match="no user 'bob'"):
        store.set_password("bob", "long enough")
    store.set_password("alice", "パスワード十分に長い")
    assert store.verify("alice", "パスワード十分に長い")
    assert not store.verify("alice", "パスワード違う長いもの") and not store.verify("bob", "whatever!")
    assert store.accounts() == {"alice": False}
    store.set_admin("alice", True)
    assert store.is_admin("alice")

    secret, session = store.start_session("alice")
    assert store.session(secret) == session and session.user == "alice"
    store.end_session(secret)
    assert store.session(secret) is None

    token = store.create_token("alice", "nightly")
    assert store.token_user(token) == "alice" and store.token_labels("alice") == ["nightly"]
    with pytest.raises(AccountError, match="already has a token"):
        store.create_token("alice", "nightly")
    stored = store._execute("SELECT digest FROM auth_tokens")[0][0]
    assert token not in stored and len(stored) == 64  # only the SHA-256 digest is kept
    hashed = store._execute("SELECT hash FROM auth_passwords")[0][0]
    assert hashed.startswith("$argon2id$")
    store.revoke_token("alice", "nightly")
    assert store.token_user(token) is None

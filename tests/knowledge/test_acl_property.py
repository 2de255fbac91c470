"""Randomised permissions: whatever the users, groups, memberships, documents and changes,
no search ever returns a document its user may not read, and every readable document whose
exact keyword is searched for is found."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sakuin.embeddings import Embedder
from sakuin.knowledge.access import EVERYONE, Reader
from sakuin.knowledge.parse import ParsedDocument
from tests.knowledge.conftest import open_kb

USERS = ["u0", "u1", "u2", "u3"]
GROUPS = ["g0", "g1", "g2"]
WORDS = ["apple", "banana", "cherry", "damson", "elder", "fig", "grape", "hazel"]

readers_strategy = st.frozensets(
    st.one_of(
        st.sampled_from([Reader("user", u) for u in USERS]),
        st.sampled_from([Reader("group", g) for g in GROUPS]),
        st.just(EVERYONE),
    ),
    min_size=1,
    max_size=3,
)
memberships_strategy = st.dictionaries(st.sampled_from(GROUPS), st.frozensets(st.sampled_from(USERS)))
change_strategy = st.one_of(
    st.tuples(st.just("share"), st.integers(0, len(WORDS) - 1), readers_strategy),
    st.tuples(st.just("join"), st.sampled_from(GROUPS), st.sampled_from(USERS)),
    st.tuples(st.just("leave"), st.sampled_from(GROUPS), st.sampled_from(USERS)),
    st.tuples(st.just("delete"), st.integers(0, len(WORDS) - 1), st.none()),
)


def may_read(user: str, readers: frozenset[Reader], members: dict[str, set[str]]) -> bool:
    return any(
        r == EVERYONE or r == Reader("user", user) or (r.kind == "group" and user in members[r.name])
        for r in readers
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    documents=st.lists(readers_strategy, min_size=1, max_size=len(WORDS)),
    memberships=memberships_strategy,
    changes=st.lists(change_strategy, max_size=6),
)
def test_no_leaks_and_nothing_readable_missing(  # type: ignore[no-untyped-def]
    backend: str, request: pytest.FixtureRequest, embedder: Embedder, documents, memberships, changes
) -> None:
    with tempfile.TemporaryDirectory() as folder, open_kb(backend, Path(folder), embedder, request) as kb:
        for user in USERS:
            kb.store.add_user(user)
        members = {g: set(memberships.get(g, ())) for g in GROUPS}
        for group in GROUPS:
            kb.store.add_group(group, sorted(members[group]))
        truth: dict[str, frozenset[Reader]] = {}
        ids: dict[str, int] = {}
        for word, readers in zip(WORDS, documents, strict=False):
            result = kb.ingestor.ingest_document(
                ParsedDocument(word, f"The {word} report.", word, "text/plain"), readers
            )
            truth[word], ids[word] = readers, result.document_id or 0

        def check() -> None:
            for user in USERS:
                allowed = {w for w, r in truth.items() if may_read(user, r, members)}
                assert {d.source for d in kb.store.documents(user)} == allowed
                for word in WORDS:
                    for mode in ("lexical", "dense", "hybrid"):
                        found = {h.source for h in kb.search(word, user, k=len(WORDS), mode=mode)}  # type: ignore[arg-type]
                        assert found <= allowed, (user, word, mode)
                        if word in allowed and mode != "dense":
                            assert word in found, (user, word, mode)

        check()
        for kind, target, value in changes:
            if kind == "share" and WORDS[target] in truth:
                kb.store.set_readers(ids[WORDS[target]], value)
                truth[WORDS[target]] = value
            elif kind == "join":
                kb.store.add_members(target, [value])
                members[target].add(value)
            elif kind == "leave":
                kb.store.remove_members(target, [value])
                members[target].discard(value)
            elif kind == "delete" and WORDS[target] in truth:
                kb.store.delete_document(ids[WORDS[target]])
                del truth[WORDS[target]]
            check()
        assert kb.store.check_integrity() == []

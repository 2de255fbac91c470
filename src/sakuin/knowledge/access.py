"""Who may read what: principals, readers, and the one permission filter.

A document's readers are users, groups, or ``everyone``; ``everyone`` is always explicit, never
a default. Group membership is looked up inside the same query that selects candidates, so a
change to a document's readers or to a user's groups applies to the very next request, and
ranking only ever sees what the asking user may read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sakuin.errors import SakuinError

ReaderKind = Literal["user", "group", "everyone"]
NAME = re.compile(r"^[\w.@-]{1,64}$")


class AccessError(SakuinError):
    """A reader specification or principal name that cannot be used."""


class UnknownPrincipalError(AccessError):
    """A user or group that does not exist."""


@dataclass(frozen=True, order=True)
class Reader:
    """One entry of a document's readers."""

    kind: ReaderKind
    name: str = "*"

    def __str__(self) -> str:
        return "everyone" if self.kind == "everyone" else f"{self.kind}:{self.name}"


EVERYONE = Reader("everyone")


def check_name(name: str, what: str) -> str:
    """A user or group name: letters, digits, ``_ . @ -``, at most 64 characters."""
    if not NAME.match(name):
        raise AccessError(f"'{name}' is not a valid {what} name (use letters, digits, _ . @ -, up to 64).")
    return name


def parse_readers(spec: str | Iterable[str]) -> frozenset[Reader]:
    """``"group:sales,user:alice"`` or ``"everyone"`` (or a list of such items) to readers."""
    items = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec) if s.strip()]
    if not items:
        raise AccessError("no readers given; name users and groups (user:alice,group:sales) or 'everyone'.")
    readers = set()
    for item in items:
        if item == "everyone":
            readers.add(EVERYONE)
            continue
        kind, _, name = item.partition(":")
        if kind not in ("user", "group") or not name:
            raise AccessError(f"reader '{item}' is not user:NAME, group:NAME or everyone.")
        readers.add(Reader(kind, check_name(name, kind)))  # type: ignore[arg-type]
    return frozenset(readers)


def readable_documents_sql(user_param: str = ":user") -> str:
    """SQL selecting the ids of documents the user bound to ``user_param`` may read.

    The one permission filter: every read path in every store puts it inside the query that
    selects candidates (never filters after ranking).
    """
    return (
        "SELECT doc_id FROM readers WHERE kind = 'everyone'"
        f" OR (kind = 'user' AND name = {user_param})"
        " OR (kind = 'group' AND name IN"
        f" (SELECT group_name FROM memberships WHERE user_name = {user_param}))"
    )

"""The demo ``make run`` serves: the example company (``examples/workspace/``) with logins.

Its users get known demo passwords so that anyone trying sakuin can log in as each of them and
see that what one may read, another may not; the held-back product document is left out so the
"refused → upload → answered" scenario can be played in the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sakuin.knowledge.ingest import IngestReport, IngestResult
from sakuin.knowledge.manifest import Workspace, load_workspace
from sakuin.server.services import Services

EXAMPLE_WORKSPACE = Path(__file__).resolve().parents[3] / "examples" / "workspace"
ADMIN_USER = "admin"


@dataclass(frozen=True)
class DemoUser:
    name: str
    password: str
    groups: list[str]
    admin: bool


def demo_password(user: str) -> str:
    """A demo user's password: printed for everyone, so only for a demo on 127.0.0.1."""
    return f"sakuin-{user}"


def prepare_demo(
    services: Services, workspace: Workspace, progress: Callable[[IngestResult], None] | None = None
) -> tuple[IngestReport, list[DemoUser]]:
    """Load ``workspace`` (without its held-back documents) and let each of its users log in."""
    report = load_workspace(services.kb, workspace, progress=progress)
    users = []
    for name in workspace.manifest.users.names:
        services.accounts.set_password(name, demo_password(name))
        if name == ADMIN_USER:
            services.accounts.set_admin(name, True)
        groups = sorted(g for g, members in workspace.manifest.groups.items() if name in members)
        users.append(DemoUser(name, demo_password(name), groups, services.accounts.is_admin(name)))
    return report, users

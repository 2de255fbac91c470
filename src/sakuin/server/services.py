"""What every request handler shares: settings, the knowledge base, the language model, accounts, jobs
and rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request

from sakuin.config import Settings
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.server.accounts import Accounts
from sakuin.server.jobs import JobManager
from sakuin.server.ratelimit import RateLimiter
from sakuin.server.shared_model import SharedModel

# What an endpoint can reveal, declared on each route (``openapi_extra=exposes(...)``) and checked by the
# authorization test for every route in the table: public (no login), self (the caller's own
# account), content (documents or anything derived from them), jobs (the caller's own jobs),
# admin (users and groups).
Exposure = Literal["public", "self", "content", "jobs", "admin"]
EXPOSURE_KEY = "x-sakuin-exposes"


def exposes(kind: Exposure) -> dict[str, Any]:
    """A route's ``openapi_extra`` declaring what it reveals."""
    return {EXPOSURE_KEY: kind}


@dataclass
class Services:
    settings: Settings
    kb: KnowledgeBase
    accounts: Accounts
    jobs: JobManager
    limiter: RateLimiter
    login_limiter: RateLimiter
    model: SharedModel

    def close(self) -> None:
        self.jobs.shutdown()
        self.model.close()
        self.accounts.close()
        self.kb.close()


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]

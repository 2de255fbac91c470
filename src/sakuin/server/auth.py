"""Who is asking: every endpoint but login and health resolves the principal before anything else.

A browser logs in once and holds a session cookie (HttpOnly, SameSite=Lax); because a browser
sends cookies on its own, every unsafe request on a cookie session must also echo the session's
CSRF token in ``X-CSRF-Token`` (the page reads it from a meta tag). Scripts send
``Authorization: Bearer TOKEN`` instead, which a foreign page cannot forge, so no CSRF token is
needed there. Each resolved principal counts against its per-user rate limit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request

from sakuin.errors import SakuinError
from sakuin.server.services import Services, ServicesDep

SESSION_COOKIE = "sakuin_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotAuthenticatedError(SakuinError):
    """No valid session or token came with the request (HTTP 401)."""


class ForbiddenError(SakuinError):
    """The principal is known but may not do this (HTTP 403)."""


@dataclass(frozen=True)
class Principal:
    user: str
    admin: bool
    via: Literal["session", "token"]
    csrf: str = ""


def resolve_principal(request: Request, services: Services) -> Principal | None:
    """The principal of a bearer token or session cookie, or None when there is neither."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user = services.accounts.token_user(authorization[7:].strip())
        if user is None:
            raise NotAuthenticatedError("the API token is unknown or revoked; create one at /api/tokens.")
        return Principal(user, services.accounts.is_admin(user), "token")
    secret = request.cookies.get(SESSION_COOKIE)
    session = services.accounts.session(secret) if secret else None
    if session is None:
        return None
    return Principal(session.user, services.accounts.is_admin(session.user), "session", session.csrf)


def current_principal(request: Request, services: ServicesDep) -> Principal:
    """The logged-in principal; 401 without one, 403 for a cookie request without its CSRF token."""
    principal = resolve_principal(request, services)
    if principal is None:
        raise NotAuthenticatedError("log in first (POST /api/login) or send Authorization: Bearer TOKEN.")
    if (
        principal.via == "session"
        and request.method in UNSAFE_METHODS
        and not secrets.compare_digest(request.headers.get(CSRF_HEADER, ""), principal.csrf)
    ):
        raise ForbiddenError(f"missing or wrong {CSRF_HEADER} header; reload the page and retry.")
    services.limiter.hit(principal.user)
    return principal


def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.admin:
        raise ForbiddenError("only an admin may manage users and groups.")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]
AdminDep = Annotated[Principal, Depends(admin_principal)]

"""Login, logout, the caller's account and tokens, and admin management of users and groups."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from sakuin.server.auth import SESSION_COOKIE, AdminDep, NotAuthenticatedError, PrincipalDep
from sakuin.server.services import ServicesDep, exposes

router = APIRouter(prefix="/api")


class Login(BaseModel):
    user: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    user: str
    admin: bool
    groups: list[str]
    csrf: str = Field("", description="Echo in X-CSRF-Token on unsafe requests of this cookie session.")


class TokenRequest(BaseModel):
    label: str = Field(min_length=1, max_length=64)


class NewToken(BaseModel):
    label: str
    token: str = Field(description="Shown once: send as Authorization: Bearer TOKEN.")


class UserInfo(BaseModel):
    name: str
    groups: list[str]
    can_log_in: bool
    admin: bool


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str | None = Field(None, max_length=1024)
    admin: bool = False


class UserChange(BaseModel):
    password: str | None = Field(None, max_length=1024)
    admin: bool | None = None


class NewGroup(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    members: list[str] = Field(default_factory=list, max_length=1000)


class Members(BaseModel):
    members: list[str] = Field(min_length=1, max_length=1000)


def _groups_of(services: ServicesDep, user: str) -> list[str]:
    return [group for group, members in services.kb.store.groups().items() if user in members]


@router.get("/health", openapi_extra=exposes("public"))
def health() -> dict[str, str]:
    """Liveness: answers without login."""
    return {"status": "ok"}


@router.post("/login", openapi_extra=exposes("public"))
def login(body: Login, response: Response, services: ServicesDep) -> Me:
    """Check a password and start a cookie session; the reply carries the session's CSRF token."""
    services.login_limiter.hit(f"login:{body.user}")
    if not services.accounts.verify(body.user, body.password):
        raise NotAuthenticatedError("wrong user name or password.")
    secret, session = services.accounts.start_session(body.user)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(services.settings.server.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=services.settings.server.secure_cookies,
    )
    return Me(
        user=body.user,
        admin=services.accounts.is_admin(body.user),
        groups=_groups_of(services, body.user),
        csrf=session.csrf,
    )


@router.post("/logout", status_code=204, openapi_extra=exposes("self"))
def logout(request: Request, response: Response, principal: PrincipalDep, services: ServicesDep) -> None:
    """End this cookie session (a token stays valid until revoked)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if principal.via == "session" and secret:
        services.accounts.end_session(secret)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", openapi_extra=exposes("self"))
def me(principal: PrincipalDep, services: ServicesDep) -> Me:
    return Me(
        user=principal.user,
        admin=principal.admin,
        groups=_groups_of(services, principal.user),
        csrf=principal.csrf,
    )


@router.get("/tokens", openapi_extra=exposes("self"))
def tokens(principal: PrincipalDep, services: ServicesDep) -> list[str]:
    """Labels of the caller's API tokens (the tokens themselves are never shown again)."""
    return services.accounts.token_labels(principal.user)


@router.post("/tokens", status_code=201, openapi_extra=exposes("self"))
def create_token(body: TokenRequest, principal: PrincipalDep, services: ServicesDep) -> NewToken:
    return NewToken(label=body.label, token=services.accounts.create_token(principal.user, body.label))


@router.delete("/tokens/{label}", status_code=204, openapi_extra=exposes("self"))
def revoke_token(label: str, principal: PrincipalDep, services: ServicesDep) -> None:
    services.accounts.revoke_token(principal.user, label)


@router.get("/admin/users", openapi_extra=exposes("admin"))
def list_users(_: AdminDep, services: ServicesDep) -> list[UserInfo]:
    accounts = services.accounts.accounts()
    member_of: dict[str, list[str]] = {}
    for group, members in services.kb.store.groups().items():
        for member in members:
            member_of.setdefault(member, []).append(group)
    return [
        UserInfo(name=u, groups=member_of.get(u, []), can_log_in=u in accounts, admin=accounts.get(u, False))
        for u in services.kb.store.users()
    ]


@router.post("/admin/users", status_code=201, openapi_extra=exposes("admin"))
def add_user(body: NewUser, _: AdminDep, services: ServicesDep) -> UserInfo:
    """Add a user to the store (the same users the CLI manages), optionally able to log in."""
    services.kb.store.add_user(body.name)
    _change_user(services, body.name, UserChange(password=body.password, admin=body.admin))
    return UserInfo(
        name=body.name,
        groups=_groups_of(services, body.name),
        can_log_in=body.name in services.accounts.accounts(),
        admin=services.accounts.is_admin(body.name),
    )


@router.patch("/admin/users/{name}", openapi_extra=exposes("admin"))
def change_user(name: str, body: UserChange, _: AdminDep, services: ServicesDep) -> UserInfo:
    """Set a user's password and/or admin flag."""
    services.kb.store.require_user(name)
    _change_user(services, name, body)
    return UserInfo(
        name=name,
        groups=_groups_of(services, name),
        can_log_in=name in services.accounts.accounts(),
        admin=services.accounts.is_admin(name),
    )


def _change_user(services: ServicesDep, name: str, change: UserChange) -> None:
    if change.password is not None:
        services.accounts.set_password(name, change.password)
    if change.admin is not None and (change.admin or name in services.accounts.accounts()):
        services.accounts.set_admin(name, change.admin)


@router.get("/admin/groups", openapi_extra=exposes("admin"))
def list_groups(_: AdminDep, services: ServicesDep) -> dict[str, list[str]]:
    return services.kb.store.groups()


@router.post("/admin/groups", status_code=201, openapi_extra=exposes("admin"))
def add_group(body: NewGroup, _: AdminDep, services: ServicesDep) -> dict[str, list[str]]:
    services.kb.store.add_group(body.name, body.members)
    return {body.name: services.kb.store.groups()[body.name]}


@router.post("/admin/groups/{name}/members", openapi_extra=exposes("admin"))
def add_members(name: str, body: Members, _: AdminDep, services: ServicesDep) -> dict[str, list[str]]:
    services.kb.store.add_members(name, body.members)
    return {name: services.kb.store.groups()[name]}


@router.delete("/admin/groups/{name}/members/{user}", openapi_extra=exposes("admin"))
def remove_member(name: str, user: str, _: AdminDep, services: ServicesDep) -> dict[str, list[str]]:
    """Take a user out of a group; it applies to their very next request."""
    services.kb.store.remove_members(name, [user])
    return {name: services.kb.store.groups()[name]}

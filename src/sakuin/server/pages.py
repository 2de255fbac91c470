"""The web page: server-rendered Jinja2 templates plus one small hand-written script (no CDN).

Pages read through the same Python API as the JSON endpoints, as the logged-in principal; the
script (``static/app.js``) performs actions through the JSON API with the session's CSRF token.
An anonymous visitor gets the login form with status 401, whatever page they asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from sakuin.server.auth import Principal, resolve_principal
from sakuin.server.i18n import LANGUAGE_COOKIE, language_of, translations
from sakuin.server.services import ServicesDep
from sakuin.server.uploads import may_manage

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
# The pages in the header, in order: (path, i18n key). A capability's page adds itself here.
NAV: list[tuple[str, str]] = [("/knowledge", "nav_knowledge"), ("/write", "nav_write"), ("/jobs", "nav_jobs")]


def render(
    request: Request, template: str, principal: Principal | None, status: int = 200, **data: Any
) -> Response:
    """A page in the visitor's language; ``?lang=`` is remembered in a cookie."""
    language = language_of(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": translations(language),
            "lang": language,
            "principal": principal,
            "path": request.url.path,
            "nav": NAV,
            **data,
        },
        status_code=status,
    )
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/knowledge", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return render(request, "login.html", None)


@router.get("/knowledge", response_class=HTMLResponse)
def knowledge_page(request: Request, services: ServicesDep) -> Response:
    principal = resolve_principal(request, services)
    if principal is None:
        return render(request, "login.html", None, status=401)
    documents = [
        (record, may_manage(record, principal.user, admin=principal.admin))
        for record in services.kb.store.documents(principal.user)
    ]
    return render(request, "knowledge.html", principal, documents=documents)


@router.get("/write", response_class=HTMLResponse)
def write_page(request: Request, services: ServicesDep) -> Response:
    principal = resolve_principal(request, services)
    if principal is None:
        return render(request, "login.html", None, status=401)
    return render(request, "write.html", principal)


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, services: ServicesDep) -> Response:
    principal = resolve_principal(request, services)
    if principal is None:
        return render(request, "login.html", None, status=401)
    return render(
        request, "jobs.html", principal, jobs=[j.snapshot() for j in services.jobs.jobs(principal.user)]
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, services: ServicesDep) -> Response:
    principal = resolve_principal(request, services)
    if principal is None:
        return render(request, "login.html", None, status=401)
    if not principal.admin:
        return RedirectResponse("/knowledge", status_code=303)
    return render(
        request,
        "admin.html",
        principal,
        users=services.kb.store.users(),
        accounts=services.accounts.accounts(),
        groups=services.kb.store.groups(),
    )

"""The web page: server-rendered Jinja2 templates plus one small hand-written script (no CDN).

Pages read through the same Python API as the JSON endpoints, as the logged-in principal; the
script (``static/app.js``) performs actions through the JSON API with the session's CSRF token.
An anonymous visitor gets the login form with status 401, whatever page they asked for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from sakuin.classify.tables import read_table
from sakuin.server.auth import Principal, resolve_principal
from sakuin.server.i18n import LANGUAGE_COOKIE, language_of, translations
from sakuin.server.jobs import FINISHED, Job, JobNotFoundError
from sakuin.server.services import Services, ServicesDep
from sakuin.server.uploads import may_manage

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
# The pages in the header, in order: (path, i18n key). A capability's page adds itself here.
NAV: list[tuple[str, str]] = [
    ("/knowledge", "nav_knowledge"),
    ("/write", "nav_write"),
    ("/classify", "nav_classify"),
    ("/curate", "nav_curate"),
    ("/simulate", "nav_simulate"),
    ("/vision", "nav_vision"),
    ("/memorize", "nav_memorize"),
    ("/jobs", "nav_jobs"),
]
PREVIEW_ROWS = 50  # rows of a labelled table the Classify page shows


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


class LoginRequired(Exception):
    """A page was asked for without a session or token: the answer is the login page, 401."""


def _visitor(request: Request, services: ServicesDep) -> Principal:
    """The logged-in visitor of a page; anyone else gets the login page (see :func:`login_page_for`)."""
    principal = resolve_principal(request, services)
    if principal is None:
        raise LoginRequired
    return principal


VisitorDep = Annotated[Principal, Depends(_visitor)]


def login_page_for(request: Request, _: Exception) -> Response:
    """The answer to :class:`LoginRequired`, registered on the app."""
    return render(request, "login.html", None, status=401)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/knowledge", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return render(request, "login.html", None)


@router.get("/knowledge", response_class=HTMLResponse)
def knowledge_page(request: Request, services: ServicesDep, principal: VisitorDep) -> Response:
    documents = [
        (record, may_manage(record, principal.user, admin=principal.admin))
        for record in services.kb.store.documents(principal.user)
    ]
    return render(request, "knowledge.html", principal, documents=documents)


@router.get("/write", response_class=HTMLResponse)
def write_page(request: Request, principal: VisitorDep) -> Response:
    return render(request, "write.html", principal)


@router.get("/vision", response_class=HTMLResponse)
def vision_page(request: Request, principal: VisitorDep) -> Response:
    return render(request, "vision.html", principal)


@router.get("/memorize", response_class=HTMLResponse)
def memorize_page(request: Request, services: ServicesDep, principal: VisitorDep) -> Response:
    """The recall curve and route comparison of the benchmark, and the adapters the visitor may use."""
    from sakuin.memorize.adapters import registry
    from sakuin.memorize.report import page_data

    data = page_data(registry(services.settings), services.kb.store, principal.user)
    return render(request, "memorize.html", principal, **data)


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, services: ServicesDep, principal: VisitorDep) -> Response:
    return render(
        request, "jobs.html", principal, jobs=[j.snapshot() for j in services.jobs.jobs(principal.user)]
    )


def _job_of_kind(services: Services, job_id: str | None, kind: str, user: str) -> Job | None:
    """The caller's job ``job_id`` of ``kind`` (the page's ``?job=``); someone else's does not exist."""
    if not job_id:
        return None
    job: Job = services.jobs.get(job_id, user)
    if job.kind != kind:
        raise JobNotFoundError(job_id)
    return job


def _job_page(
    request: Request, services: Services, principal: Principal, template: str, kind: str, show: Any
) -> Response:
    """A capability's page: the form, and for ``?job=<id>`` that job's progress or its results."""
    try:
        job = _job_of_kind(services, request.query_params.get("job"), kind, principal.user)
    except JobNotFoundError as exc:
        return render(request, template, principal, status=404, job=None, missing=str(exc))
    shown = show(job) if job is not None and job.status in FINISHED else {}
    return render(request, template, principal, job=job.snapshot() if job else None, **shown)


def _cell(value: Any) -> str:
    """A table cell: blanks for missing values, floats to four significant digits."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _classify_results(job: Job) -> dict[str, Any]:
    if job.status != "done":
        return {}
    names = job.results()
    labelled = next((n for n in names if n.startswith("labelled.")), None)
    summary_path = job.results_dir / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    if labelled is None:
        return {"summary": summary}
    table = read_table(job.results_dir / labelled).head(PREVIEW_ROWS)
    text_column = str(job.params.get("text_column", "text"))
    shown = [c for c in [text_column, "predicted"] if c in table.columns]
    probabilities = [c for c in table.columns if str(c).startswith("p_")]
    for column in probabilities:  # a table may be read as text; the probabilities are numbers
        table[column] = pd.to_numeric(table[column], errors="coerce")
    shown += probabilities
    rows = [[_cell(value) for value in row] for row in table[shown].itertuples(index=False)]
    return {"summary": summary, "labelled": labelled, "columns": shown, "rows": rows}


def _simulate_results(job: Job) -> dict[str, Any]:
    results = job.results_dir
    shown: dict[str, Any] = {}
    if (results / "result.json").is_file():
        result = json.loads((results / "result.json").read_text(encoding="utf-8"))
        rows = result.get("rows", [])
        columns: list[str] = []
        for row in rows:
            columns += [c for c in row if c not in columns]
        shown["result"] = result
        shown["columns"] = columns
        shown["rows"] = [[_cell(row.get(c)) for c in columns] for row in rows]
    if (results / "simulate.py").is_file():
        shown["script"] = (results / "simulate.py").read_text(encoding="utf-8")
    shown["plots"] = [n for n in job.results() if n.endswith(".png")]
    return shown


@router.get("/classify", response_class=HTMLResponse)
def classify_page(request: Request, services: ServicesDep, principal: VisitorDep) -> Response:
    return _job_page(request, services, principal, "classify.html", "classify", _classify_results)


@router.get("/curate", response_class=HTMLResponse)
def curate_page(request: Request, services: ServicesDep, principal: VisitorDep) -> Response:
    from sakuin.server.curate_job import curate_results

    return _job_page(request, services, principal, "curate.html", "curate", curate_results)


@router.get("/simulate", response_class=HTMLResponse)
def simulate_page(request: Request, services: ServicesDep, principal: VisitorDep) -> Response:
    return _job_page(request, services, principal, "simulate.html", "simulate", _simulate_results)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, services: ServicesDep, principal: VisitorDep) -> Response:
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

"""The local web app: paste or upload, read the report, work through the practices.

Thin shell over the library (DESIGN.md: "cli, web and corpus are thin shells"): a worker
process reads each upload with ``powerlens.load`` and analyses it with ``powerlens.analyze``
(``pool``, ``worker``), under a time and a memory limit and cancelled when the client goes
away; the case file stores the conversation and its report (``store``, ``codec``), so
opening a case renders the stored report with the HTML report's own sections
(``report.html``), the practices' guides (``practices.guide``) and contextual profiles
(``profiles.profile``) and never analyses again. The app adds storage, optional
pseudonymisation (``pseudonym``), limits (``intake``, ``refusal``) and access rules
(``security``). Templates are Jinja2 with autoescaping on; the report sections come
pre-escaped from ``report.html``.

Every refusal is a page (or, for a request that accepts JSON, ``{"error": {"code", ...}}``)
with its code; route parameters are checked before they reach the database, and an
unexpected fault shows a short page, never a traceback.

Known limits: one practitioner per server (no accounts).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from powerlens import render
from powerlens.errors import PowerlensError
from powerlens.measures.tactics.model import MODELS
from powerlens.model import ConversationReport, Report
from powerlens.practices import PRACTICES, Guide, guide, to_markdown
from powerlens.profiles import profile
from powerlens.readers import formats
from powerlens.report import charts
from powerlens.report.html import (
    chart_section,
    findings_section,
    speaker_table,
    summary_section,
    timeline_section,
    transcript_section,
)
from powerlens.report.style import STYLE
from powerlens.timeline import for_report, to_csv
from powerlens.web.cases import Reports, case_number, count
from powerlens.web.codec import conversation_from_json
from powerlens.web.intake import read_form, submission
from powerlens.web.pool import Analyses, Cancelled, Outcome, room_for, scratch_folder
from powerlens.web.refusal import IntakeError
from powerlens.web.security import HEADERS, install
from powerlens.web.settings import Settings
from powerlens.web.store import Case, CaseStore
from powerlens.web.worker import Job

SLUGS = {p.replace("_", "-"): p for p in PRACTICES}
"""URL slug -> practice name."""
CONTEXTS = ("couple", "family", "work", "friends", "therapy", "mediation")
"""Context tags suggested in the form (any tag may be typed)."""
EXPORTS = {
    "html": ("text/html; charset=utf-8", "html"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "json": ("application/json", "json"),
}
GONE = 499
"""Status of the answer nobody reads: the client left before its analysis finished."""


def _field(form: Any, name: str, limit: int = 80) -> str:
    value = form.get(name)
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def wants_json(request: Request) -> bool:
    """True for a script that asked for JSON answers (the app's own forms do)."""
    return "application/json" in request.headers.get("accept", "")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web app for ``settings`` (default: loopback, case file in the user's data dir)."""
    settings = settings or Settings()
    scratch = scratch_folder(settings)
    store = CaseStore(settings.database)
    reports = Reports(store)
    analyses = Analyses(settings, scratch)
    env = Environment(
        loader=PackageLoader("powerlens.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    env.filters["path"] = lambda value: quote(str(value), safe="")

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        analyses.stop_all()
        store.close()

    app = FastAPI(
        title="powerlens", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.settings, app.state.store, app.state.reports = settings, store, reports
    app.state.analyses = analyses
    install(app, settings)
    app.mount("/static", StaticFiles(packages=[("powerlens.web", "static")]), name="static")

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(settings=settings, **context)
        return HTMLResponse(html, status_code=status)

    def problem(status: int, title: str, message: str) -> HTMLResponse:
        return page("problem.html", status, title=title, message=message)

    def not_found() -> HTMLResponse:
        return problem(
            404, "Not found", "There is no such case or page; it may have been deleted."
        )

    @app.exception_handler(HTTPException)
    async def http_problem(_: Request, error: HTTPException) -> Response:
        if error.status_code == 404:
            return not_found()
        return PlainTextResponse(str(error.detail), status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> Response:
        return problem(400, "Not a valid address", "Part of this address is not valid.")

    @app.exception_handler(Exception)
    async def fault(_: Request, error: Exception) -> Response:
        # the last resort, outside the guard: add the security headers here
        response = problem(
            500, "Something went wrong",
            f"The app could not answer this request ({type(error).__name__}); nothing was "
            "changed. Please report it.",
        )
        response.headers.update(HEADERS)
        return response

    def index_page(status: int = 200, **extra: Any) -> HTMLResponse:
        cases = store.cases()
        people: dict[str, set[str]] = defaultdict(set)
        for case in cases:
            for person in case.people:
                people[person].add(case.context or "untagged")
        context: dict[str, Any] = {
            "cases": cases,
            "people": sorted((p, sorted(c)) for p, c in people.items()),
            "formats": formats(),
            "tactics_models": (*MODELS, "none"),
            "contexts": CONTEXTS,
            "error": None,
            "notice": None,
            "values": {},
        }
        context.update(extra)
        return page("index.html", status, **context)

    def refused(request: Request, error: PowerlensError, shown: Response) -> Response:
        """The refusal as JSON for scripts, else the page ``shown``."""
        if wants_json(request):
            status = error.status if isinstance(error, IntakeError) else 400
            body = {"code": error.code, "message": error.message, "fix": error.fix,
                    "text": str(error)}
            return JSONResponse({"error": body}, status_code=status)
        return shown

    def done(request: Request, target: str, **extra: Any) -> Response:
        """Where to go next: JSON for the app's script (it replaces the page), else a 303."""
        if wants_json(request):
            return JSONResponse({"location": target, **extra})
        return RedirectResponse(target, status_code=303)

    def gone() -> Response:
        return PlainTextResponse("The client went away; nothing was stored.", status_code=GONE)

    def found(case_id: str) -> tuple[Case, ConversationReport | None] | None:
        """The case named in an address and its stored report (None before analysis)."""
        number = case_number(case_id)
        case = store.get(number) if number is not None else None
        return None if case is None else (case, reports.get(case.id))

    def opened(
        case_id: str, valid: bool = True
    ) -> tuple[Case, ConversationReport] | HTMLResponse:
        """The case and its stored report, or the page saying why not (404, or 409 for a
        case stored before reports were kept); ``valid`` is False for a bad rest of path."""
        got = found(case_id)
        if got is None or not valid:
            return not_found()
        case, report = got
        if report is None:
            return page("unanalysed.html", 409, case=case)
        return case, report

    @app.get("/", response_class=HTMLResponse)
    def index(deleted: str = "", added: str = "") -> HTMLResponse:
        notice = None
        if count(deleted):
            notice = "The case and everything derived from it were deleted."
        elif count(added):
            notice = f"The file held {count(added)} conversations; each was added as a case."
        return index_page(notice=notice)

    def keep(
        outcome: Outcome, context: str, pseudo: bool, reply_to: bool, tactics: str
    ) -> list[int]:
        ids = []
        for text, helper, report in zip(
            outcome.conversations, outcome.helpers, outcome.reports, strict=True
        ):
            ids.append(
                store.add(
                    conversation_from_json(text),
                    context=context,
                    helper=helper,
                    pseudonymised=pseudo,
                    reply_to_previous=reply_to,
                    tactics_model=tactics,
                    report=report,
                )
            )
        return ids

    @app.post("/analyse")
    async def analyse_upload(request: Request) -> Response:
        values: dict[str, str] = {}
        try:
            form = await read_form(request, settings.max_bytes)
            fields = ("context", "helper", "format", "tactics_model")
            values = {k: _field(form, k) for k in fields}
            tactics = values["tactics_model"] or MODELS[0]
            if tactics not in (*MODELS, "none"):
                raise IntakeError(
                    f"Unknown tactic model {tactics!r}.",
                    fix=f"choose one of {', '.join((*MODELS, 'none'))}.",
                )
            item = await submission(form, settings.max_bytes)
            if settings.memory_only:
                room_for(scratch, len(item.data))
            pseudo = form.get("pseudonymise") == "on"
            reply_to = form.get("reply_to_previous") == "on"
            job = Job(
                kind="upload",
                folder="",
                name=item.name,
                input_format=values["format"] if values["format"] not in ("", "auto") else None,
                context=values["context"],
                helper=values["helper"] or None,
                pseudonymise=pseudo,
                reply_to_previous=reply_to,
                tactics_model=tactics,
                max_bytes=settings.max_bytes,
                max_utterances=settings.max_utterances,
                limits=settings.limits,
            )
            outcome = await analyses.run(job, item.data, request.is_disconnected)
        except Cancelled:
            return gone()
        except PowerlensError as error:
            status = error.status if isinstance(error, IntakeError) else 400
            return refused(
                request, error, index_page(status, error=str(error), values=values)
            )
        ids = await run_in_threadpool(
            keep, outcome, values["context"], pseudo, reply_to, tactics
        )
        target = f"/cases/{ids[0]}" if len(ids) == 1 else f"/?added={len(ids)}"
        return done(request, target, cases=ids)

    async def reanalyse(request: Request, case: Case, declarations: str) -> str:
        """A stored case analysed again in a worker (new declarations, or no stored report)."""
        stored = store.stored(case.id)
        if stored is None:
            raise IntakeError("The case was deleted meanwhile.")
        job = Job(
            kind="analyse",
            folder="",
            helper=case.helper,
            reply_to_previous=case.reply_to_previous,
            tactics_model=case.tactics_model,
            declarations=declarations,
            max_bytes=settings.max_bytes,
            max_utterances=settings.max_utterances,
            limits=settings.limits,
        )
        outcome = await analyses.run(job, stored[0].encode("utf-8"), request.is_disconnected)
        return outcome.reports[0]

    @app.get("/cases/{case_id}", response_class=HTMLResponse)
    def case_page(case_id: str) -> HTMLResponse:
        got = opened(case_id)
        if isinstance(got, Response):
            return got
        case, report = got
        sections = {
            "summary": Markup(summary_section(report)),
            "table": Markup(speaker_table(report)),
            "charts": Markup(chart_section(report)),
            "timeline": Markup(timeline_section(report)),
            "findings": Markup(findings_section(report)),
            "transcript": Markup(transcript_section(report)),
        }
        return page(
            "case.html", case=case, report=report, sections=sections, practices=SLUGS
        )

    @app.post("/cases/{case_id}/analyse")
    async def analyse_case(case_id: str, request: Request) -> Response:
        got = found(case_id)
        if got is None:
            return not_found()
        case = got[0]
        try:
            report = await reanalyse(request, case, case.declarations)
        except Cancelled:
            return gone()
        except PowerlensError as error:
            return refused(request, error, problem(400, "Not analysed", str(error)))
        store.set_report(case.id, report)
        reports.drop(case.id)
        return done(request, f"/cases/{case.id}")

    @app.post("/cases/{case_id}/delete")
    def delete_case(case_id: str, request: Request) -> Response:
        number = case_number(case_id)
        if number is None or not store.delete(number):
            return not_found()
        reports.drop(number)
        return done(request, "/?deleted=1")

    @app.get("/cases/{case_id}/export/evidence.csv")
    def export_evidence(case_id: str) -> Response:
        got = opened(case_id)
        if isinstance(got, Response):
            return got
        case, report = got
        history = for_report(report)
        if history is None:
            return not_found()
        disposition = f'attachment; filename="powerlens-case-{case.id}-evidence.csv"'
        return Response(
            to_csv(history), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )

    @app.get("/cases/{case_id}/export/{fmt}")
    def export(case_id: str, fmt: str) -> Response:
        got = opened(case_id, fmt in EXPORTS)
        if isinstance(got, Response):
            return got
        case, report = got
        media, extension = EXPORTS[fmt]
        text = render(Report([report]), fmt)
        disposition = f'attachment; filename="powerlens-case-{case.id}.{extension}"'
        return Response(text, media_type=media, headers={"Content-Disposition": disposition})

    def filled(case: Case, report: ConversationReport, practice: str) -> tuple[Guide, str | None]:
        g = guide(practice, report)
        answers, saved = store.answers(case.id, practice)
        for step, answer in zip(g.steps, answers, strict=False):
            step.answer = answer
        return g, saved

    def practice_view(
        case: Case, report: ConversationReport, slug: str, *, status: int = 200,
        saved: bool = False, error: str | None = None, answers: list[str] | None = None,
        declarations: str | None = None,
    ) -> HTMLResponse:
        g, when = filled(case, report, SLUGS[slug])
        for step, answer in zip(g.steps, answers or [], strict=False):
            step.answer = answer
        if declarations is None:
            declarations = case.declarations or declaration_template(
                report.conversation.speaker_names()
            )
        return page(
            "practice.html", status, case=case, guide=g, slug=slug, saved_at=when,
            just_saved=saved, error=error, declarations=declarations,
        )

    @app.get("/cases/{case_id}/practice/{slug}", response_class=HTMLResponse)
    def practice_page(case_id: str, slug: str, saved: str = "") -> HTMLResponse:
        got = opened(case_id, slug in SLUGS)
        if isinstance(got, Response):
            return got
        case, report = got
        return practice_view(case, report, slug, saved=bool(count(saved)))

    @app.post("/cases/{case_id}/practice/{slug}", response_class=HTMLResponse)
    async def save_practice(case_id: str, slug: str, request: Request) -> Response:
        got = opened(case_id, slug in SLUGS)
        if isinstance(got, Response):
            return got
        case, report = got
        answers: list[str] = []
        text: str | None = None
        try:
            form = await read_form(request, settings.max_bytes, max_fields=64, max_files=0)
            answers = [a.strip() for a in form.getlist("answer") if isinstance(a, str)]
            declarations = form.get("declarations")
            if SLUGS[slug] == "airing_the_privilege" and isinstance(declarations, str):
                text = declarations.replace("\r\n", "\n")
                if text.strip() == declaration_template(case.people).strip():
                    text = ""
                if text != case.declarations:
                    fresh = await reanalyse(request, case, text)
                    store.set_report(case.id, fresh, declarations=text)
                    reports.drop(case.id)
        except Cancelled:
            return gone()
        except PowerlensError as error:
            status = error.status if isinstance(error, IntakeError) else 400
            shown = practice_view(
                case, report, slug, status=status, error=str(error), answers=answers,
                declarations=text,
            )
            return refused(request, error, shown)
        store.save_answers(case.id, SLUGS[slug], answers)
        return done(request, f"/cases/{case.id}/practice/{slug}?saved=1")

    @app.get("/cases/{case_id}/practice/{slug}/export.md")
    def export_practice(case_id: str, slug: str) -> Response:
        got = opened(case_id, slug in SLUGS)
        if isinstance(got, Response):
            return got
        case, report = got
        g, _ = filled(case, report, SLUGS[slug])
        disposition = f'attachment; filename="powerlens-case-{case.id}-{slug}.md"'
        return Response(
            to_markdown(g),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )

    @app.get("/people/{person}", response_class=HTMLResponse)
    def person_page(person: str) -> HTMLResponse:
        pairs = [(c, reports.get(c.id)) for c in store.cases_with(person)]
        analysed = [(c, r) for c, r in pairs if r is not None]
        if not analysed:
            return not_found()
        result = profile(person, [r for _, r in analysed])
        shares = [(c.context, c.metrics.get("word_share", 0.0)) for c in result.contexts]
        over_time = [
            (f"{c.created[:10]} {c.context}"[:16],
             float(r.speakers.get(person, {}).get("word_share", 0.0)))
            for c, r in analysed
        ]
        keys = sorted({k for c in result.contexts for k in c.metrics})
        return page(
            "person.html", person=person, result=result, keys=keys,
            cases=[c for c, _ in analysed],
            by_context=Markup(charts.share_bars("Share of words by context", shares)),
            over_time=Markup(charts.share_bars("Share of words over time", over_time)),
        )

    @app.get("/weather", response_class=HTMLResponse)
    def weather() -> HTMLResponse:
        return page("weather.html")

    @app.get("/report.css")
    def report_css() -> Response:
        return Response(STYLE, media_type="text/css")

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/healthz")
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app


def declaration_template(names: list[str] | tuple[str, ...]) -> str:
    """An empty declaration file for these speakers (each fills in only what they choose)."""
    blocks = ["# Each person declares only what they choose to. Leave a line out to skip it."]
    for name in names:
        key = name.replace("\\", "\\\\").replace('"', '\\"')
        blocks.append(
            f'\n[people."{key}"]\n# income_share = 0.5\n# manages_money = false\n'
            "# roles = []\n# authority_over = []\n# privileged_groups = []"
        )
    return "\n".join(blocks) + "\n"

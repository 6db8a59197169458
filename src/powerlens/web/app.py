"""The local web app: paste or upload, read the report, work through the practices.

Thin shell over the library (DESIGN.md: "cli, web and corpus are thin shells"): conversations
are read with ``powerlens.load``, analysed with ``powerlens.analyze`` and shown with the HTML
report's own sections (``report.html``), the practices' guides (``practices.guide``) and
contextual profiles (``profiles.profile``). The app adds only storage (``store``), optional
pseudonymisation (``pseudonym``), limits (``intake``) and access rules (``security``).
Templates are Jinja2 with autoescaping on; the report sections come pre-escaped from
``report.html``.

Known limits: one practitioner per server (no accounts); reports are recomputed when a case
is opened and kept in a small in-memory cache.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from powerlens import analyze, render
from powerlens.errors import PowerlensError
from powerlens.measures import Options
from powerlens.measures.tactics_model import MODELS
from powerlens.model import Conversation, ConversationReport, Report
from powerlens.practices import PRACTICES, Guide, guide, to_markdown
from powerlens.profiles import profile
from powerlens.readers import formats
from powerlens.report import charts
from powerlens.report.html import (
    STYLE,
    chart_section,
    findings_section,
    speaker_table,
    summary_section,
    timeline_section,
    transcript_section,
)
from powerlens.systemic import load_declarations
from powerlens.timeline import for_report, to_csv
from powerlens.web.intake import IntakeError, read_conversations, read_form, submission
from powerlens.web.pseudonym import pseudonymise
from powerlens.web.security import install
from powerlens.web.settings import Settings
from powerlens.web.store import Case, CaseStore

SLUGS = {p.replace("_", "-"): p for p in PRACTICES}
"""URL slug -> practice name."""
CONTEXTS = ("couple", "family", "work", "friends", "therapy", "mediation")
"""Context tags suggested in the form (any tag may be typed)."""
EXPORTS = {
    "html": ("text/html; charset=utf-8", "html"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "json": ("application/json", "json"),
}


class Reports:
    """A small cache of analysed cases (the case file stores conversations, not reports)."""

    def __init__(self, store: CaseStore, size: int = 16) -> None:
        self.store, self.size = store, size
        self._cache: OrderedDict[int, ConversationReport] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, case_id: int, report: ConversationReport) -> None:
        """Remember a fresh report."""
        with self._lock:
            self._cache[case_id] = report
            self._cache.move_to_end(case_id)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)

    def drop(self, case_id: int) -> None:
        """Forget a case's report."""
        with self._lock:
            self._cache.pop(case_id, None)

    def get(self, case: Case) -> ConversationReport | None:
        """The case's report, from the cache or analysed again."""
        with self._lock:
            if case.id in self._cache:
                self._cache.move_to_end(case.id)
                return self._cache[case.id]
        conversation = self.store.conversation(case.id)
        if conversation is None:
            return None
        report = analyse(
            conversation, case.helper, case.reply_to_previous, case.declarations, case.tactics_model
        )
        self.put(case.id, report)
        return report


def declarations_from_text(text: str) -> dict[str, Any] | None:
    """Parse a declaration file given as text with the library's reader (None when empty)."""
    if not text.strip():
        return None
    with tempfile.TemporaryDirectory(prefix="powerlens-") as folder:
        path = Path(folder) / "declarations.toml"
        path.write_text(text, encoding="utf-8")
        try:
            return dict(load_declarations(path))
        except PowerlensError as error:
            raise IntakeError(str(error).replace(str(path), "declarations")) from None


def analyse(
    conversation: Conversation,
    helper: str | None,
    reply_to_previous: bool,
    declarations: str,
    tactics_model: str = "mentalmanip",
) -> ConversationReport:
    """One conversation through ``powerlens.analyze`` with the case's options."""
    options = Options(
        helper=helper,
        reply_to_previous=reply_to_previous,
        declarations=declarations_from_text(declarations),
        tactics_model=tactics_model,
    )
    return analyze([conversation], options=options).conversations[0]


def _field(form: Any, name: str, limit: int = 80) -> str:
    value = form.get(name)
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web app for ``settings`` (default: loopback, case file in the user's data dir)."""
    settings = settings or Settings()
    store = CaseStore(settings.database)
    reports = Reports(store)
    env = Environment(
        loader=PackageLoader("powerlens.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    env.filters["path"] = lambda value: quote(str(value), safe="")

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="powerlens", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.settings, app.state.store, app.state.reports = settings, store, reports
    install(app, settings)
    app.mount("/static", StaticFiles(packages=[("powerlens.web", "static")]), name="static")

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(settings=settings, **context)
        return HTMLResponse(html, status_code=status)

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

    def not_found() -> HTMLResponse:
        return page("missing.html", 404)

    def case_and_report(case_id: int) -> tuple[Case, ConversationReport] | None:
        case = store.get(case_id)
        report = reports.get(case) if case is not None else None
        return None if case is None or report is None else (case, report)

    @app.get("/", response_class=HTMLResponse)
    def index(deleted: int = 0, added: int = 0) -> HTMLResponse:
        notice = None
        if deleted:
            notice = "The case and everything derived from it were deleted."
        elif added:
            notice = f"The file held {added} conversations; each was added as a case."
        return index_page(notice=notice)

    @app.post("/analyse")
    async def analyse_upload(request: Request) -> Response:
        values: dict[str, str] = {}
        try:
            form = await read_form(request, settings.max_bytes)
            values = {k: _field(form, k) for k in ("context", "helper", "format", "tactics_model")}
            tactics = values["tactics_model"] or MODELS[0]
            if tactics not in (*MODELS, "none"):
                raise IntakeError(f"Unknown tactic model {tactics!r}.")
            item = await submission(form, settings.max_bytes)
            chosen = values["format"] if values["format"] not in ("", "auto") else None
            conversations = await run_in_threadpool(
                read_conversations,
                item,
                input_format=chosen,
                context=values["context"],
                max_utterances=settings.max_utterances,
                memory_only=settings.memory_only,
            )
            pseudo = form.get("pseudonymise") == "on"
            reply_to = form.get("reply_to_previous") == "on"
            prepared = []
            for conversation in conversations:
                helper = values["helper"] or None
                if helper and helper not in conversation.speaker_names():
                    raise IntakeError(
                        f"The helper {helper!r} does not speak in {conversation.id}; the "
                        f"speakers are {', '.join(conversation.speaker_names())}."
                    )
                if pseudo:
                    conversation, helper = pseudonymise(conversation, helper)
                report = await run_in_threadpool(
                    analyse, conversation, helper, reply_to, "", tactics
                )
                prepared.append((conversation, helper, report))
        except IntakeError as error:
            return index_page(error.status, error=str(error), values=values)
        except PowerlensError as error:
            return index_page(400, error=str(error), values=values)
        ids = []
        for conversation, helper, report in prepared:
            case_id = store.add(
                conversation,
                context=values["context"],
                helper=helper,
                pseudonymised=pseudo,
                reply_to_previous=reply_to,
                tactics_model=tactics,
            )
            reports.put(case_id, report)
            ids.append(case_id)
        target = f"/cases/{ids[0]}" if len(ids) == 1 else "/?added=" + str(len(ids))
        return RedirectResponse(target, status_code=303)

    @app.get("/cases/{case_id}", response_class=HTMLResponse)
    def case_page(case_id: int) -> HTMLResponse:
        found = case_and_report(case_id)
        if found is None:
            return not_found()
        case, report = found
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

    @app.post("/cases/{case_id}/delete")
    def delete_case(case_id: int) -> Response:
        reports.drop(case_id)
        if not store.delete(case_id):
            return not_found()
        return RedirectResponse("/?deleted=1", status_code=303)

    @app.get("/cases/{case_id}/export/evidence.csv")
    def export_evidence(case_id: int) -> Response:
        found = case_and_report(case_id)
        history = for_report(found[1]) if found is not None else None
        if history is None:
            return not_found()
        disposition = f'attachment; filename="powerlens-case-{case_id}-evidence.csv"'
        return Response(
            to_csv(history), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )

    @app.get("/cases/{case_id}/export/{fmt}")
    def export(case_id: int, fmt: str) -> Response:
        found = case_and_report(case_id)
        if found is None or fmt not in EXPORTS:
            return not_found()
        media, extension = EXPORTS[fmt]
        text = render(Report([found[1]]), fmt)
        disposition = f'attachment; filename="powerlens-case-{case_id}.{extension}"'
        return Response(text, media_type=media, headers={"Content-Disposition": disposition})

    def filled(case: Case, report: ConversationReport, practice: str) -> tuple[Guide, str | None]:
        g = guide(practice, report)
        answers, saved = store.answers(case.id, practice)
        for step, answer in zip(g.steps, answers, strict=False):
            step.answer = answer
        return g, saved

    @app.get("/cases/{case_id}/practice/{slug}", response_class=HTMLResponse)
    def practice_page(case_id: int, slug: str, saved: int = 0) -> HTMLResponse:
        found = case_and_report(case_id)
        if found is None or slug not in SLUGS:
            return not_found()
        case, report = found
        g, when = filled(case, report, SLUGS[slug])
        return page(
            "practice.html", case=case, guide=g, slug=slug, saved_at=when,
            just_saved=bool(saved), error=None, declarations=case.declarations
            or declaration_template(report.conversation.speaker_names()),
        )

    @app.post("/cases/{case_id}/practice/{slug}", response_class=HTMLResponse)
    async def save_practice(case_id: int, slug: str, request: Request) -> Response:
        case = store.get(case_id)
        if case is None or slug not in SLUGS:
            return not_found()
        form = await request.form(max_fields=64, max_part_size=256 * 1024)
        answers = [a.strip() for a in form.getlist("answer") if isinstance(a, str)]
        declarations = form.get("declarations")
        if SLUGS[slug] == "airing_the_privilege" and isinstance(declarations, str):
            text = declarations.replace("\r\n", "\n")
            if text.strip() == declaration_template(case.people).strip():
                text = ""
            try:
                declarations_from_text(text)
            except IntakeError as error:
                found = case_and_report(case_id)
                assert found is not None
                g, when = filled(case, found[1], SLUGS[slug])
                for step, answer in zip(g.steps, answers, strict=False):
                    step.answer = answer
                return page(
                    "practice.html", 400, case=case, guide=g, slug=slug, saved_at=when,
                    just_saved=False, error=str(error), declarations=text,
                )
            if text != case.declarations:
                store.set_declarations(case_id, text)
                reports.drop(case_id)
        store.save_answers(case_id, SLUGS[slug], answers)
        return RedirectResponse(f"/cases/{case_id}/practice/{slug}?saved=1", status_code=303)

    @app.get("/cases/{case_id}/practice/{slug}/export.md")
    def export_practice(case_id: int, slug: str) -> Response:
        found = case_and_report(case_id)
        if found is None or slug not in SLUGS:
            return not_found()
        g, _ = filled(found[0], found[1], SLUGS[slug])
        disposition = f'attachment; filename="powerlens-case-{case_id}-{slug}.md"'
        return Response(
            to_markdown(g),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )

    @app.get("/people/{person}", response_class=HTMLResponse)
    def person_page(person: str) -> HTMLResponse:
        cases = store.cases_with(person)
        pairs = [(c, reports.get(c)) for c in cases]
        found = [(c, r) for c, r in pairs if r is not None]
        if not found:
            return not_found()
        result = profile(person, [r for _, r in found])
        shares = [(c.context, c.metrics.get("word_share", 0.0)) for c in result.contexts]
        over_time = [
            (f"{c.created[:10]} {c.context}"[:16],
             float(r.speakers.get(person, {}).get("word_share", 0.0)))
            for c, r in found
        ]
        keys = sorted({k for c in result.contexts for k in c.metrics})
        return page(
            "person.html", person=person, result=result, keys=keys, cases=[c for c, _ in found],
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

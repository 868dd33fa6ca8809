"""`Audit`: one workspace, one method per use case. The library's front door.

```python
import govaudit
audit = govaudit.Audit.create("audit-2026", checklist="cstc-2020-local", evaluator="张三")
audit.sites.add("成都市", "http://www.chengdu.gov.cn/", "city")
audit.answer("成都市", "statutory-disclosure.q1", "yes", note="首页有栏目")
for s in audit.score():
    print(s.site, s.total, s.grade, s.rank)
```

Every command of the CLI calls one method here; the rules of each use case (which
pages a capture covers, remembering a `--url`, linking evidence to answers, how
disagreeing answers are settled) live here and in the modules below, never in a
command. Nothing here prints or prompts.

A relative path given to a method, of a file read or written, is read from the
workspace folder (`audit.root`), wherever the script runs: `audit.export("exports/me.xlsx")`
writes into the workspace's exports/. The CLI passes absolute paths, so that a command
reads them from the folder it runs in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from govaudit.checklist import Checklist
from govaudit.errors import GovauditError, OptionError, UsageError, listed
from govaudit.i18n import _
from govaudit.model import (
    PROBE_EVALUATOR,
    Adjudication,
    Answer,
    AnswerReview,
    Evidence,
    LogEntry,
    PageRef,
    RemovedSite,
    Review,
    Site,
    SiteChange,
    SitesPlan,
)
from govaudit.scoring import Scorer, ScoreReport, Settlement, scorer
from govaudit.store import Store
from govaudit.urls import redact_url
from govaudit.workspace import Workspace, init_workspace, open_workspace

if TYPE_CHECKING:
    from govaudit.archive.bundle import Bundle
    from govaudit.archive.settings import EvidenceSettings
    from govaudit.archive.signing import KeyFiles
    from govaudit.archive.timestamps import TimestampResult
    from govaudit.auditlog import LogCheck
    from govaudit.backup import BackupResult
    from govaudit.capture import CaptureOptions, CaptureRun, ProgressCallback
    from govaudit.collect import CollectPlan
    from govaudit.evidence import VerifyResult
    from govaudit.fleet.schedule import RoundQueued
    from govaudit.fleet.worker import WorkerOptions, WorkerSummary
    from govaudit.monitor import (
        Campaign,
        Monitor,
        MonitorStatus,
        RoundSummary,
        VisitOptions,
    )
    from govaudit.monitor.visits import VisitResult
    from govaudit.probes.run import CheckOptions, CheckRun, ProgressFn
    from govaudit.server.admin import TeamServer
    from govaudit.server.connection import ServerSettings
    from govaudit.server.logsync import PulledLog
    from govaudit.server.sync import SyncResult
    from govaudit.workbook.content import WorkbookContent
    from govaudit.workbook.export import WrittenWorkbook
    from govaudit.workbook.ingest import ImportResult
    from govaudit.workbook.into import IntoResult
    from govaudit.workbook.merge import MergeResult


class Sites:
    """The workspace's sites: `audit.sites`."""

    def __init__(self, audit: Audit) -> None:
        self._audit = audit

    def __iter__(self) -> Iterator[Site]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self.all())

    def all(self) -> list[Site]:
        return self._audit.store.sites()

    def get(self, name: str) -> Site:
        """The named site; GovauditError lists the known ones."""
        return self._audit.store.site(name)

    def select(self, names: Iterable[str] | None = None) -> list[Site]:
        """The named sites in the order given (unknown names are an error), or all."""
        return self._audit.store.select(names)

    def add(self, name: str, url: str, level: str = "", *, region: str = "",
            group: str = "", notes: list[str] | None = None,
            warnings: list[str] | None = None) -> Site:
        """Add one site; the level may be a checklist level or its Chinese name (市, 县…).

        A URL typed without its scheme ('www.x.gov.cn', 'localhost:8000') is stored
        with http://, and said so in `notes` when a list is given; a ranking group the
        checklist does not know is said in `warnings` (the site is added all the same).
        """
        from govaudit.sites import add_sites, group_warnings, name_problem, validate_site

        problem = name_problem(name)
        if problem:
            raise UsageError(_("site name refused, nothing added: {problem}").format(
                problem=problem))
        typed: list[str] = []
        try:
            site = validate_site(self._audit.checklist, name, url, level, region, group, typed)
        except GovauditError as exc:
            raise GovauditError(_("site {name}: {error}").format(name=name, error=exc)) from None
        if notes is not None:
            notes.extend(f"URL {note}" for note in typed)
        if warnings is not None:
            warnings.extend(group_warnings(self._audit.checklist, [site]))
        [stored] = add_sites(self._audit.store, [site])
        return stored

    def import_file(self, path: str | Path, sheet: str | None = None, *,
                    apply: bool = True) -> SitesPlan:
        """Import a CSV/XLSX list (every sheet, or `sheet`): the diff against the workspace.

        Sites the file names are added or updated; stored sites it does not name
        are listed as missing and left alone. A bad row refuses the whole file.
        With `apply=False` the plan is only returned, unless the workspace has no
        sites yet (a first list has nothing to review).
        """
        from govaudit.sites import apply_plan, plan_import

        existing = self.all()
        plan, secrets = plan_import(self._audit.path(path), self._audit.checklist, existing,
                                    sheet)
        if (apply or not existing) and plan.has_changes:
            apply_plan(self._audit.store, plan, secrets)
            plan = replace(plan, applied=True)
        return plan

    def edit(self, name: str, *, url: str | None = None, level: str | None = None,
             group: str | None = None) -> SiteChange:
        """Change a site's URL, level or ranking group (checked as an imported row is)."""
        from govaudit.sites import apply_plan, validate_site

        old = self.get(name)
        new = validate_site(self._audit.checklist, old.name, old.url if url is None else url,
                            old.level if level is None else level, old.region,
                            old.group if group is None else group)
        change = SiteChange(old, new)
        if change.fields:
            apply_plan(self._audit.store, SitesPlan("", changed=(change,)), {})
        return change

    def remove(self, name: str, *, with_answers: bool = False) -> RemovedSite:
        """Take a site off the list; refused while it has answers unless `with_answers`.

        Its answers are then written to data/removed/ first (nothing is deleted
        unarchived); its evidence files stay where they are.
        """
        from govaudit.sites import archive_site

        site = self.get(name)
        answers = self._audit.store.answers(site.name, everyone=True)
        if answers and not with_answers:
            raise GovauditError(_("site {name} has {count} answer(s)").format(
                name=site.name, count=len(answers)), hint="with_answers")
        archive = archive_site(self._audit.store, site, answers) if answers else None
        self._audit.store.remove_site(site.name)
        return RemovedSite(site, len(answers), None if archive is None else str(archive))

    def pages(self, site: str | None = None) -> list[PageRef]:
        """The pages recorded for capture (all sites, or one)."""
        return self._audit.store.pages(site)

    def record_page(self, site: str, url: str, indicator: str = "", question: str = "") -> None:
        self._audit.store.record_page(PageRef(self.get(site).name, url, indicator, question))


class Monitoring:
    """The workspace's monitoring: `audit.monitor`. Each method opens the monitor's SQLite
    time series for its call; `audit.monitor(rules)` opens it for a block
    (`with audit.monitor() as m: …`) with the rest of `Monitor`."""

    def __init__(self, audit: Audit) -> None:
        self._audit = audit

    def __call__(self, rules: str = "gov-2019") -> Monitor:
        """The monitor, judging by the rule set `rules` (a name, or a .toml file)."""
        from govaudit.monitor import Monitor as _Monitor

        if rules.endswith(".toml"):  # a rule-set file, not a name
            rules = str(self._audit.path(rules))
        return _Monitor(self._audit.workspace, self._audit.store, self._audit.checklist,
                        rules=rules)

    def sites(self, names: Iterable[str] | None = None) -> list[Site]:
        """The sites a visit goes to: all (or the named) with an http(s) address."""
        with self() as monitor:
            return monitor.sites(names)

    def skipped(self, names: Iterable[str] | None = None) -> list[str]:
        """Why each chosen site without an http(s) address is not visited."""
        with self() as monitor:
            return monitor.skipped(names)

    def tick(self, names: Iterable[str] | None = None, options: VisitOptions | None = None,
             on_visit: Callable[[VisitResult], None] | None = None) -> list[VisitResult]:
        """One round: every site (or the named ones) visited once, now; samples saved."""
        with self() as monitor:
            return monitor.tick(names, options, on_visit)

    def start(self, every: float, length: float, names: Iterable[str] | None = None,
              options: VisitOptions | None = None,
              on_start: Callable[[Campaign, bool, int], None] | None = None,
              on_visit: Callable[[VisitResult], None] | None = None,
              on_summary: Callable[[RoundSummary], None] | None = None) -> Campaign:
        """Visit every site once per `every` seconds until the campaign's end (`length`
        from its start); a run started with the same interval and sites resumes."""
        with self() as monitor:
            return monitor.start(every, length, names, options, on_start, on_visit,
                                 on_summary)

    def status(self, length: float, names: Iterable[str] | None = None, *,
               rules: str = "gov-2019", server: bool = False) -> MonitorStatus:
        """Each site over the last `length` seconds: visits, failures and the findings of
        the rule set `rules`; from the monitoring server's roll-ups with `server`."""
        from govaudit.monitor import MonitorStatus, SiteStatus

        with self(rules) as monitor:
            now = monitor.clock()
            window = monitor.window(length, now)
            if not server:
                return MonitorStatus(window, monitor.rules, monitor.status(length, names, now))
            from govaudit.fleet.connection import connect
            from govaudit.fleet.status import server_findings

            sites = {s.name: s.url for s in monitor.sites(names)}
            with connect(self._audit.server_settings()) as conn:
                found = server_findings(conn, monitor.rules, window, sites)
            return MonitorStatus(window, monitor.rules,
                                 [SiteStatus(f.site, f, x) for f, x in found])


    def schedule(self, every: float, length: float, names: Iterable[str] | None = None,
                 options: VisitOptions | None = None, *, spread: bool = True,
                 retention: float | None = None, once: bool = False,
                 on_round: Callable[[RoundQueued], None] | None = None) -> int:
        """Queue a round of visits on the monitoring server now and every `every` seconds
        for `length` seconds (or once), for the workers to make; the rounds queued.
        `retention`: days the raw samples are kept (stored on the server)."""
        from govaudit.fleet.queue import SiteJob
        from govaudit.fleet.schedule import run_schedule
        from govaudit.monitor.visits import VisitOptions

        chosen = list(names or [])
        with self() as monitor:
            if not monitor.sites(chosen):
                raise monitor._nothing_to_visit(chosen)
            monitor.rules  # noqa: B018 - refuse a broken rule or column file first

            def sites() -> list[SiteJob]:
                wanted = monitor.sites(chosen)
                recorded: dict[str, list[str]] = {}
                for page in self._audit.store.pages():
                    recorded.setdefault(page.site, []).append(redact_url(page.url))
                return [SiteJob(s.name, redact_url(s.url), tuple(recorded.get(s.name, [])))
                        for s in wanted]

            until = monitor.clock() + length
            return run_schedule(self._audit.server_settings(), sites, every, until,
                                options or VisitOptions(), spread, retention, once, on_round)

    def worker(self, options: WorkerOptions | None = None,
               on_visit: Callable[[VisitResult], None] | None = None) -> WorkerSummary:
        """Take visit and screenshot jobs from the monitoring server until stopped (or,
        with `until_idle`, until none is left); screenshots go to this workspace."""
        from govaudit.fleet.worker import WorkerOptions, run_worker

        with self() as monitor:
            def shooter(failed: list[tuple[Site, int]], visit: VisitOptions
                        ) -> dict[str, tuple[str, str, float | None, str]]:
                return monitor._screenshots(failed, visit)

            return run_worker(self._audit.server_settings(), monitor.columns,
                              options or WorkerOptions(), shooter, on_visit)


class Audit:
    """An assessment workspace: its checklist, sites, answers, evidence and outputs."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.sites = Sites(self)

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, *, checklist: str, evaluator: str,
               blind: bool = False) -> Audit:
        """Make a new workspace folder (a built-in checklist name or a YAML file). A `blind`
        one shows its evaluator none of the other evaluators' answers (a second, blind
        assessment): import leaves them out, and nothing shows them."""
        return cls(init_workspace(Path(path), checklist, evaluator, blind))

    @classmethod
    def open(cls, path: str | Path | None = None) -> Audit:
        """The workspace at `path`, or the nearest one upwards from the current folder."""
        if path is None:
            return cls(open_workspace(None))
        return cls(open_workspace(Path(path), explicit=True))

    def __repr__(self) -> str:
        return f"<Audit {self.root} checklist={self.workspace.checklist_ref}>"

    def path(self, path: str | Path) -> Path:
        """`path` as this workspace's methods read it: a relative one from the workspace
        folder, `~` expanded; an absolute one as it is."""
        return self.root / Path(path).expanduser()

    @property
    def root(self) -> Path:
        return self.workspace.root

    @property
    def name(self) -> str:
        return self.workspace.name

    @property
    def evaluator(self) -> str:
        return self.workspace.evaluator

    @cached_property
    def checklist(self) -> Checklist:
        """The workspace's checklist, loaded once (when first used)."""
        return self.workspace.checklist

    @cached_property
    def store(self) -> Store:
        """The one store every use case of this workspace reads and writes."""
        return Store(self.workspace)

    @property
    def blind(self) -> bool:
        """Whether this workspace's evaluator assesses blind (govaudit.toml [workspace] blind)."""
        return self.workspace.blind

    @property
    def settlement(self) -> Settlement:
        """How disagreeing answers are settled in this workspace: govaudit.toml [scoring], and
        the adjudications made here or imported."""
        return replace(self.workspace.settlement,
                       adjudications=tuple(self.store.adjudications()))

    # -- answers -----------------------------------------------------------------------

    def answers(self, site: str | None = None) -> list[Answer]:
        return self.store.answers(site)

    def answer(self, site: str, question: str, value: object, *, note: str | None = None,
               evaluator: str | None = None) -> Answer:
        """Validate and save one answer: durable on disk before this returns.

        Without a `note`, the note stored for this site, question and evaluator is
        kept; `note=""` clears it.
        """
        from govaudit.answers import answering_as, build_answer, keep_notes

        who, target = answering_as(evaluator, self.evaluator), self.sites.get(site)
        record = build_answer(self.checklist, target, question, value, who, note or "",
                              values=self._values(who, target.name).get(target.name, {}))
        if note is None:
            [record] = keep_notes([record], self.store.answers(target.name))
        return self.store.save_answers([record], actor=who)[0]

    def _values(self, evaluator: str, site: str | None = None,
                answers: list[Answer] | None = None) -> dict[str, dict[str, object]]:
        """Each site's current answers by question id (one site, or all), as `evaluator`
        sees them: the skip logic of `answer` and `collect`."""
        from govaudit.scoring import consolidate

        out: dict[str, dict[str, object]] = {}
        stored = self.store.answers(site) if answers is None else answers
        for (name, question), answer in consolidate(stored, evaluator).items():
            out.setdefault(name, {})[question] = answer.value
        return out

    def answer_file(self, path: str | Path, *, evaluator: str | None = None,
                    sheet: str | None = None, notices: list[str] | None = None
                    ) -> list[Answer]:
        """Save every answer of a CSV/XLSX file (site, question, value[, note]), all or none.

        Every sheet of a workbook with such a header is read, or only `sheet`. A row
        without a note (or a file without a note column) keeps the note stored for its
        site and question; a note cell that holds a formula is not taken either, and
        `notices` gets a line for it.
        """
        from govaudit.answers import answering_as, keep_notes, parse_answer_file

        who = answering_as(evaluator, self.evaluator)
        stored = self.store.answers()
        notes = {(a.site, a.question): a.note for a in stored if a.evaluator == who}
        answers = parse_answer_file(self.path(path), self.checklist, self.store.sites(), who,
                                    self._values(who, answers=stored), sheet, notes, notices)
        return self.store.save_answers(keep_notes(answers, stored), actor=who)

    # -- review, adjudication, the audit log ----------------------------------------------

    def review(self, site: str | None = None, question: str | None = None, *, state: str,
               reason: str = "", evaluator: str | None = None,
               reviewer: str | None = None) -> list[Review]:
        """Set the review state of every answer that matches `site`, `question` and
        `evaluator` (each None: any): pending, flagged, approved or returned (or 待复核,
        有问题, 通过, 退回). Returning needs a `reason`. Each review is kept with who made it
        and when, and logged; an answer already in that state with that reason keeps its
        review. Returns the review that now holds for each answer matched."""
        from govaudit.answers import answering_as
        from govaudit.model import RETURNED, REVIEW_STATES, review_state, utc_now
        from govaudit.review import current_reviews, next_version

        chosen = review_state(state)
        if chosen is None:
            raise OptionError("state", _("{state!r}: use {listed} (or {listed2})").format(
                state=state, listed=', '.join(REVIEW_STATES),
                listed2=', '.join(REVIEW_STATES.values())))
        who = answering_as(reviewer, self.evaluator, "reviewer")
        answers = self._matching(site, question, evaluator)
        if chosen == RETURNED and not reason.strip():
            named = listed([f"{a.site} · {a.question} ({a.evaluator})" for a in answers], 5)
            raise UsageError(_(
                "returning an answer needs a reason, nothing was changed: {named}").format(
                named=named), hint="reason")
        stored = self.store.reviews(site)
        held = current_reviews(answers, stored)
        now = utc_now()
        out: list[Review] = []
        new: list[Review] = []
        for answer in answers:
            key = (answer.site, answer.question, answer.evaluator)
            current = held.get(key)
            if current is not None and (current.state, current.reason) == (chosen,
                                                                           reason.strip()):
                out.append(current)
                continue
            made = Review(*key, chosen, who, now, answer.time, reason.strip(), next_version(
                stored, {"site": key[0], "question": key[1], "evaluator": key[2]}))
            new.append(made)
            out.append(made)
        self.store.save_reviews(new, actor=who)
        return out

    def reviews(self, site: str | None = None, question: str | None = None,
                evaluator: str | None = None, state: str | None = None) -> list[AnswerReview]:
        """Every answer that matches, with the review that holds for it (in the store's
        order); `state` keeps only the answers in that state."""
        from govaudit.model import review_state
        from govaudit.review import current_reviews

        wanted = None if state is None else review_state(state)
        if state is not None and wanted is None:
            raise OptionError("state", _(
                "{state!r}: use pending, flagged, approved or returned").format(state=state))
        answers = self._matching(site, question, evaluator, required=False)
        held = current_reviews(answers, self.store.reviews(site))
        out = [AnswerReview(a, held.get((a.site, a.question, a.evaluator))) for a in answers]
        return [r for r in out if wanted is None or r.state == wanted]

    def _matching(self, site: str | None, question: str | None, evaluator: str | None,
                  required: bool = True) -> list[Answer]:
        """The answers of `site`, `question` and `evaluator` (None: any); with `required`,
        none is an error naming what was asked."""
        from govaudit.answers import find_question

        if site is not None:
            site = self.sites.get(site).name
        if question is not None:
            find_question(self.checklist, question)
        found = [a for a in self.store.answers(site)
                 if (question is None or a.question == question)
                 and (evaluator is None or a.evaluator == evaluator)]
        if required and not found:
            asked = " · ".join(p for p in (site, question) if p) or _("this workspace")
            by = _(" by {evaluator}").format(evaluator=evaluator) if evaluator else ""
            raise GovauditError(_("no answer to review for {asked}{by}; answer it first").format(
                asked=asked, by=by))
        return found

    def adjudicate(self, site: str, question: str, value: object, *, reason: str,
                   adjudicator: str | None = None) -> Adjudication:
        """Settle a question the evaluators disagree on: `value` counts for it from now on
        (the site is no longer provisional for it), with who decided and why (`reason`,
        required). A later adjudication replaces it."""
        from govaudit.answers import answering_as, find_question
        from govaudit.model import utc_now
        from govaudit.review import next_version
        from govaudit.scoring import Settlement, settle

        target = self.sites.get(site)
        item = find_question(self.checklist, question)
        if not reason.strip():
            raise UsageError(_(
                "adjudicating {name} · {question} needs a reason; nothing was changed").format(
                name=target.name, question=question), hint="reason")
        who = answering_as(adjudicator, self.evaluator, "adjudicator")
        try:
            parsed = item.parse_value(value)
        except ValueError as exc:
            raise GovauditError(f"{target.name} · {question}: {exc}") from None
        answers = [a for a in self.store.answers(target.name) if a.question == question]
        _settled, disagreements = settle(answers, Settlement(), self.checklist)
        if not disagreements:
            given = ", ".join(sorted({f"{a.evaluator}: {item.display(a.value)}" for a in answers
                                      if a.evaluator != PROBE_EVALUATOR})) or "no answers"
            raise GovauditError(_(
                "{name} · {question}: the evaluators do not disagree ({given}); there is nothing "
                "to adjudicate").format(name=target.name, question=question, given=given))
        stored = self.store.adjudications(target.name)
        made = Adjudication(target.name, question, parsed, who, utc_now(), reason.strip(),
                            tuple(disagreements[0].values.items()),
                            next_version(stored, {"site": target.name, "question": question}))
        self.store.save_adjudications([made], actor=who)
        return made

    def adjudications(self, site: str | None = None) -> list[Adjudication]:
        """The adjudication that holds for each question adjudicated (of one site, or all)."""
        from govaudit.review import current_adjudications

        return list(current_adjudications(self.store.adjudications(site)).values())

    def log(self, site: str | None = None, question: str | None = None, *,
            team: bool = False) -> list[LogEntry]:
        """The audit log's entries, oldest first (of one site, or question); in a blind
        workspace the values of other evaluators' answers are hidden. With `team`, the
        entries of the other workspaces' logs that sync pulled too, in the order of time."""
        entries = self.store.log_entries()
        if team:
            pulled = [e for found in self.team_logs() for e in found.log.entries()]
            entries = sorted([*entries, *pulled], key=lambda e: e.time)
        return [e for e in entries
                if (site is None or e.site == site) and (question is None
                                                         or e.question == question)]

    def verify_log(self) -> LogCheck:
        """Walk the audit log's hash chain: the first entry removed, changed or out of place."""
        return self.store.log.verify()

    def verify_team_logs(self) -> list[tuple[str, LogCheck]]:
        """Walk the chain of each other workspace's log that sync pulled: (its evaluator,
        what the walk found)."""
        return [(found.evaluator, found.log.verify()) for found in self.team_logs()]

    # -- scores ------------------------------------------------------------------------

    def score(self, *, server: bool = False, service: str | None = None) -> ScoreReport:
        """Totals, bonus, grade and rank of every site, with this workspace's settlement;
        with `server`, of the team server's answers (as this member may see them)."""
        store = self._server_view(service) if server else self.store
        return self._scorer_of(store)(store.sites(), store.answers())

    def _settlement_of(self, store: Store) -> Settlement:
        """How `store`'s disagreements settle: the workspace's own settlement, or the server's
        adjudications under the workspace's rule."""
        if store is self.store:
            return self.settlement
        return replace(self.workspace.settlement, adjudications=tuple(store.adjudications()))

    def _scorer_of(self, store: Store) -> Scorer:
        """The scoring of `store`'s answers: the workspace's own, or the server's with the
        server's adjudications."""
        if store is self.store:
            return self._score
        return scorer(self.checklist, self._settlement_of(store))

    @cached_property
    def _score(self) -> Scorer:
        """The one scoring of this workspace's sites and answers, for every use case, with
        the adjudications as they stand when it scores."""
        return lambda sites, answers: scorer(self.checklist, self.settlement)(sites, answers)

    def collect(self, sites: Sequence[str] | None = None,
                indicators: Sequence[str] | None = None, *, redo: bool = False
                ) -> CollectPlan:
        """The guided sessions of `collect` (one per site with questions to ask)."""
        from govaudit.collect import plan_sessions

        targets = self.sites.select(sites)
        return plan_sessions(self.checklist, self.workspace, self.store, self._score, targets,
                             indicators, redo=redo)

    # -- probes ------------------------------------------------------------------------

    def check(self, sites: Iterable[str] | None = None, probes: Iterable[str] | None = None,
              *, depth: int = 0, samples: int = 3, options: CheckOptions | None = None,
              on_progress: ProgressFn | None = None, reuse: bool = False) -> CheckRun:
        """Probe the sites over HTTP and store each site's results as it finishes.

        With `reuse`, the results stored by the last check are taken as they are and only
        the probes a site has no stored result of are run (`CheckRun.reused`, `.probed`).
        """
        from govaudit.probes.stored import run_checks

        return run_checks(self.store, self.sites.select(sites), probes, root=self.root,
                          content=self.workspace.content_settings(),
                          shots_dir=self.workspace.evidence_dir / "checks", depth=depth,
                          samples=samples, on_progress=on_progress, options=options,
                          reuse=reuse)

    def apply_suggestions(self, sites: Iterable[str] | None = None) -> int:
        """Save the probes' suggestions as answers by 'probe' (never over a person's answer)."""
        from govaudit.suggestions import apply_suggestions

        return apply_suggestions(self.store, self.checklist, self.sites.select(sites))

    def apply_monitoring(self, sites: Iterable[str] | None = None, *,
                         window: float = 7 * 86400.0, rules: str = "gov-2019") -> int:
        """Save the monitoring's findings over `window` seconds as answers by 'probe' to the
        日常运维 questions (故障率, 链接有效性, 栏目更新); never over a person's answer.
        Returns how many answers were new or changed."""
        from govaudit.suggestions import save_probe_answers

        chosen = self.sites.select(sites)
        with self.monitor(rules) as monitor:
            suggested = monitor.suggestions(self.checklist, window, [s.name for s in chosen])
        return sum(save_probe_answers(self.store, self.checklist, site, suggested[site.name])
                   for site in chosen)

    @cached_property
    def monitor(self) -> Monitoring:
        """System monitoring over weeks: `audit.monitor.tick()`, `.start(…)`, `.status(…)`;
        `audit.monitor(rules)` opens the whole `Monitor` (a context manager)."""
        return Monitoring(self)

    def backup(self, dest: str | Path, *, credentials: bool = False) -> BackupResult:
        """Copy the workspace into `dest`, a new folder or a new .zip, consistently while it is
        in use: the store under the workspace lock, the monitoring samples through SQLite's
        backup API, the evidence files, govaudit.toml. data/credentials.json (the sites'
        passwords) only with `credentials`; exports/ never (export and report remake it)."""
        from govaudit.backup import backup_workspace

        return backup_workspace(self.store, self.workspace.evidence_dir,
                                self.workspace.exports_dir, self.path(dest), credentials)

    # -- evidence ----------------------------------------------------------------------

    def capture(self, sites: Sequence[str] | None = None, *, url: str | None = None,
                indicator: str = "", question: str = "",
                options: CaptureOptions | None = None, concurrency: int | None = None,
                on_progress: ProgressCallback | None = None, headed: bool = False,
                browser_path: str | None = None, cdp_endpoint: str | None = None,
                browser_endpoint: str | None = None, missing: bool = False,
                archive: bool | None = None, tsa: str | None = None) -> CaptureRun:
        """Screenshot evidence of every site's pages (or one `url`), with a manifest per run.

        With `missing`, only the pages that have no good capture yet (see
        `captured_pages`).

        A `url` that was captured without error is recorded for the site, so that
        later runs capture it again; captures that name a question are linked to
        its answers. With `archive` (default: [evidence] archive of govaudit.toml)
        each captured page also gets a WACZ of what the browser fetched; with a
        `tsa` (default: [evidence] tsa) the run's manifest gets one RFC 3161
        timestamp. A TSA that fails leaves the run "not timestamped" with the
        reason (`result.timestamp`); `timestamp()` adds it later.
        """
        from govaudit.capture import CaptureOptions, build_targets, run_captures

        skipped: list[str] = []

        settings = self.evidence_settings
        tsa_url = _tsa_url(tsa, settings.tsa)
        options = replace(options or CaptureOptions(),
                          archive=settings.archive if archive is None else archive)
        targets = build_targets(self.checklist, self.store,
                                sites=self.sites.select(sites) if sites else None, url=url,
                                indicator=indicator, question=question, skipped=skipped)
        if missing:
            done = self.captured_pages()
            targets = [t for t in targets if (t.site, redact_url(t.url), t.indicator,
                                              t.question) not in done]
        if not targets:
            from govaudit.capture import CaptureRun

            return CaptureRun("", skipped=skipped)
        result = run_captures(self.workspace, self.store, targets, options,
                              concurrency=concurrency,
                              on_progress=on_progress, headed=headed,
                              browser_path=browser_path, cdp_endpoint=cdp_endpoint,
                              browser_endpoint=browser_endpoint)
        result.skipped = skipped
        if url:
            for record in result.records:
                if not record.error:
                    self.store.record_page(PageRef(record.site, record.requested_url,
                                                   record.indicator, record.question))
        if tsa_url and result.manifest is not None:
            from govaudit.archive.timestamps import timestamp_file

            result.timestamp = timestamp_file(result.manifest, tsa_url,
                                              chain=settings.tsa_chain,
                                              timeout_s=settings.tsa_timeout_s)
        return result

    def captured_pages(self) -> set[tuple[str, str, str, str]]:
        """(site, URL, indicator, question) of every good capture: no error, files all there."""
        return {(r.site, r.requested_url, r.indicator, r.question)
                for r in self.store.evidence_records()
                if not r.error and r.files and all(
                    (self.workspace.root / f.path).is_file() for f in r.files)}

    def attach(self, site: str, question: str, file: str | Path) -> Evidence:
        """Keep a file taken elsewhere (an app or WeChat screenshot) as evidence."""
        from govaudit.evidence import attach

        return attach(self.workspace, self.checklist, self.store, site, question,
                      self.path(file))

    def verify(self) -> VerifyResult:
        """Check the evidence: the store, the manifests and the files against each other, and
        one verdict per file (hash, trusted timestamp, signature, WACZ integrity)."""
        from govaudit.archive.checks import verify_workspace
        from govaudit.archive.signing import SIG_SUFFIX
        from govaudit.archive.timestamps import CHAIN_SUFFIX, NOT_TIMESTAMPED_SUFFIX, TOKEN_SUFFIX
        from govaudit.evidence import verify

        result = verify(self.workspace, self.store, companions=(
            TOKEN_SUFFIX, CHAIN_SUFFIX, NOT_TIMESTAMPED_SUFFIX, SIG_SUFFIX))
        result.verdicts = verify_workspace(self.workspace, self.store, self.evidence_settings)
        return result

    @property
    def evidence_settings(self) -> EvidenceSettings:
        """The [evidence] section of govaudit.toml (TSA, archive, keys), read now."""
        from govaudit.archive.settings import evidence_settings

        return evidence_settings(self.workspace.config_path, self.evaluator)

    @staticmethod
    def new_signing_key(path: str | Path, signer: str) -> KeyFiles:
        """A new Ed25519 signing key at `path` and the public key beside it (no workspace)."""
        from govaudit.archive.signing import keygen

        return keygen(Path(path), signer)

    def keygen(self, key: str | Path | None = None, signer: str = "") -> KeyFiles:
        """This evaluator's signing key: at `key`, else [evidence] key, else the default
        place; named `signer`, else [evidence] signer (the evaluator). A workspace without
        [evidence] key gets it (and `signer`) written into govaudit.toml."""
        from govaudit.archive.settings import record_key
        from govaudit.archive.signing import default_key_path

        settings = self.evidence_settings
        made = self.new_signing_key(self.path(key) if key else settings.key or default_key_path(),
                                    signer or settings.signer)
        made.recorded = record_key(self.workspace.config_path, self.evaluator, self.store.lock,
                                   made.private, signer or settings.signer)
        return made

    def sign(self) -> tuple[str, list[Path]]:
        """Sign the run manifests and WACZ archives not signed yet with [evidence] key (else
        keygen's default key file); the signer's name and the new signature files."""
        from govaudit.archive.signing import sign_unsigned, team_key

        settings = self.evidence_settings
        key = team_key(settings)
        if key is None:
            raise GovauditError(_(
                "no signing key: [evidence] key in {config} names none").format(
                config=self.workspace.config_path), hint="evidence_keygen")
        return settings.signer, sign_unsigned(self.workspace.evidence_dir, key, settings.signer)

    def timestamp(self, tsa: str | None = None) -> list[TimestampResult]:
        """Timestamp every run manifest that has no trusted timestamp yet (one request each)."""
        from govaudit.archive.timestamps import timestamp_pending

        return timestamp_pending(self.workspace.evidence_dir, self.evidence_settings,
                                 self.workspace.config_path, tsa)

    def export_evidence(self, site: str, output: str | Path | None = None) -> Bundle:
        """The appeal bundle of one site (default exports/SITE-evidence.zip)."""
        from govaudit.archive.bundle import export_bundle
        from govaudit.filenames import safe_name

        target = self.path(output) if output is not None else (
            self.workspace.exports_dir / f"{safe_name(site)}-evidence.zip")
        return export_bundle(self.workspace, self.store, site, target, self.evidence_settings)

    def evidence(self, site: str | None = None) -> list[Evidence]:
        """The evidence records (of one site, or all), as stored."""
        return self.store.evidence_records(site)

    # -- workbooks and report ------------------------------------------------------------

    def export(self, path: str | Path | None = None, *, overwrite: bool = False,
               window: float | None = None,
               print_to: str | Path | None = None) -> WrittenWorkbook:
        """Write the workspace's workbook (default exports/<workspace>-<evaluator>.xlsx).

        An existing file that govaudit did not write is refused unless `overwrite`; one
        that changed since govaudit wrote it (edited by hand) is kept as a backup beside
        it first (`.backup`). The Monitoring sheet covers the last `window` seconds
        (default 7 days). The result's `.path` is the workbook (it is also a path-like).
        With `print_to`, a copy to print is written there too (`.printed`): the results'
        sheets without the rows behind them (layout.PRINTED_SHEETS).
        """
        from govaudit.workbook.export import (
            check_print_copy,
            default_path,
            save_print_copy,
            save_workbook,
        )

        out = self.path(path) if path is not None else default_path(
            self.workspace.exports_dir, self.name, self.evaluator)
        printed = None if print_to is None else self.path(print_to)
        check_print_copy(printed, out, overwrite)
        content = self._workbook_content(window)
        written = save_workbook(content, out, overwrite)
        if printed is None:
            return written
        return replace(written, printed=save_print_copy(content, printed, overwrite))

    def _workbook_content(self, window: float | None) -> WorkbookContent:
        """What the workspace's workbook holds; its Monitoring sheet covers `window` seconds."""
        from govaudit.workbook.content import workspace_content
        from govaudit.workbook.monitoring import monitoring_sheet

        return workspace_content(self.checklist, self.store, self._score, name=self.name,
                                 evaluator=self.evaluator, root=self.root,
                                 monitoring=monitoring_sheet(self.monitor(), window))

    def export_into(self, path: str | Path, *, accept_loss: bool = False,
                    keep_backups: int = 5, window: float | None = None) -> IntoResult:
        """Replace govaudit's sheets inside the team's own workbook, keeping its other sheets.

        What openpyxl would drop from the team's file (text boxes, cached formula values…)
        is named and refused unless `accept_loss`; a whole backup is kept (the last
        `keep_backups`).
        """
        from govaudit.workbook.into import check_target, write_into

        target = self.path(path)
        check_target(target, keep_backups)  # before any work
        return write_into(self._workbook_content(window), target, accept_loss=accept_loss,
                          keep_backups=keep_backups)

    def merge(self, files: Sequence[str | Path], output: str | Path | None = None, *,
              into: str | Path | None = None, prefer: str = "latest", force: bool = False,
              overwrite: bool = False, accept_loss: bool = False,
              keep_backups: int | None = None,
              print_to: str | Path | None = None) -> MergeResult:
        """Merge teammates' workbooks into `output`, scored with this workspace's checklist;
        or, with `into`, update the team's own workbook in place as `export_into` does
        (its other sheets kept, a whole backup made, the last `keep_backups` kept). With
        `print_to`, the merged workbook's copy to print is written there too, as `export`
        writes one."""
        from govaudit.workbook.merge import merge_workbooks

        return merge_workbooks(self.checklist, [self.path(f) for f in files],
                               None if output is None else self.path(output), prefer, force,
                               overwrite, into=None if into is None else self.path(into),
                               accept_loss=accept_loss, keep_backups=keep_backups,
                               known=self.store.sites(),
                               print_to=None if print_to is None else self.path(print_to))

    @staticmethod
    def merge_files(files: Sequence[str | Path], output: str | Path | None = None, *,
                    into: str | Path | None = None,
                    workspace: str | Path | None = None, checklist: str | None = None,
                    prefer: str = "latest", force: bool = False,
                    overwrite: bool = False, accept_loss: bool = False,
                    keep_backups: int | None = None,
                    print_to: str | Path | None = None) -> MergeResult:
        """Merge teammates' workbooks anywhere: in a workspace (`workspace`, or the one
        holding the current folder) with its checklist, unless `checklist` (a built-in
        name or .yaml file) is given; elsewhere with the one the About sheets name.
        Relative paths are read from that workspace's folder, else the current one."""
        from govaudit.workbook.merge import merge_workbooks
        from govaudit.workspace import has_workspace

        if checklist is None and (workspace is not None or has_workspace()):
            return Audit.open(workspace).merge(files, output, into=into, prefer=prefer,
                                               force=force, overwrite=overwrite,
                                               accept_loss=accept_loss,
                                               keep_backups=keep_backups, print_to=print_to)
        return merge_workbooks(None, [Path(f) for f in files],
                               None if output is None else Path(output), prefer, force,
                               overwrite, checklist, into=None if into is None else Path(into),
                               accept_loss=accept_loss, keep_backups=keep_backups,
                               print_to=None if print_to is None else Path(print_to))

    def import_workbook(self, path: str | Path, *, force: bool = False,
                        add_sites: bool = False, blind: bool = False) -> ImportResult:
        """Bring a teammate's workbook answers, their reviews and its adjudications into
        this workspace.

        Its sites new here are added only with `add_sites`; else the import is
        refused and names them. With `blind` (always in a blind workspace) the other
        evaluators' answers, reviews and the adjudications are left out
        (`result.withheld`).
        """
        from govaudit.workbook.ingest import import_workbook

        return import_workbook(self.checklist, self.store, self.path(path), force, add_sites,
                               blind)

    def report(self, out_dir: str | Path | None = None, *,
               sites: Sequence[str] | None = None, link_evidence: bool = False,
               window: float | None = None, publish: str | None = None,
               server: bool = False, service: str | None = None) -> Path:
        """Write the HTML evidence report, a folder that works wherever it is copied (the
        evidence files inside it), or with `link_evidence` linking the workspace's
        evidence; returns its index.html. Its monitoring part covers the last `window`
        seconds (default 7 days). `publish` ("ranks" or "bands", default the checklist's)
        says whether the overview lists ranks, or each grade band's sites in 行政区划 order.
        With `server`, the answers and sites are the team server's (as `score`)."""
        from govaudit.report import build_report

        check_publish(publish)
        store = self._server_view(service) if server else self.store
        chosen = None
        if sites:
            known = {s.name: s for s in store.sites()}
            chosen = [known[n] if n in known else self.sites.get(n) for n in sites]
        out = self.workspace.exports_dir / "report" if out_dir is None else self.path(out_dir)
        return build_report(self.checklist, self._settlement_of(store), self.workspace,
                            self.evaluator, store, self.monitor(), self._scorer_of(store), out,
                            chosen, link_evidence, window, publish)

    # -- the team server -----------------------------------------------------------------

    def server_settings(self, service: str | None = None) -> ServerSettings:
        """Where this workspace's team server is: govaudit.toml [server], `service` (a libpq
        service name) instead of its service when given."""
        from govaudit.server.connection import ServerSettings

        settings = ServerSettings.from_config(self.workspace.config_path)
        return replace(settings, service=service.strip()) if service else settings

    def sync(self, *, service: str | None = None, batch: int = 500,
             acknowledged: Callable[[int], None] | None = None) -> SyncResult:
        """Push this workspace's answers to the team server and pull the server's, settled
        by (site, question, evaluator, version) as workbook merges settle them; see
        govaudit.server.sync. `acknowledged(n)` hears of each committed batch."""
        from govaudit.server.sync import sync

        if batch < 1:
            raise OptionError("batch", _("must be 1 or more"))
        return sync(self.store, self.server_settings(service), self.evaluator, batch=batch,
                    acknowledged=acknowledged)

    def team_logs(self) -> list[PulledLog]:
        """The audit logs of other workspaces that sync pulled (the lead: everyone's; an
        evaluator: their own other workspaces'), each a chain to verify."""
        from govaudit.server.logsync import pulled_logs

        return pulled_logs(self.store)

    def _server_view(self, service: str | None) -> Store:
        from govaudit.server.view import ServerView

        return ServerView.read(self.store, self.server_settings(service))

    @staticmethod
    def team_server(service: str | None = None) -> TeamServer:
        """The team server to administer (migrate, members, assignments) as its owner:
        through the libpq service `service`, else libpq's environment (PGSERVICE, PGHOST…);
        never a workspace's [server], which is a member's connection. Close it (or use
        `with`)."""
        from govaudit.server.admin import TeamServer
        from govaudit.server.connection import ServerSettings

        return TeamServer.open(ServerSettings(service or ""))


def check_publish(publish: str | None) -> None:
    """Refuse a publish mode other than ranks or bands."""
    from govaudit.checklist.model import PUBLISH

    if publish is not None and publish not in PUBLISH:
        raise OptionError("publish", _("{publish!r}: use {listed}").format(
            publish=publish, listed=' or '.join(PUBLISH)))


def _tsa_url(given: str | None, configured: str) -> str:
    """The TSA a capture asks: `given` (--tsa), else govaudit.toml's; "" for none."""
    url = (given or "").strip() or configured
    if url and not url.startswith(("http://", "https://")):
        raise OptionError("tsa", _("{url!r}: must be an http:// or https:// URL").format(
            url=url))
    return url


__all__ = ["Audit", "Monitoring", "Sites"]

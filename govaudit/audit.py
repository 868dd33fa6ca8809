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
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govaudit.checklist import Checklist
from govaudit.errors import GovauditError
from govaudit.model import Answer, PageRef, Site
from govaudit.scoring import ScoreReport, Settlement, score_sites
from govaudit.store import Store
from govaudit.workspace import Workspace, init_workspace, open_workspace

if TYPE_CHECKING:
    from govaudit.archive.bundle import Bundle
    from govaudit.archive.settings import EvidenceSettings
    from govaudit.archive.signing import KeyFiles
    from govaudit.archive.timestamps import TimestampResult
    from govaudit.capture import CaptureOptions, CaptureRun, ProgressCallback
    from govaudit.collect import CollectPlan
    from govaudit.evidence import VerifyResult
    from govaudit.monitor import Monitor
    from govaudit.probes.run import CheckOptions, CheckRun, ProgressFn
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
        wanted = list(dict.fromkeys(names or ()))
        if not wanted:
            return self.all()
        return [self.get(name) for name in wanted]

    def add(self, name: str, url: str, level: str = "", *, region: str = "",
            group: str = "") -> Site:
        """Add one site; the level may be a checklist level or its Chinese name (市, 县…)."""
        from govaudit.sites import add_sites, check_url, normalise_level

        checklist = self._audit.checklist
        resolved = normalise_level(level, checklist)
        if resolved is None:
            raise GovauditError(f"level {level!r} is not weighted by {checklist.id} "
                                f"(levels: {', '.join(checklist.levels)})")
        reason = check_url(url)
        if reason:
            raise GovauditError(f"site {name}: {reason}")
        [site] = add_sites(self._audit.workspace, [Site(name, url, resolved, region, group)])
        return site

    def import_file(self, path: str | Path) -> list[Site]:
        """Every site of a CSV/XLSX list; any bad row refuses the whole file."""
        from govaudit.sites import add_sites, parse_sites

        store = self._audit.store
        sites = parse_sites(Path(path), self._audit.checklist, {s.name for s in store.sites()})
        return add_sites(self._audit.workspace, sites)

    def pages(self, site: str | None = None) -> list[PageRef]:
        """The pages recorded for capture (all sites, or one)."""
        return self._audit.store.pages(site)

    def record_page(self, site: str, url: str, indicator: str = "", question: str = "") -> None:
        self._audit.store.record_page(PageRef(self.get(site).name, url, indicator, question))


class Audit:
    """An assessment workspace: its checklist, sites, answers, evidence and outputs."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.sites = Sites(self)

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, *, checklist: str, evaluator: str) -> Audit:
        """Make a new workspace folder (a built-in checklist name or a YAML file)."""
        return cls(init_workspace(Path(path), checklist, evaluator))

    @classmethod
    def open(cls, path: str | Path | None = None) -> Audit:
        """The workspace at `path`, or the nearest one upwards from the current folder."""
        if path is None:
            return cls(open_workspace(None))
        return cls(open_workspace(Path(path), explicit=True))

    def __repr__(self) -> str:
        return f"<Audit {self.root} checklist={self.workspace.checklist_ref}>"

    @property
    def root(self) -> Path:
        return self.workspace.root

    @property
    def name(self) -> str:
        return self.workspace.name

    @property
    def evaluator(self) -> str:
        return self.workspace.evaluator

    @property
    def checklist(self) -> Checklist:
        return self.workspace.checklist

    @cached_property
    def store(self) -> Store:
        return Store(self.workspace)

    @property
    def settlement(self) -> Settlement:
        """How disagreeing answers are settled in this workspace (govaudit.toml [scoring])."""
        return self.workspace.settlement

    # -- answers -----------------------------------------------------------------------

    def answers(self, site: str | None = None) -> list[Answer]:
        return self.store.answers(site)

    def answer(self, site: str, question: str, value: object, *, note: str = "",
               evaluator: str | None = None) -> Answer:
        """Validate and save one answer: durable on disk before this returns."""
        from govaudit.answers import build_answer

        who, target = evaluator or self.evaluator, self.sites.get(site)
        record = build_answer(self.checklist, target, question, value, who, note,
                              values=self._values(who, target.name).get(target.name, {}))
        return self.store.save_answers([record])[0]

    def _values(self, evaluator: str, site: str | None = None) -> dict[str, dict[str, object]]:
        """Each site's current answers by question id (one site, or all), as `evaluator`
        sees them: the skip logic of `answer` and `collect`."""
        from govaudit.scoring import consolidate

        out: dict[str, dict[str, object]] = {}
        chosen = consolidate(self.store.answers(site), evaluator)
        for (name, question), answer in chosen.items():
            out.setdefault(name, {})[question] = answer.value
        return out

    def answer_file(self, path: str | Path, *, evaluator: str | None = None) -> list[Answer]:
        """Save every answer of a CSV/XLSX file (site, question, value[, note]), all or none."""
        from govaudit.answers import parse_answer_file

        who = evaluator or self.evaluator
        answers = parse_answer_file(Path(path), self.checklist, self.store.sites(), who,
                                    self._values(who))
        self.store.save_answers(answers)
        return answers

    # -- scores ------------------------------------------------------------------------

    def score(self) -> ScoreReport:
        """Totals, bonus, grade and rank of every site, with this workspace's settlement."""
        return score_sites(self.checklist, self.store.sites(), self.store.answers(),
                           self.settlement)

    def collect(self, sites: Sequence[str] | None = None,
                indicators: Sequence[str] | None = None, *, redo: bool = False
                ) -> CollectPlan:
        """The guided sessions of `collect` (one per site with questions to ask)."""
        from govaudit.collect import plan_sessions

        return plan_sessions(self.workspace, self.store, sites, indicators, redo=redo)

    # -- probes ------------------------------------------------------------------------

    def check(self, sites: Iterable[str] | None = None, probes: Iterable[str] | None = None,
              *, depth: int = 0, samples: int = 3, options: CheckOptions | None = None,
              on_progress: ProgressFn | None = None) -> CheckRun:
        """Probe the sites over HTTP and store each site's results as it finishes."""
        from govaudit.probes.run import run_checks

        return run_checks(self.workspace, self.sites.select(sites), probes, depth=depth,
                          samples=samples, on_progress=on_progress, options=options)

    def apply_suggestions(self, sites: Iterable[str] | None = None) -> int:
        """Save the probes' suggestions as answers by 'probe' (never over a person's answer)."""
        from govaudit.suggestions import apply_suggestions

        return apply_suggestions(self.store, self.checklist, self.sites.select(sites))

    def monitor(self, rules: str = "gov-2019") -> Monitor:
        """System monitoring over weeks: visits, columns, dead links and the rule set's findings.

        Use it as a context manager (`with audit.monitor() as m: m.tick()`); it holds the
        monitor's SQLite time series open.
        """
        from govaudit.monitor import Monitor as _Monitor

        return _Monitor(self.workspace, rules=rules)

    # -- evidence ----------------------------------------------------------------------

    def capture(self, sites: Sequence[str] | None = None, *, url: str | None = None,
                indicator: str = "", question: str = "",
                options: CaptureOptions | None = None, concurrency: int | None = None,
                on_progress: ProgressCallback | None = None, headed: bool = False,
                browser_path: str | None = None, cdp_endpoint: str | None = None,
                browser_endpoint: str | None = None, archive: bool | None = None,
                tsa: str | None = None) -> CaptureRun:
        """Screenshot evidence of every site's pages (or one `url`), with a manifest per run.

        A `url` that was captured without error is recorded for the site, so that
        later runs capture it again; captures that name a question are linked to
        its answers. With `archive` (default: [evidence] archive of govaudit.toml)
        each captured page also gets a WACZ of what the browser fetched; with a
        `tsa` (default: [evidence] tsa) the run's manifest gets one RFC 3161
        timestamp. A TSA that fails leaves the run "not timestamped" with the
        reason (`result.timestamp`); `timestamp()` adds it later.
        """
        from dataclasses import replace

        from govaudit.archive.settings import evidence_settings
        from govaudit.capture import CaptureOptions, build_targets, run_captures

        settings = evidence_settings(self.workspace)
        tsa_url = _tsa_url(tsa, settings.tsa)
        options = replace(options or CaptureOptions(),
                          archive=settings.archive if archive is None else archive)
        targets = build_targets(self.workspace, sites=list(sites or []) or None, url=url,
                                indicator=indicator, question=question)
        if not targets:
            from govaudit.capture import CaptureRun

            return CaptureRun("")
        result = run_captures(self.workspace, targets, options, concurrency=concurrency,
                              on_progress=on_progress, headed=headed,
                              browser_path=browser_path, cdp_endpoint=cdp_endpoint,
                              browser_endpoint=browser_endpoint)
        if url:
            for record in result.records:
                if not record["error"]:
                    self.store.record_page(PageRef(record["site"], record["requested_url"],
                                                   record["indicator"], record["question"]))
        if tsa_url and result.manifest is not None:
            from govaudit.archive.timestamps import timestamp_file

            result.timestamp = timestamp_file(result.manifest, tsa_url,
                                              chain=settings.tsa_chain,
                                              timeout_s=settings.tsa_timeout_s)
        return result

    def attach(self, site: str, question: str, file: str | Path) -> dict[str, Any]:
        """Keep a file taken elsewhere (an app or WeChat screenshot) as evidence."""
        from govaudit.evidence import attach

        return attach(self.workspace, site, question, Path(file))

    def verify(self) -> VerifyResult:
        """Check the evidence: the store, the manifests and the files against each other, and
        one verdict per file (hash, trusted timestamp, signature, WACZ integrity)."""
        from govaudit.archive.checks import verify_workspace
        from govaudit.evidence import verify

        result = verify(self.workspace)
        result.verdicts = verify_workspace(self.workspace)
        return result

    @property
    def evidence_settings(self) -> EvidenceSettings:
        """The [evidence] section of govaudit.toml (TSA, archive, keys), read now."""
        from govaudit.archive.settings import evidence_settings

        return evidence_settings(self.workspace)

    @staticmethod
    def new_signing_key(path: str | Path, signer: str) -> KeyFiles:
        """A new Ed25519 signing key at `path` and the public key beside it (no workspace)."""
        from govaudit.archive.signing import keygen

        return keygen(Path(path), signer)

    def keygen(self, key: str | Path | None = None, signer: str = "") -> KeyFiles:
        """This evaluator's signing key: at `key`, else [evidence] key, else the default
        place; named `signer`, else [evidence] signer (the evaluator)."""
        from govaudit.archive.signing import default_key_path

        settings = self.evidence_settings
        return self.new_signing_key(key or settings.key or default_key_path(),
                                    signer or settings.signer)

    def sign(self) -> tuple[str, list[Path]]:
        """Sign the run manifests and WACZ archives not signed yet with [evidence] key;
        the signer's name and the new signature files."""
        from govaudit.archive.signing import sign_unsigned, team_key

        settings = self.evidence_settings
        key = team_key(settings)
        if key is None:
            raise GovauditError(f"no signing key: set [evidence] key in "
                                f"{self.workspace.config_path} (make one with "
                                "'govaudit evidence keygen')")
        return settings.signer, sign_unsigned(self.workspace, key, settings.signer)

    def timestamp(self, tsa: str | None = None) -> list[TimestampResult]:
        """Timestamp every run manifest that has no trusted timestamp yet (one request each)."""
        from govaudit.archive.timestamps import timestamp_pending

        return timestamp_pending(self.workspace, tsa)

    def export_evidence(self, site: str, output: str | Path | None = None) -> Bundle:
        """The appeal bundle of one site (default exports/SITE-evidence.zip)."""
        from govaudit.archive.bundle import export_bundle
        from govaudit.filenames import safe_name

        target = Path(output) if output is not None else (
            self.workspace.exports_dir / f"{safe_name(site)}-evidence.zip")
        return export_bundle(self.workspace, site, target)

    def evidence(self, site: str | None = None) -> list[dict[str, Any]]:
        return self.store.evidence(site)

    # -- workbooks and report ------------------------------------------------------------

    def export(self, path: str | Path | None = None, *, overwrite: bool = False) -> Path:
        """Write the workspace's workbook (default exports/<workspace>-<evaluator>.xlsx).

        An existing file that govaudit did not write is refused unless `overwrite`.
        """
        from govaudit.workbook.export import export_workbook

        return export_workbook(self.workspace, None if path is None else Path(path), overwrite)

    def export_into(self, path: str | Path, *, accept_loss: bool = False,
                    keep_backups: int = 5) -> IntoResult:
        """Replace govaudit's sheets inside the team's own workbook, keeping its other sheets.

        What openpyxl would drop from the team's file (text boxes, cached formula values…)
        is named and refused unless `accept_loss`; a whole backup is kept (the last
        `keep_backups`).
        """
        from govaudit.workbook.into import export_into

        return export_into(self.workspace, Path(path), accept_loss=accept_loss,
                           keep_backups=keep_backups)

    def merge(self, files: Sequence[str | Path], output: str | Path, *,
              prefer: str = "latest", force: bool = False,
              overwrite: bool = False) -> MergeResult:
        """Merge teammates' workbooks into `output`, scored with this workspace's checklist."""
        from govaudit.workbook.merge import merge_workbooks

        return merge_workbooks(self.workspace, [Path(f) for f in files], Path(output),
                               prefer, force, overwrite)

    def import_workbook(self, path: str | Path, *, force: bool = False,
                        add_sites: bool = True) -> ImportResult:
        """Bring a teammate's workbook answers into this workspace."""
        from govaudit.workbook.ingest import import_workbook

        return import_workbook(self.workspace, Path(path), force)

    def report(self, out_dir: str | Path | None = None, *,
               sites: Sequence[str] | None = None) -> Path:
        """Write the HTML evidence report; returns its index.html."""
        from govaudit.report import build_report

        return build_report(self.workspace, None if out_dir is None else Path(out_dir),
                            list(sites) if sites else None)


def _tsa_url(given: str | None, configured: str) -> str:
    """The TSA a capture asks: `given` (--tsa), else govaudit.toml's; "" for none."""
    url = (given or "").strip() or configured
    if url and not url.startswith(("http://", "https://")):
        raise GovauditError(f"--tsa {url!r}: must be an http:// or https:// URL")
    return url


__all__ = ["Audit", "Sites"]

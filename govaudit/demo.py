"""The whole loop offline: sample sites on 127.0.0.1, check, evidence, answers, score, report."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.model import Evidence
from govaudit.probes.checks.links import LinksResult
from govaudit.scoring import ScoreReport

DEMO_EVALUATOR = "演示评估员"
MARKER = ".govaudit-demo"  # marks a folder as the demo's own output, safe to replace

StepFn = Callable[[str], None]

# Column pages of each sample site, recorded for the indicators they document so
# that `evidence` captures them too (path relative to the site's home page).
SAMPLE_PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "portal": (("zwgk/", "statutory-disclosure"), ("zwgk/ysqgk.html", "disclosure-on-request"),
               ("zcjd/", "policy-interpretation")),
    "neglected": (("zwgk/", "statutory-disclosure"),),
    "gbk": (("xxgk/", "statutory-disclosure"), ("xxgk/ysqgk.html", "disclosure-on-request"),
            ("xxgk/zcjd.html", "policy-interpretation")),
}


@dataclass
class DemoResult:
    folder: Path
    workspace: Path
    base_url: str
    scores: ScoreReport
    workbook: Path
    report: Path
    manifest: Path | None
    captures: int
    capture_failures: list[Evidence] = field(default_factory=list)
    check_errors: list[dict[str, Any]] = field(default_factory=list)
    broken_links: dict[str, int] = field(default_factory=dict)
    suggestions_applied: int = 0
    answers_loaded: int = 0
    seconds: float = 0.0


class _SampleHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the sample folders; the GBK site says so in its Content-Type header too."""

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        kind = super().guess_type(path)
        if kind == "text/html" and "/gbk/" in Path(path).as_posix():
            return "text/html; charset=gbk"
        return kind

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_samples(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 on a free port for the duration of the block."""
    handler = functools.partial(_SampleHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def prepare_folder(folder: Path) -> None:
    """An empty folder for the demo; an earlier demo's output there is replaced."""
    if folder.exists():
        if not folder.is_dir():
            raise GovauditError(_(
                "{folder}: exists and is not a folder; choose another DIR").format(folder=folder))
        if (folder / MARKER).is_file():
            shutil.rmtree(folder)
        elif any(folder.iterdir()):
            raise GovauditError(_(
                "{folder}: the folder is not empty; choose another DIR (the demo only replaces a "
                "folder it made itself)").format(folder=folder))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by govaudit demo; replaced by the next demo run\n",
                                 encoding="utf-8")


def run_demo(folder: Path, *, on_step: StepFn | None = None,
             browser_path: str | None = None) -> DemoResult:
    """Run the demo in `folder`; `on_step(text)` names each stage as it starts.

    The loop is a short script over `govaudit.Audit`, as any user's script would be.
    """
    from govaudit.audit import Audit
    from govaudit.probes.links import LinkOptions
    from govaudit.probes.run import CheckOptions
    from govaudit.samples import (
        SAMPLE_CHECKLIST,
        SAMPLE_SITES,
        copy_samples,
        sample_answers_text,
        sample_site_rows,
    )

    step = on_step or (lambda _text: None)
    started = time.monotonic()
    folder = Path(folder).resolve()
    prepare_folder(folder)
    step(_("copying the three sample sites"))
    copy_samples(folder / "sites")
    with serve_samples(folder / "sites") as base_url:
        step(_("serving them on {url}; creating the workspace ({checklist})").format(
            url=base_url, checklist=SAMPLE_CHECKLIST))
        audit = Audit.create(folder / "audit-demo", checklist=SAMPLE_CHECKLIST,
                             evaluator=DEMO_EVALUATOR)
        rows = sample_site_rows(base_url)
        for sample, (name, url, level) in zip(SAMPLE_SITES, rows, strict=True):
            audit.sites.add(name, url, level)
            for path, indicator in SAMPLE_PAGES.get(sample.folder, ()):
                audit.sites.record_page(name, url + path, indicator)
        step(_("check: probing availability, links, IPv6, footer marks, freshness, features"))
        # the sample portal's 党政机关 badge links to the real registry: offline, skip it
        options = CheckOptions(links=LinkOptions(skip_hosts=("bszs.conac.cn",)))
        checked = audit.check(depth=1, samples=2, options=options)
        broken = {s.site: len(links.broken) if isinstance(links := s.probes.get("links"),
                                                          LinksResult) else 0
                  for s in checked.sites}
        step(_("evidence: screenshots, HTML and MHTML of every sample page"))
        capture = audit.capture(browser_path=browser_path)
    step(_("applying the probe suggestions and the sample answers"))
    applied = audit.apply_suggestions()
    answers_file = folder / "sample-answers.csv"
    answers_file.write_text(sample_answers_text(), encoding="utf-8")
    answers = audit.answer_file(answers_file)
    step(_("scoring, exporting the workbook, writing the report"))
    return DemoResult(
        folder=folder, workspace=audit.root, base_url=base_url, scores=audit.score(),
        workbook=audit.export().path, report=audit.report(), manifest=capture.manifest,
        captures=len(capture.records), capture_failures=capture.failures,
        check_errors=checked.errors, broken_links=broken, suggestions_applied=applied,
        answers_loaded=len(answers), seconds=time.monotonic() - started)

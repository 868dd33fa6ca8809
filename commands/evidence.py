"""govaudit evidence: screenshot evidence with Playwright; attach files; verify hashes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from govaudit.i18n import N_, _

if TYPE_CHECKING:
    from govaudit import Evidence

from .common import (
    GovauditGroup,
    GovauditTyper,
    JsonOption,
    WorkspaceOption,
    console,
    err_console,
    here,
    open_audit,
    print_json,
)
from .hints import HINTS

app = GovauditTyper(
    cls=GovauditGroup,
    help=N_("Capture screenshot evidence (PNG, HTML, MHTML with SHA-256) of every site's home page "
    "and every recorded page; or one page with --url. Subcommands: attach, verify, keygen, "
    "timestamp, sign, export."),
    invoke_without_command=True,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# the defaults, without importing the capture package (and Playwright) for --help
DEFAULT_MAX_DOWNLOAD_MB = 200.0
DEFAULT_MEMORY_LIMIT_MB = 1024
LIST_ALL_UP_TO = 30  # the summary lists every capture up to this many, else failures only



@app.callback()
def evidence(
    ctx: typer.Context,
    site: Annotated[list[str] | None, typer.Option(
        "--site", "-s", metavar="<name>", help=N_("Only this site (repeatable)."),
        show_default=False)] = None,
    indicator: Annotated[str, typer.Option(
        help=N_("Link the captures to this indicator id."), show_default=False)] = "",
    question: Annotated[str, typer.Option(
        help=N_("Link the captures to this question id (e.g. ipv6.q1)."), show_default=False)] = "",
    url: Annotated[str | None, typer.Option(
        help=N_("Capture this one page (for --site, or the site with the same host); it is "
        "recorded for later runs when the capture succeeds."), show_default=False)] = None,
    headed: Annotated[bool, typer.Option("--headed", help=N_("Show the browser window."))] = False,
    device: Annotated[str, typer.Option(
        help=N_("Emulate a device, e.g. 'iPhone 13', 'Pixel 7'."), show_default=False)] = "",
    viewport: Annotated[str, typer.Option(help=N_("Window size WIDTHxHEIGHT."))] = "1366x768",
    concurrency: Annotated[int | None, typer.Option(
        help=N_("Captures at once (default: suited to this machine's cores)."),
        show_default=False)] = None,
    timeout: Annotated[float, typer.Option(help=N_("Seconds a page may take to load."))] = 30.0,
    wait_until: Annotated[str, typer.Option(
        help=N_("When a page counts as loaded: load, domcontentloaded, networkidle, commit."),
    )] = "load",
    extra_wait: Annotated[float, typer.Option(
        help=N_("Seconds to wait after loading (for slow scripts)."))] = 0.0,
    full_page: Annotated[bool, typer.Option(
        "--full-page/--viewport-only", help=N_("The whole page, or only the visible window."),
    )] = True,
    selector: Annotated[str, typer.Option(
        help=N_("Capture one element, e.g. '#footer'."), show_default=False)] = "",
    max_height: Annotated[int, typer.Option(
        help=N_("Capture a taller page in numbered segments of this many pixels."),
    )] = 15000,
    browser_path: Annotated[str | None, typer.Option(
        help=N_("The Chromium/Chrome to use (or $GOVAUDIT_BROWSER)."), show_default=False)] = None,
    cdp_endpoint: Annotated[str | None, typer.Option(
        help=N_("Capture with a Chromium started elsewhere with --remote-debugging-port, "
        "e.g. http://host:9222."), show_default=False)] = None,
    browser_endpoint: Annotated[str | None, typer.Option(
        help=N_("Capture with a 'playwright run-server', e.g. ws://host:3000/."),
        show_default=False)] = None,
    archive: Annotated[bool | None, typer.Option(
        "--archive/--no-archive", help=N_("Also write a WACZ web archive of every captured page "
        "(what the browser fetched); default: [evidence] archive of govaudit.toml."),
        show_default=False)] = None,
    tsa: Annotated[str | None, typer.Option(
        help=N_("Timestamp the run's manifest at this RFC 3161 TSA (default: [evidence] tsa of "
        "govaudit.toml); if it fails, 'evidence timestamp' adds it later."),
        show_default=False)] = None,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help=N_("Let pages load from private addresses (intranet, loopback) "
        "through redirects, frames and resources; by default only the pages asked for may "
        "be on one."))] = False,
    max_download: Annotated[float, typer.Option(
        help=N_("Megabytes a download a page starts may have; a bigger one is cut, deleted and "
        "recorded as such."))] = DEFAULT_MAX_DOWNLOAD_MB,
    memory_limit: Annotated[int, typer.Option(
        help=N_("Megabytes of memory one capture's page may hold; past it the capture is "
        "ended and recorded as such, and the batch goes on."))] = DEFAULT_MEMORY_LIMIT_MB,
    missing: Annotated[bool, typer.Option(
        "--missing", help=N_("Capture only the pages that have no good capture yet (never "
        "captured, failed, or with files gone)."))] = False,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Capture screenshot evidence; a page that could not be kept is recorded with its
    reason (exit 1). A page shown with an HTTP error status is captured evidence."""
    if ctx.invoked_subcommand is not None:
        return
    from govaudit import CaptureOptions, WaitUntil
    from govaudit.errors import ConflictError

    if cdp_endpoint and browser_endpoint:
        raise ConflictError("cdp_endpoint", "browser_endpoint")
    audit = open_audit(workspace)
    options = CaptureOptions(viewport=viewport, device=device, full_page=full_page,
                             timeout_s=timeout,
                             # any text: options.check() names one that is not a load state
                             wait_until=cast(WaitUntil, wait_until), extra_wait_s=extra_wait,
                             selector=selector, max_height=max_height,
                             allow_private=allow_private, max_download_mb=max_download,
                             memory_limit_mb=memory_limit)
    options.check()
    with _progress() as progress:
        result = audit.capture(site, url=url, indicator=indicator, question=question,
                               options=options, concurrency=concurrency, on_progress=progress,
                               headed=headed, browser_path=browser_path,
                               cdp_endpoint=cdp_endpoint, browser_endpoint=browser_endpoint,
                               missing=missing, archive=archive, tsa=tsa)
    ws = audit.workspace
    if not json:
        for reason in result.skipped:
            console.print(_("skipped: {reason}").format(reason=reason), markup=False)
        if result.skipped:  # sites without a web address
            console.print(_(HINTS["attach"]), markup=False)
    if not result.records:
        message = ("Nothing to capture: every page has a good capture already" if missing
                   else "Nothing to capture with the browser" if result.skipped
                   else "Nothing to capture: no sites yet (govaudit sites import FILE)")
        if json:
            print_json({"captures": [], "failed": 0, "skipped": result.skipped})
        else:
            console.print(message, markup=False)
        return
    if json:
        out: dict[str, Any] = {"captures": [_json_capture(r) for r in result.records],
                               "failed": result.failed, "skipped": result.skipped}
        if result.timestamp is not None:  # a TSA was asked
            out["timestamp"] = _json_timestamp(result.timestamp, ws)
        print_json(out)
    else:
        _summary(result, ws)
        if result.timestamp is not None:
            console.print(_timestamp_line(result.timestamp), markup=False)
    if result.failed:
        raise typer.Exit(1)


def _timestamp_line(stamp: Any) -> str:
    if stamp.ok:
        from govaudit import china_time

        return _("timestamped at {time}: {token}").format(
            time=china_time(stamp.time, seconds=True), token=stamp.token.name)
    return _("{reason}; add it later with 'govaudit evidence timestamp'").format(
        reason=stamp.reason)


def _json_timestamp(stamp: Any, ws: Any) -> dict[str, Any]:
    return {"manifest": ws.relative(stamp.path), "ok": stamp.ok, "time": stamp.time,
            "reason": stamp.reason}


def _json_capture(record: Evidence) -> dict[str, Any]:
    return {
        "site": record.site, "url": record.requested_url, "final_url": record.final_url,
        "status": record.status, "title": record.title,
        "files": [{"kind": f.kind, "path": f.path, "sha256": f.sha256} for f in record.files],
        "error": record.error, "failure": record.failure, "failed": record.failed,
        "navigation": [dict(h) for h in record.navigation],
        "blocked": [dict(b) for b in record.blocked],
    }


class _progress:
    """A rich progress bar on stderr: captures done / total and failures so far."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(TextColumn("capturing"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[failed]}"), TimeElapsedColumn(),
                            console=err_console, transient=True)
        self.task = self.bar.add_task("capture", total=None, failed="")

    def __enter__(self) -> _progress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, done: int, total: int, failed: int,
                 record: Evidence | None) -> None:
        label = f"[red]{failed} failed[/red]" if failed else ""
        self.bar.update(self.task, completed=done, total=total, failed=label)


def _summary(result: Any, ws: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    from govaudit import readable_url

    records = result.records
    shown = records if len(records) <= LIST_ALL_UP_TO else result.failures
    if shown:
        table = Table(title=None if shown is records else _("failures"))
        table.add_column(_("site"))
        table.add_column(_("URL"), overflow="fold")
        table.add_column(_("status"))
        table.add_column(_("result"), overflow="fold")
        failed = {r.id for r in result.failures}
        for record in shown:
            status = "" if record.status is None else str(record.status)
            outcome, style = _outcome(record, record.id in failed)
            table.add_row(Text(record.site), Text(readable_url(record.requested_url)), status,
                          Text(outcome), style=style)
        console.print(table)
    ok = len(records) - result.failed
    manifest = ws.relative(result.manifest) if result.manifest else _("none")
    console.print(_("{ok} captured, {failed} failed in {seconds:.1f}s; manifest {manifest}").format(
        ok=ok, failed=result.failed, seconds=result.seconds, manifest=manifest), markup=False)


def _outcome(record: Evidence, failed: bool) -> tuple[str, str | None]:
    """What became of a capture, and its colour: red for no page kept, yellow for a page
    kept with a problem (an HTTP error status, something govaudit blocked)."""
    if failed:
        return record.error, "red"
    parts = [_files_text(record)]
    if record.error:
        parts.append(record.error)
    blocked = record.blocked
    if blocked:
        kinds = ", ".join(dict.fromkeys(b["what"] for b in blocked))
        parts.append(f"govaudit blocked {len(blocked)} ({kinds})")
    return " · ".join(parts), "yellow" if len(parts) > 1 else None


def _files_text(record: Evidence) -> str:
    text = ", ".join(dict.fromkeys(f.kind for f in record.files))
    segments = sum(1 for f in record.files if f.segment)
    if segments:
        text += f" ({segments} segments)"
    if record.capped_height:
        text += f" (cut at {record.capped_height} px)"
    return text


@app.command("attach",
             help=N_("Keep a file taken elsewhere (an app, WeChat) as evidence for a "
                     "question."))
def attach(
    site: Annotated[str, typer.Argument(help=N_("Site name."))],
    question: Annotated[str, typer.Argument(help=N_("Question id, e.g. ipv6.q1."))],
    file: Annotated[Path, typer.Argument(help=N_("The file to keep as evidence (e.g. a phone "
                                         "screenshot)."))],
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    record = open_audit(workspace).attach(site, question, here(file))
    if json:
        print_json(record.to_dict())
        return
    entry = record.files[0]
    console.print(_("{site} · {question}: {entry} (sha256 {entry2}…, {record})").format(
        site=site, question=question, entry=entry.path, entry2=entry.sha256[:16],
        record=record.id), markup=False)


@app.command("verify",
             help=N_("Check the evidence: store, manifests and files against each other "
                     "(exit 1).\n"
                     "\n"
                     "Each manifest and evidence file: hash ok / changed / missing, trusted\n"
                     "timestamp and signature (ok / invalid / absent; missing where the "
                     "workspace\n"
                     "signs or timestamps; a token whose TSA is not in [evidence] tsa_chain "
                     "is\n"
                     "untrusted), and a WACZ's integrity. Also every record whose fields "
                     "differ\n"
                     "between the store and its manifest, every file outside the workspace "
                     "or not\n"
                     "described, every record missing from the store or from the manifests. "
                     "Shows\n"
                     "what is wrong and a summary; --verbose lists every file."))
def verify(
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help=N_("One line per manifest and evidence file, not only the bad "
        "ones."))] = False,
    json: JsonOption = False, workspace: WorkspaceOption = None) -> None:
    from rich.text import Text

    result = open_audit(workspace).verify()
    warnings = [*result.warnings, *(f"{v.path}: {w}" for v in result.verdicts
                                    for w in v.warnings)]
    if json:
        print_json({"files": result.files, "records": result.records,
                    "manifests": result.manifests,
                    "problems": [{"path": p.path, "problem": p.problem, "record": p.record,
                                  "site": p.site, "expected": p.expected, "actual": p.actual}
                                 for p in result.problems],
                    "warnings": warnings,
                    "verdicts": [_json_verdict(v) for v in result.verdicts]})
    else:
        for v in result.verdicts:
            if verbose or not v.ok:
                console.print(Text(_verdict_line(v), style="" if v.ok else "red"))
        for p in result.problems:
            console.print(Text(_problem_line(p), style="red"))
        for warning in warnings:
            console.print(Text(f"warning: {warning}", style="yellow"))
        if result.verdicts:
            console.print(_tally(result.verdicts) + ("" if verbose else
                                                     " (--verbose lists every file)"),
                          markup=False)
        count = result.count
        console.print(f"{result.files} evidence files, {result.records} records and "
                      f"{result.manifests} manifests checked: "
                      f"{count or 'no'} problem{'' if count == 1 else 's'}"
                      + (f", {len(warnings)} warning{'' if len(warnings) == 1 else 's'}"
                         if warnings else ""), markup=False)
    if not result.ok:
        raise typer.Exit(1)


def _problem_line(p: Any) -> str:
    """'BAD evidence/manifest-….json: title differs from the manifest (ev-…, 成都市):
    the manifest says '…', now '…''."""
    whose = ", ".join(x for x in (p.record, p.site) if x)
    text = f"BAD {p.path}: {p.problem}" + (f" ({whose})" if whose else "")
    if p.expected or p.actual:
        text += f": expected {_short(p.expected)!r}, found {_short(p.actual)!r}"
    return text


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _tally(verdicts: list[Any]) -> str:
    """'hash: 150 ok, 2 changed · timestamp: 152 ok · signature: 152 absent · archive: 3 ok'."""
    from collections import Counter

    parts = []
    states: tuple[tuple[str, Callable[[Any], str]], ...] = (
        ("hash", lambda v: v.hash), ("timestamp", lambda v: v.timestamp.state),
        ("signature", lambda v: v.signature.state),
        ("archive", lambda v: v.wacz.split(":", 1)[0]))
    for what, state in states:
        counts = Counter(state(v) for v in verdicts if state(v))
        if counts:
            parts.append(f"{what}: " + ", ".join(f"{n} {s}" for s, n in counts.most_common()))
    return f"{len(verdicts)} files checked, " + " · ".join(parts)


def _json_verdict(v: Any) -> dict[str, Any]:
    return {"path": v.path, "kind": v.kind, "ok": v.ok, "hash": v.hash,
            "timestamp": v.timestamp.state, "timestamp_detail": v.timestamp.reason
            or v.timestamp.detail, "signature": v.signature.state,
            "signature_detail": v.signature.reason or v.signature.detail, "wacz": v.wacz,
            "site": v.site, "record": v.record, "notes": v.notes, "warnings": v.warnings}


def _verdict_line(v: Any) -> str:
    """'ok  evidence/x.png (png): hash ok · timestamp ok (…) · signature absent'."""
    parts = [f"hash {v.hash}" + (f" ({'; '.join(v.notes)})" if v.notes else ""),
             f"timestamp {v.timestamp}", f"signature {v.signature}"]
    if v.wacz:
        parts.append(f"archive {v.wacz}")
    return f"{'ok ' if v.ok else 'BAD'} {v.path} ({v.kind}): " + " · ".join(parts)


@app.command("keygen",
             help=N_("Make this evaluator's Ed25519 signing key; its public key goes to the "
                     "team lead."))
def keygen(
    key: Annotated[Path | None, typer.Option(
        help=N_("Where to write the private key (default: [evidence] key of govaudit.toml, else "
        "~/.config/govaudit/signing-key.pem)."), show_default=False)] = None,
    signer: Annotated[str, typer.Option(
        help=N_("The name signatures carry (default: the workspace's evaluator)."),
        show_default=False)] = "",
    workspace: WorkspaceOption = None,
) -> None:
    from govaudit import Audit, default_key_path
    from govaudit.errors import GovauditError

    try:
        made = open_audit(workspace).keygen(key and here(key), signer)
    except GovauditError:
        if workspace is not None:
            raise
        made = Audit.new_signing_key(key or default_key_path(), signer)  # outside a workspace
    console.print(_(
        "private key {private} (mode 600: keep it to yourself)\npublic key  {public}: give it to "
        "the team lead, who keeps it in the workspace's public-keys folder ([evidence] "
        "public_keys)\nfingerprint {fingerprint}").format(
        private=made.private, public=made.public, fingerprint=made.fingerprint), markup=False)
    if made.recorded:
        console.print(_(
            "recorded in govaudit.toml as [evidence] key: 'govaudit evidence sign' signs with "
            "it, and 'verify' trusts it in this workspace"), markup=False)
    elif made.private == default_key_path():
        console.print(_(
            "'govaudit evidence sign' uses it in every workspace that sets no [evidence] key"),
            markup=False)
    else:
        console.print(_('to sign with it, set in govaudit.toml: [evidence] key = '
                        '"{private}"').format(
            private=made.private),
                      markup=False)


@app.command("timestamp",
             help=N_("Timestamp the run manifests that have no trusted timestamp yet (exit "
                     "1 if one fails)."))
def timestamp(
    tsa: Annotated[str | None, typer.Option(
        help=N_("The RFC 3161 TSA to ask (default: [evidence] tsa of govaudit.toml)."),
        show_default=False)] = None,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    from rich.table import Table
    from rich.text import Text

    audit = open_audit(workspace)
    ws = audit.workspace
    results = audit.timestamp(tsa)
    if json:
        print_json({"timestamps": [{"manifest": ws.relative(r.path), "ok": r.ok, "time": r.time,
                                    "reason": r.reason} for r in results]})
    elif not results:
        console.print(_("Every run manifest has a timestamp already"), markup=False)
    else:
        from govaudit import china_time

        table = Table(_("manifest"), _("timestamp"))
        for r in results:
            table.add_row(Text(ws.relative(r.path)),
                          Text(china_time(r.time, seconds=True) if r.time else r.reason),
                          style=None if r.ok else "red")
        console.print(table)
    if any(not r.ok for r in results):
        raise typer.Exit(1)


@app.command("sign",
             help=N_("Sign the run manifests and WACZ archives not signed yet, with "
                     "[evidence] key (else\n"
                     "keygen's default key)."))
def sign(json: JsonOption = False, workspace: WorkspaceOption = None) -> None:
    audit = open_audit(workspace)
    signer, signed = audit.sign()
    if json:
        print_json({"signer": signer,
                    "signed": [audit.workspace.relative(path) for path in signed]})
        return
    for path in signed:
        console.print(audit.workspace.relative(path), markup=False)
    console.print(_("{count} file(s) signed by {signer}").format(
        count=len(signed), signer=signer), markup=False)


@app.command("export",
             help=N_("One zip for an appeal: the site's evidence, manifests, timestamps, "
                     "signatures, README."))
def export(
    site: Annotated[str, typer.Argument(help=N_("Site name."))],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help=N_("The zip to write (default: exports/SITE-evidence.zip)."),
        show_default=False)] = None,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    bundle = open_audit(workspace).export_evidence(site, output and here(output))
    if json:
        print_json({"bundle": str(bundle.path), "files": bundle.files,
                    "manifests": bundle.manifests, "timestamped": bundle.timestamped})
        return
    console.print(_(
        "{path}: {count} files, {count2} manifest(s), {count3} timestamped; see README.txt "
        "inside").format(
        path=bundle.path, count=len(bundle.files), count2=len(bundle.manifests),
        count3=len(bundle.timestamped)),
                  markup=False)

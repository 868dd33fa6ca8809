"""govaudit monitor: visits on a schedule over weeks (故障率, 栏目更新, dead links) and the
findings of a rule set (gov-2019) over a window."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from govaudit import china_time
from govaudit.i18n import N_, _

from .common import (
    JsonOption,
    WorkspaceOption,
    console,
    duration,
    err_console,
    here,
    new_app,
    open_audit,
    print_json,
    sigterm_as_ctrl_c,
)

if TYPE_CHECKING:
    from govaudit import Campaign, RoundQueued, RoundSummary, VisitOptions, VisitResult

app = new_app(N_("System monitoring over weeks: visit every site on a schedule, keep each visit "
              "as a sample, and apply the gov-2019 lines (故障率, 首页/栏目更新, dead links)."))

LIST_ALL_UP_TO = 30  # a tick lists every visit up to this many sites, else the failures only
LEVEL_STYLES = {"veto": "bold red", "warning": "yellow", "ok": "green",
                "insufficient-data": "dim"}


SitesOption = Annotated[list[str] | None, typer.Option(
    "--sites", "--site", "-s", metavar="<name>",
    help=N_("Only these sites (repeatable, or comma-separated; default: every site)."),
    show_default=False)]
TimeoutOption = Annotated[float, typer.Option(
    min=0.1, help=N_("Seconds the home page may take to open (redirects and body included); "
    "later is a failed visit."))]
ConcurrencyOption = Annotated[int, typer.Option(min=1, help=N_("Requests in flight overall."))]
HostIntervalOption = Annotated[str, typer.Option(
    "--host-interval", help=N_("At most one request per host this often (e.g. 1s, 500ms)."))]
ColumnsEveryOption = Annotated[str, typer.Option(
    "--columns-every",
        help=N_("Sample each site's columns and links this often (0: every visit)."))]
MaxLinksOption = Annotated[int, typer.Option(
    min=0, help=N_("Links checked per site each time the columns are sampled."))]
AllowPrivateOption = Annotated[bool, typer.Option(
    "--allow-private", help=N_("Follow redirects and links to private addresses (intranet, "
    "loopback); by default only a site's own pages may be on one."))]
SkipHostOption = Annotated[list[str] | None, typer.Option(
    "--skip-host", metavar="<host>", help=N_("Do not check links to this host (repeatable; e.g. a "
    "registry unreachable from an intranet): they are counted as skipped."))]
ScreenshotsOption = Annotated[bool, typer.Option(
    "--screenshots/--no-screenshots", help=N_("After a failed visit, keep a screenshot of what "
    "the browser shows (once per failure streak of a site) as evidence for 故障率."))]
RulesOption = Annotated[str, typer.Option(
    help=N_("Rule set: a name (the workspace's NAME.toml, else a built-in one) or a .toml file."))]


def _rules(value: str) -> str:
    """A rule set's name as given; a .toml file's path from the folder the command runs in."""
    return str(here(Path(value))) if value.endswith(".toml") else value


def _names(sites: list[str] | None) -> list[str]:
    return [n.strip() for value in sites or [] for n in value.split(",") if n.strip()]


# How a visit is made: the options of start, tick and schedule (name, option, default).
VISIT_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("timeout", TimeoutOption, 15.0),
    ("concurrency", ConcurrencyOption, 20),
    ("host_interval", HostIntervalOption, "1s"),
    ("columns_every", ColumnsEveryOption, "6h"),
    ("max_links", MaxLinksOption, 60),
    ("allow_private", AllowPrivateOption, False),
    ("skip_host", SkipHostOption, None),
    ("screenshots", ScreenshotsOption, True),
)


def _options(timeout: float, concurrency: int, host_interval: str, columns_every: str,
             max_links: int, allow_private: bool, skip_host: list[str] | None,
             screenshots: bool) -> VisitOptions:
    from govaudit import VisitOptions

    return VisitOptions(timeout=timeout, concurrency=concurrency,
                        host_interval=duration(host_interval, "--host-interval", True),
                        columns_every=duration(columns_every, "--columns-every", True),
                        max_links=max_links, allow_private=allow_private,
                        screenshots=screenshots, skip_hosts=tuple(_names(skip_host)))


def with_visit_options(command: Callable[..., None]) -> Callable[..., None]:
    """`command` with the VISIT_OPTIONS (listed before --workspace) in place of its
    keyword-only `options`, which gets them as one VisitOptions: the options are defined
    once, here, for every command that visits."""
    def resolved(parameter: inspect.Parameter) -> inspect.Parameter:
        # the module postpones its annotations; Typer reads the signature it is given as is
        if isinstance(parameter.annotation, str):
            parameter = parameter.replace(annotation=eval(  # noqa: S307 - this module's source
                parameter.annotation, command.__globals__))
        return parameter

    visit = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                               annotation=option) for name, option, default in VISIT_OPTIONS]
    signature = inspect.signature(command)
    kept = [resolved(p) for p in signature.parameters.values() if p.name != "options"]
    at = next(i for i, p in enumerate(kept) if p.name == "workspace")
    parameters = [*kept[:at], *visit, *kept[at:]]

    @functools.wraps(command)
    def visiting(**values: Any) -> None:
        chosen = {name: values.pop(name) for name, _option, _default in VISIT_OPTIONS}
        command(**values, options=_options(**chosen))

    visiting.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=None)
    visiting.__annotations__ = {p.name: p.annotation for p in parameters}
    return visiting


def _when(epoch: float) -> str:
    """A time of the monitor as a person reads it: China time, with the zone."""
    return china_time(datetime.fromtimestamp(epoch, UTC), seconds=True)


def _visit_line(result: VisitResult) -> str:
    visit = result.visit
    if visit.ok:
        return _("{site}: HTTP {status}, {ms:.0f} ms").format(
            site=visit.site, status=visit.status, ms=visit.elapsed_ms)
    if visit.elapsed_ms is None:
        return _("{site}: failed: {error}").format(site=visit.site, error=visit.error)
    return _("{site}: failed after {ms:.0f} ms: {error}").format(
        site=visit.site, ms=visit.elapsed_ms, error=visit.error)


@app.command("start",
             help=N_("Visit the sites on a schedule until --for has passed; Ctrl-C stops, "
                     "start resumes."))
@with_visit_options
def start(
    every: Annotated[str, typer.Option(help=N_("Visit each site once this often."))] = "30m",
    length: Annotated[str, typer.Option(
        "--for", help=N_("Keep monitoring this long (from the first start; a restart with the "
        "same --every and sites resumes)."))] = "90d",
    sites: SitesOption = None,
    workspace: WorkspaceOption = None,
    *,
    options: VisitOptions,
) -> None:
    from govaudit import format_duration

    interval = duration(every, "--every")
    span = duration(length, "--for")
    audit = open_audit(workspace)
    counts = {"visits": 0, "failures": 0}

    def started(campaign: Campaign, resumed: bool, count: int) -> None:
        text = (_("resuming the monitoring started {when}: {count} site(s) every {every} until "
                  "{until}; Ctrl-C stops (start again to resume)") if resumed else
                _("monitoring from {when}: {count} site(s) every {every} until {until}; Ctrl-C "
                  "stops (start again to resume)"))
        console.print(text.format(when=_when(campaign.started), count=count,
                                  every=format_duration(campaign.every),
                                  until=_when(campaign.until)), markup=False)
        if campaign.skip_hosts:
            console.print(_("links to {listed} are skipped, not checked").format(
                listed=', '.join(campaign.skip_hosts)), markup=False)

    def visited(result: VisitResult) -> None:
        counts["visits"] += 1
        if not result.visit.ok:
            counts["failures"] += 1
            console.print(_("{when} {visit_line}").format(
                when=_when(result.visit.time), visit_line=_visit_line(result)), markup=False)

    def summary(done: RoundSummary) -> None:
        skipped = _(", {count} slot(s) skipped (visit still running)").format(
            count=done.skipped) if done.skipped else ""
        console.print(_("{when} {visits} visit(s), {failures} failed{skipped}").format(
            when=_when(datetime.now(UTC).timestamp()), visits=done.visits,
            failures=done.failures, skipped=skipped), markup=False)

    try:
        with sigterm_as_ctrl_c():
            if audit.monitor.sites(_names(sites)):  # else start says there is nothing to visit
                for reason in audit.monitor.skipped(_names(sites)):
                    console.print(_("skipped: {reason}").format(reason=reason), markup=False)
            audit.monitor.start(interval, span, _names(sites), options, started, visited,
                                summary)
    except KeyboardInterrupt:
        err_console.print(_(
            "monitor stopped after {counts} visit(s) ({counts2} failed), all saved; 'govaudit "
            "monitor start' with the same options resumes").format(
            counts=counts['visits'], counts2=counts['failures']), markup=False)
        raise typer.Exit(130) from None
    console.print(_("monitoring finished: {counts} visit(s), {counts2} failed").format(
        counts=counts['visits'], counts2=counts['failures']), markup=False)


@app.command("tick",
             help=N_("Visit every site once, now (for cron or a systemd timer)."))
@with_visit_options
def tick(
    sites: SitesOption = None,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    *,
    options: VisitOptions,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    audit = open_audit(workspace)
    with sigterm_as_ctrl_c():
        chosen = audit.monitor.sites(_names(sites))
        skipped = audit.monitor.skipped(_names(sites))
        for reason in skipped:
            console.print(_("skipped: {reason}").format(reason=reason), markup=False)
        if not chosen:
            console.print("No web sites to visit." if skipped else
                          "No sites yet: govaudit sites import FILE", markup=False)
            return
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      console=err_console, transient=True, disable=json) as bar:
            task = bar.add_task("visiting", total=len(chosen))
            results = audit.monitor.tick([s.name for s in chosen], options,
                                         lambda r: bar.update(task, advance=1,
                                                              description=r.visit.site))
    failed = [r for r in results if not r.visit.ok]
    if json:
        print_json({"visits": [_visit_dict(r) for r in results]})
        return
    shown = results if len(results) <= LIST_ALL_UP_TO else failed
    for result in sorted(shown, key=lambda r: r.visit.site):
        console.print(_visit_line(result), markup=False,
                      style=None if result.visit.ok else "red")
    skipped_links = sum(r.skipped_links for r in results)
    passed = (_("; {count} link(s) to skipped hosts not checked").format(count=skipped_links)
              if skipped_links else "")
    console.print(_(
        "{count} visit(s), {count2} failed{passed}; samples saved in data/monitor.sqlite").format(
        count=len(results), count2=len(failed), passed=passed), markup=False)


def _print_json_fast(data: Any) -> None:
    """Indented for a terminal; one line into a pipe (json's C encoder cannot indent, and
    a thousand sites' findings take seconds through the Python one)."""
    if sys.stdout.isatty():
        print_json(data)
        return
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _visit_dict(result: VisitResult) -> dict[str, Any]:
    from govaudit import utc_iso

    visit = result.visit
    return {"id": result.id, "site": visit.site, "time": utc_iso(visit.time), "ok": visit.ok,
            "status": visit.status, "error": visit.error, "elapsed_ms": visit.elapsed_ms,
            "final_url": visit.final_url, "bytes": visit.bytes,
            "newest_date": visit.newest_date, "skipped_links": result.skipped_links}


@app.command("status",
             help=N_("Per site over the window: visits, failures, rate and the findings "
                     "(veto/warning/ok)."))
def status(
    window: Annotated[str, typer.Option(
        help=N_("The span the figures cover, back from now (e.g. 7d, 30d, 10s)."))] = "7d",
    sites: SitesOption = None,
    rules: RulesOption = "gov-2019",
    server: Annotated[bool, typer.Option(
        "--server", help=N_("Read the monitoring server's roll-ups and recent samples (the "
                            "workers' visits), not this workspace's SQLite file."))] = False,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    from rich.table import Table
    from rich.text import Text

    from govaudit import format_duration, glossary

    length = duration(window, "--window")
    audit = open_audit(workspace)
    report = audit.monitor.status(length, _names(sites) or None, rules=_rules(rules),
                                  server=server)
    statuses, ruleset = report.sites, report.rules
    if json:
        _print_json_fast(report.to_dict())
        return
    if not statuses:
        console.print(_("No sites yet: govaudit sites import FILE"))
        return
    names = [f.name for f in statuses[0].findings]
    table = Table(_("site"), _("visits"), _("failed"), _("rate"), *names,
                  title=_("{rules} over the last {window}").format(
                      rules=ruleset.id, window=format_duration(length)),
                  title_justify="left")
    future = 0
    for item in statuses:
        f = item.figures
        future += f.future
        table.add_row(Text(item.site), str(f.visits), str(f.failures),
                      f"{f.rate:.1%}" if f.rate is not None else "—",
                      *(Text(glossary.verdict(x.level), style=LEVEL_STYLES[x.level])
                        for x in item.findings))
    console.print(table)
    if any(x.level == "insufficient-data" for item in statuses for x in item.findings):
        console.print(_("{insufficient}: not enough samples in the window for the rule yet "
                        "(站点无法访问 needs a week of ≥ 20 visits a day)").format(
                          insufficient=glossary.verdict("insufficient-data")),
                      style="dim", markup=False)
    for item in statuses:
        for finding in item.findings:
            if finding.level in ("veto", "warning"):
                console.print(Text(f"{item.site} {finding.name} "
                                   f"{glossary.verdict(finding.level)}: {finding.detail}",
                                   style=LEVEL_STYLES[finding.level]))
    if future:
        console.print(_("{count} sample(s) are dated after now (was the clock set back?): "
                        "kept, but left out of the figures").format(count=future),
                      style="yellow", markup=False)


@app.command("apply",
             help=N_("Save the findings as answers by 'probe' to the 日常运维 questions (故障率, "
                     "链接有效性,\n"
                     "栏目更新); never over a person's answer."))
def apply(
    window: Annotated[str, typer.Option(
        help=N_("The span the findings cover, back from now (e.g. 7d, 30d)."))] = "7d",
    sites: SitesOption = None,
    rules: RulesOption = "gov-2019",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    from govaudit import format_duration

    length = duration(window, "--window")
    audit = open_audit(workspace)
    saved = audit.apply_monitoring(_names(sites) or None, window=length, rules=_rules(rules))
    if as_json:
        print_json({"saved": saved, "window_seconds": length, "rules": rules})
        return
    console.print(_(
        "{saved} answer(s) saved from the monitoring over the last {format_duration} (evaluator "
        "'probe'; a person's answers are kept)").format(
        saved=saved, format_duration=format_duration(length)), markup=False)


@app.command("schedule",
             help=N_("Queue a round of visits on the monitoring server now and at every "
                     "interval, for the workers ('govaudit monitor worker') to make."))
@with_visit_options
def schedule(
    every: Annotated[str, typer.Option(help=N_("Queue a round this often."))] = "30m",
    length: Annotated[str, typer.Option(
        "--for", help=N_("Keep queueing rounds this long."))] = "90d",
    once: Annotated[bool, typer.Option(
        "--once", help=N_("Queue one round and stop (for cron or a systemd timer)."))] = False,
    spread: Annotated[bool, typer.Option(
        "--spread/--no-spread", help=N_("Visit each site at its own slot inside the interval "
                                        "(default), or all at once."))] = True,
    retention: Annotated[str | None, typer.Option(
        help=N_("Keep the raw samples this long (e.g. 60d); older months are rolled up and "
                "dropped; failures and roll-ups are kept. Default: the server's setting."))
    ] = None,
    sites: SitesOption = None,
    workspace: WorkspaceOption = None,
    *,
    options: VisitOptions,
) -> None:
    interval = duration(every, "--every")
    span = duration(length, "--for")
    keep = duration(retention, "--retention") / 86400 if retention else None
    audit = open_audit(workspace)

    def queued(done: RoundQueued) -> None:
        console.print(_("{when} round {round}: {jobs} visit(s) queued").format(
            when=_when(done.at), round=done.round, jobs=done.jobs), markup=False)
        if done.dropped:
            console.print(_("raw samples of {months} rolled up and dropped (retention)").format(
                months=", ".join(done.dropped)), markup=False)

    try:
        with sigterm_as_ctrl_c():
            audit.monitor.schedule(interval, span, _names(sites), options, spread=spread,
                                   retention=keep, once=once, on_round=queued)
    except KeyboardInterrupt:
        err_console.print(_("scheduling stopped; the rounds queued stay for the workers"),
                          markup=False)
        raise typer.Exit(130) from None


@app.command("worker",
             help=N_("Make the visits and screenshots queued on the monitoring server; run "
                     "as many workers, on as many machines, as needed."))
def worker(
    concurrency: Annotated[int, typer.Option(
        min=1, help=N_("Visits in flight at once (jobs held)."))] = 20,
    lease: Annotated[str, typer.Option(
        help=N_("How long a job stays held without a heartbeat; a job held longer by a "
                "worker that died goes to another."))] = "60s",
    until_idle: Annotated[bool, typer.Option(
        "--until-idle", help=N_("Stop when no job is queued or running."))] = False,
    workspace: WorkspaceOption = None,
) -> None:
    from govaudit import WorkerOptions

    options = WorkerOptions(concurrency=concurrency, lease=duration(lease, "--lease"),
                            until_idle=until_idle)
    audit = open_audit(workspace)

    def visited(result: VisitResult) -> None:
        if not result.visit.ok:
            console.print(f"{_when(result.visit.time)} {_visit_line(result)}", markup=False)

    try:
        with sigterm_as_ctrl_c():
            done = audit.monitor.worker(options, visited)
    except KeyboardInterrupt:
        err_console.print(_("worker stopped; every finished visit is saved, the jobs it held "
                            "went back to the queue"), markup=False)
        raise typer.Exit(130) from None
    console.print(_("worker {name}: {visits} visit(s), {failures} failed, {shots} "
                    "screenshot(s)").format(name=done.name, visits=done.visits,
                                            failures=done.failures, shots=done.shots),
                  markup=False)
    for error in done.errors:
        err_console.print(_("retried later: {error}").format(error=error), markup=False)

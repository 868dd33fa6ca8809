"""govaudit check: automated probes over HTTP that suggest answers (system monitoring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from govaudit.errors import listed
from govaudit.i18n import N_, _

from .common import (
    GovauditCommand,
    JsonOption,
    WorkspaceOption,
    console,
    err_console,
    open_audit,
    print_json,
)
from .hints import HINTS

if TYPE_CHECKING:  # the probes import httpx: only when the command runs
    from govaudit import CheckRun, ProgressEvent, ProgressFn, SiteCheck

BROKEN_SHOWN = 20
PROBES = "{probes}"  # in the --probe help: the registered probes, listed when it is shown


class CheckCommand(GovauditCommand):
    """`check`, whose --probe help lists the probes: the registry is read for the help only,
    so that `govaudit --help` does not import it."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from govaudit import probe_help

        # options have help, arguments none; the msgid is put back once help is written
        listing = [(p, p.help) for p in self.params  # type: ignore[attr-defined]
                   if PROBES in (getattr(p, "help", "") or "")]
        for param, text in listing:
            param.help = _(text).replace(PROBES, probe_help())  # type: ignore[attr-defined]
        try:
            super().format_help(ctx, formatter)
        finally:
            for param, text in listing:
                param.help = text  # type: ignore[attr-defined]


HELP = N_("Probe the sites over HTTP, store the results and suggest answers.")


def check(
    site: Annotated[list[str] | None, typer.Option(
        "--site", "-s", metavar="<name>",
        help=N_("Only this site (repeatable; default: every site)."))] = None,
    probe: Annotated[list[str] | None, typer.Option(
        "--probe", "-p", metavar="<probe>",
        help=N_("Only this probe (repeatable), or the probe of an auto: key such as "
                "marks.icp: {probes}."))] = None,
    depth: Annotated[int, typer.Option(
        help=N_("Links: also check the links of same-host pages this many clicks deep."))] = 0,
    samples: Annotated[int, typer.Option(help=N_("Availability: requests per site."))] = 3,
    interval: Annotated[float, typer.Option(
        help=N_("Availability: seconds between requests."))] = 2.0,
    concurrency: Annotated[int, typer.Option(
        help=N_("Links: checks in flight overall."))] = 20,
    per_host: Annotated[int, typer.Option(help=N_("Links: checks in flight per host."))] = 6,
    timeout: Annotated[float, typer.Option(
        help=N_("Seconds allowed for a whole page fetch (a trickling server is cut off)."),
    )] = 20.0,
    link_timeout: Annotated[float, typer.Option(
        help=N_("Seconds allowed for one link check."))] = 15.0,
    skip_host: Annotated[list[str] | None, typer.Option(
        "--skip-host", metavar="<host>", help=N_("Links: do not check links to this host "
                                                 "(repeatable; e.g. a registry unreachable "
                                                 "from an intranet)."))] = None,
    apply: Annotated[bool, typer.Option(
        "--apply", help=N_("Save suggestions as answers by evaluator 'probe' (never over a "
                           "person's answer), from the results the last check stored; only "
                           "what has no stored result is probed now."))] = False,
    rerun: Annotated[bool, typer.Option(
        "--rerun", help=N_("With --apply: probe every site again instead of applying the "
                           "stored results."))] = False,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help=N_("Follow redirects and links to private addresses "
                                   "(intranet, loopback); by default only a site's own pages "
                                   "may be on one."))] = False,
    render: Annotated[bool, typer.Option(
        "--render", help=N_("Also read the home page as Chromium renders it (footers, lists "
                            "and links written by scripts, what a reader does not see); uses "
                            "the capture of 'govaudit evidence' when there is one. Runs the "
                            "browser checks too: hidden links and a marked screenshot of each "
                            "content finding on every page read, accessibility, 适老化."))] = False,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    from govaudit import CheckOptions, FetchLimits, LinkOptions, resolve_probes
    from govaudit.errors import UsageError

    if rerun and not apply:
        raise UsageError(_("--rerun goes with --apply (without --apply every check probes)"))
    audit = open_audit(workspace)
    chosen = audit.sites.select(site)
    if not chosen:
        console.print(_("No sites yet: govaudit sites import FILE"))
        return
    probes = resolve_probes(probe)
    options = CheckOptions(interval=interval, link_timeout=link_timeout, render=render,
                           allow_private=allow_private, limits=FetchLimits(deadline=timeout),
                           links=LinkOptions(concurrency=concurrency, per_host=per_host,
                                             skip_hosts=tuple(skip_host or ())))
    result = _run_with_progress(lambda progress: audit.check(
        [s.name for s in chosen], probes, depth=depth, samples=samples, on_progress=progress,
        options=options, reuse=apply and not rerun), len(chosen) * len(probes))
    applied = audit.apply_suggestions([s.name for s in chosen]) if apply else None
    if json:
        out: dict[str, Any] = {"sites": [s.to_dict() for s in result.sites]}
        if applied is not None:
            out.update(applied=applied, probed=result.probed, stored=result.reused)
        print_json(out)
        return
    for checked in result.sites:
        _print_site(checked)
    if result.reused:
        shown = listed(result.reused, 5)
        console.print(_("Applied the results the last check stored for {count} site(s) "
                        "({shown}), not probed again; --rerun probes them anew.").format(
                          count=len(result.reused), shown=shown), markup=False)
    if apply and result.probed:
        why = _("at your --rerun") if rerun else _("for want of stored results")
        console.print(_("Probed {count} site(s) now, {why}.").format(
            count=len(result.probed), why=why), markup=False)
    if result.errors:
        console.print(_("{count} probe(s) failed; the others were stored:").format(
            count=len(result.errors)), style="yellow")
        for error in result.errors:
            console.print(_("  {error} {error2}: {error3}").format(
                error=error['site'], error2=error['probe'], error3=error['error']), markup=False)
    if applied is not None:
        console.print(_("Saved {count} suggestion(s) as answers by 'probe'; answers given by "
                        "a person were left alone.").format(count=applied))
    else:
        console.print(_("Results stored. 'govaudit collect' shows the suggestions; "
                        "'govaudit check --apply' saves them as answers."))


def _run_with_progress(work: Callable[[ProgressFn], CheckRun], total: int) -> CheckRun:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task(_("checking"), total=total)
        running: dict[tuple[str, str], str] = {}  # what is under way, with its progress

        def progress(event: ProgressEvent) -> None:
            key = (event.site, event.probe)
            if event.finished:
                running.pop(key, None)
            else:
                running[key] = event.detail
            shown = [f"{site} {probe} {detail}".strip()
                     for (site, probe), detail in list(running.items())[:3]]
            bar.update(task, description=", ".join(shown) or _("checking"),
                       advance=1 if event.finished else 0)

        return work(progress)


def _print_site(checked: SiteCheck) -> None:
    from rich.table import Table
    from rich.text import Text

    from govaudit import (
        PRIVATE_MARK,
        LinksResult,
        china_time,
        glossary,
        readable_url,
        readable_urls,
        worded_failure,
    )

    # Text() cells: link texts and URLs from the sites often hold "[…]"
    table = Table(_("probe"), _("result"), title=Text(f"{checked.site}  {checked.url}"),
                  title_justify="left")
    for name, result in checked.probes.items():
        stored = _(" (stored {time})").format(time=china_time(result.time)) \
            if name in checked.stored else ""
        table.add_row(name, Text(result.summary() + stored,
                                 style="red" if result.failed else ""))
    console.print(table)
    if "address" in checked.probes:  # a site without a web address: not probed
        console.print(_(HINTS["attach"]), markup=False)
    links = checked.probes.get("links")
    if not isinstance(links, LinksResult):
        return
    for rows, column, title in (
            (links.broken, glossary.term("broken link"),
             N_("{count} broken link(s)")),
            (links.unchecked, _("not checked"),
             N_("{count} link(s) whose host could not be reached from here"))):
        if not rows:
            continue
        shown = Table(column, _("status / error"), _("text"), _("found on"),
                      title=_(title).format(count=len(rows)), title_justify="left")
        for item in rows[:BROKEN_SHOWN]:
            problem = readable_urls(worded_failure(item.problem))
            shown.add_row(*(Text(v) for v in (readable_url(item.url), problem, item.text,
                                              readable_url(item.found_on))))
        console.print(shown)
        if any(PRIVATE_MARK in item.problem for item in rows):
            console.print(_(HINTS["allow_private"]), markup=False)
        if len(rows) > BROKEN_SHOWN:
            console.print(_("… and {count} more (--json lists them all)").format(
                count=len(rows) - BROKEN_SHOWN))

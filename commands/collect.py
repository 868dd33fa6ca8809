"""govaudit collect: the guided assessment, question by question, with an optional browser."""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from govaudit import glossary
from govaudit.i18n import N_, _

from .common import WorkspaceOption, console, err_console
from .hints import error_text

if TYPE_CHECKING:
    from govaudit import CollectSession, LiveBrowser, SessionSummary

TYPE_LABELS = {"yes_no": N_("yes/no"), "graded": N_("graded"), "count": N_("count"),
               "text": N_("text")}
SPECIAL_CHOICES = ((N_("not applicable"), "na"), (N_("unknown"), "unknown"))
# what each navigation key does, as the prompts name it
NAV_NAMES = {"back": N_("back"), "skip": N_("skip"), "quit": N_("quit"),
             "capture": N_("capture")}


class Nav(Enum):
    """What the evaluator chose instead of an answer, with its key."""

    back = "b"
    skip = "s"
    quit = "q"
    capture = "c"


HELP = N_("Answer the checklist site by site; every answer is saved before the "
          "next question.\n"
          "\n"
          "A new run resumes at the first unanswered question. At a choice: b "
          "back, s skip,\n"
          "q quit, c capture (with --open); in a typed answer: :b, :s, :q, :c.")


def collect(
    site: Annotated[list[str] | None, typer.Option(
        "--site", "-s", help=N_("Site to assess (repeat for several; default: every site)."),
        metavar="<name>", show_default=False)] = None,
    indicator: Annotated[list[str] | None, typer.Option(
        "--indicator", "-i", help=N_("Only this indicator id (a 一级/二级 id takes all below it)."),
        metavar="<id>", show_default=False)] = None,
    open_browser: Annotated[bool, typer.Option(
        "--open", help=N_("Keep a browser window open beside the prompts; c captures what it "
        "shows as evidence."))] = False,
    redo: Annotated[bool, typer.Option(
        "--redo", help=N_("Walk through answered questions again, their values preselected."),
    )] = False,
    notes: Annotated[bool, typer.Option(
        "--notes/--no-notes", help=N_("Ask for an optional note after each answer."))] = True,
    browser_path: Annotated[str | None, typer.Option(
        "--browser-path", help=N_("Chromium/Chrome executable for --open."), metavar="<path>",
        show_default=False)] = None,
    workspace: WorkspaceOption = None,
) -> None:
    from govaudit.errors import GovauditError

    from .common import open_audit

    if not sys.stdin.isatty():
        raise GovauditError(_(
            "collect asks questions in a terminal, and standard input is not one; record "
            "answers without prompts with 'govaudit answer --file answers.csv' (columns "
            "site,question,value[,note]) or 'govaudit answer SITE QUESTION VALUE'"))
    audit = open_audit(workspace)
    plan = audit.collect(site, indicator, redo=redo)
    for skipped in plan.not_assessed:
        console.print((_("{site}: nothing to ask at level {level} for the chosen indicator(s)")
                       if indicator else _("{site}: nothing to ask at level {level}")).format(
            site=skipped.name, level=glossary.level(skipped.level)), markup=False)
    live = _start_browser(browser_path) if open_browser else None
    flow = Flow(live, notes)
    try:
        flow.run(plan.sessions)
    except KeyboardInterrupt:
        console.print("\n" + _("Interrupted: every answer given before this question is "
                             "saved."), markup=False)
        flow.print_summaries()
        raise typer.Exit(130) from None
    except EOFError:  # Ctrl-D in a typed answer: the same as quit
        console.print("\n" + _("Ended: every answer given before this question is saved."),
                      markup=False)
    finally:
        if live is not None:
            live.close()
    flow.print_summaries()


def _start_browser(browser_path: str | None) -> LiveBrowser | None:
    import questionary

    from govaudit import LiveBrowser, has_display

    headed = has_display()
    if not headed:
        err_console.print(_(
            "--open: no display here ($DISPLAY and $WAYLAND_DISPLAY are unset), so no browser "
            "window can open."), markup=False)
        # a select, not questionary.confirm: confirm shows its answer as "Yes" in any language
        use = questionary.select(_(
            "Capture headless instead? (c opens one of the site's recorded URLs in a headless "
            "browser and captures it)"), choices=[questionary.Choice(_("yes"), True),
                                                 questionary.Choice(_("no"), False)],
            instruction=_("(↑↓, Enter)")).unsafe_ask()
        if not use:
            return None
    with console.status(_("Starting the browser…")):
        live = LiveBrowser(headed=headed, browser_path=browser_path).start()
    return live


class Flow:
    """The prompts of one collect run over several sites."""

    def __init__(self, live: LiveBrowser | None, notes: bool) -> None:
        self.live = live
        self.notes = notes
        self.summaries: list[SessionSummary] = []
        self.sessions: list[CollectSession] = []
        self.quit = False

    def run(self, sessions: list[CollectSession]) -> None:
        for number, session in enumerate(sessions, 1):
            if self.quit:
                break
            start = session.start()
            if start is None:
                total = len(session.open_items())
                console.print(_("{site}: all {total} questions answered (--redo walks through "
                                "them again)").format(site=session.site.name, total=total),
                              markup=False)
                continue
            self.sessions.append(session)
            answered = session.answered_count()
            if answered and not session.redo:
                at, total = session.progress(start)
                console.print(_(
                    "Resuming {site} at question {at}/{total} ({question}): {answered} of "
                    "{total} answered already.").format(
                        site=session.site.name, at=at, total=total,
                        question=session.items[start].question.id, answered=answered),
                    style="bold", markup=False)
            self.run_site(session, start, number, len(sessions))

    def run_site(self, session: CollectSession, index: int | None, number: int,
                 count: int) -> None:
        shown_indicator = None
        while index is not None:
            self.follow(session, index, shown_indicator)
            shown_indicator = session.items[index].indicator.id
            self.show(session, index, number, count)
            result = self.ask(session, index)
            if result is Nav.quit:
                self.quit = True
                break
            if result is Nav.back:
                previous = session.previous_index(index)
                if previous is None:
                    console.print(_("This is the first question."), style="yellow",
                                  markup=False)
                else:
                    index = previous
                continue
            if result is Nav.capture:
                self.capture(session, index)
                continue
            if result is Nav.skip:
                session.skip(index)
            following = session.next_index(index)
            for skipped in session.skipped_by_logic(index, following):
                question = session.items[skipped].question
                condition = question.relevant.source if question.relevant else ""
                console.print(_("  skipped {question}: asked only when {condition}").format(
                    question=question.id, condition=condition), style="yellow", markup=False)
            index = following
        self.summaries.append(session.summary())

    def follow(self, session: CollectSession, index: int, shown_indicator: str | None) -> None:
        """Keep a visible browser on the site, and on the pages of the indicator at hand."""
        from govaudit.errors import GovauditError

        if self.live is None or not self.live.headed:
            return
        indicator = session.items[index].indicator.id
        try:
            if shown_indicator is None:
                self.live.goto(session.site.url)
            if indicator != shown_indicator:
                urls = [u for u in session.urls(index) if u != session.site.url]
                if urls:
                    self.live.show_pages(urls)
        except GovauditError as exc:
            err_console.print(_("browser: {problem}").format(problem=error_text(exc)),
                              style="yellow", markup=False)

    # -- showing a question --------------------------------------------------------

    def show(self, session: CollectSession, index: int, number: int, count: int) -> None:
        from rich.panel import Panel
        from rich.text import Text

        item = session.items[index]
        indicator, question = item.indicator, item.question
        level = session.site.level
        at, total = session.progress(index)
        body = Text()
        body.append(" > ".join(indicator.path), style="bold")
        weight = indicator.weight(level)
        level_name = glossary.level(level)
        weight_text = (_("weight {weight:g} at {level}").format(weight=weight, level=level_name)
                       if weight is not None
                       else _("no published weight ({level})").format(level=level_name))
        body.append(f"   [{indicator.code} · {weight_text}"
                    + (" · " + _("bonus (加分项)") if indicator.bonus else "") + "]\n",
                    style="dim")
        if indicator.description:
            body.append(_("评估要点说明: "), style="dim")
            body.append(indicator.description.strip() + "\n")
        kind = _(TYPE_LABELS[question.type]) if question.type in TYPE_LABELS else question.type
        body.append(f"\n{question.id} ({kind}"
                    + (_(", {points:g} points").format(points=question.points)
                       if question.points != 1 else "")
                    + ")  ", style="cyan")
        body.append(question.text + "\n", style="bold")
        if question.hint:
            body.append(_("hint: {hint}").format(hint=question.hint) + "\n", style="dim")
        if question.pages:
            body.append(_("pages: {pages}").format(pages=" · ".join(question.pages)) + "\n",
                        style="dim")
        current = session.current(index)
        if current is not None:
            who = "" if current.evaluator == session.evaluator else \
                _(" by {evaluator}").format(evaluator=current.evaluator)
            body.append(_("current answer: {value}{who} ({time})").format(
                value=question.display(current.value), who=who,
                time=_local_time(current.time)), style="green")
            if current.note:
                body.append(f" — {current.note}", style="green")
            body.append("\n")
        evidence = session.evidence_ids(index)
        if evidence:
            body.append(_("evidence: {count} capture(s), latest {latest}").format(
                count=len(evidence), latest=evidence[-1]) + "\n", style="green")
        hint = session.hint(index)
        if hint is not None:
            detail = f" — {hint.detail}" if hint.detail else ""
            body.append(_("probe suggests {value}{detail}").format(
                value=question.display(hint.value), detail=detail) + "\n", style="magenta")
        body.rstrip()
        title = _("{site} ({level}) · site {number}/{count} · question {at}/{total}").format(
            site=session.site.name, level=level_name, number=number, count=count, at=at,
            total=total)
        # wrap long 评估要点说明 lines inside the panel (the shared console soft-wraps)
        console.print(Panel(body, title=Text(title), title_align="left", expand=True),
                      soft_wrap=False)
        if self.live is not None:
            for problem in self.live.errors():
                err_console.print(_("browser: {problem}").format(problem=problem),
                                  style="yellow", markup=False)

    # -- asking --------------------------------------------------------------------

    def navs(self) -> list[Nav]:
        return [nav for nav in Nav if nav is not Nav.capture or self.live is not None]

    def ask(self, session: CollectSession, index: int) -> Nav | None:
        """Prompt for the question at `index` and save the answer; a Nav when not answered."""
        question = session.items[index].question
        default = session.default(index)
        if question.type in ("yes_no", "graded"):
            value = self.select(session, index, default)
        else:
            value = self.typed(session, index, default)
        if isinstance(value, Nav):
            return value
        if value is None:  # an empty text answer leaves the question as it is
            return Nav.skip
        current = session.current(index)
        note = current.note if current is not None and \
            current.evaluator == session.evaluator else ""
        if self.notes:
            given = self.ask_note(note)
            if given is None:  # :b at the note: ask this question again, nothing saved
                return self.ask(session, index)
            note = given
        saved = session.answer(index, value, note)
        shown = question.display(saved.answer.value)
        was = _(" (was {value})").format(value=question.display(saved.previous)) \
            if saved.changed else ""
        console.print(_("  saved {question} = {value}{was}").format(
            question=question.id, value=shown, was=was), style="dim", markup=False)
        return None

    def ask_note(self, earlier: str) -> str | None:
        """An optional note; Enter keeps the earlier one, '-' clears it; None for :b."""
        import questionary

        if earlier:
            shown = earlier if len(earlier) <= 30 else earlier[:29] + "…"
            instruction = _("(Enter keeps “{note}”, - clears it, :b back)").format(note=shown)
        else:
            instruction = _("(optional, Enter to go on, :b back)")
        text = (questionary.text(_("note"), instruction=instruction).unsafe_ask() or "").strip()
        if text == f":{Nav.back.value}":
            return None
        if text == "-":
            return ""
        return text or earlier

    def instruction(self, typed: bool) -> str:
        prefix = ":" if typed else ""
        return " · ".join(f"{prefix}{nav.value} {_(NAV_NAMES[nav.name])}" for nav in self.navs())

    def select(self, session: CollectSession, index: int, default: object) -> Any:
        import questionary

        question = session.items[index].question
        if question.type == "yes_no":
            options = [(_("yes"), "yes"), (_("no"), "no")]
        else:
            options = [(c.label, c.label) for c in question.choices]
        options += [(_(title), value) for title, value in SPECIAL_CHOICES]
        values = [v for _title, v in options]
        shortcuts = len(options) <= 9
        keys = _("↑↓ or 1-{count}").format(count=len(options)) if shortcuts else "↑↓"
        prompt = questionary.select(
            _("{question} answer").format(question=question.id),
            choices=[questionary.Choice(title, value=value) for title, value in options],
            default=default if default in values else None,
            use_shortcuts=shortcuts,
            instruction=f"({keys}, Enter · {self.instruction(False)})",
        )
        _bind_keys(prompt, self.navs())
        return prompt.unsafe_ask()

    def typed(self, session: CollectSession, index: int, default: object) -> Any:
        import questionary

        question = session.items[index].question
        commands = {f":{word}": nav for nav in self.navs() for word in (nav.value, nav.name)}

        def validate(text: str) -> bool | str:
            if not text.strip() or text.strip().lower() in commands or question.type == "text":
                return True
            try:
                question.parse_value(text)
            except ValueError:
                return _("a whole number ≥ 0, na or unknown ({keys})").format(
                    keys=self.instruction(True))
            return True

        if question.type == "count":
            unit = f" ({question.unit})" if question.unit else ""
            kind = _("a whole number{unit}, na, unknown").format(unit=unit)
        else:
            kind = _("text")
        if default is not None and default != "":
            kind += _("; Enter keeps {value}").format(value=question.display(default))
        elif question.type == "text":
            kind += _("; Enter on empty skips")
        raw = questionary.text(
            _("{question} answer").format(question=question.id),
            instruction=f"({kind} · {self.instruction(True)})",
            validate=validate,
        ).unsafe_ask()
        word = raw.strip().lower()
        if word in commands:
            return commands[word]
        if not raw.strip():
            return default if default not in (None, "") else None
        return raw.strip()

    # -- evidence ------------------------------------------------------------------

    def capture(self, session: CollectSession, index: int) -> None:
        from govaudit.errors import GovauditError

        assert self.live is not None
        item = session.items[index]
        url = None
        if not self.live.headed:
            url = self.choose_url(session, index)
            if url is None:
                return
        try:
            with console.status(_("Capturing…")):
                record = session.capture(self.live, index, url)
        except GovauditError as exc:
            err_console.print(_("capture failed: {problem}").format(problem=error_text(exc)),
                              style="red", markup=False)
            return
        if record.error and not record.files:
            err_console.print(_("capture failed: {problem}").format(problem=record.error),
                              style="red", markup=False)
            return
        kinds = ", ".join(f.kind for f in record.files)
        console.print(_("  captured {id} for {question}: {title} — {url} ({kinds})").format(
            id=record.id, question=item.question.id,
            title=record.title or _("(no title)"), url=record.final_url,
            kinds=kinds), style="green", markup=False)
        if record.error:
            err_console.print(_("  with a problem: {problem}").format(problem=record.error),
                              style="yellow", markup=False)

    def choose_url(self, session: CollectSession, index: int) -> str | None:
        import questionary

        from govaudit import check_url

        urls = session.urls(index)
        other = "__other__"
        choices = [questionary.Choice(u, value=u) for u in urls]
        choices.append(questionary.Choice(_("another URL…"), value=other))
        choice = questionary.select(_("Capture which page?"), choices=choices,
                                    instruction=_("(↑↓, Enter)")).unsafe_ask()
        if choice != other:
            return str(choice)
        url = questionary.text("URL", validate=lambda t: check_url(t.strip()) or True
                               ).unsafe_ask().strip()
        return url or None

    # -- the end -------------------------------------------------------------------

    def print_summaries(self) -> None:
        from rich.table import Table

        seen = {s.site for s in self.summaries}
        for session in self.sessions:
            if session.site.name not in seen:
                self.summaries.append(session.summary())
        if not self.summaries:
            return
        table = Table(_("site"), _("answered"), _("changed"), _("skipped"),
                      glossary.term("unknown"), _("notes"), _("evidence"), _("unanswered"),
                      _("{provisional} score").format(provisional=glossary.term("provisional")),
                      title=_("This session"))
        for summary in self.summaries:
            score = summary.score
            if score is None or score.total is None:
                shown = score.verdict if score is not None and score.verdict else "—"
            else:
                shown = f"{score.verdict} {score.total:.2f} {score.grade}".strip()
            table.add_row(summary.site, str(summary.answered), str(summary.changed),
                          str(summary.skipped), str(summary.unknown), str(summary.notes),
                          str(summary.evidence), f"{summary.remaining}/{summary.questions}",
                          shown)
        console.print(table)
        if any(s.remaining for s in self.summaries):
            console.print(_("Run collect again to resume at the first unanswered question."),
                          markup=False)


def _local_time(stamp: str) -> str:
    """An ISO UTC time as a person reads it: China time, with the zone."""
    from govaudit import china_time

    return china_time(stamp)


def _bind_keys(prompt: Any, navs: list[Nav]) -> None:
    """Let single keys end a select prompt with a navigation choice."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    bindings = KeyBindings()
    for nav in navs:
        def finish(event: Any, nav: Nav = nav) -> None:
            event.app.exit(result=nav)

        bindings.add(nav.value, eager=True)(finish)
    app = prompt.application
    app.key_bindings = merge_key_bindings([app.key_bindings, bindings])

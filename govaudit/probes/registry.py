"""The probe registry: every module of govaudit.probes.checks is one probe.

A probe module declares `PROBE = Probe(...)`: its name (the module's), a title for
help, the checklist `auto:` keys it answers, what it reads, its typed result (a
ProbeResult subclass defined in the module), how it runs, its suggestion rule, its
report lines and its place in the running order. `check`, the suggestions, the
monitor's answers, the report and the stored results all look probes up here;
adding a probe is adding a module.

The modules are found with pkgutil and imported the first time the registry is
asked. They import only the model at the top (their HTTP clients and parsers inside
their functions), so that listing the probes for `--help` stays cheap.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.model import Fact, FailedProbe, ProbeFinding, ProbeResult

if TYPE_CHECKING:  # a type only: the context holds the HTTP clients
    from govaudit.probes.context import ProbeContext

CHECKS = "govaudit.probes.checks"  # the package whose modules are the probes
# what a probe may read (Probe.reads): the page model (lists, links, text: read whole in a
# worker thread when a probe of the run reads it), only the page's link targets, HTTP
# requests of its own, a browser, DNS
READS = ("page", "targets", "http", "browser", "dns")

R = TypeVar("R", bound=ProbeResult)


class ReportView(Protocol):
    """What a probe adds its report lines to (the report's ChecksView)."""

    facts: list[Fact]  # (label, text, is a problem)
    marks: list[tuple[str, str | None]]  # (label, value; None: missing)
    broken: list[dict[str, Any]]  # url, href, status, error, text, found_on, found_on_href
    links_checked: int | None
    links_unchecked: int
    checks: list[dict[str, Any]]  # 合规检测: one row per check and spot (content, conformance)


def report_facts(result: ProbeResult, view: ReportView) -> None:
    """The report lines of most probes: the result's facts()."""
    view.facts += result.facts()


@dataclass(frozen=True)
class Probe(Generic[R]):
    """One probe, as its module declares it."""

    name: str
    title: str  # a few words for `check --help`
    answers: tuple[str, ...]  # the checklist `auto:` keys it answers ("marks.icp", "links")
    reads: tuple[str, ...]  # of READS
    result: type[R]
    # runs for one site: its typed result; raises ProbeFailed with a reason
    run: Callable[[ProbeContext], Awaitable[R]]
    # (auto key, result) -> the answer it suggests and its evidence (None: nothing to say)
    suggest: Callable[[str, R], ProbeFinding | None]
    order: int  # running and display order (smaller first)
    report: Callable[[R, ReportView], None] = report_facts  # adds its lines to the report

    def read(self, data: Mapping[str, Any]) -> R:
        """The typed result of a stored row or of what `run` returned."""
        return self.result.from_dict(data)  # type: ignore[return-value]


class RegistryError(Exception):
    """A probe module that does not declare its probe as the registry needs (a bug)."""


def module_names() -> list[str]:
    """The probe modules' names, found without importing them."""
    package = importlib.import_module(CHECKS)
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                  if not m.name.startswith("_"))


@functools.cache
def _registry() -> dict[str, Probe[Any]]:
    found: dict[str, Probe[Any]] = {}
    owners: dict[str, str] = {}
    for name in module_names():
        module = importlib.import_module(f"{CHECKS}.{name}")
        probe = getattr(module, "PROBE", None)
        where = module.__name__
        if not isinstance(probe, Probe):
            raise RegistryError(f"{where}: declares no PROBE = Probe(...)")
        if probe.name != name or probe.result.probe != name:
            raise RegistryError(f"{where}: the probe and its result must be named {name!r}")
        if not set(probe.reads) <= set(READS):
            raise RegistryError(f"{where}: reads {probe.reads}, not among {READS}")
        for key in probe.answers:
            if key in owners:
                raise RegistryError(f"{where}: auto key {key!r} is answered by "
                                    f"{owners[key]!r} already")
            owners[key] = name
        found[name] = probe
    return {p.name: p for p in sorted(found.values(), key=lambda p: (p.order, p.name))}


def probes() -> tuple[Probe[Any], ...]:
    """Every registered probe, in running order."""
    return tuple(_registry().values())


def probe_names() -> tuple[str, ...]:
    """The registered probes' names, in running order."""
    return tuple(_registry())


def get(name: str) -> Probe[Any] | None:
    return _registry().get(name)


@functools.cache
def _answering() -> dict[str, Probe[Any]]:
    return {key: p for p in probes() for key in p.answers}


def answering(auto: str) -> Probe[Any] | None:
    """The probe that answers an `auto:` key ("marks.icp" -> marks), or None."""
    return _answering().get(auto.strip())


def auto_keys() -> tuple[str, ...]:
    """Every `auto:` key a checklist question may carry, probe by probe."""
    return tuple(_answering())


def help_text() -> str:
    """'availability (the home page answers), links (…), …': for `check --probe`."""
    return ", ".join(f"{p.name} ({p.title})" for p in probes())


def resolve_probes(names: Iterable[str] | None) -> tuple[str, ...]:
    """Probe names in running order; an `auto:` key ("marks.icp") selects its probe."""
    if not names:
        return probe_names()
    wanted: set[str] = set()
    for given in names:
        name = given.strip()
        probe = get(name) or answering(name)
        if probe is None:
            raise GovauditError(_("unknown probe {given!r} (probes: {listed})").format(
                given=given, listed=', '.join(probe_names())))
        wanted.add(probe.name)
    return tuple(p for p in probe_names() if p in wanted)


def probe_result(data: Mapping[str, Any] | ProbeResult, name: str = "") -> ProbeResult:
    """The typed result of a stored row (`name` when it has no "probe").

    A failed probe, and a probe this version does not know (a row from another
    version's store), read as a FailedProbe that says so.
    """
    if isinstance(data, ProbeResult):
        return data
    probe_name = str(data.get("probe") or name)
    probe = get(probe_name)
    if data.get("failed") or probe is None:
        row = {**data, "probe": probe_name}
        if not data.get("failed"):
            row["error"] = f"unknown probe {probe_name!r}"
        return FailedProbe.from_dict(row)
    result: ProbeResult = probe.read(data)
    return result


__all__ = ["CHECKS", "READS", "Probe", "RegistryError", "ReportView", "answering",
           "auto_keys", "get", "help_text", "module_names", "probe_names", "probe_result",
           "probes", "report_facts", "resolve_probes"]

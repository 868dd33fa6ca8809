"""The probe registry: probes found as modules, their results read back from the store
(rows written before the registry included), and `check --apply` over stored results."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import asdict, fields, is_dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml
from fixtures.probe_site import closed_port, start_site

import govaudit.probes.checks as checks
from govaudit import Audit
from govaudit.checklist import load_checklist
from govaudit.chinatime import china_time
from govaudit.filenames import safe_name
from govaudit.model import FailedProbe, ProbeResult, Site
from govaudit.probes import registry
from govaudit.probes.registry import probe_result
from govaudit.report.build import _checks_view
from govaudit.store import Store
from govaudit.suggestions import suggestions_for

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
ROWS = json.loads((FIXTURES / "probe_rows.json").read_text(encoding="utf-8"))
LEVELS = {"测试市": "city", "循环市": "county"}
TODAY = date(2026, 11, 22)
FAST = ("--samples", "1", "--interval", "0", "--timeout", "3", "--link-timeout", "3")
FIRST_SIX = ("availability", "links", "ipv6", "marks", "freshness", "features")


# -- discovery ---------------------------------------------------------------------------


def test_every_module_of_the_checks_package_is_a_registered_probe():
    names = registry.probe_names()
    assert sorted(names) == registry.module_names()
    assert names[:6] == FIRST_SIX  # the running order of the probes before the registry
    for probe in registry.probes():
        result = probe.result
        assert issubclass(result, ProbeResult) and is_dataclass(result)
        assert result.__module__ == f"govaudit.probes.checks.{probe.name}"
        assert result.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert set(probe.reads) <= set(registry.READS) and probe.title
        assert all(registry.answering(key) is probe for key in probe.answers)
    # every auto: key of the shipped checklists and the test fixtures is answered by one
    autos = {key for path in [*(ROOT / "checklists").glob("*.yaml"),
                              *FIXTURES.glob("*.yaml")]
             for q in load_checklist(path).questions for key in q.autos}
    assert autos and {a for a in autos if registry.answering(a) is None} == set()


def test_every_probe_returns_its_typed_result_not_a_dict():
    """A probe's result is a frozen record from its creation: `run` is declared to return
    the probe's result type (a dict would fail the run: the runner dates the record)."""
    import typing

    for probe in registry.probes():
        returned = typing.get_type_hints(probe.run)["return"]
        assert returned is probe.result, (probe.name, returned)


def test_the_probe_help_lists_the_registry_and_loads_no_http_client():
    code = ("import sys, runpy; sys.argv = ['govaudit', 'check', '--help']\n"
            "try:\n    runpy.run_module('commands', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('httpx', 'pycurl', 'selectolax', 'playwright', "
            "'asyncio', 'ssl') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    help_text = " ".join(done.stdout.split())
    for probe in registry.probes():
        assert f"{probe.name} ({' '.join(probe.title.split())})" in help_text
    assert done.stdout.strip().splitlines()[-1] == "[]"


SPEED = '''
from dataclasses import dataclass
from typing import ClassVar

from govaudit.model import ProbeFinding, ProbeResult
from govaudit.probes.registry import Probe


@dataclass(frozen=True)
class SpeedResult(ProbeResult):
    probe: ClassVar[str] = "speed"
    status: int = 0

    def summary(self) -> str:
        return f"HTTP {self.status}"


async def run(ctx):
    page = await ctx.home_page()
    return SpeedResult(status=page.status or 0)


def suggest(auto, result):
    return ProbeFinding(result.status == 200, f"HTTP {result.status}")


PROBE = Probe(name="speed", title="a probe added as one module", answers=("speed",),
              reads=("http",), result=SpeedResult, run=run, suggest=suggest, order=99)
'''


@pytest.fixture
def extra_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A second folder of probe modules, seen by the registry as part of its package."""
    folder = tmp_path / "more_checks"
    folder.mkdir()
    monkeypatch.setattr(checks, "__path__", [*checks.__path__, str(folder)])
    importlib.invalidate_caches()
    registry._registry.cache_clear()
    registry._answering.cache_clear()
    yield folder
    monkeypatch.undo()
    for name in [m for m in sys.modules if m.startswith("govaudit.probes.checks.")]:
        if not (Path(checks.__path__[0]) / f"{name.rsplit('.', 1)[1]}.py").exists():
            del sys.modules[name]
    registry._registry.cache_clear()
    registry._answering.cache_clear()


def test_a_module_dropped_in_is_a_probe_that_check_runs(extra_checks, cli, make_workspace,
                                                        serve_dir, tmp_path):
    (extra_checks / "speed.py").write_text(SPEED, encoding="utf-8")
    assert registry.probe_names()[-1] == "speed"
    assert registry.resolve_probes(["speed"]) == ("speed",)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    checklist = tmp_path / "speed.yaml"
    checklist.write_text(yaml.safe_dump({
        "id": "speed", "name": "速度", "version": "1", "levels": ["city"],
        "indicators": [{"id": "ops", "name": "运维", "weights": {"city": 100}, "questions": [
            {"id": "fast", "type": "yes_no", "text": "首页是否可打开", "auto": "speed"}]}]},
        allow_unicode=True), encoding="utf-8")
    ws = make_workspace(checklist, sites=[("测试市", serve_dir(site) + "/", "city")])
    done = cli("check", "--apply", "--allow-private", "--json", "--probe", "speed",
               "-w", str(ws.root))
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["sites"][0]["probes"]["speed"]["status"] == 200
    [answer] = Store(ws).answers("测试市")
    assert (answer.question, answer.value, answer.note) == ("ops.fast", "yes", "speed: HTTP 200")


def test_a_module_that_declares_no_probe_or_takes_a_key_is_refused(extra_checks):
    (extra_checks / "broken.py").write_text("TITLE = 'no probe here'\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError, match=r"govaudit\.probes\.checks\.broken: "
                                                     "declares no PROBE"):
        registry.probe_names()
    (extra_checks / "broken.py").write_text(textwrap.dedent(SPEED).replace(
        'answers=("speed",)', 'answers=("links",)').replace('"speed"', '"broken"'),
        encoding="utf-8")
    sys.modules.pop("govaudit.probes.checks.broken", None)
    registry._registry.cache_clear()
    with pytest.raises(registry.RegistryError,
                       match="checks.links: auto key 'links' is answered by 'broken' already"):
        registry.probe_names()


# -- stored results ---------------------------------------------------------------------


def test_a_probe_this_version_does_not_know_reads_as_failed():
    row = {"probe": "speed", "site": "甲市", "time": "t", "status": 200}
    assert probe_result(row) == FailedProbe(site="甲市", time="t", name="speed",
                                            error="unknown probe 'speed'")


@pytest.mark.parametrize("site", sorted(ROWS["rows"]))
def test_rows_stored_before_the_registry_read_as_they_did(site):
    """Rows as the previous version stored them: the same typed results, written back the
    same, with the same summaries, suggestions and report lines as then."""
    rows, then = ROWS["rows"][site], ROWS["read"][site]
    typed = {row["probe"]: probe_result(row) for row in rows}
    for row in rows:
        result = typed[row["probe"]]
        if row.get("failed"):
            assert isinstance(result, FailedProbe)
        else:
            assert type(result) is registry.get(row["probe"]).result  # type: ignore[union-attr]
        written = result.to_dict()
        # fields added since are written with their defaults; the rest as they were
        added = {k: v for k, v in written.items() if k not in row}
        assert added == {k: getattr(type(result)(), k) for k in added}
        assert {k: v for k, v in written.items() if k in row} == row
    assert {k: v.summary() for k, v in typed.items()} == then["summaries"]
    checklist = load_checklist(FIXTURES / "probes.yaml")
    now = suggestions_for(checklist, Site(site, "x", LEVELS[site]), typed)
    assert {q: [s.value, s.probe, s.detail] for q, s in now.items()} == then["suggestions"]
    view = json.loads(json.dumps(asdict(_checks_view(typed))))  # type: ignore[arg-type]
    assert view.pop("checks") == []  # 合规检测 rows came later: none from these rows
    before = dict(then["checks_view"])
    # times were shown in UTC then, in China time now: the same moment
    stamp = dt.datetime.strptime(before.pop("time"), "%Y-%m-%d %H:%M:%S UTC")
    assert view.pop("time") == china_time(stamp.replace(tzinfo=dt.UTC), seconds=True)
    assert view == before


def _store_as_before(data_dir: Path, site: str) -> None:
    """Write a site's probe rows into the store's file as the previous version did."""
    path = data_dir / "probes" / f"{safe_name(site)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = ROWS["rows"][site]
    path.write_text(json.dumps({"probes": {str(i): r for i, r in enumerate(rows, 1)}},
                               ensure_ascii=False), encoding="utf-8")


def test_check_apply_applies_rows_stored_before_the_registry(cli, make_workspace):
    closed = f"http://127.0.0.1:{closed_port()}"
    ws = make_workspace(FIXTURES / "probes.yaml", sites=[
        (name, f"{closed}/", level) for name, level in LEVELS.items()])
    assert Store(ws).probe_results("测试市") == {}
    for name in LEVELS:
        _store_as_before(ws.data_dir, name)
    marks_row = next(r for r in ROWS["rows"]["测试市"] if r["probe"] == "marks")
    assert Store(ws).probe_results("测试市")["marks"].to_dict() == marks_row

    args = [a for name in FIRST_SIX for a in ("--probe", name)]
    done = cli("check", "--apply", *args, *FAST, "-w", str(ws.root))
    assert done.exit_code == 0, done.output
    out = " ".join(done.stdout.split())
    assert "Applied the results the last check stored for 2 site(s) (测试市, 循环市), not " \
           "probed again; --rerun probes them anew." in out
    assert "Probed" not in out
    answers = {(a.site, a.question): a for a in Store(ws).answers()}
    expected = {(site, q): (value, f"{probe}: {detail}")
                for site in LEVELS for q, (value, probe, detail)
                in ROWS["read"][site]["suggestions"].items()}
    got = {key: (str(a.value), a.note) for key, a in answers.items()}
    assert got == expected
    assert Store(ws).probe_results("测试市")["marks"].to_dict() == marks_row


# -- check --apply: the stored results, or a new check -----------------------------------------


@pytest.fixture
def own_site() -> Iterator:
    running = start_site(TODAY, drip_seconds=2)
    yield running
    running.stop()


def test_check_apply_probes_only_what_is_not_stored_and_rerun_probes_again(
        cli, make_workspace, own_site):
    ws = make_workspace(FIXTURES / "probes.yaml", sites=[("测试市", own_site.url("/"), "city")])
    args = ("check", "--apply", "--allow-private", "--probe", "availability", "--probe",
            "marks", *FAST, "-w", str(ws.root))
    first = cli(*args)
    assert first.exit_code == 0, first.output
    assert "Probed 1 site(s) now, for want of stored results." in first.stdout
    assert "Applied the results" not in first.stdout
    up = {a.question: a for a in Store(ws).answers("测试市")}["daily.up"]
    assert up.value == "yes"

    own_site.stop()  # the site is gone: only a new check can tell
    again = cli(*args[:-2], "--json", "-w", str(ws.root))
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    assert (data["applied"], data["stored"], data["probed"]) == (0, ["测试市"], [])
    assert data["sites"][0]["stored"] == ["availability", "marks"]

    # a probe with no stored result is run; the stored ones are kept as they are
    partly = cli("check", "--apply", "--allow-private", "--probe", "availability",
                 "--probe", "ipv6", "--json", *FAST, "-w", str(ws.root))
    data = json.loads(partly.stdout)
    assert (data["stored"], data["probed"]) == (["测试市"], ["测试市"])
    assert data["sites"][0]["stored"] == ["availability"]
    assert data["sites"][0]["probes"]["availability"]["failures"] == 0

    rerun = cli(*args[:-2], "--rerun", "-w", str(ws.root))
    assert rerun.exit_code == 0, rerun.output
    assert "Probed 1 site(s) now, at your --rerun." in rerun.stdout
    up = {a.question: a for a in Store(ws).answers("测试市")}["daily.up"]
    assert up.value == "no" and up.history[-1]["value"] == "yes"
    assert Store(ws).probe_results("测试市")["marks"].failed

    alone = cli("check", "--rerun", "-w", str(ws.root))
    assert alone.exit_code == 2
    assert "error: --rerun goes with --apply" in alone.stderr


def test_audit_check_reuse_is_the_library_side_of_apply(make_workspace, own_site):
    ws = make_workspace(FIXTURES / "probes.yaml", sites=[("测试市", own_site.url("/"), "city")])
    audit = Audit.open(ws.root)
    from govaudit.probes.run import CheckOptions

    options = CheckOptions(interval=0, allow_private=True, today=TODAY)
    first = audit.check(probes=["freshness"], samples=1, options=options, reuse=True)
    assert (first.probed, first.reused) == (["测试市"], [])
    second = audit.check(probes=["freshness"], samples=1, options=options, reuse=True)
    assert (second.probed, second.reused) == ([], ["测试市"])
    assert second.sites[0].probes["freshness"] == first.sites[0].probes["freshness"]
    assert second.sites[0].records() == []  # nothing new to store


def test_the_probes_doc_names_every_probe_and_key():
    doc = (ROOT / "docs" / "probes.md").read_text(encoding="utf-8")
    for probe in registry.probes():
        assert f"`{probe.name}`" in doc
        for key in probe.answers:
            assert f"`{key}`" in doc, key
    for field in fields(registry.Probe):
        assert f"`{field.name}`" in doc, field.name

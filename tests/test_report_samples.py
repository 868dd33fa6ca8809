"""The bundled sample sites and sample answers: contents, probes' findings, the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
import pytest

from govaudit.answers import parse_answer_file
from govaudit.probes.run import CheckOptions, check_sites
from govaudit.samples import (
    SAMPLE_CHECKLIST,
    SAMPLE_SITES,
    copy_samples,
    sample_answers,
    sample_answers_text,
    sample_site_rows,
)
from govaudit.scoring import score_sites
from govaudit.store import Site, Store
from govaudit.workspace import init_workspace

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 22)
LINK_ATTRS = (("a", "href"), ("img", "src"), ("link", "href"), ("form", "action"),
              ("script", "src"))


@pytest.fixture(scope="module")
def www(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("samples")
    copy_samples(root, today=TODAY)
    return root


def _local_links(folder: Path) -> list[tuple[Path, str]]:
    """(page, link) for every same-site link of every page under `folder`."""
    out = []
    for page in sorted(folder.rglob("*.html")):
        data = page.read_bytes()
        encoding = "gbk" if folder.name == "gbk" else "utf-8"
        tree = lxml.html.fromstring(data.decode(encoding))
        for tag, attr in LINK_ATTRS:
            for element in tree.iter(tag):
                link = element.get(attr)
                if link and not link.startswith("#") and not urlsplit(link).scheme:
                    out.append((page, link))
    return out


def _resolves(page: Path, link: str) -> bool:
    target = urlsplit(urljoin(page.as_uri(), link)).path
    return Path(unquote(target)).is_file()


def test_dates_are_filled_in_and_gbk_stays_gbk(www):
    for path in www.rglob("*"):
        if path.suffix in (".html", ".css"):
            assert b"{{date" not in path.read_bytes(), path
    portal = (www / "portal" / "index.html").read_text(encoding="utf-8")
    assert "2026-11-21" in portal and "2026-10-23" in portal
    raw = (www / "gbk" / "index.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert "charset=gbk" in text and "古城市人民政府" in text and "2026年11月16日" in text
    neglected = (www / "neglected" / "index.html").read_text(encoding="utf-8")
    assert "2019-03-28" in neglected and str(TODAY.year) not in neglected


def test_portal_and_gbk_links_work_and_neglected_links_do_not(www):
    for name in ("portal", "gbk"):
        links = _local_links(www / name)
        assert len(links) > 20
        assert [f"{p.name}: {link}" for p, link in links if not _resolves(p, link)] == []
    broken = {link for p, link in _local_links(www / "neglected") if not _resolves(p, link)}
    assert broken == {"images/banner_2018.jpg", "bsfw/index.htm", "hdjl/liuyan.asp",
                      "zwgk/zcwj.html", "zwgk/news_20190115.html",
                      "zwgk/tzgg/2018/notice.pdf", "gkzn.doc"}


def test_probes_find_what_each_sample_is_meant_to_show(www, serve_dir):
    base = serve_dir(www)
    sites = {name: Site(name, url, level) for name, url, level in sample_site_rows(base)}
    portal, neglected, gbk = (sites[s.name] for s in SAMPLE_SITES)
    # The portal's 党政机关 badge links to conac.cn: check its links on disk (above), not online.
    options = CheckOptions(probes=("marks", "features", "freshness"), today=TODAY)
    [home] = check_sites([portal], options)
    marks = home.probes["marks"]
    assert (marks.site_code, marks.icp, marks.police) == (
        "3300000012", "京ICP备20260001号-1", "京公网安备 11010202000001号")
    assert marks.conac and marks.sponsor == "清源市人民政府办公室"
    assert marks.sitemap == f"{portal.url}sitemap.html"
    assert all(f.found for f in home.probes["features"].hints.values())
    assert home.probes["freshness"].days == 1
    options = CheckOptions(probes=("marks", "links", "freshness", "features"), today=TODAY)
    old, coded = check_sites([neglected, gbk], options)
    assert old.probes["links"].broken_count == 6  # gkzn.doc is on a page not scanned
    assert {b.status for b in old.probes["links"].broken} == {404}
    assert [k for k in ("site_code", "icp", "police", "conac", "sitemap")
            if getattr(old.probes["marks"], k)] == []
    assert old.probes["freshness"].latest == "2019-03-28"
    assert old.probes["features"].hint("search").found is False
    assert coded.probes["links"].broken_count == 0
    assert coded.probes["marks"].page["encoding"] in ("gbk", "gb18030")
    assert coded.probes["marks"].sponsor == "古城市人民政府办公室"
    assert coded.probes["freshness"].latest == "2026-11-16"


def test_sample_answers_fit_the_checklist_and_rank_the_samples(tmp_path):
    ws = init_workspace(tmp_path / "ws", SAMPLE_CHECKLIST, "演示")
    store = Store(ws)
    store.add_sites([Site(n, u, lv) for n, u, lv in sample_site_rows("http://127.0.0.1:8000")])
    path = tmp_path / "answers.csv"
    path.write_text(sample_answers_text(), encoding="utf-8")
    answers = parse_answer_file(path, ws.checklist, store.sites(), ws.evaluator)
    rows = sample_answers()
    assert len(answers) == len(rows) > 200
    assert list(rows[0]) == ["site", "question", "value", "note"]
    assert {r["site"] for r in rows} == {s.name for s in SAMPLE_SITES}
    assert len({(r["site"], r["question"]) for r in rows}) == len(rows)
    store.save_answers(answers)
    totals = {s.site: s.total for s in score_sites(ws.checklist, store.sites(),
                                                   store.answers(), ws.evaluator).sites}
    portal, neglected, gbk = (totals[s.name] for s in SAMPLE_SITES)
    assert portal > gbk > neglected


def test_samples_and_report_templates_ship_in_the_wheel(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("govaudit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("govaudit/samples/sample-answers.csv", "govaudit/samples/gbk/index.html",
                 "govaudit/samples/portal/images/dzjg.png",
                 "govaudit/samples/neglected/css/style.css",
                 "govaudit/report/templates/site.html", "govaudit/report/templates/report.js"):
        assert name in names
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    code = ("import sys, govaudit, pathlib; from govaudit.samples import copy_samples; "
            "from govaudit.report.render import environment; "
            "print(govaudit.__file__); "
            "print(len(list(p for d in copy_samples(pathlib.Path(sys.argv[1])) "
            "for p in d.rglob('*') if p.is_file()))); "
            "print(environment().get_template('site.html').name)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "copy")], cwd=tmp_path,
                         capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"}).stdout.split()
    assert out[0].startswith(str(unpacked))
    shipped = [n for n in names if n.startswith("govaudit/samples/")
               and n.split("/")[2] in {s.folder for s in SAMPLE_SITES}]
    assert int(out[1]) == len(shipped) > 25
    assert out[2] == "site.html"
    with open(tmp_path / "copy" / "portal" / "index.html", encoding="utf-8") as handle:
        assert "{{date" not in handle.read()

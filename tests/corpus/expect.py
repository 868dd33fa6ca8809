"""The corpus labels (labels.yaml) as typed, frozen records, for benchmarks and tests.

    from corpus.expect import load
    corpus = load()
    for page in corpus.pages:
        page.newest.date, page.marks.icp, page.links.dead …

`load()` checks every entry against the schema and raises LabelError naming the page and the
key at the first thing it does not know, so that a typo in the labels fails loudly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels.yaml"
SITES = HERE / "sites"
TODAY = dt.date(2026, 12, 5)
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))

KINDS = ("home", "column", "article", "other")
CHARSETS = ("utf-8", "gbk", "gb18030", "ascii")
LEVELS = ("province", "city", "district", "county", "department", "ministry")
SOURCES = ("html", "script", "iframe")
SHAPES = ("ul", "ol", "table", "dl", "dd", "div", "p")
PLACES = ("inline", "end", "td", "dd", "time", "span.date", "span-before-title", "none")
DATE_FORMATS = ("iso", "slash", "dot", "cn", "cn-no-day", "md", "bracket-md", "paren-md",
                "bracket-iso")
CATEGORIES = ("news", "notice", "plan", "other")
REASONS = ("dns", "refused", "private", "challenge", "external")
AVAILABILITY = ("up", "down", "challenge-then-up")
MARKS = ("site_code", "icp", "police", "conac", "sponsor", "organizer", "sitemap")
FEATURES = ("search", "login", "disclosure_request", "gov_info", "interpretation",
            "interaction", "accessibility")
# The misfires reported on today's probes, each reproduced by at least one labelled page.
CASES = {
    "beian-register-not-login": "the 公安备案 link (beian.gov.cn …registerSystemInfo…) is no login",
    "dead-gov-info-link": "the only 政府信息公开 link, to the 年报, answers 404: no gov_info",
    "dead-accessibility-link": "the only 无障碍 link answers 404: no accessibility",
    "dead-login-link": "the only login link answers 404: no login",
    "dns-not-dead": "a link to a host that does not resolve: could not judge, not dead",
    "mixed-short-dates": "[11-20] and 2026年11月18 on one list: newest 2026-11-20",
    "home-14-days": "a home page exactly 14 days old (China time)",
    "column-14-days": "a news column exactly 14 days old (China time)",
    "footer-contact-not-column": "联系我们 in the footer is not an (empty) column",
    "div-list": "a list of repeated div rows is not empty",
    "p-list": "a list of p rows is not empty",
    "dd-list": "a dl list (titles in dt, dates in dd) is not empty",
    "script-list": "a list rendered from JSON after load is not empty",
    "iframe-list": "a list inside an iframe is not empty",
    "date-in-title": "a date in a title (关于2026年12月1日起…) is not its publication date",
    "challenge-not-down": "a 412 anti-bot challenge is not the site being down",
    "challenge-link": "a link to a challenged page: could not judge, not dead",
}


class LabelError(ValueError):
    """labels.yaml does not follow its schema."""


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    level: str
    home: str  # the URL an evaluator records (a path on the corpus server)
    home_page: str  # the labelled page it lands on


@dataclass(frozen=True)
class Marks:
    site_code: str | None
    icp: str | None
    police: str | None
    conac: bool
    sponsor: str | None
    organizer: str | None
    sitemap: str | None
    by_script: frozenset[str]  # labels.yaml: marks_by_script
    in_noscript: frozenset[str]  # marks_in_noscript
    as_image: frozenset[str]  # marks_as_image

    def present(self) -> dict[str, str | bool]:
        """The marks a person sees, by name (conac as True)."""
        return {name: value for name in MARKS if (value := getattr(self, name))}


@dataclass(frozen=True)
class DatedList:
    name: str
    newest: dt.date | None
    items: int
    dated: int
    source: str  # html | script | iframe
    shape: str
    dates: tuple[str, ...]
    place: str


@dataclass(frozen=True)
class Newest:
    date: dt.date | None
    rendered: bool  # only the rendered page (script, frame) shows it


@dataclass(frozen=True)
class Column:
    name: str
    url: str  # as linked on the home page
    page: str  # the labelled page it lands on
    category: str
    newest: dt.date | None
    empty: bool
    undated: bool
    rendered: bool


@dataclass(frozen=True)
class NavLink:
    name: str
    url: str


@dataclass(frozen=True)
class Features:
    search: bool
    login: bool
    disclosure_request: bool
    gov_info: bool
    interpretation: bool
    interaction: bool
    accessibility: bool

    def as_dict(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in FEATURES}


@dataclass(frozen=True)
class Links:
    dead: Mapping[str, int | str]  # URL -> final status, or "soft-404"
    unjudgeable: Mapping[str, str]  # URL -> dns | refused | private | challenge | external


@dataclass(frozen=True)
class Page:
    site: str
    path: str
    kind: str
    status: int  # as a client that runs no scripts gets it
    challenge: bool
    charset: str
    charset_header: str | None
    charset_meta: str | None
    marks: Marks
    lists: tuple[DatedList, ...]
    newest: Newest
    links: Links
    columns: tuple[Column, ...] = ()
    columns_either: tuple[NavLink, ...] = ()
    not_columns: tuple[NavLink, ...] = ()
    features: Features | None = None
    availability: str | None = None
    cases: frozenset[str] = frozenset()
    shapes: frozenset[str] = frozenset()

    @property
    def file(self) -> Path:
        """The file under sites/ that the server sends for this page."""
        relative = self.path.lstrip("/")
        return SITES / (relative + "index.html" if relative.endswith("/") else relative)

    def age(self, today: dt.date = TODAY) -> int | None:
        """Days since the newest publication date on the page (China dates)."""
        return (today - self.newest.date).days if self.newest.date else None


@dataclass(frozen=True)
class Corpus:
    today: dt.date
    sites: tuple[Site, ...]
    pages: tuple[Page, ...]

    def page(self, path: str) -> Page:
        for page in self.pages:
            if page.path == path:
                return page
        raise KeyError(path)

    def site(self, site_id: str) -> Site:
        for site in self.sites:
            if site.id == site_id:
                return site
        raise KeyError(site_id)

    def homes(self) -> tuple[Page, ...]:
        return tuple(p for p in self.pages if p.kind == "home")

    def with_case(self, tag: str) -> tuple[Page, ...]:
        return tuple(p for p in self.pages if tag in p.cases)

    def with_shape(self, tag: str) -> tuple[Page, ...]:
        return tuple(p for p in self.pages if tag in p.shapes)


def load(path: Path = LABELS) -> Corpus:
    """The labels of the corpus; LabelError names the first entry that breaks the schema."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    _keys("labels.yaml", data, {"today", "sites", "shared", "pages"}, {"today", "sites", "pages"})
    sites = tuple(_site(entry) for entry in data["sites"])
    pages = tuple(_page(entry, {s.id for s in sites}) for entry in data["pages"])
    return Corpus(data["today"], sites, pages)


def _keys(where: str, entry: Any, allowed: set[str], required: set[str]) -> None:
    if not isinstance(entry, dict):
        raise LabelError(f"{where}: a mapping was expected, not {entry!r}")
    unknown = set(entry) - allowed
    if unknown:
        raise LabelError(f"{where}: unknown key(s) {sorted(unknown)}")
    missing = required - set(entry)
    if missing:
        raise LabelError(f"{where}: missing key(s) {sorted(missing)}")


def _one_of(where: str, value: Any, allowed: tuple[Any, ...]) -> Any:
    if value not in allowed:
        raise LabelError(f"{where}: {value!r} is not one of {', '.join(map(str, allowed))}")
    return value


def _date(where: str, value: Any) -> dt.date | None:
    if value is not None and not isinstance(value, dt.date):
        raise LabelError(f"{where}: {value!r} is not a date (YYYY-MM-DD) or null")
    return value


def _site(entry: Any) -> Site:
    names = {f.name for f in fields(Site)}
    _keys(f"site {entry!r}", entry, names, names)
    _one_of(f"site {entry['id']}: level", entry["level"], LEVELS)
    return Site(**entry)


def _page(entry: Any, site_ids: set[str]) -> Page:
    where = f"page {entry.get('path')}" if isinstance(entry, dict) else f"page {entry!r}"
    allowed = {f.name for f in fields(Page)} | {"marks_by_script", "marks_in_noscript",
                                                "marks_as_image"}
    _keys(where, entry, allowed, {"site", "path", "kind", "status", "charset", "charset_header",
                                  "charset_meta", "marks", "lists", "newest", "links"})
    _one_of(f"{where}: site", entry["site"], tuple(sorted(site_ids)))
    kind = _one_of(f"{where}: kind", entry["kind"], KINDS)
    home_keys = {"columns", "columns_either", "not_columns", "features", "availability"}
    if kind == "home" and not home_keys <= set(entry):
        raise LabelError(f"{where}: a home page needs {sorted(home_keys - set(entry))}")
    if kind != "home" and home_keys & set(entry):
        raise LabelError(f"{where}: only home pages have {sorted(home_keys & set(entry))}")
    _one_of(f"{where}: charset", entry["charset"], CHARSETS)
    return Page(
        site=entry["site"], path=entry["path"], kind=kind, status=int(entry["status"]),
        challenge=bool(entry.get("challenge", False)), charset=entry["charset"],
        charset_header=entry["charset_header"], charset_meta=entry["charset_meta"],
        marks=_marks(where, entry), lists=tuple(_list(where, x) for x in entry["lists"]),
        newest=_newest(where, entry["newest"]), links=_links(where, entry["links"]),
        columns=tuple(_column(where, x) for x in entry.get("columns") or ()),
        columns_either=tuple(_nav(where, x) for x in entry.get("columns_either") or ()),
        not_columns=tuple(_nav(where, x) for x in entry.get("not_columns") or ()),
        features=_features(where, entry["features"]) if "features" in entry else None,
        availability=(_one_of(f"{where}: availability", entry["availability"], AVAILABILITY)
                      if "availability" in entry else None),
        cases=frozenset(_one_of(f"{where}: cases", c, tuple(CASES))
                        for c in entry.get("cases") or ()),
        shapes=frozenset(entry.get("shapes") or ()))


def _marks(where: str, entry: dict[str, Any]) -> Marks:
    marks = entry["marks"]
    _keys(f"{where}: marks", marks, set(MARKS), set(MARKS))
    found: dict[str, frozenset[str]] = {}
    for key in ("marks_by_script", "marks_in_noscript", "marks_as_image"):
        names = entry.get(key) or []
        for name in names:
            _one_of(f"{where}: {key}", name, MARKS)
            if not marks[name]:
                raise LabelError(f"{where}: {key} names {name}, which the page does not show")
        found[key] = frozenset(names)
    if not isinstance(marks["conac"], bool):
        raise LabelError(f"{where}: marks: conac is true or false")
    return Marks(site_code=marks["site_code"], icp=marks["icp"], police=marks["police"],
                 conac=marks["conac"], sponsor=marks["sponsor"], organizer=marks["organizer"],
                 sitemap=marks["sitemap"], by_script=found["marks_by_script"],
                 in_noscript=found["marks_in_noscript"], as_image=found["marks_as_image"])


def _list(where: str, entry: Any) -> DatedList:
    names = {f.name for f in fields(DatedList)}
    _keys(f"{where}: list", entry, names, names)
    _one_of(f"{where}: list source", entry["source"], SOURCES)
    _one_of(f"{where}: list shape", entry["shape"], SHAPES)
    _one_of(f"{where}: list place", entry["place"], PLACES)
    for style in entry["dates"]:
        _one_of(f"{where}: list dates", style, DATE_FORMATS)
    if not 0 <= entry["dated"] <= entry["items"]:
        raise LabelError(f"{where}: list {entry['name']}: dated must be within 0..items")
    if (entry["newest"] is None) != (entry["dated"] == 0):
        raise LabelError(f"{where}: list {entry['name']}: a newest date iff some item is dated")
    return DatedList(entry["name"], _date(where, entry["newest"]), entry["items"],
                     entry["dated"], entry["source"], entry["shape"], tuple(entry["dates"]),
                     entry["place"])


def _newest(where: str, entry: Any) -> Newest:
    _keys(f"{where}: newest", entry, {"date", "rendered"}, {"date", "rendered"})
    return Newest(_date(f"{where}: newest", entry["date"]), bool(entry["rendered"]))


def _column(where: str, entry: Any) -> Column:
    names = {f.name for f in fields(Column)}
    _keys(f"{where}: column", entry, names, names)
    _one_of(f"{where}: column category", entry["category"], CATEGORIES)
    return Column(**{**entry, "newest": _date(f"{where}: column", entry["newest"])})


def _nav(where: str, entry: Any) -> NavLink:
    _keys(f"{where}: link", entry, {"name", "url"}, {"name", "url"})
    return NavLink(entry["name"], entry["url"])


def _features(where: str, entry: Any) -> Features:
    _keys(f"{where}: features", entry, set(FEATURES), set(FEATURES))
    return Features(**{name: bool(entry[name]) for name in FEATURES})


def _links(where: str, entry: Any) -> Links:
    _keys(f"{where}: links", entry, {"dead", "unjudgeable"}, {"dead", "unjudgeable"})
    for url, status in (entry["dead"] or {}).items():
        if status != "soft-404" and not (isinstance(status, int) and 400 <= status < 600):
            raise LabelError(f"{where}: dead link {url}: {status!r} is not a 4xx/5xx or soft-404")
    for url, reason in (entry["unjudgeable"] or {}).items():
        _one_of(f"{where}: unjudgeable link {url}", reason, REASONS)
    return Links(MappingProxyType(dict(entry["dead"] or {})),
                 MappingProxyType(dict(entry["unjudgeable"] or {})))


# How long each category of column may go without a new item (the State Council's 2019 lines).
LINES = {"news": 14, "notice": 180, "plan": 365}


def _column_state(column: Column, today: dt.date) -> str:
    if column.empty or column.undated:
        return "empty" if column.empty else "undated"
    line = LINES.get(column.category)
    if column.newest is None or line is None:
        return "no line"
    age = (today - column.newest).days
    return "fresh" if age < line else "at the line" if age == line else "stale"


def summary(corpus: Corpus) -> dict[str, dict[str, int]]:
    """How many of each shape the corpus holds: pages, lists, charsets, links, cases, shapes."""
    from collections import Counter

    lists = [d for page in corpus.pages for d in page.lists]
    dead = {url: str(status) for page in corpus.pages for url, status in page.links.dead.items()}
    unjudgeable = {url: reason for page in corpus.pages
                   for url, reason in page.links.unjudgeable.items()}
    columns = [c for home in corpus.homes() for c in home.columns]
    count = {
        "pages": Counter(p.kind for p in corpus.pages),
        "sites": Counter(s.level for s in corpus.sites),
        "home charsets": Counter(f"{p.charset} (header {p.charset_header}, meta {p.charset_meta})"
                                 for p in corpus.homes()),
        "list shapes": Counter(d.shape for d in lists),
        "list sources": Counter(d.source for d in lists),
        "date formats": Counter(style for d in lists for style in d.dates),
        "date places": Counter(d.place for d in lists),
        "column states": Counter(_column_state(c, corpus.today) for c in columns),
        "dead links": Counter(dead.values()),
        "unjudgeable links": Counter(unjudgeable.values()),
        "availability": Counter(str(p.availability) for p in corpus.homes()),
        "cases (pages)": Counter(tag for page in corpus.pages for tag in page.cases),
        "shapes (pages)": Counter(tag for page in corpus.pages for tag in page.shapes),
    }
    return {name: dict(sorted(counter.items())) for name, counter in count.items()}


if __name__ == "__main__":  # python tests/corpus/expect.py: the corpus in figures
    for name, counts in summary(load()).items():
        print(f"{name}: " + ", ".join(f"{key} {value}" for key, value in counts.items()))

"""Three small sample government sites (package data) and sample answers for trying govaudit.

- `portal`: a well-kept city portal (every footer mark, recent dates, working
  links, a search form, 依申请公开 and 政策解读);
- `neglected`: broken links, missing marks, dates years old;
- `gbk`: a site whose pages are encoded GBK and declare it in a meta tag.

Pages carry date placeholders (`{{date:-3}}`, `{{date:-3:/}}`, `{{date:-3:cn}}`:
three days before today as 2026-11-19, 2026/11/19 or 2026年11月19日) that
`copy_samples` fills in, so the well-kept sites always look recently updated.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from govaudit.errors import GovauditError
from govaudit.i18n import _


@dataclass(frozen=True)
class SampleSite:
    folder: str     # folder name inside the package (and inside the copy)
    name: str       # the site name used in the sample workspace and sample answers
    encoding: str   # how the pages are encoded on disk


SAMPLE_SITES = (
    SampleSite("portal", "清源市", "utf-8"),
    SampleSite("neglected", "旧港市", "utf-8"),
    SampleSite("gbk", "古城市", "gbk"),
)
SAMPLE_LEVEL = "city"
SAMPLE_CHECKLIST = "cstc-2020-local"
ANSWERS_FILE = "sample-answers.csv"
_DATE = re.compile(rb"\{\{date:(-?\d+)(?::(/|cn))?\}\}")
_TEXT_SUFFIXES = (".html", ".htm", ".css", ".txt")


def samples_root() -> Traversable:
    return resources.files(__name__)


def _fill_dates(data: bytes, today: date, encoding: str) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        day = today + timedelta(days=int(match.group(1)))
        style = match.group(2)
        if style == b"/":
            text = day.strftime("%Y/%m/%d")
        elif style == b"cn":
            text = f"{day.year}年{day.month}月{day.day}日"
        else:
            text = day.isoformat()
        return text.encode(encoding)

    return _DATE.sub(replace, data)


def _copy_tree(source: Traversable, target: Path, today: date, encoding: str) -> int:
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for entry in source.iterdir():
        if entry.name.startswith((".", "__")):
            continue
        if entry.is_dir():
            count += _copy_tree(entry, target / entry.name, today, encoding)
            continue
        data = entry.read_bytes()
        if entry.name.endswith(_TEXT_SUFFIXES):
            data = _fill_dates(data, today, encoding)
        (target / entry.name).write_bytes(data)
        count += 1
    return count


def copy_samples(dest: Path, today: date | None = None) -> list[Path]:
    """Copy the three sample sites into dest/<folder>/, dates filled in; returns their folders."""
    if today is None:
        from govaudit.page.dates import today_in_china

        today = today_in_china()
    root = samples_root()
    folders = []
    try:
        for site in SAMPLE_SITES:
            _copy_tree(root / site.folder, Path(dest) / site.folder, today, site.encoding)
            folders.append(Path(dest) / site.folder)
    except OSError as exc:
        raise GovauditError(_("{dest}: cannot copy the sample sites ({error})").format(
            dest=dest, error=exc)) from None
    return folders


def sample_site_rows(base_url: str) -> list[tuple[str, str, str]]:
    """(name, url, level) of each sample site served under base_url (e.g. http://127.0.0.1:8000)."""
    base = base_url.rstrip("/")
    return [(site.name, f"{base}/{site.folder}/", SAMPLE_LEVEL) for site in SAMPLE_SITES]


def sample_answers_text() -> str:
    """The sample answers CSV (site,question,value,note) for the cstc-2020-local checklist."""
    return samples_root().joinpath(ANSWERS_FILE).read_text(encoding="utf-8")


def sample_answers() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(sample_answers_text())))

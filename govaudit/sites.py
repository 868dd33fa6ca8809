"""Reading the list of assigned sites from CSV (UTF-8, UTF-8-BOM, GBK) or XLSX."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from govaudit.checklist import Checklist
from govaudit.credentials import save_credentials
from govaudit.errors import GovauditError, RowsError
from govaudit.store import Site, Store
from govaudit.urls import redact_url, split_credentials
from govaudit.workspace import Workspace

HEADERS = {
    "name": ("name", "site", "名称", "网站名称", "站点", "网站", "单位", "地区名称"),
    "url": ("url", "网址", "域名", "地址", "链接", "网站地址"),
    "level": ("level", "级别", "层级", "类别", "类型"),
    "region": ("region", "地区", "省份", "所属地区"),
    "group": ("group", "分组", "组", "组别"),
}
LEVEL_ALIASES = {
    "省": "province", "省级": "province", "省级政府": "province",
    "市": "city", "地市": "city", "市级": "city", "地级市": "city", "重点城市": "city",
    "县": "county", "区县": "county", "县级": "county", "区": "county", "区(县)": "county",
    "部委": "ministry", "部门": "ministry",
    "微信": "wechat", "政务微信": "wechat", "微博": "weibo", "政务微博": "weibo",
    "app": "app", "政务app": "app", "客户端": "app",
}


def normalise_level(raw: str, checklist: Checklist) -> str | None:
    """The checklist level a cell names ('市', 'City', 'city'), or None."""
    text = (raw or "").strip()
    if not text and len(checklist.levels) == 1:
        return checklist.levels[0]
    lowered = text.lower()
    if lowered in checklist.levels:
        return lowered
    alias = LEVEL_ALIASES.get(lowered) or LEVEL_ALIASES.get(text)
    return alias if alias in checklist.levels else None


def check_url(url: str) -> str | None:
    """A reason why `url` is not a usable http(s) address, or None."""
    if not url:
        return "no URL"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"URL {redact_url(url)!r} is not http(s)"
    if not parts.hostname:
        return f"URL {redact_url(url)!r} has no host"
    return None


def add_sites(workspace: Workspace, sites: list[Site]) -> list[Site]:
    """Store sites, their URLs without `user:password@`; the credentials go to the secrets file.

    Returns the sites as stored. The probes and the browser log in with the
    credentials (govaudit.credentials); nothing else ever sees them.
    """
    stored: list[Site] = []
    secrets: dict[str, tuple[str, str]] = {}
    for site in sites:
        url, credentials = split_credentials(site.url)
        stored.append(replace(site, url=url))
        if credentials is not None:
            secrets[site.name] = credentials
    Store(workspace).add_sites(stored)
    save_credentials(workspace, secrets)
    return stored


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise GovauditError(f"{path}: not UTF-8 or GBK text; save it as CSV UTF-8")


def read_rows(path: Path) -> list[list[str]]:
    """All rows of a CSV or XLSX file as text cells."""
    if not path.is_file():
        raise GovauditError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from govaudit.workbook.reading import read_sheet_rows

        return read_sheet_rows(path)
    if suffix not in (".csv", ".txt", ".tsv"):
        raise GovauditError(f"{path}: give a .csv or .xlsx file")
    text = _decode(path.read_bytes(), path)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]


def _header_map(header: list[str], path: Path) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = cell.strip().lower()
        for field, names in HEADERS.items():
            if key in names and field not in columns:
                columns[field] = index
    missing = [f for f in ("name", "url") if f not in columns]
    if missing:
        raise GovauditError(
            f"{path}: row 1 needs columns name/名称 and url/网址 (found: {', '.join(header)})"
        )
    return columns


def parse_sites(path: Path, checklist: Checklist, existing: set[str]) -> list[Site]:
    """Every site in a file, or RowsError listing every bad row (nothing imported)."""
    rows = [r for r in read_rows(path)]
    if not rows:
        raise GovauditError(f"{path}: the file is empty")
    columns = _header_map(rows[0], path)
    problems: list[str] = []
    sites: list[Site] = []
    seen: dict[str, int] = {}

    def cell(row: list[str], field: str) -> str:
        index = columns.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        name, url, raw_level = cell(row, "name"), cell(row, "url"), cell(row, "level")
        site_problems = []
        if not name:
            site_problems.append("no name")
        reason = check_url(url)
        if reason:
            site_problems.append(reason)
        level = normalise_level(raw_level, checklist)
        if level is None:
            site_problems.append(
                f"level {raw_level!r} is not weighted by {checklist.id} "
                f"({', '.join(checklist.levels)})" if raw_level else
                f"no level ({', '.join(checklist.levels)})"
            )
        if name in seen:
            site_problems.append(f"duplicate name {name!r} (also row {seen[name]})")
        elif name in existing:
            site_problems.append(f"site {name!r} is already in the workspace")
        if name:
            seen.setdefault(name, number)
        if site_problems:
            problems.append(f"row {number}: " + "; ".join(site_problems))
            continue
        sites.append(Site(name, url, level or "", cell(row, "region"), cell(row, "group")))
    if problems:
        raise RowsError(str(path), problems)
    if not sites:
        raise GovauditError(f"{path}: no sites below the header row")
    return sites

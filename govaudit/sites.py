"""Reading the list of assigned sites from CSV (UTF-8, UTF-8-BOM, GBK) or XLSX."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from govaudit.checklist import Checklist
from govaudit.credentials import save_credentials
from govaudit.errors import GovauditError, RowsError
from govaudit.store import Site, Store
from govaudit.tables import read_records
from govaudit.urls import redact_url, split_credentials
from govaudit.workspace import Workspace

HEADERS = {
    "name": ("name", "site", "名称", "网站名称", "站点", "网站", "单位", "单位名称", "地区名称",
             "门户网站名称"),
    "url": ("url", "网址", "域名", "地址", "链接", "网站地址", "门户网站网址", "网址/域名",
            "网站网址"),
    "level": ("level", "级别", "行政级别", "层级", "类别", "类型"),
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


def validate_site(checklist: Checklist, name: str, url: str, level: str, region: str = "",
                  group: str = "") -> Site:
    """A checked site; GovauditError names the field that is wrong (name, url or level)."""
    name, url, raw_level = name.strip(), url.strip(), level.strip()
    if not name:
        raise GovauditError("no name")
    reason = check_url(url)
    if reason:
        raise GovauditError(reason)
    resolved = normalise_level(raw_level, checklist)
    if resolved is None:
        raise GovauditError(
            f"level {raw_level!r} is not weighted by {checklist.id} "
            f"({', '.join(checklist.levels)})" if raw_level else
            f"no level ({', '.join(checklist.levels)})")
    return Site(name, url, resolved, region.strip(), group.strip())


def parse_sites(path: Path, checklist: Checklist, existing: set[str],
                sheet: str | None = None) -> list[Site]:
    """Every site in a file, or RowsError listing every bad row (nothing imported)."""
    problems: list[str] = []
    sites: list[Site] = []
    seen: dict[str, str] = {}
    for row in read_records(path, HEADERS, ("name", "url"), sheet):
        name = row.text("name")
        first = seen.setdefault(name, row.where) if name else row.where
        try:
            site = validate_site(checklist, name, row.text("url"), row.text("level"),
                                 row.text("region"), row.text("group"))
        except GovauditError as exc:
            problems.append(f"{row.where}: {exc}")
            continue
        if first != row.where:
            problems.append(f"{row.where}: duplicate name {name!r} (also {first})")
        elif name in existing:
            problems.append(f"{row.where}: site {name!r} is already in the workspace")
        else:
            sites.append(site)
    if problems:
        raise RowsError(str(path), problems)
    if not sites:
        raise GovauditError(f"{path}: no sites below the header row")
    return sites

"""Reading the list of assigned sites from CSV (UTF-8, UTF-8-BOM, GBK) or XLSX."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from govaudit.bidi import BIDI_CONTROLS
from govaudit.checklist import Checklist
from govaudit.checklist.levels import LEVEL_NAMES, level_named
from govaudit.checklist.model import LEVEL_GROUPS
from govaudit.credentials import save_credentials
from govaudit.errors import GovauditError, RowsError
from govaudit.filenames import safe_name
from govaudit.files import atomic_write
from govaudit.i18n import _
from govaudit.model import Answer, Site, SiteChange, SitesPlan, utc_now
from govaudit.store import Store
from govaudit.tables import read_records
from govaudit.urls import redact_url, split_credentials

HEADERS = {
    "name": ("name", "site", "名称", "网站名称", "站点", "网站", "单位", "单位名称", "地区名称",
             "门户网站名称"),
    "url": ("url", "网址", "域名", "地址", "链接", "网站地址", "门户网站网址", "网址/域名",
            "网站网址"),
    "level": ("level", "级别", "行政级别", "层级", "类别", "类型"),
    "region": ("region", "地区", "省份", "所属地区"),
    "group": ("group", "分组", "组", "组别"),
}
# accounts: an identifier may stand for the URL
NEW_MEDIA = ("wechat", "app", "weibo", "other")
# A finer category than the level that the seeds rank apart: kept as the ranking group.
FINE_GROUPS = {"副省级": "副省级城市", "副省级城市": "副省级城市", "省会": "省会城市",
               "省会城市": "省会城市", "计划单列市": "计划单列市", "重点城市": "重点城市",
               "国务院组成部门": "国务院组成部门", "国务院其他部门": "国务院其他部门"}


def resolve_level(raw: str, checklist: Checklist) -> tuple[str, str] | None:
    """(checklist level, ranking group or '') a cell names ('市', '副省级', 'City'), or None.

    A checklist with one level (`default`) takes any level name: the level is its
    own, a finer category still becomes the group.
    """
    text = (raw or "").strip()
    lowered = text.lower()
    group = FINE_GROUPS.get(text, "")
    named = level_named(text)
    if len(checklist.levels) == 1 and (not text or named or lowered in checklist.levels):
        # the level named (市, 省…) still says whom the site ranks with: 地市, 省级…
        named = named or lowered
        if named != checklist.levels[0]:
            group = group or LEVEL_GROUPS.get(named, "")
        return checklist.levels[0], group
    if lowered in checklist.levels:
        return lowered, ""
    return (named, group) if named in checklist.levels else None


def normalise_level(raw: str, checklist: Checklist) -> str | None:
    """The checklist level a cell names ('市', 'City', 'city'), or None."""
    resolved = resolve_level(raw, checklist)
    return resolved[0] if resolved else None


class LevelError(GovauditError):
    """A level no level of the checklist is called by; `short` leaves the accepted names out."""

    def __init__(self, checklist: Checklist, raw_level: str) -> None:
        self.accepted = accepted_levels(checklist)
        self.short = (_("level {level!r} is not a level of {checklist}").format(
            level=raw_level, checklist=checklist.id) if raw_level else _("no level"))
        super().__init__(_("{problem} (accepted: {accepted})").format(
            problem=self.short, accepted=self.accepted))


def accepted_levels(checklist: Checklist) -> str:
    """Every name a level of `checklist` is accepted by: 'city (市, 地级市, …); county (…)'."""
    return "; ".join(f"{level} ({', '.join(LEVEL_NAMES[level])})" if level in LEVEL_NAMES
                     else level for level in checklist.levels)


# Full-width forms of ASCII (U+FF01-U+FF5E), as a Chinese input method types them: '：' for
# ':', '／' for '/', '．' for '.'. Each one's ASCII character is 0xFEE0 below it.
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")


def _full_width(url: str) -> str | None:
    """Why `url`'s scheme or host cannot be read for a full-width character in it, or None."""
    head = re.split(r"(?<!/)/(?!/)|[?#]", url, maxsplit=1)[0]  # scheme and host, no path
    found = _FULL_WIDTH.search(head)
    if found is None:
        return None
    char = found.group()
    return (f"URL {redact_url(url)!r} holds the full-width {char!r} (U+{ord(char):04X}); "
            f"type the ASCII {chr(ord(char) - 0xFEE0)!r} instead")


def _parts(url: str) -> SplitResult | None:
    """urlsplit, or None for what it refuses (a bad IPv6 literal, NFKC look-alikes)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return None
    return parts


def check_url(url: str) -> str | None:
    """A reason why `url` is not a usable http(s) address, or None."""
    if not url:
        return _("no URL")
    wide = _full_width(url)
    if wide:
        return wide
    parts = _parts(url)
    if parts is None:
        return _("URL {redact_url!r} cannot be read as a URL").format(
            redact_url=redact_url(url))
    if parts.scheme not in ("http", "https"):
        return _("URL {redact_url!r} is not http(s)").format(
            redact_url=redact_url(url))
    if not parts.hostname:
        return _("URL {redact_url!r} has no host").format(redact_url=redact_url(url))
    return None


# A host as people type it without "http://": a dotted name or address, 'localhost' or an
# IPv6 literal in brackets; then a port and a path. Other one-word names stay as typed:
# 'weibo:2656274875' is an account, not a host and port.
_BARE_HOST = re.compile(r"^(?:[\w-]+(?:\.[\w-]+)+|localhost|\[[0-9A-Fa-f:.]+\])"
                        r"(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
# 'http：//…' or 'https;//…': a web address typed wrong, never an account's identifier
_HTTP_TYPED = re.compile(r"(?i)https?\s*[:：;；]")


def typed_url(url: str) -> tuple[str, str | None]:
    """A URL as people type it made whole: 'www.chengdu.gov.cn' -> 'http://www.chengdu.gov.cn/',
    'localhost:8000' -> 'http://localhost:8000/'.

    Returns (url, what was changed or None). Anything else is returned as it is.
    """
    if "://" in url or not _BARE_HOST.match(url):
        return url, None
    whole = f"http://{url}"
    parts = _parts(whole)
    if parts is None:
        return url, None
    if not parts.path:
        whole += "/"
    return whole, f"{url!r} read as {whole}"


def web_address(site: Site) -> str | None:
    """Why `site` cannot be visited by the probes or the browser (no http(s) URL), or None."""
    if check_url(site.url) is None:
        return None
    account = f" ({site.url})" if site.url else ""
    return _("site {name} has no http(s) address{account}: capture it by hand and attach "
             "it").format(name=site.name, account=account)


def _without_credentials(sites: list[Site]) -> tuple[list[Site], dict[str, tuple[str, str]]]:
    """The sites with URLs without `user:password@`, and those credentials by site name."""
    clean: list[Site] = []
    secrets: dict[str, tuple[str, str]] = {}
    for site in sites:
        url, credentials = split_credentials(site.url)
        clean.append(replace(site, url=url))
        if credentials is not None:
            secrets[site.name] = credentials
    return clean, secrets


def add_sites(store: Store, sites: list[Site]) -> list[Site]:
    """Store sites, their URLs without `user:password@`; the credentials go to the secrets file.

    Returns the sites as stored. The probes and the browser log in with the
    credentials (govaudit.credentials); nothing else ever sees them.
    """
    stored, secrets = _without_credentials(sites)
    store.add_sites(stored)
    save_credentials(store, secrets)
    return stored


# NUL, line breaks and the text-direction controls: a name holding one breaks a line or a
# table, or shows as another name. Other control characters are kept and shown escaped
# (\x1b) in every output.
# (lone surrogates: bytes that were not UTF-8, as Python keeps them from a command line)
_NOT_IN_NAMES = re.compile(
    f"[\x00\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029\ud800-\udfff{BIDI_CONTROLS}]")


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a site's name (a control or text-direction character), or None."""
    found = _NOT_IN_NAMES.search(name)
    if found is None:
        return None
    shown = _NOT_IN_NAMES.sub(lambda m: f"<U+{ord(m.group()):04X}>", name)
    return (_(
        "the name {shown!r} holds U+{ord:04X} (NUL, a line break, a text-direction character or "
        "a byte that is not UTF-8): a site name is one line of visible text").format(
        shown=shown, ord=ord(found.group())))


def validate_site(checklist: Checklist, name: str, url: str, level: str, region: str = "",
                  group: str = "", notes: list[str] | None = None) -> Site:
    """A checked site; GovauditError names the field that is wrong (name, url or level).

    A URL typed without its scheme is completed and said so in `notes`; a
    new-media account may give an identifier ('weixin:某某发布', an App's name)
    instead of a URL. The list's own group wins over a finer level name's.
    """
    name, url, raw_level = name.strip(), url.strip(), level.strip()
    if not name:
        raise GovauditError(_("no name"))
    problem = name_problem(name)
    if problem:
        raise GovauditError(problem)
    resolved = resolve_level(raw_level, checklist)
    if resolved is None:
        raise LevelError(checklist, raw_level)
    level_id, fine_group = resolved
    url, note = typed_url(url)
    reason = check_url(url)
    parts = _parts(url)
    if (level_id in NEW_MEDIA and (parts is None or parts.scheme not in ("http", "https"))
            and not _HTTP_TYPED.match(url)):
        reason = None  # an account's identifier, kept as it is
    if reason:
        raise GovauditError(reason)
    if note and notes is not None:
        notes.append(note)
    named = "、".join(checklist.groups_for(level_id, group)) if group.strip() else ""
    return Site(name, url, level_id, region.strip(), named or fine_group)


def group_warnings(checklist: Checklist, sites: list[Site]) -> list[str]:
    """One line per ranking group of `sites` that the checklist does not know."""
    unknown: dict[str, list[str]] = {}
    for site in sites:
        for group in checklist.unknown_groups(site.group):
            unknown.setdefault(group, []).append(site.name)
    declared = ", ".join(g.name for g in checklist.groups)
    known = (_("its groups: {groups}").format(groups=declared) if declared
             else _("not one the seeds publish"))
    return [_("group {group} ({names}) is not a ranking group of {checklist} ({known}); its "
              "sites are ranked on their own").format(
                  group=repr(group), names=", ".join(names[:3]) + ("…" if len(names) > 3 else ""),
                  checklist=checklist.id, known=known)
            for group, names in unknown.items()]


def parse_sites(path: Path, checklist: Checklist, sheet: str | None = None,
                notes: list[str] | None = None) -> list[Site]:
    """Every site in a file, or RowsError listing every bad row (nothing imported).

    A URL completed on the way ('www.x.gov.cn') is said in `notes`, with its sheet and row.
    """
    problems: list[str] = []
    sites: list[Site] = []
    seen: dict[str, str] = {}
    levels_refused = ""  # the accepted names, said once after the rows
    for row in read_records(path, HEADERS, ("name", "url"), sheet):
        name = row.text("name")
        if "level" not in row.cells and len(checklist.levels) > 1:
            where = f"sheet {row.sheet}" if row.sheet else "the file"
            raise GovauditError(
                _(
                    "{path}: {where} has no level column ({listed}), and every site of {id} "
                    "needs its level: {accepted_levels}").format(
                    path=path, where=where, listed=', '.join(HEADERS['level']), id=checklist.id,
                    accepted_levels=accepted_levels(checklist)))
        first = seen.setdefault(name, row.where) if name else row.where
        typed: list[str] = []
        try:
            site = validate_site(checklist, name, row.text("url"), row.text("level"),
                                 row.text("region"), row.text("group"), typed)
        except LevelError as exc:
            problems.append(_("{where}: {short}").format(
                where=row.where, short=exc.short))
            levels_refused = exc.accepted
            continue
        except GovauditError as exc:
            problems.append(_("{where}: {error}").format(where=row.where, error=exc))
            continue
        if first != row.where:
            problems.append(_("{where}: duplicate name {name!r} (also {first})").format(
                where=row.where, name=name, first=first))
            continue
        if notes is not None:
            notes.extend(_("{where}: site {name}: URL {note}").format(
                where=row.where, name=name, note=note) for note in typed)
        sites.append(site)
    if problems:
        raise RowsError(str(path), problems,
                        footer=_("accepted levels: {levels}").format(levels=levels_refused)
                        if levels_refused else "")
    if not sites:
        raise GovauditError(_("{path}: no sites below the header row").format(
            path=path))
    return sites


def plan_import(path: Path, checklist: Checklist, existing: list[Site],
                sheet: str | None = None) -> tuple[SitesPlan, dict[str, tuple[str, str]]]:
    """What importing a list would do to the workspace's sites, and the lists' credentials.

    A site the file names is added or updated (an empty region or group in the
    file keeps the stored one); a stored site the file does not name is only listed.
    """
    notes: list[str] = []
    parsed, secrets = _without_credentials(parse_sites(path, checklist, sheet, notes))
    stored = {s.name: s for s in existing}
    added: list[Site] = []
    changed: list[SiteChange] = []
    unchanged: list[Site] = []
    for site in parsed:
        old = stored.get(site.name)
        if old is None:
            added.append(site)
            continue
        new = replace(site, region=site.region or old.region, group=site.group or old.group)
        (unchanged.append(old) if new == old else changed.append(SiteChange(old, new)))
    named = {s.name for s in parsed}
    missing = [s for s in existing if s.name not in named]
    return SitesPlan(str(path), tuple(added), tuple(changed), tuple(unchanged), tuple(missing),
                     tuple(notes), warnings=tuple(group_warnings(checklist, parsed))), secrets


def apply_plan(store: Store, plan: SitesPlan,
               secrets: dict[str, tuple[str, str]]) -> None:
    """Store the plan's added and changed sites (and their credentials) in one locked step."""
    store.save_sites(list(plan.added), [c.new for c in plan.changed])
    save_credentials(store, secrets)


def archive_site(store: Store, site: Site, answers: list[Answer]) -> Path:
    """Write a removed site and its answers to data/removed/ (crash-safe); returns the file."""
    stamp = utc_now().replace(":", "").replace("+0000", "Z")
    path = store.root / "removed" / f"{safe_name(site.name)}-{stamp}.json"
    record = {"removed": utc_now(), "site": site.to_dict(),
              "answers": [a.to_dict() for a in answers]}
    atomic_write(path, json.dumps(record, ensure_ascii=False, indent=1).encode())
    return path

"""Domain names of 《政府网站发展指引》: .gov.cn; portals www.□□□.gov.cn; a department's site
a sub-domain of its government's portal (○○○.□□□.gov.cn).

The rules as the 指引 states them (开设整合: 域名规范): government sites use English domains
ending in .gov.cn (or Chinese domains that meet the requirements: .政务); the central portal is
www.gov.cn, other portals www.□□□.gov.cn; departments use a sub-domain of their own
government's (or superior department's) portal, ○○○.□□□.gov.cn (e.g. slj.bd.gov.cn).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from govaudit.conformance.evidence import Evidence
from govaudit.i18n import _

CHINESE_SUFFIXES = (".政务", ".xn--zfr164b")  # 政务 and its ASCII form
DEPARTMENT_LEVELS = ("department", "部门", "部门网站")


@dataclass(frozen=True)
class DomainFinding:
    site_url: str
    host: str
    role: str  # "portal" or "department"
    portal_host: str | None
    problems: tuple[str, ...]
    evidence: tuple[Evidence, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def _is_gov(host: str) -> bool:
    return host == "gov.cn" or host.endswith(".gov.cn") or host.endswith(CHINESE_SUFFIXES)


def check_domain(site_url: str, level: str, portal_url: str | None = None) -> DomainFinding:
    """`level` "department" (部门) for a department's site, anything else for a portal;
    `portal_url`, when known, is the portal of the department's government."""
    host = (urlsplit(site_url).hostname or "").lower().rstrip(".")
    role = "department" if level.strip().lower() in DEPARTMENT_LEVELS else "portal"
    portal_host = (urlsplit(portal_url).hostname or "").lower().rstrip(".") if portal_url else None
    problems = []
    labels = host.split(".")
    if not _is_gov(host):
        problems.append(_("{host} is not under .gov.cn").format(host=host))
    elif role == "portal" and host.endswith(".gov.cn"):
        if host != "www.gov.cn" and not (len(labels) == 4 and labels[0] == "www"):
            problems.append(_("{host} is not of the portal form www.□□□.gov.cn").format(
                host=host))
    elif role == "department" and host.endswith(".gov.cn"):
        if portal_host:
            base = portal_host.removeprefix("www.")
            if not host.endswith("." + base) or host.startswith("www."):
                problems.append(_(
                    "{host} is not a sub-domain of its portal's {base} (○○○.{base})").format(
                    host=host, base=base))
        elif len(labels) < 4 or labels[0] == "www":
            problems.append(_("{host} is not of the department form ○○○.□□□.gov.cn").format(
                host=host))
    return DomainFinding(site_url, host, role, portal_host, tuple(problems),
                         (Evidence(site_url, "", None, host),))

"""The workspace's secrets file: HTTP basic-auth credentials per site, readable by its owner only.

`data/credentials.json` maps a site name to {"username", "password"}. It is
replaced atomically and has mode 0600 whatever the umask. Only the probes
and the browser read it, to log in; no output holds it. Leave it out when
handing a workspace over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from govaudit.errors import GovauditError
from govaudit.model import Site
from govaudit.store import AtomicJSONStorage
from govaudit.urls import Origin, origin, split_credentials

if TYPE_CHECKING:  # a type only: importing it would load the checklists
    from govaudit.workspace import Workspace

FILE_NAME = "credentials.json"

Credentials = dict[str, tuple[str, str]]  # site name -> (username, password)
OriginLogins = dict[Origin, tuple[str, str]]  # origin -> (username, password)


def credentials_path(workspace: Workspace) -> Path:
    return workspace.data_dir / FILE_NAME


def load_credentials(workspace: Workspace) -> Credentials:
    """Every site's (username, password); {} when there is no secrets file."""
    data = AtomicJSONStorage(credentials_path(workspace)).read() or {}
    return {site: (str(entry.get("username", "")), str(entry.get("password", "")))
            for site, entry in data.items() if isinstance(entry, dict)}


def save_credentials(workspace: Workspace, new: Credentials) -> None:
    """Add or replace sites' credentials; nothing to add writes nothing."""
    if not new:
        return
    path = credentials_path(workspace)
    with workspace.lock():
        merged = {**load_credentials(workspace), **new}
        try:
            AtomicJSONStorage(path, mode=0o600).write(
                {site: {"username": user, "password": password}
                 for site, (user, password) in merged.items()})
        except OSError as exc:
            raise GovauditError(f"{path}: cannot write the secrets file ({exc.strerror})") \
                from None


def origin_logins(sites: Iterable[Site], credentials: Mapping[str, tuple[str, str]] | None = None
                  ) -> tuple[list[Site], OriginLogins]:
    """The sites with `user:password@` taken out of their URLs, and the login of each origin.

    A site's login is its entry in `credentials` (by site name), else its URL's own
    userinfo; it is sent to the origin of the site's URL (the first site of an origin wins).
    """
    logins: OriginLogins = {}
    clean: list[Site] = []
    for site in sites:
        url, embedded = split_credentials(site.url)
        login = (credentials or {}).get(site.name) or embedded
        key = origin(url)
        if login and key is not None:
            logins.setdefault(key, login)
        clean.append(replace(site, url=url) if url != site.url else site)
    return clean, logins

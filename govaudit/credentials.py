"""The workspace's secrets file: HTTP basic-auth credentials per site, readable by its owner only.

`data/credentials.json` maps a site name to {"username", "password"}. It is
replaced atomically and has mode 0600 whatever the umask. Only the probes
and the browser read it, to log in; no output holds it. Leave it out when
handing a workspace over.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.store import AtomicJSONStorage

if TYPE_CHECKING:
    from govaudit.store import Store

FILE_NAME = "credentials.json"

Credentials = dict[str, tuple[str, str]]  # site name -> (username, password)


def credentials_path(store: Store) -> Path:
    return store.root / FILE_NAME


def load_credentials(store: Store) -> Credentials:
    """Every site's (username, password); {} when there is no secrets file."""
    data = AtomicJSONStorage(credentials_path(store)).read() or {}
    return {site: (str(entry.get("username", "")), str(entry.get("password", "")))
            for site, entry in data.items() if isinstance(entry, dict)}


def save_credentials(store: Store, new: Credentials) -> None:
    """Add or replace sites' credentials; nothing to add writes nothing."""
    if not new:
        return
    path = credentials_path(store)
    with store.lock():
        merged = {**load_credentials(store), **new}
        try:
            AtomicJSONStorage(path, mode=0o600).write(
                {site: {"username": user, "password": password}
                 for site, (user, password) in merged.items()})
        except OSError as exc:
            raise GovauditError(_("{path}: cannot write the secrets file ({strerror})").format(
                path=path, strerror=exc.strerror)) \
                from None

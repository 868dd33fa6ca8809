"""The [evidence] section of govaudit.toml: TSA, its certificate chain, the team's keys.

```toml
[evidence]
archive = true                     # also write a WACZ web archive of every captured page
tsa = "https://tsa.example/"       # RFC 3161 time-stamping authority; none: no timestamps
tsa_chain = "tsa-chain.pem"        # its certificates up to the root (PEM), to verify tokens
tsa_timeout = 15                   # seconds
key = "/home/me/.govaudit/team.key"  # this evaluator's Ed25519 signing key
signer = "张三"                     # the name the signatures carry (default: the evaluator)
public_keys = "keys"               # the team's public keys: a folder of NAME.pub.pem, or one file
```
Relative paths are inside the workspace.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from govaudit.errors import GovauditError
from govaudit.files import atomic_write
from govaudit.i18n import _

DEFAULT_TSA_TIMEOUT_S = 15.0


@dataclass
class EvidenceSettings:
    archive: bool = False
    tsa: str = ""
    tsa_chain: Path | None = None
    tsa_timeout_s: float = DEFAULT_TSA_TIMEOUT_S
    key: Path | None = None
    signer: str = ""
    public_keys: Path | None = None


def evidence_settings(config_path: Path, evaluator: str) -> EvidenceSettings:
    """Read [evidence] from the workspace's govaudit.toml at `config_path` (its files relative
    to its folder; the signer, unless named, `evaluator`); a bad value names the file and key."""
    from govaudit.workspace import config_table

    path = config_path
    section = config_table(path, "evidence")

    def text(key: str) -> str:
        value = section.get(key, "")
        if not isinstance(value, str):
            raise GovauditError(_(
                "{path}: [evidence] {key} must be a string, not {value!r}").format(
                path=path, key=key, value=value))
        return value.strip()

    def file(key: str) -> Path | None:
        value = text(key)
        return (path.parent / Path(value).expanduser()) if value else None

    archive = section.get("archive", False)
    if not isinstance(archive, bool):
        raise GovauditError(_(
            "{path}: [evidence] archive must be true or false, not {archive!r}").format(
            path=path, archive=archive))
    tsa = text("tsa")
    if tsa and not tsa.startswith(("http://", "https://")):
        raise GovauditError(_(
            "{path}: [evidence] tsa {tsa!r} must be an http:// or https:// URL").format(
            path=path, tsa=tsa))
    timeout: Any = section.get("tsa_timeout", DEFAULT_TSA_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise GovauditError(_(
            "{path}: [evidence] tsa_timeout must be a number of seconds > 0").format(path=path))
    return EvidenceSettings(archive=archive, tsa=tsa, tsa_chain=file("tsa_chain"),
                            tsa_timeout_s=float(timeout),
                            key=file("key"), signer=text("signer") or evaluator,
                            public_keys=file("public_keys"))


_EVIDENCE_HEADER = re.compile(r"^[ \t]*\[[ \t]*evidence[ \t]*\][ \t]*(#.*)?$", re.MULTILINE)


def record_key(config_path: Path, evaluator: str, lock: Callable[[], AbstractContextManager[None]],
               key: Path, signer: str) -> bool:
    """Write `key` (and `signer`, if it is not `evaluator`) into [evidence] of the
    govaudit.toml at `config_path`, under the workspace's `lock`, keeping the rest of the
    file as written; False when [evidence] key is set already (it is left alone)."""
    path = config_path
    with lock():
        text = path.read_text(encoding="utf-8")
        if evidence_settings(path, evaluator).key is not None:
            return False
        try:
            shown = key.resolve().relative_to(path.parent.resolve()).as_posix()
        except ValueError:
            shown = str(key)
        values = {"key": shown}
        if signer and signer != evaluator and not _has(text, "signer"):
            values["signer"] = signer
        lines = tomli_w.dumps(values)
        found = _EVIDENCE_HEADER.search(text)
        if found is None:
            updated = text.rstrip("\n") + "\n\n[evidence]\n" + lines
        else:
            end = found.end() + 1
            updated = text[:end] + lines + text[end:]
        tomllib.loads(updated)  # never write a file govaudit cannot read back
        atomic_write(path, updated.encode("utf-8"))
    return True


def _has(text: str, key: str) -> bool:
    section = tomllib.loads(text).get("evidence", {})
    return isinstance(section, dict) and key in section

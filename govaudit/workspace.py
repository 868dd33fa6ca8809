"""A workspace: govaudit.toml, its folders, its checklist and its write lock."""

from __future__ import annotations

import os
import shutil
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w
from filelock import FileLock, Timeout

from govaudit.checklist import Checklist, checklist_path, load_checklist
from govaudit.errors import GovauditError, OptionError, UsageError
from govaudit.files import atomic_write
from govaudit.i18n import _
from govaudit.scoring import Settlement
from govaudit.version import __version__

if TYPE_CHECKING:
    from govaudit.content.settings import ContentSettings

CONFIG_NAME = "govaudit.toml"
LOCK_TIMEOUT = 30.0


@dataclass
class Workspace:
    root: Path
    name: str
    checklist_ref: str  # a built-in name, or a file name inside the workspace
    evaluator: str
    prefer: str = ""  # [scoring] prefer: whose answer counts where evaluators disagree
    # [workspace] blind: its evaluator assesses blind, the other evaluators' answers unseen
    blind: bool = False

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def evidence_dir(self) -> Path:
        return self.root / "evidence"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @cached_property
    def checklist(self) -> Checklist:
        ref = self.checklist_ref
        local = self.root / ref
        if ref.endswith((".yaml", ".yml")):
            if not local.is_file():
                raise GovauditError(_("{config_path}: checklist file {local} is missing").format(
                    config_path=self.config_path, local=local))
            return load_checklist(local)
        return load_checklist(checklist_path(ref))

    def content_settings(self) -> ContentSettings:
        """The team's lists and limits for the content checks: govaudit.toml [content]
        (none: the checks that need a list are not run, and say so)."""
        from govaudit.content.settings import ContentSettings

        try:
            config = tomllib.loads(self.config_path.read_text(encoding="utf-8"))
            table = config.get("content", {})
            if not isinstance(table, dict):
                raise GovauditError(_("[content] must be a table"))
            return ContentSettings.from_toml(table, self.root)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, GovauditError) as exc:
            raise GovauditError(_("{config_path}: {error}").format(
                config_path=self.config_path, error=exc)) from None

    @property
    def settlement(self) -> Settlement:
        """How disagreeing answers are settled: govaudit.toml [scoring] prefer."""
        return Settlement.parse(self.prefer)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Serialise writers: two govaudit processes never interleave writes."""
        lock = FileLock(str(self.data_dir / ".lock"), timeout=LOCK_TIMEOUT)
        try:
            with lock:
                yield
        except Timeout:
            raise GovauditError(
                _(
                    "{root}: another govaudit process has held the workspace lock for "
                    "{LOCK_TIMEOUT:g}s; try again when it finishes").format(
                    root=self.root, LOCK_TIMEOUT=LOCK_TIMEOUT)
            ) from None

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def config_table(path: Path, name: str) -> dict[str, Any]:
    """The table [name] of the govaudit.toml at `path` ({} when absent); GovauditError
    names the file when it cannot be read or [name] is not a table."""
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise GovauditError(_("{path}: cannot be read ({error})").format(
            path=path, error=exc)) from None
    table = config.get(name, {})
    if not isinstance(table, dict):
        raise GovauditError(_("{path}: [{name}] must be a table").format(
            path=path, name=name))
    return table


def init_workspace(directory: Path, checklist: str, evaluator: str,
                   blind: bool = False) -> Workspace:
    """Create a workspace folder; a checklist file is copied in so it stays valid.

    Everything is checked before anything is made, and govaudit.toml is written last,
    atomically: a folder without it is no workspace, a govaudit.toml is always whole.
    """
    directory = Path(directory)
    if (directory / CONFIG_NAME).exists():
        raise GovauditError(_("{value} already exists: this is a workspace").format(
            value=directory / CONFIG_NAME))
    if not evaluator.strip():
        raise OptionError("evaluator", _("must name the person answering, e.g. 张三"))
    for field, value in (("evaluator", evaluator), ("folder", str(directory.resolve()))):
        if not is_text(value):
            raise UsageError(_(
                "the {field} {value!r} holds bytes that are not UTF-8 text; give it in UTF-8 "
                "(nothing was created)").format(field=field, value=value))
    source = checklist_path(checklist)
    loaded = load_checklist(source)  # refuse a bad checklist before writing anything
    ref = checklist
    if str(checklist).endswith((".yaml", ".yml")) or Path(checklist).is_file():
        ref = f"checklist-{loaded.id}.yaml"
    config = {
        "workspace": {
            "name": directory.resolve().name,
            "checklist": ref,
            "evaluator": evaluator.strip(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "govaudit_version": __version__,
            **({"blind": True} if blind else {}),
        }
    }
    toml = tomli_w.dumps(config).encode("utf-8")
    directory.mkdir(parents=True, exist_ok=True)
    if ref != checklist:
        shutil.copyfile(source, directory / ref)
    for sub in ("data", "evidence", "exports"):
        (directory / sub).mkdir(exist_ok=True)
    atomic_write(directory / CONFIG_NAME, toml)
    return open_workspace(directory)


def is_text(text: str) -> bool:
    """Whether `text` can be written as UTF-8 (no lone surrogate: bytes that were not UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _nearest(here: Path) -> Path | None:
    return next((f for f in (here, *here.parents) if (f / CONFIG_NAME).is_file()), None)


def has_workspace(start: Path | None = None) -> bool:
    """Whether a workspace holds the current folder (or `start`)."""
    return _nearest(Path(start or os.getcwd()).resolve()) is not None


def find_workspace(start: Path | None = None) -> Path:
    """The nearest folder upwards holding govaudit.toml."""
    here = Path(start or os.getcwd()).resolve()
    found = _nearest(here)
    if found is not None:
        return found
    raise GovauditError(_("no govaudit workspace in {here} or above").format(here=here),
                        hint="init")


def open_workspace(directory: Path | None = None, explicit: bool = False) -> Workspace:
    """Open the workspace at `directory` (explicit) or the nearest one upwards."""
    if explicit and directory is not None:
        root = Path(directory).resolve()
        if not (root / CONFIG_NAME).is_file():
            raise GovauditError(_("{root}: not a govaudit workspace (no {CONFIG_NAME})").format(
                root=root, CONFIG_NAME=CONFIG_NAME))
    else:
        root = find_workspace(directory)
    path = root / CONFIG_NAME
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        section = config["workspace"]
        ws = Workspace(root, str(section.get("name", root.name)), str(section["checklist"]),
                       str(section["evaluator"]),
                       str(config.get("scoring", {}).get("prefer", "")),
                       section.get("blind") is True)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError,
            UnicodeDecodeError) as exc:
        raise GovauditError(_("{path}: not a valid govaudit.toml ({error})").format(
            path=path, error=exc)) from None
    try:
        ws.settlement  # noqa: B018 - refuse a bad [scoring] prefer when the workspace opens
    except GovauditError as exc:
        raise GovauditError(_("{path}: [scoring] prefer: {error}").format(
            path=path, error=exc)) from None
    for sub in ("data", "evidence", "exports"):
        (root / sub).mkdir(exist_ok=True)
    return ws

"""The editable data files: the column table (columns.toml) and rule sets (gov-2019.toml).

The files shipped here are the defaults; a workspace file of the same layout replaces
them: `monitor-columns.toml` for the table, `NAME.toml` for the rule set NAME. The
workspace's table may also hold a [utility] list (or, written before, [ignore]): words
that make a link no column, added to the page model's own list (govaudit.page.columns).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govaudit.errors import GovauditError
from govaudit.i18n import _

HERE = Path(__file__).parent
COLUMNS_FILE = "monitor-columns.toml"
DEFAULT_RULES = "gov-2019"
OTHER = "other"


def _load(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise GovauditError(_("{path}: cannot read it ({error})").format(
            path=path, error=exc)) from None


@dataclass(frozen=True)
class ColumnTable:
    """Column kinds by the words of their names, and the workspace's own utility words.

    Which links are columns at all is the page model's rule (govaudit.page.columns, with its
    [utility] list of links that are never columns); `utility` holds the words a workspace
    adds to that list: its file's [utility] words, and the [ignore] words of a file written
    before the page model held the list (the same words, the old name).
    """

    path: Path
    kinds: dict[str, tuple[str, ...]]
    labels: dict[str, str]
    utility: tuple[str, ...] = ()

    def classify(self, name: str) -> str:
        """The kind of a column named `name` ("other" when no word of the table is in it)."""
        best, size = OTHER, 0
        for kind, words in self.kinds.items():
            for word in words:
                if word in name and len(word) > size:
                    best, size = kind, len(word)
        return best

    def label(self, kind: str) -> str:
        return self.labels.get(kind, "其他")


def column_table(workspace_root: Path | None = None) -> ColumnTable:
    """The workspace's monitor-columns.toml, else the shipped table."""
    path = HERE / "columns.toml"
    if workspace_root is not None and (Path(workspace_root) / COLUMNS_FILE).is_file():
        path = Path(workspace_root) / COLUMNS_FILE
    data = _load(path)
    kinds: dict[str, tuple[str, ...]] = {}
    labels: dict[str, str] = {}
    raw_kinds = data.get("kinds")
    if not isinstance(raw_kinds, dict) or not raw_kinds:
        raise GovauditError(_("{path}: needs a [kinds.NAME] table with words = [...]").format(
            path=path))
    for kind, spec in raw_kinds.items():
        words = spec.get("words") if isinstance(spec, dict) else None
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise GovauditError(_("{path}: [kinds.{kind}] words must be a list of names").format(
                path=path, kind=kind))
        kinds[kind] = tuple(words)
        labels[kind] = str(spec.get("label", kind))
    utility: list[str] = []
    for table in ("utility", "ignore"):
        words = (data.get(table) or {}).get("words", [])
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise GovauditError(_("{path}: [{table}] words must be a list of words").format(
                path=path, table=table))
        utility += [w for w in words if w not in utility]
    return ColumnTable(path, kinds, labels, tuple(utility))


@dataclass(frozen=True)
class RuleSet:
    """A named set of lines (thresholds) applied to the samples of a window."""

    id: str
    name: str
    path: Path
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, rule: str, key: str) -> Any:
        try:
            return self.rules[rule][key]
        except KeyError:
            raise GovauditError(_("{path}: [{rule}] {key} is missing").format(
                path=self.path, rule=rule, key=key)) from None

    def number(self, rule: str, key: str) -> float | None:
        value = self.rules.get(rule, {}).get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise GovauditError(_("{path}: [{rule}] {key} must be a number, not {value!r}").format(
                path=self.path, rule=rule, key=key, value=value))
        return float(value)

    def title(self, rule: str) -> str:
        return str(self.rules.get(rule, {}).get("name", rule))


RULES = ("unreachable", "home_stale", "columns_stale", "dead_links")


def rule_set(name_or_path: str = DEFAULT_RULES, workspace_root: Path | None = None) -> RuleSet:
    """A rule set by name (the workspace's NAME.toml, else the shipped one) or by file."""
    candidates: list[Path] = []
    if name_or_path.endswith(".toml"):
        given = Path(name_or_path)
        if not given.is_absolute() and workspace_root is not None:
            given = Path(workspace_root) / given
        candidates.append(given)
    else:
        if workspace_root is not None:
            candidates.append(Path(workspace_root) / f"{name_or_path}.toml")
        candidates.append(HERE / f"{name_or_path}.toml")
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        shipped = sorted(p.stem for p in HERE.glob("*.toml") if p.stem != "columns")
        raise GovauditError(_(
            "unknown rule set {name_or_path!r} (built in: {listed}; or a NAME.toml file in the "
            "workspace)").format(name_or_path=name_or_path, listed=', '.join(shipped)))
    data = _load(path)
    rules = {key: value for key, value in data.items() if isinstance(value, dict)}
    missing = [r for r in RULES if r not in rules]
    if missing:
        raise GovauditError(_("{path}: missing rule table(s) {listed}").format(
            path=path, listed=', '.join(f'[{m}]' for m in missing)))
    ruleset = RuleSet(str(data.get("id", path.stem)), str(data.get("name", path.stem)), path,
                      rules)
    ages = ruleset.get("columns_stale", "max_age_days")
    if not isinstance(ages, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in ages.values()):
        raise GovauditError(_("{path}: [columns_stale] max_age_days must map kinds to days").format(
            path=path))
    for rule, keys in {"unreachable": ("min_days", "min_visits_per_day", "veto", "warning"),
                       "home_stale": ("veto_days", "warning_days")}.items():
        for key in keys:
            if ruleset.number(rule, key) is None:
                raise GovauditError(_("{path}: [{rule}] {key} is missing").format(
                    path=path, rule=rule, key=key))
    return ruleset

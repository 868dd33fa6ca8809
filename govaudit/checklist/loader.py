"""Load checklist YAML into the model, reporting every problem with file:line."""

from __future__ import annotations

import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from govaudit.checklist.model import (
    ABOVE_100_RULES,
    BONUS,
    BONUS_RULES,
    DEDUCTION,
    DEFAULT_GRADES,
    GRADE_PRESETS,
    MAIN,
    NA_INDICATOR_RULES,
    PARTS,
    PUBLISH,
    QUESTION_TYPES,
    REVIEW,
    SCHEMES,
    SCOPE,
    VETO,
    Checklist,
    Choice,
    Condition,
    Grade,
    Indicator,
    Question,
    RankGroup,
    ScaledPart,
    TopIndicator,
    bonus_reached,
)
from govaudit.errors import ChecklistError, GovauditError
from govaudit.i18n import _

CHECKLIST_KEYS = {
    "id", "name", "version", "source", "description", "levels", "totals", "bonus_cap",
    "grades", "indicators", "unweighted", "groups", "bonus_rule", "bonus_scale",
    "na_indicator", "above_100", "scheme", "pass_line", "bonus_above", "scaled", "veto_score",
    "review", "publish",
}
# keys that only a deduction scheme reads
DEDUCTION_KEYS = ("pass_line", "bonus_above", "scaled", "veto_score", "review")
NODE_KEYS = {
    "id", "code", "name", "description", "weights", "total", "bonus", "children", "questions",
    "part",
}
QUESTION_KEYS = {
    "id", "type", "text", "points", "choices", "relevant", "hint", "pages", "auto", "levels",
    "unit", "deduct", "cap", "veto_at", "add",
}
NOT_ASSESSED = {"—", "——", "-", "--", "---", "n/a", ""}
# A figure the published text does not give: the team sets it (scoring leaves it out).
UNPUBLISHED = {"unpublished", "未公布", "not published"}
# The parts each scheme has.
SCHEME_PARTS = {"weighted": (MAIN, BONUS), "deduction": (VETO, DEDUCTION, BONUS, SCOPE, REVIEW)}
_FRACTION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)\s*$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_RELEVANT = re.compile(
    r"^\s*(?P<q>[A-Za-z0-9_.-]+)\s*(?P<op>==|!=|\bin\b|\bnot in\b)\s*(?P<rest>.+?)\s*$"
)


class LDict(dict[Any, Any]):
    """A mapping that remembers the YAML line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class LList(list[Any]):
    line: int = 0


def _line(value: Any) -> int:
    """The YAML line a loaded list or mapping starts on (0 for plain values)."""
    return getattr(value, "line", 0)


# A checklist someone else wrote is untrusted: these bound the work reading it may take.
# The built-in checklists are under 50 KB, 2,300 nodes and 12 levels deep.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 50_000  # counted as aliases expand them
MAX_DEPTH = 50
MAX_NUMBER = 1_000_000  # weights, points, totals and grade bands are far smaller
MAX_NUMBER_CHARS = 100  # YAML 1.1 reads 1:2:3… as base 60, in time quadratic in its length
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _Refused(yaml.YAMLError):
    """A YAML document refused before it is built, at a mark."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _BoundedComposer(yaml.composer.Composer):
    """Composes nodes while counting them as aliases would expand them, and their depth."""

    def __init__(self) -> None:
        super().__init__()
        self.expanded = 0
        self.depth = 0
        self.open_anchors: set[str] = set()
        self.anchor_sizes: dict[str, int] = {}

    def count(self, nodes: int, mark: Any) -> None:
        self.expanded += nodes
        if self.expanded > MAX_NODES:
            raise _Refused(f"the checklist expands to more than {MAX_NODES:,} YAML nodes "
                           "here (aliases count as often as they are used)", mark)

    peek_event: Any  # the parser's, mixed in by _Loader

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                raise _Refused(f"alias *{event.anchor} refers to itself "
                               f"(it sits inside &{event.anchor})", event.start_mark)
            self.count(self.anchor_sizes.get(event.anchor or "", 0), event.start_mark)
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        before = self.expanded
        self.count(1, event.start_mark)
        anchor = event.anchor
        if anchor is not None:
            self.open_anchors.add(anchor)
        node = super().compose_node(parent, index)
        if anchor is not None:
            self.open_anchors.discard(anchor)
            self.anchor_sizes[anchor] = self.expanded - before
        self.depth -= 1
        return node


class _PythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own parser, where libyaml is not available."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


_Parser: type
try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # a PyYAML built without libyaml
    _Parser = _PythonParser


class _Loader(_BoundedComposer, _Parser, yaml.resolver.Resolver):  # type: ignore[misc]
    """Events from libyaml (fast), composed by the bounded composer, resolved safely."""

    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)  # type: ignore[misc]  # _Parser is one of two bases
        _BoundedComposer.__init__(self)
        yaml.resolver.Resolver.__init__(self)


def _construct(node: yaml.Node, scalars: yaml.constructor.SafeConstructor) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = LDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, scalars)
            key = str(key)
            out[key] = _construct(value_node, scalars)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LList(_construct(v, scalars) for v in node.value)
        seq.line = node.start_mark.line + 1
        return seq
    if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number of {len(node.value):,} characters ({node.value[:20]}…); "
                       f"numbers here have at most {MAX_NUMBER_CHARS}", node.start_mark)
    try:
        # only the safe scalar tags are known here: !!python/... is refused, never run
        return scalars.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise _Refused(f"cannot read this value: {problem}", node.start_mark) from None
    except (ValueError, LookupError, TypeError, ArithmeticError):
        kind = node.tag.rsplit(":", 1)[-1]
        raise _Refused(f"cannot read the value {node.value[:40]!r} as a {kind}",
                       node.start_mark) from None


def _line_at(data: bytes | str, offset: int) -> int:
    if isinstance(data, bytes):
        return data.count(b"\n", 0, offset) + 1
    return data.count("\n", 0, offset) + 1


def _read_text(path: Path) -> str:
    """The file's text, refusing more than MAX_FILE_BYTES before reading it all."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise GovauditError(_("{path}: no such checklist file").format(path=path)) from None
    except OSError as exc:
        raise GovauditError(_("{path}: cannot read: {error}").format(
            path=path, error=exc)) from None
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # a zip (xlsx) or an OLE (xls) file
        raise ChecklistError(str(path), [
            _("{path}: an Excel workbook, not checklist YAML").format(path=path)],
            hint="checklist_import", hint_args={"path": path})
    if len(data) > MAX_FILE_BYTES:
        line = _line_at(data, MAX_FILE_BYTES)
        raise ChecklistError(str(path), [
            _(
                "{path}:{line}: the file goes on past {value} MB here; a checklist may be at "
                "most that (the built-in ones are under 200 KB)").format(
                path=path, line=line, value=MAX_FILE_BYTES // 2 ** 20)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ChecklistError(str(path), [
            _(
                "{path}:{line_at}: not UTF-8 text: {reason} (byte {data:#04x}); save the "
                "checklist as UTF-8").format(
                path=path, line_at=_line_at(data, exc.start), reason=exc.reason,
                data=data[exc.start])]) from None
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:
        raise ChecklistError(str(path), [
            _("{path}:{line_at}: character {ord:#06x} is not allowed in YAML").format(
                path=path, line_at=_line_at(text, bad.start()), ord=ord(bad[0]))])
    return text


def read_yaml(path: Path) -> Any:
    """Parse YAML keeping line numbers; malformed or oversized YAML is one clear error."""
    text = _read_text(path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return _construct(node, yaml.constructor.SafeConstructor()) if node else None
    except _Refused as exc:
        line = exc.problem_mark.line + 1
        raise ChecklistError(str(path), [_("{path}:{line}: {problem}").format(
            path=path, line=line, problem=exc.problem)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ChecklistError(str(path), [_("{where}: malformed YAML: {problem}").format(
            where=where, problem=problem)]) from None
    finally:
        loader.dispose()


class _Builder:
    """Walks the parsed YAML, collecting problems instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[str] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(f"{self.path}:{line}: {message}")

    def line_of(self, mapping: Any, key: str | None = None) -> int:
        if key is not None and key in getattr(mapping, "key_lines", {}):
            return int(mapping.key_lines[key])
        return getattr(mapping, "line", 0)

    def unknown_keys(self, mapping: LDict, allowed: set[str], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.problem(self.line_of(mapping, key), f"unknown key {key!r} in {what} "
                             f"(known: {known})")

    def text(self, mapping: LDict, key: str, what: str, required: bool = True) -> str:
        value = mapping.get(key)
        if value is None:
            if required:
                self.problem(self.line_of(mapping), f"{what} has no {key!r}")
            return ""
        if isinstance(value, (dict, list)):
            self.problem(self.line_of(mapping, key), f"{what}: {key!r} must be text")
            return ""
        return str(value).strip()

    def auto(self, item: LDict, qid: str) -> str:
        """A question's `auto:`: one probe key, or a list of them (joined by ", ")."""
        value = item.get("auto")
        if isinstance(value, list) and all(isinstance(k, str) and k.strip() for k in value):
            return ", ".join(k.strip() for k in value)
        return self.text(item, "auto", f"question {qid}", required=False)

    def number(self, value: Any, line: int, what: str) -> float | None:
        """A finite number within ±MAX_NUMBER, or None and a problem."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kinds: dict[type, str] = {list: "a list", LList: "a list", LDict: "a mapping"}
            shown = kinds.get(type(value),
                              repr(value if not isinstance(value, str) else value[:40]))
            self.problem(line, f"{what} is not numeric: {shown}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(line, f"{what} must be a finite number, not {value!r}")
            return None
        if abs(value) > MAX_NUMBER:
            self.problem(line, f"{what} is out of range (at most {MAX_NUMBER:,})")
            return None
        return float(value)

    # -- checklist ---------------------------------------------------------------

    scheme: str = "weighted"

    def build(self, data: Any) -> Checklist | None:
        if not isinstance(data, LDict):
            self.problem(1, "a checklist must be a YAML mapping with id, name, levels, indicators")
            return None
        self.unknown_keys(data, CHECKLIST_KEYS, "the checklist")
        cid = self.text(data, "id", "the checklist")
        if cid and not ID_PATTERN.match(cid):
            self.problem(self.line_of(data, "id"), f"checklist id {cid!r} must be ASCII "
                         "letters, digits, '-' or '_'")
        name = self.text(data, "name", "the checklist")
        version = self.text(data, "version", "the checklist")
        unweighted = bool(data.get("unweighted", False))
        levels = self.levels(data)
        self.scheme = self.choice_of(data, "scheme", SCHEMES)
        publish = self.choice_of(data, "publish", PUBLISH)
        self.unpublished: list[str] = []
        grades_source = ""
        if isinstance(data.get("grades"), LDict):
            grades_source = self.text(data["grades"], "source", "grades", required=False)
        grades, preset_source = self.grades(data)
        grades_source = grades_source or preset_source
        groups = self.groups(data, levels)
        bonus_rule = self.choice_of(data, "bonus_rule", BONUS_RULES)
        na_indicator = self.choice_of(data, "na_indicator", NA_INDICATOR_RULES)
        above_100 = self.choice_of(data, "above_100", ABOVE_100_RULES)
        self.bonus_scale = self.scale(data)
        bonus_cap = None
        if "bonus_cap" in data:
            bonus_cap = self.number(data["bonus_cap"], self.line_of(data, "bonus_cap"), "bonus_cap")
        self.leaves: list[Indicator] = []
        self.tops: list[TopIndicator] = []
        self.node_ids: dict[str, int] = {}
        nodes = data.get("indicators")
        if not isinstance(nodes, list) or not nodes:
            self.problem(self.line_of(data, "indicators") or 1, "the checklist has no indicators")
            nodes = []
        default_part = DEDUCTION if self.scheme == "deduction" else MAIN
        for position, node in enumerate(nodes, 1):
            self.node(node, (), (), str(position), levels, default_part, unweighted, top=True)
        settings = self.deduction_settings(data, levels)
        self.check_relevant()
        self.check_totals(data, levels, unweighted, bonus_rule, bonus_cap)
        if self.problems:
            return None
        return Checklist(
            id=cid, name=name, version=version, levels=tuple(levels), indicators=self.leaves,
            tops=self.tops, grades=grades, bonus_cap=bonus_cap,
            source=self.text(data, "source", "", required=False),
            description=self.text(data, "description", "", required=False),
            unweighted=unweighted, path=self.path, grades_source=grades_source,
            groups=groups, bonus_rule=bonus_rule, na_indicator=na_indicator,
            above_100=above_100, scheme=self.scheme, publish=publish,
            unpublished=tuple(self.unpublished), **settings,
        )

    def levels(self, data: LDict) -> list[str]:
        levels = data.get("levels")
        if not isinstance(levels, list) or not levels:
            self.problem(self.line_of(data, "levels") or self.line_of(data),
                         "'levels' must be a non-empty list, e.g. [province, city, county]")
            return []
        out = []
        for level in levels:
            if not isinstance(level, str) or not ID_PATTERN.match(level):
                self.problem(_line(levels), f"level {level!r} must be an ASCII name")
            elif level in out:
                self.problem(_line(levels), f"level {level!r} is listed twice")
            else:
                out.append(level)
        return out

    def choice_of(self, data: LDict, key: str, allowed: tuple[str, ...]) -> str:
        """A setting with a fixed set of values; the first is the default."""
        value = data.get(key, allowed[0])
        if value not in allowed:
            self.problem(self.line_of(data, key), f"{key} {value!r} must be one of "
                         f"{', '.join(allowed)}")
            return allowed[0]
        return str(value)

    def groups(self, data: LDict, levels: list[str]) -> tuple[RankGroup, ...]:
        """Declared ranking groups: [{name, levels}], in display order."""
        raw = data.get("groups")
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.problem(self.line_of(data, "groups"),
                         "'groups' must be a list of {name, levels}")
            return ()
        out: list[RankGroup] = []
        for item in raw:
            line: int = getattr(item, "line", _line(raw))
            if not isinstance(item, LDict):
                self.problem(line, "a group must be a mapping {name, levels}")
                continue
            self.unknown_keys(item, {"name", "levels"}, "a group")
            name = self.text(item, "name", "a group")
            glevels = item.get("levels")
            if not isinstance(glevels, list) or not glevels:
                self.problem(line, f"group {name or '?'}: 'levels' must be a non-empty list "
                             f"(levels: {', '.join(levels)})")
                glevels = []
            for level in glevels:
                if level not in levels:
                    self.problem(self.line_of(item, "levels"), f"group {name}: unknown level "
                                 f"{level!r} (levels: {', '.join(levels)})")
            if name in {g.name for g in out}:
                self.problem(line, f"group {name!r} is listed twice")
            elif name:
                out.append(RankGroup(name, tuple(str(lv) for lv in glevels)))
        return tuple(out)

    def scale(self, data: LDict) -> tuple[Choice, ...]:
        """bonus_scale: [{label, points}], the expert scale of one case; points ÷ the top."""
        raw = data.get("bonus_scale")
        if raw is None:
            return ()
        line = self.line_of(data, "bonus_scale")
        if not isinstance(raw, list) or len(raw) < 2 or not all(
                isinstance(c, LDict) and {"label", "points"} <= set(c) for c in raw):
            self.problem(line, "'bonus_scale' must list at least two {label, points}")
            return ()
        points = [self.number(c["points"], getattr(c, "line", line),
                              f"bonus_scale points of {c['label']}") for c in raw]
        top = max((p for p in points if p is not None), default=0.0)
        if top <= 0 or any(p is not None and p < 0 for p in points):
            self.problem(line, "bonus_scale points must be ≥ 0 with a top above 0")
            return ()
        return tuple(Choice(str(c["label"]), round((p or 0.0) / top, 6))
                     for c, p in zip(raw, points, strict=True))

    def grades(self, data: LDict) -> tuple[tuple[Grade, ...], str]:
        """The bands (highest first) and, for a preset, where they are published."""
        raw = data.get("grades")
        if isinstance(raw, str):
            raw = LDict(preset=raw)
            raw.line, raw.key_lines = self.line_of(data, "grades"), {}
        if isinstance(raw, LDict) and "preset" in raw:  # {preset: cstc-2023}
            self.unknown_keys(raw, {"preset", "source"}, "grades")
            preset = GRADE_PRESETS.get(str(raw["preset"]))
            if preset is None:
                self.problem(self.line_of(raw, "preset"), f"grades preset {raw['preset']!r} "
                             f"is not one of {', '.join(GRADE_PRESETS)}")
                return (), ""
            source, bands = preset
            ordered = sorted(bands, key=lambda b: -b[1])
            return tuple(Grade(n, lo, float("inf") if i == 0 else hi)
                         for i, (n, lo, hi) in enumerate(ordered)), source
        return self.grade_bands(data, raw), ""

    def grade_bands(self, data: LDict, raw: Any) -> tuple[Grade, ...]:
        if isinstance(raw, LDict):  # {source, bands}
            self.unknown_keys(raw, {"source", "bands"}, "grades")
            raw = raw.get("bands")
            if raw is None:
                self.problem(self.line_of(data, "grades"), "grades has no 'bands'")
                return ()
        if raw is None:
            if self.scheme == "deduction":
                return ()  # the verdict is 合格/不合格; bands only where the scheme has them
            return tuple(Grade(n, lo, hi) for n, lo, hi in DEFAULT_GRADES)
        out = []
        if not isinstance(raw, list) or not raw:
            self.problem(self.line_of(data, "grades"),
                         "'grades' must be a list of {name, min, max}")
            return ()
        for item in raw:
            line: int = getattr(item, "line", _line(raw))
            if not isinstance(item, LDict) or not {"name", "min"} <= set(item):
                self.problem(line, "a grade needs name, min and max (the top band may omit max)")
                continue
            self.unknown_keys(item, {"name", "min", "max"}, "a grade")
            lo = self.number(item["min"], line, f"grade {item['name']} min")
            # the top band is open-ended: its max (if any) is where the legend stops
            hi = (self.number(item["max"], line, f"grade {item['name']} max") if "max" in item
                  else float("inf"))
            if lo is not None and hi is not None:
                if lo >= hi:
                    self.problem(line, f"grade {item['name']}: min {lo:g} is not below max {hi:g}")
                out.append(Grade(str(item["name"]), lo, hi))
        ordered = sorted(out, key=lambda g: g.min)
        for below, above in zip(ordered, ordered[1:], strict=False):
            if below.max != above.min:
                self.problem(_line(raw), f"grades {below.name} and {above.name} leave a gap or "
                             f"overlap ({below.max:g} vs {above.min:g})")
        return tuple(sorted(out, key=lambda g: -g.min))

    # -- the indicator tree ------------------------------------------------------

    def node(self, node: Any, path: tuple[str, ...], path_ids: tuple[str, ...], code: str,
             levels: list[str], part: str, unweighted: bool, top: bool = False) -> None:
        if not isinstance(node, LDict):
            self.problem(getattr(node, "line", 0), "an indicator must be a mapping")
            return
        self.unknown_keys(node, NODE_KEYS, "an indicator")
        nid = self.text(node, "id", "an indicator")
        name = self.text(node, "name", f"indicator {nid or '?'}")
        if nid:
            if not ID_PATTERN.match(nid):
                self.problem(self.line_of(node, "id"), f"indicator id {nid!r} must be ASCII "
                             "letters, digits, '-' or '_'")
            if nid in self.node_ids:
                self.problem(self.line_of(node, "id"), f"duplicate indicator id {nid!r} "
                             f"(first at line {self.node_ids[nid]})")
            else:
                self.node_ids[nid] = self.line_of(node, "id")
        code = str(node.get("code", code))
        part = self.part_of(node, nid, part)
        bonus = part == BONUS
        if top:
            self.tops.append(TopIndicator(nid, code, name, bonus, part))
        path, path_ids = path + (name,), path_ids + (nid,)
        children, questions = node.get("children"), node.get("questions")
        if children is not None and questions is not None:
            self.problem(self.line_of(node), f"indicator {nid}: has both children and questions")
        if children is not None:
            if not isinstance(children, list) or not children:
                self.problem(self.line_of(node, "children"), f"indicator {nid}: empty children")
                return
            if "weights" in node:
                self.problem(self.line_of(node, "weights"), f"indicator {nid}: weights belong "
                             "on leaves; use 'total' on a branch")
            for position, child in enumerate(children, 1):
                self.node(child, path, path_ids, f"{code}.{position}", levels, part, unweighted)
            return
        unpublished: set[str] = set()
        if part in (VETO, SCOPE):
            if "weights" in node:
                self.problem(self.line_of(node, "weights"), f"indicator {nid}: a {part} item "
                             "has no weights (veto: any one found is 不合格; scope: not scored)")
            weights: dict[str, float | None] = {level: None for level in levels}
        else:
            weights = self.weights(node, nid, levels, unweighted, unpublished)
        indicator = Indicator(
            id=nid, code=code, name=name, path=path, path_ids=path_ids,
            description=self.text(node, "description", "", required=False),
            weights=weights, bonus=bonus, part=part, unpublished=frozenset(unpublished),
        )
        if not isinstance(questions, list) or not questions:
            self.problem(self.line_of(node), f"indicator {nid}: a leaf needs questions")
        else:
            seen: dict[str, int] = {}
            for item in questions:
                question = self.question(item, indicator, levels, seen)
                if question:
                    indicator.questions.append(question)
        self.leaves.append(indicator)

    def part_of(self, node: LDict, nid: str, inherited: str) -> str:
        """A node's part of the scheme: its own `part` (or `bonus: true`), else its parent's."""
        raw = node.get("part")
        if raw is None:
            return BONUS if node.get("bonus") else inherited
        allowed = SCHEME_PARTS[self.scheme]
        if raw not in PARTS or raw not in allowed:
            self.problem(self.line_of(node, "part"), f"indicator {nid}: part {raw!r} must be "
                         f"one of {', '.join(allowed)} in a {self.scheme} checklist")
            return inherited
        return str(raw)

    def weights(self, node: LDict, nid: str, levels: list[str], unweighted: bool,
                unpublished: set[str]) -> dict[str, float | None]:
        raw = node.get("weights")
        line = self.line_of(node, "weights") or self.line_of(node)
        if unweighted:
            if raw is not None:
                self.problem(line, f"indicator {nid}: weights given in an unweighted checklist")
            return {level: None for level in levels}
        if raw is None:
            self.problem(self.line_of(node), f"indicator {nid}: no weights")
            return {}
        if not isinstance(raw, dict):
            raw = {level: raw for level in levels}
            lines = {level: line for level in levels}
        else:
            lines = {level: self.line_of(raw, level) for level in raw}
        out: dict[str, float | None] = {}
        for level, value in raw.items():
            if level not in levels:
                self.problem(lines[level], f"indicator {nid}: weight for unknown "
                             f"level {level!r} (levels: {', '.join(levels)})")
                continue
            if self.is_unpublished(value):
                if self.scheme != "deduction":
                    self.problem(lines[level], f"indicator {nid}: 'unpublished' points are for "
                                 "the items of a deduction scheme")
                unpublished.add(level)
                out[level] = None
                continue
            out[level] = self.weight_value(value, lines[level], nid, level)
        if unpublished:
            where = ", ".join(level for level in levels if level in unpublished)
            self.note_unpublished(line, f"indicator {nid} ({where}): its points")
        return {level: out.get(level) for level in levels}

    @staticmethod
    def is_unpublished(value: Any) -> bool:
        return isinstance(value, str) and value.strip().lower() in UNPUBLISHED

    def note_unpublished(self, line: int, what: str) -> None:
        """A figure the published text does not give (the team sets it), listed, not refused."""
        note = f"{self.path}:{line}: {what}: not published; set by the team"
        if note not in self.unpublished:
            self.unpublished.append(note)

    def weight_value(self, value: Any, line: int, nid: str, level: str) -> float | None:
        if value is None or (isinstance(value, str) and value.strip() in NOT_ASSESSED):
            return None
        at = f" at {level}" if level else ""
        number = self.number(value, line, f"indicator {nid}: weight{at}")
        if number is not None and number < 0:
            self.problem(line, f"indicator {nid}: negative weight{at}")
        return number

    def question(self, item: Any, indicator: Indicator, levels: list[str],
                 seen: dict[str, int]) -> Question | None:
        line = getattr(item, "line", 0)
        if not isinstance(item, LDict):
            self.problem(line, f"indicator {indicator.id}: a question must be a mapping")
            return None
        self.unknown_keys(item, QUESTION_KEYS, f"question of {indicator.id}")
        local = self.text(item, "id", f"a question of {indicator.id}")
        if local and not ID_PATTERN.match(local):
            self.problem(self.line_of(item, "id"), f"question id {local!r} must be ASCII")
        if local in seen:
            self.problem(self.line_of(item, "id"), f"duplicate question id "
                         f"{indicator.id}.{local} (first at line {seen[local]})")
        seen[local] = self.line_of(item, "id")
        qid = f"{indicator.id}.{local}"
        qtype = self.text(item, "type", f"question {qid}")
        if qtype and qtype not in QUESTION_TYPES:
            self.problem(self.line_of(item, "type"), f"question {qid}: unknown type {qtype!r} "
                         f"(one of {', '.join(QUESTION_TYPES)})")
        points = 1.0
        if "points" in item:
            number = self.number(item["points"], self.line_of(item, "points"),
                                 f"question {qid}: points")
            points = number or 0.0
            if number is not None and number <= 0:
                self.problem(self.line_of(item, "points"), f"question {qid}: points must be > 0")
        if indicator.bonus and qtype == "graded" and "choices" not in item and self.bonus_scale:
            choices = self.bonus_scale
        else:
            choices = self.choices(item, qid, qtype)
        qlevels = item.get("levels") or []
        if not isinstance(qlevels, list):
            qlevels = [qlevels]
        for level in qlevels:
            if level not in levels:
                self.problem(self.line_of(item, "levels"), f"question {qid}: unknown level "
                             f"{level!r}")
        pages = item.get("pages") or []
        if isinstance(pages, str):
            pages = [pages]
        relevant = None
        if item.get("relevant") is not None:
            relevant = self.condition(str(item["relevant"]), indicator.id,
                                      self.line_of(item, "relevant"), qid)
        figures = self.part_figures(item, indicator, qid, qtype)
        return Question(
            id=qid, local_id=local, indicator_id=indicator.id, type=qtype,
            text=self.text(item, "text", f"question {qid}"), points=points,
            choices=choices, relevant=relevant,
            hint=self.text(item, "hint", "", required=False),
            pages=tuple(str(p) for p in pages),
            auto=self.auto(item, qid),
            levels=tuple(str(lv) for lv in qlevels),
            unit=self.text(item, "unit", "", required=False),
            part=indicator.part, deduct=figures.get("deduct"), cap=figures.get("cap"),
            veto_at=figures.get("veto_at"), add=figures.get("add"),
        )

    # the figures each part's questions may carry, and the kinds of question it takes
    PART_FIGURES = {VETO: ("veto_at",), DEDUCTION: ("deduct", "cap"), BONUS: ("add",),
                    REVIEW: ("add",)}
    PART_TYPES = {VETO: ("yes_no", "count", "text"), DEDUCTION: ("yes_no", "count", "text")}

    def part_figures(self, item: LDict, indicator: Indicator, qid: str,
                     qtype: str) -> dict[str, float | None]:
        """deduct / cap / veto_at / add of a question, checked against its part."""
        part = indicator.part
        allowed = self.PART_FIGURES.get(part, ()) if self.scheme == "deduction" else ()
        types = self.PART_TYPES.get(part)
        if types and qtype in QUESTION_TYPES and qtype not in types:
            self.problem(self.line_of(item, "type"), f"question {qid}: a {part} item asks "
                         f"{' or '.join(types)} questions (a problem found, or how many)")
        out: dict[str, float | None] = {}
        for key in ("deduct", "cap", "veto_at", "add"):
            if key not in item:
                continue
            line = self.line_of(item, key)
            if key not in allowed:
                self.problem(line, f"question {qid}: {key!r} belongs to the "
                             f"{self.figure_part(key)} items of a deduction scheme")
                continue
            if qtype == "text" or (key == "veto_at" and qtype != "count"):
                self.problem(line, f"question {qid}: {key!r} needs a "
                             f"{'count' if key == 'veto_at' else 'yes/no or count'} question")
                continue
            if key == "deduct" and self.is_unpublished(item[key]):
                self.note_unpublished(line, f"question {qid}: the points it deducts")
                out[key] = None
                continue
            number = self.number(item[key], line, f"question {qid}: {key}")
            if number is not None and number <= 0:
                self.problem(line, f"question {qid}: {key} must be > 0")
            out[key] = number
        if part == DEDUCTION and self.scheme == "deduction" and qtype in ("yes_no", "count") \
                and "deduct" not in item:
            self.problem(self.line_of(item), f"question {qid}: a deduction question needs "
                         "'deduct' (the points per occurrence, or 'unpublished')")
        if (part in (BONUS, REVIEW) and self.scheme == "deduction" and qtype == "count"
                and "add" not in item):
            self.problem(self.line_of(item), f"question {qid}: a count in a {part} item needs "
                         "'add' (the points per occurrence): it has no benchmark to compare to")
        if "cap" in out and "deduct" not in item:
            self.problem(self.line_of(item, "cap"), f"question {qid}: 'cap' limits 'deduct'")
        return out

    @staticmethod
    def figure_part(key: str) -> str:
        return {"veto_at": "veto", "add": "bonus or review"}.get(key, "deduction")

    def choices(self, item: LDict, qid: str, qtype: str) -> tuple[Choice, ...]:
        raw = item.get("choices")
        line = self.line_of(item, "choices") or self.line_of(item)
        if qtype != "graded":
            if raw is not None:
                self.problem(line, f"question {qid}: choices only apply to graded questions")
            return ()
        if not isinstance(raw, list) or len(raw) < 2:
            self.problem(line, f"question {qid}: a graded question needs at least two choices")
            return ()
        out: list[Choice] = []
        if all(not isinstance(c, dict) for c in raw):
            step = 1 / (len(raw) - 1)
            out = [Choice(str(c), round(1 - i * step, 6)) for i, c in enumerate(raw)]
        else:
            for c in raw:
                if not isinstance(c, dict) or "label" not in c or "fraction" not in c:
                    self.problem(getattr(c, "line", line),
                                 f"question {qid}: a choice needs label and fraction")
                    continue
                fraction = self.number(c["fraction"], getattr(c, "line", line),
                                       f"question {qid}: fraction of {c['label']}")
                if fraction is not None and not 0 <= fraction <= 1:
                    self.problem(getattr(c, "line", line),
                                 f"question {qid}: fraction of {c['label']} must be 0–1")
                out.append(Choice(str(c["label"]), fraction or 0.0))
        labels = [c.label for c in out]
        if len(set(labels)) != len(labels):
            self.problem(line, f"question {qid}: duplicate choice labels")
        reserved = {"na", "unknown", "不适用", "无法判断"} & set(labels)
        if reserved:
            self.problem(line, f"question {qid}: choice {sorted(reserved)[0]!r} is reserved "
                         "(na and unknown are always available)")
        return tuple(out)

    def condition(self, source: str, indicator_id: str, line: int, qid: str) -> Condition | None:
        match = _RELEVANT.match(source)
        if not match:
            self.problem(line, f"question {qid}: relevant {source!r} is not of the form "
                         "'q1 == yes', 'q1 != no' or 'q1 in [yes, na]'")
            return None
        target = match["q"] if "." in match["q"] else f"{indicator_id}.{match['q']}"
        rest = match["rest"].strip()
        if match["op"].strip() in ("in", "not in"):
            values = [v.strip().strip("'\"") for v in rest.strip("[]").split(",") if v.strip()]
        else:
            values = [rest.strip("'\"")]
        self.pending.append((target, line, qid, source))
        return Condition(target, frozenset(values), match["op"].strip() in ("!=", "not in"),
                         source)

    pending: list[tuple[str, int, str, str]]
    bonus_scale: tuple[Choice, ...] = ()

    def check_relevant(self) -> None:
        known = {q.id: q for i in self.leaves for q in i.questions}
        order = list(known)
        for target, line, qid, source in self.pending:
            if target not in known:
                self.problem(line, f"question {qid}: relevant {source!r} names an unknown "
                             f"question {target!r}")
            elif target == qid or (qid in known and order.index(target) > order.index(qid)):
                self.problem(line, f"question {qid}: relevant must name an earlier question")
            else:
                condition = known[qid].relevant if qid in known else None
                for value in condition.values if condition else ():
                    try:
                        known[target].parse_value(value)
                    except ValueError:
                        self.problem(line, f"question {qid}: relevant value {value!r} does not "
                                     f"fit {target} ({known[target].type})")

    def deduction_settings(self, data: LDict, levels: list[str]) -> dict[str, Any]:
        """pass_line, bonus_above, scaled, veto_score and review of a deduction scheme, their
        arithmetic checked against totals.main and the items' points."""
        if self.scheme != "deduction":
            for key in DEDUCTION_KEYS:
                if key in data:
                    self.problem(self.line_of(data, key), f"{key!r} belongs to a deduction "
                                 "scheme (scheme: deduction)")
            return {}
        totals = data.get("totals")
        full = None
        if isinstance(totals, dict) and "main" in totals:
            full = self.number(totals["main"], self.line_of(data, "totals"), "totals main")
        if full is None or full <= 0:
            self.problem(self.line_of(data, "totals") or self.line_of(data), "a deduction "
                         "scheme needs totals: {main: N}: the score before any deduction")
            full = None
        out: dict[str, Any] = {"full_marks": full}
        for key, low in (("pass_line", 0.0), ("bonus_above", 0.0), ("veto_score", 0.0)):
            if key not in data:
                out[key] = None
                continue
            value = self.number(data[key], self.line_of(data, key), key)
            if value is not None and full is not None and not low <= value <= full:
                self.problem(self.line_of(data, key), f"{key} {value:g} must lie between "
                             f"{low:g} and totals main {full:g}")
            out[key] = value
        if (out["pass_line"] is not None and out["bonus_above"] is not None
                and out["bonus_above"] < out["pass_line"]):
            self.problem(self.line_of(data, "bonus_above"), f"bonus_above {out['bonus_above']:g}"
                         f" is below pass_line {out['pass_line']:g}: a failing site would earn "
                         "bonus")
        if any(leaf.part == BONUS for leaf in self.leaves) and out["bonus_above"] is None:
            self.problem(self.line_of(data), "bonus items need bonus_above: the part-2 score "
                         "the bonus is scored above (the 2019 inspection: 80)")
        out["review_weight"] = self.review_weight(data, levels)
        out["scaled"] = self.scaled_parts(data, levels, full)
        return out

    def review_weight(self, data: LDict, levels: list[str]) -> float | None:
        """review: {weight: W}: the expert review's share of the final score (0 < W < 1)."""
        reviewed = [leaf for leaf in self.leaves if leaf.part == REVIEW]
        raw = data.get("review")
        if raw is None:
            if reviewed:
                self.problem(self.line_of(data), "review items need review: {weight: W}, the "
                             "share of the expert review in the final score")
            return None
        line = self.line_of(data, "review")
        if not isinstance(raw, LDict) or "weight" not in raw:
            self.problem(line, "'review' must be {weight: W}, e.g. {weight: 0.3}")
            return None
        self.unknown_keys(raw, {"weight"}, "review")
        weight = self.number(raw["weight"], line, "review weight")
        if weight is not None and not 0 < weight < 1:
            self.problem(line, f"review weight {weight:g} must lie between 0 and 1 "
                         "(0.3: the inspection counts 70%, the review 30%)")
        if not reviewed:
            self.problem(line, "review: {weight} is given but no indicator has part: review")
        for level in levels:
            total = sum(leaf.weights.get(level) or 0 for leaf in reviewed)
            if reviewed and abs(total - 100) > 1e-9:
                self.problem(line, f"the review items' weights at {level} sum to {total:g}; "
                             "a review is scored out of 100")
        return weight

    def scaled_parts(self, data: LDict, levels: list[str],
                     full: float | None) -> tuple[ScaledPart, ...]:
        """scaled: [{when, skip, factor}]: units without a function skip a part; the rest is
        scored out of what is left and multiplied by the factor (75 × 4/3)."""
        raw = data.get("scaled")
        if raw is None:
            return ()
        line = self.line_of(data, "scaled")
        if not isinstance(raw, list) or not raw:
            self.problem(line, "'scaled' must list {when, skip, factor}")
            return ()
        known = {q.id: q for leaf in self.leaves for q in leaf.questions}
        order = list(known)
        out: list[ScaledPart] = []
        for item in raw:
            where = getattr(item, "line", line)
            if not isinstance(item, LDict) or not {"when", "skip", "factor"} <= set(item):
                self.problem(where, "a scaled part needs when, skip and factor")
                continue
            self.unknown_keys(item, {"when", "skip", "factor"}, "a scaled part")
            when = self.condition(str(item["when"]), "", self.line_of(item, "when"), "scaled")
            if when is not None:
                self.pending.pop()  # checked here, against the questions it skips
            skip = item["skip"] if isinstance(item["skip"], list) else [item["skip"]]
            leaves = [leaf for leaf in self.leaves
                      if any(str(s) in leaf.path_ids for s in skip)]
            for node_id in skip:
                if str(node_id) not in self.node_ids:
                    self.problem(self.line_of(item, "skip"), f"scaled: skip names an unknown "
                                 f"indicator {node_id!r}")
            if any(leaf.part != DEDUCTION for leaf in leaves):
                self.problem(self.line_of(item, "skip"), "scaled: skip names items of the "
                             "deduction part only")
            factor = self.factor(item["factor"], self.line_of(item, "factor"))
            if when is None or factor is None:
                continue
            if when.question not in known:
                self.problem(self.line_of(item, "when"), f"scaled: when {when.source!r} names "
                             f"an unknown question {when.question!r}")
                continue
            for leaf in leaves:
                for question in leaf.questions:
                    if order.index(question.id) < order.index(when.question):
                        self.problem(self.line_of(item, "when"), f"scaled: {when.question} "
                                     f"must come before the questions it skips ({question.id})")
                        break
                    question.unless = (*question.unless, when)
            self.check_factor(item, levels, leaves, full, factor)
            out.append(ScaledPart(when, tuple(str(s) for s in skip), factor))
        return tuple(out)

    def factor(self, raw: Any, line: int) -> float | None:
        """A factor written as a number or as a fraction ('4/3', as published)."""
        if isinstance(raw, str):
            match = _FRACTION.match(raw)
            if match and float(match[2]) > 0:
                return float(match[1]) / float(match[2])
            self.problem(line, f"scaled factor {raw!r} must be a number or a fraction like 4/3")
            return None
        value = self.number(raw, line, "scaled factor")
        if value is not None and value <= 0:
            self.problem(line, "scaled factor must be > 0")
            return None
        return value

    def check_factor(self, item: LDict, levels: list[str], leaves: list[Indicator],
                     full: float | None, factor: float) -> None:
        """factor = full marks ÷ (full marks − the skipped points), at every level."""
        if full is None:
            return
        for level in levels:
            if any(level in leaf.unpublished for leaf in leaves):
                self.note_unpublished(self.line_of(item, "factor"), f"scaled factor at {level} "
                                      "(the skipped points are not published): check")
                continue
            skipped = sum(leaf.weights.get(level) or 0 for leaf in leaves)
            if skipped >= full:
                self.problem(self.line_of(item, "skip"), f"scaled: the skipped items hold "
                             f"{skipped:g} of {full:g} points at {level}: nothing is left")
                continue
            expected = full / (full - skipped)
            if abs(expected - factor) > 1e-9:
                self.problem(self.line_of(item, "factor"), f"scaled factor {factor:.6g} at "
                             f"{level}: the skipped items hold {skipped:g} of {full:g} points, "
                             f"so the rest is scaled by {full:g}/{full - skipped:g} = "
                             f"{expected:.6g}")

    def check_totals(self, data: LDict, levels: list[str], unweighted: bool,
                     bonus_rule: str, bonus_cap: float | None) -> None:
        if unweighted:
            return
        self.check_node_totals(data.get("indicators") or [], levels)
        totals = data.get("totals")
        if self.scheme == "deduction":
            self.check_deduction_totals(data, levels, bonus_rule, bonus_cap)
            return
        if totals is None:
            return
        if not isinstance(totals, dict):
            self.problem(self.line_of(data, "totals"), "'totals' must be {main: N, bonus: N}")
            return
        line = self.line_of(data, "totals")
        declared = {key: self.number(totals[key], line, f"totals {key}")
                    for key in ("main", "bonus") if key in totals}
        for level in levels:
            main = sum(i.weights.get(level) or 0 for i in self.leaves if not i.bonus)
            declared_main, declared_bonus = declared.get("main"), declared.get("bonus")
            if declared_main is not None and abs(main - declared_main) > 1e-9:
                self.problem(line, f"main weights at {level} sum to {main:g}, "
                             f"declared total is {totals['main']}")
            if declared_bonus is not None:
                bonus = max_bonus(self.leaves, level, bonus_rule, bonus_cap)
                if abs(bonus - declared_bonus) > 1e-9:
                    self.problem(line, f"the bonus at {level} reaches {bonus:g}, "
                                 f"declared total is {totals['bonus']}")

    def check_deduction_totals(self, data: LDict, levels: list[str], bonus_rule: str,
                               bonus_cap: float | None) -> None:
        """The items' points at each level make totals.main (at most, while some are not
        published); the bonus reaches totals.bonus."""
        totals = data.get("totals")
        if not isinstance(totals, dict):
            return  # deduction_settings names it
        line = self.line_of(data, "totals")
        full = totals.get("main")
        declared_bonus = totals.get("bonus")
        for level in levels:
            items = [leaf for leaf in self.leaves
                     if leaf.part == DEDUCTION and leaf.assessed_at(level)]
            known = sum(leaf.weights.get(level) or 0 for leaf in items)
            open_items = [leaf.id for leaf in items if level in leaf.unpublished]
            if isinstance(full, int | float) and not isinstance(full, bool):
                if open_items and known > full + 1e-9:
                    self.problem(line, f"the deduction items' points at {level} sum to "
                                 f"{known:g}, more than totals main {full:g}")
                elif not open_items and abs(known - full) > 1e-9:
                    self.problem(line, f"the deduction items' points at {level} sum to "
                                 f"{known:g}, declared total is {full:g}")
            if isinstance(declared_bonus, int | float) and not isinstance(declared_bonus, bool):
                bonus = max_bonus(self.leaves, level, bonus_rule, bonus_cap)
                if bonus and abs(bonus - declared_bonus) > 1e-9:
                    self.problem(line, f"the bonus at {level} reaches {bonus:g}, "
                                 f"declared total is {declared_bonus:g}")

    def check_node_totals(self, nodes: list[Any], levels: list[str]) -> None:
        by_id = {i.id: i for i in self.leaves}
        for node in nodes:
            if not isinstance(node, LDict):
                continue
            if "total" in node:
                leaves = [by_id[n] for n in _leaf_ids(node) if n in by_id]
                declared = node["total"]
                line = self.line_of(node, "total")
                what = f"indicator {node.get('id')}: total"
                if isinstance(declared, dict):
                    wants = {level: self.number(declared[level], line, f"{what} at {level}")
                             for level in levels if declared.get(level) is not None}
                else:
                    want = self.number(declared, line, what)
                    wants = {level: want for level in levels}
                for level, want in wants.items():
                    if want is None:
                        continue
                    if node.get("bonus") and self.scheme == "weighted":
                        have = max((i.weights.get(level) or 0 for i in leaves), default=0)
                    else:
                        have = sum(i.weights.get(level) or 0 for i in leaves)
                    if abs(have - want) > 1e-9:
                        self.problem(line, f"indicator {node.get('id')}: weights at {level} "
                                     f"sum to {have:g}, declared total is {want:g}")
            self.check_node_totals(node.get("children") or [], levels)


def _leaf_ids(node: LDict) -> list[str]:
    children = node.get("children")
    if not children:
        return [str(node.get("id"))]
    return [leaf for child in children if isinstance(child, LDict) for leaf in _leaf_ids(child)]


def _line_key(problem: str) -> tuple[int, str]:
    match = re.search(r":(\d+): ", problem)
    return (int(match[1]) if match else 0, problem)


def max_bonus(indicators: list[Indicator], level: str, rule: str, cap: float | None) -> float:
    """The most bonus a site at `level` can earn: every bonus category at its full weight."""
    return bonus_reached(rule, cap, (i.weights.get(level) or 0 for i in indicators if i.bonus))


def load_checklist(path: str | Path) -> Checklist:
    """Load and validate a checklist file; ChecklistError lists every problem."""
    path = Path(path)
    builder = _Builder(str(path))
    builder.pending = []
    checklist = builder.build(read_yaml(path))
    if checklist is None:
        raise ChecklistError(str(path), sorted(builder.problems, key=_line_key))
    return checklist


def validate_checklist(path: str | Path) -> list[str]:
    """Every problem in a checklist file, as 'file:line: message' (empty when valid)."""
    try:
        load_checklist(path)
    except ChecklistError as exc:
        return exc.problems
    return []


def builtin_dir() -> Path:
    """The built-in checklists: inside the installed wheel, or the source checkout's."""
    packaged = Path(str(resources.files("govaudit"))) / "checklists"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "checklists"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def checklist_path(name_or_path: str | Path) -> Path:
    """A built-in name or a file path; unknown names list the built-ins."""
    text = str(name_or_path)
    candidate = Path(text)
    if text.endswith((".yaml", ".yml")) or candidate.is_file():
        if not candidate.is_file():
            raise GovauditError(_("{candidate}: no such checklist file").format(
                candidate=candidate))
        return candidate
    builtin = builtin_dir() / f"{text}.yaml"
    if builtin.is_file():
        return builtin
    raise GovauditError(
        _("unknown checklist {text!r}: built-in ones are {value}, or give a .yaml file").format(
            text=text, value=', '.join(builtin_names()) or 'none')
    )

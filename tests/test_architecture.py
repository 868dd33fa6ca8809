"""The layers stay as DESIGN.md draws them: commands -> govaudit.Audit -> adapters -> model.

These read the source (AST), so they hold for imports inside functions too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What a command may never touch: persistence and file formats belong to the core.
BANNED_IN_COMMANDS = ("govaudit.store", "tinydb", "openpyxl", "sqlite3", "python_calamine")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for base in ("govaudit", "commands"):
        for path in (ROOT / base).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()
# The front door, and the demo: a short script over it, as a user's would be.
FRONT = ("govaudit.audit", "govaudit.demo")


def _imported(module: str, path: Path) -> set[str]:
    """Every name `module` imports anywhere in its file, made absolute."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _own(name: str) -> str | None:
    """The project module a dotted name lives in, or None for other packages."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


GRAPH = {m: {d for n in _imported(m, p) if (d := _own(n)) and d != m}
         for m, p in MODULES.items()}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("commands")))
def test_commands_never_touch_storage_or_file_formats(module: str):
    banned = sorted(n for n in _imported(module, MODULES[module])
                    if any(n == b or n.startswith(b + ".") for b in BANNED_IN_COMMANDS))
    assert not banned, f"{module} imports {banned}: call a govaudit.Audit method instead"


# The public API a command may use: the package's names (govaudit.__all__), its errors, and
# the message layer (the language, the catalogs' messages, the glossary's names).
PUBLIC = ("govaudit", "govaudit.errors", "govaudit.i18n", "govaudit.glossary")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("commands")))
def test_commands_import_only_the_public_api(module: str):
    """A command imports `govaudit` and `govaudit.errors` only: never a core module."""
    import govaudit

    names = _imported(module, MODULES[module])
    core = sorted({own for n in names if (own := _own(n)) and own.startswith("govaudit")
                   and own not in PUBLIC})
    assert not core, f"{module} imports {core}: use what `govaudit` exports"
    unlisted = sorted(n.removeprefix("govaudit.") for n in names
                      if _own(n) == "govaudit" and n != "govaudit"
                      and n.removeprefix("govaudit.") not in govaudit.__all__)
    assert not unlisted, f"{module} imports {unlisted}, which govaudit does not export"


def test_commands_reach_monitoring_through_audit_methods():
    """`audit.monitor.tick(…)`, never a Monitor opened by a command (`audit.monitor()`)."""
    opened = sorted(f"{module}:{node.lineno}" for module, path in MODULES.items()
                    if module.startswith("commands")
                    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "monitor")
    assert opened == []


def test_every_name_govaudit_exports_can_be_imported():
    import govaudit

    assert all(getattr(govaudit, name) is not None for name in govaudit.__all__)


def test_the_core_never_imports_upwards():
    upward = {m: sorted(d for d in deps if d.startswith("commands")
                        or (d in ("govaudit", "govaudit.audit") and m != "govaudit"))
              for m, deps in GRAPH.items() if m.startswith("govaudit") and m not in FRONT}
    assert {m: d for m, d in upward.items() if d} == {}


def test_the_model_imports_nothing_of_govaudit():
    """Only the messages' language, which imports nothing of govaudit either."""
    assert GRAPH["govaudit.i18n"] == set()
    for module in ("govaudit.model", "govaudit.errors", "govaudit.version"):
        assert GRAPH[module] <= {"govaudit.i18n"}, module


def test_no_import_cycles():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in GRAPH[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert cycles == []


# The rules that read a page, each defined once, in the page model (govaudit.page).
PAGE_RULES = ("find_dates", "publication_date", "age_days", "is_stale", "find_columns",
              "column_state", "link_verdict", "is_soft_404", "find_features",
              "features_present", "client_redirect", "answer_outcome")


def test_one_page_model_and_one_rule_for_each_fact():
    """check's probes and the monitor read pages through govaudit.page alone: the monitor's
    page reader and the probes' own date and feature rules are gone, each page rule has one
    definition, and neither the monitor nor a check parses HTML itself."""
    gone = {"govaudit.monitor.pages", "govaudit.probes.freshness", "govaudit.probes.features"}
    assert gone & set(MODULES) == set()
    defined: dict[str, list[str]] = {}
    for module, path in MODULES.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
                    and node.name in PAGE_RULES:
                defined.setdefault(node.name, []).append(module)
    assert set(defined) == set(PAGE_RULES)
    assert {rule: modules for rule, modules in defined.items()
            if len(modules) != 1 or not modules[0].startswith("govaudit.page.")} == {}
    readers = [m for m in MODULES if m.startswith(("govaudit.monitor", "govaudit.probes.checks"))]
    parsing = {m: sorted(n for n in _imported(m, MODULES[m])
                         if n.startswith(("govaudit.probes.html", "selectolax", "lxml", "bs4",
                                          "html5lib", "html.parser")))
               for m in readers}
    # the content probe still reads its links' elements itself (_hrefs), not Page.links
    assert {m: names for m, names in parsing.items() if names} == {
        "govaudit.probes.checks.content": ["selectolax.lexbor",
                                           "selectolax.lexbor.LexborHTMLParser"]}
    assert all(any(d.startswith("govaudit.page") for d in GRAPH[m]) for m in (
        "govaudit.monitor.visits", "govaudit.probes.checks.freshness",
        "govaudit.probes.checks.features", "govaudit.probes.links", "govaudit.probes.visit"))


# Strings of the core that are not words to a user: the switches of Chromium and initdb, and
# the options i18n reads from a command line to choose the language before the CLI parses it.
NOT_CLI_WORDS = {
    ("govaudit/browser.py", "--disable-background-networking"),
    ("govaudit/browser.py", "--disable-component-update"),
    ("govaudit/browser.py", "--no-first-run"), ("govaudit/browser.py", "--no-sandbox"),
    ("govaudit/browser.py", "--version"),
    ("govaudit/capture/memory.py", "--js-flags=--max-old-space-size="),
    ("govaudit/i18n.py", "--lang"), ("govaudit/i18n.py", "--workspace"),
    ("govaudit/server/cluster.py", "--locale=C.UTF-8"), ("govaudit/server/cluster.py", "--no-sync"),
    ("govaudit/server/cluster.py", "--auth-local="), ("govaudit/server/cluster.py", "--auth-host="),
    ("govaudit/server/cluster.py", "--pwfile="),
}
CLI_WORD = re.compile(r"(?<![\w-])--[a-z]|'govaudit [a-z]")


def _core_strings(path: Path) -> Iterator[tuple[int, str]]:
    """Each string literal of `path` that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docstrings):
            yield node.lineno, node.value


def test_the_core_names_no_cli_option_or_command():
    """Signals, not sentences: the core's messages say what is wrong; the CLI names the
    option or command that helps (an error's hint, OptionError's field)."""
    found = []
    for path in sorted((ROOT / "govaudit").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        for line, text in _core_strings(path):
            if CLI_WORD.search(text) and (name, text) not in NOT_CLI_WORDS:
                found.append(f"{name}:{line}: {text[:80]!r}")
    assert not found, f"{len(found)} core strings name a CLI option or command:\n" + \
        "\n".join(found)


# The front door, which holds the workspace, and the workspace itself: the only modules
# whose functions may take a whole Workspace.
TAKE_A_WORKSPACE = ("govaudit/audit.py", "govaudit/workspace.py")


def _annotation_names(node: ast.expr | None) -> Iterator[str]:
    """Every name an annotation mentions (`Workspace`, `"Workspace"`, `ws.Workspace | None`)."""
    if node is None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            yield sub.id
        elif isinstance(sub, ast.Attribute):
            yield sub.attr


def workspace_takers(root: Path = ROOT) -> list[str]:
    """`path:line function` of every core function with a parameter annotated Workspace,
    outside TAKE_A_WORKSPACE."""
    found: list[str] = []
    for path in sorted((root / "govaudit").rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name in TAKE_A_WORKSPACE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                params = [*args.posonlyargs, *args.args, *args.kwonlyargs,
                          *(a for a in (args.vararg, args.kwarg) if a)]
                if any("Workspace" in _annotation_names(a.annotation) for a in params):
                    found.append(f"{name}:{node.lineno} {node.name}")
    return found


def test_core_functions_take_what_they_use_not_a_workspace():
    """The core takes sites, answers, a store, a checklist, paths and options; only
    govaudit.Audit (and the workspace module) holds a whole Workspace and passes its parts."""
    assert workspace_takers() == []


def test_the_workspace_check_finds_a_function_that_takes_one(tmp_path: Path):
    """The check above can fail: a core function with a Workspace parameter is found, as an
    annotation string or a name among others."""
    core = tmp_path / "govaudit"
    core.mkdir()
    (core / "audit.py").write_text("def fine(ws: Workspace) -> None: ...\n")
    (core / "report.py").write_text(
        "def build(out: Path, *, ws: 'Workspace | None' = None) -> None: ...\n"
        "class Builder:\n    def __init__(self, folder: EvidenceFolder) -> None: ...\n")
    assert workspace_takers(tmp_path) == ["govaudit/report.py:1 build"]


def test_a_command_is_built_only_when_it_is_used(capsys: pytest.CaptureFixture[str]) -> None:
    """`govaudit --help` lists every command from its help alone, and running one builds
    only that one: typer building all of them from their annotations took most of the
    start-up."""
    import typer

    from commands.app import ORDER, app

    root = typer.main.get_command(app)
    assert root.main(["--lang", "en", "--help"], prog_name="govaudit",
                     standalone_mode=False) == 0
    listed = capsys.readouterr().out
    assert all(f"\n  {name} " in listed for name in ORDER)
    assert root.commands.built == []  # type: ignore[attr-defined]
    root.main(["--lang", "en", "answer", "--help"], prog_name="govaudit", standalone_mode=False)
    assert "Record an answer" in capsys.readouterr().out
    assert root.commands.built == ["answer"]  # type: ignore[attr-defined]

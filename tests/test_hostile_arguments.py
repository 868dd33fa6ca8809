"""Arguments and files that used to end in a traceback: one clear error, nothing half-written.

- A CSV field longer than csv.field_size_limit (128 KiB) in a site list or an answer file
  (the CSV files govaudit reads).
- Command-line arguments holding bytes that are not UTF-8 (a name or path typed in
  Latin-1 or GBK), in a UTF-8 locale and under LANG=C: the real program in a subprocess,
  since the point is the bytes of argv.
- `init` never leaves a govaudit.toml that is empty or cut short.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
from pathlib import Path

import pytest
from conftest import GOVAUDIT

from govaudit.store import Store

SITES = [("成都市", "https://cd.example.cn", "city")]
MINI = Path(__file__).parent / "fixtures" / "mini.yaml"
LONG = "长" * 150_000  # 150,000 characters: past the csv module's 131,072


def _one_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert "Traceback" not in output
    return lines[0]


@pytest.mark.parametrize("command", ["sites import", "answer --file"])
def test_a_csv_field_over_the_csv_limit_is_one_clear_error(command: str, make_workspace, cli,
                                                           tmp_path: Path):
    ws = make_workspace(sites=SITES)
    path = tmp_path / "list.csv"
    rows = {"sites import": f"name,url,level\n成都市,https://cd.example.cn,city\n{LONG},"
                            "https://x.example.cn,city\n",
            "answer --file": f"site,question,value,note\n成都市,a1.q1,yes,{LONG}\n"}[command]
    path.write_text(rows, encoding="utf-8")
    args = {"sites import": ["sites", "import", str(path)],
            "answer --file": ["answer", "--file", str(path)]}[command]
    result = cli(*args, cwd=ws.root)
    assert result.exit_code == 1
    line = _one_error(result.output)
    assert f"{path}: line " in line and "131,072 characters" in line
    assert Store(ws).answers() == [] and [s.name for s in Store(ws).sites()] == ["成都市"]


# --- bytes that are not UTF-8 on the command line ---------------------------------------

LOCALES = {"UTF-8 locale": {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
           "LANG=C": {"LANG": "C", "LC_ALL": "C"}}
LATIN1 = "café".encode("latin-1")  # b'caf\xe9'
GBK = "成都市".encode("gbk")


def _run(args: list[str | bytes], cwd: Path, locale: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, **LOCALES[locale]}
    env.pop("PYTHONUTF8", None)
    # the locale is the point here (its encoding); the messages are read in English
    return subprocess.run([*GOVAUDIT, "--lang", "en", *args], cwd=cwd, env=env,
                          capture_output=True, timeout=120, **kwargs)


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


def _usage_error(done: subprocess.CompletedProcess, shown: str) -> None:
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert done.returncode == 2, output
    line = _one_error(done.stderr.decode("utf-8"))
    assert "not UTF-8 text" in line and shown in line


@pytest.mark.parametrize("locale", list(LOCALES))
@pytest.mark.parametrize(("args", "shown"), [
    pytest.param(["sites", "add", LATIN1, "https://a.example.cn", "--level", "city"],
                 "caf\\xe9", id="site-name"),
    pytest.param(["answer", GBK, "a1.q1", "yes"], "\\xb3\\xc9", id="gbk-site"),
    pytest.param(["answer", "成都市", "a1.q1", "yes", "--note", LATIN1], "caf\\xe9",
                 id="note"),
    pytest.param(["import", LATIN1 + b".xlsx"], "caf\\xe9", id="path"),
])
def test_an_argument_that_is_not_utf8_is_one_clear_error(args: list, shown: str, locale: str,
                                                         make_workspace):
    ws = make_workspace(sites=SITES)
    if args[0] == "import":  # the file is there, its name in Latin-1
        Path(os.fsdecode(os.fsencode(ws.root) + b"/" + args[1])).write_bytes(b"PK")
    before = _snapshot(ws.root)
    done = _run(args, ws.root, locale)
    _usage_error(done, shown)
    assert _snapshot(ws.root) == before


@pytest.mark.parametrize("locale", list(LOCALES))
def test_init_with_an_argument_that_is_not_utf8_creates_nothing(locale: str, tmp_path: Path):
    for args in (["init", b"audit-" + LATIN1, "--checklist", str(MINI), "--evaluator", "张三"],
                 ["init", "audit", "--checklist", str(MINI), "--evaluator", LATIN1]):
        done = _run(args, tmp_path, locale)
        _usage_error(done, "caf\\xe9")
        assert list(tmp_path.iterdir()) == []


def test_init_refuses_such_a_name_from_the_library(tmp_path: Path):
    import govaudit

    with pytest.raises(govaudit.GovauditError, match="not UTF-8"):
        govaudit.Audit.create(tmp_path / "audit", checklist=str(MINI),
                              evaluator=os.fsdecode(LATIN1))
    assert list(tmp_path.iterdir()) == []


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))


def test_init_never_leaves_a_govaudit_toml_cut_short(tmp_path: Path):
    """Writes past 64 bytes fail (EFBIG, as on a full disk): no govaudit.toml, not a cut one;
    the same init then works."""
    args = ["init", "audit", "--checklist", "cstc-2020-local", "--evaluator", "张三"]
    done = subprocess.run([*GOVAUDIT, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, preexec_fn=_limit_file_size)
    assert done.returncode == 1, done.stdout + done.stderr
    line = _one_error(done.stderr)
    assert "File too large" in line
    assert not (tmp_path / "audit" / "govaudit.toml").exists()
    assert [p.name for p in (tmp_path / "audit").iterdir() if p.name.endswith(".tmp")] == []
    again = subprocess.run([*GOVAUDIT, *args], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (tmp_path / "audit" / "govaudit.toml").stat().st_size > 64
    status = subprocess.run([*GOVAUDIT, "status"], cwd=tmp_path / "audit", capture_output=True,
                            text=True, timeout=120)
    assert status.returncode == 0, status.stdout + status.stderr


def test_the_check_runs_before_any_command(tmp_path: Path):
    """Even where the command itself would have failed first (no workspace here)."""
    done = _run(["status", "--workspace", LATIN1], tmp_path, "UTF-8 locale")
    _usage_error(done, "caf\\xe9")

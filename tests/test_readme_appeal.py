"""The README's appeal section runs as written: its shell block, verbatim, in a workspace."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from archive_helpers import TSAFiles, tsa_fixtures

from tests.test_docs import README

tsa, tsa_url = tsa_fixtures()
PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>成都市人民政府</title></head>'
        "<body><h1>政务公开</h1></body></html>")
README_TSA = "https://tsa.example/"


def appeal_block() -> str:
    """The first ```sh block after 'For an appeal' in README.md."""
    section = README.split("For an appeal", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found, "README.md has no shell block in its appeal section"
    return found.group(1)


def test_the_readme_appeal_section_runs_as_written(make_workspace, serve_dir, tmp_path: Path,
                                                    tsa: TSAFiles, tsa_url: str) -> None:
    block = appeal_block()
    assert README_TSA in block and "keygen" in block and "verify" in block
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    ws = make_workspace(sites=[("成都市", f"{serve_dir(folder)}/index.html", "city")])
    # what the reader has beside the workspace: the TSA's chain, obtained from the TSA itself
    (ws.root / "tsa-chain.pem").write_bytes(tsa.chain.read_bytes())
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    script = "set -eu\n" + block.replace(README_TSA, tsa_url)  # the only change: the TSA
    done = subprocess.run(["bash", "-c", script], cwd=ws.root, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "signature invalid" not in done.stdout and "BAD" not in done.stdout
    assert (home / ".config" / "govaudit" / "signing-key.pem").is_file()
    verified = subprocess.run(["govaudit", "evidence", "verify", "--json"], cwd=ws.root, env=env,
                              capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    states = {(v["timestamp"], v["signature"]) for v in report["verdicts"]
              if v["kind"] == "manifest"}
    assert states == {("ok", "ok")}, report["verdicts"]
    with zipfile.ZipFile(ws.root / "成都市-evidence.zip") as bundle:
        assert "README.txt" in bundle.namelist()

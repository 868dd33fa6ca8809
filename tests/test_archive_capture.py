"""`govaudit evidence --archive / --tsa` on a real local site, then `evidence verify`."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from archive_helpers import TSAFiles, serve_tsa, tsa_fixtures
from warcio.archiveiterator import ArchiveIterator

from govaudit.model import PageRef
from govaudit.store import Store
from govaudit.workspace import Workspace
from tests.conftest import run_cli

tsa, tsa_url = tsa_fixtures()

WACZ = Path(sys.executable).parent / "wacz"
MARKER = "依申请公开目录-govaudit-marker"
PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>某市政府</title></head>'
        f'<body><h1>政务公开</h1><p>{MARKER}</p></body></html>')
TSA_TIMEOUT_S = 2  # small, so that a slow TSA is given up on quickly


def configure(ws: Workspace, tsa: TSAFiles, **values: str) -> None:
    """An [evidence] section: the TSA chain for verify, a small TSA timeout, and `values`."""
    (ws.root / "chain.pem").write_bytes(tsa.chain.read_bytes())
    lines = ["", "[evidence]", 'tsa_chain = "chain.pem"', f"tsa_timeout = {TSA_TIMEOUT_S}"]
    lines += [f'{key} = "{value}"' for key, value in values.items()]
    with ws.config_path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


@pytest.fixture
def site_ws(make_workspace, serve_dir, tmp_path: Path, tsa: TSAFiles) -> Workspace:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    (folder / "zwgk.html").write_text(PAGE.replace(MARKER, "政策解读-" + MARKER),
                                      encoding="utf-8")
    ws = make_workspace(sites=[("成都市", f"{serve_dir(folder)}/index.html", "city")])
    configure(ws, tsa)
    return ws


def capture(ws: Workspace, *args: str) -> subprocess.CompletedProcess:
    return run_cli("evidence", "--allow-private", *args, cwd=ws.root)


def verify(ws: Workspace) -> tuple[int, dict[str, Any]]:
    done = run_cli("evidence", "verify", "--json", cwd=ws.root)
    return done.returncode, json.loads(done.stdout)


def verdicts(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["path"]: v for v in report["verdicts"]}


def manifest_of(ws: Workspace) -> Path:
    [manifest] = ws.evidence_dir.glob("manifest-*.json")
    return manifest


def warc_text(wacz: Path) -> str:
    """Replay offline: the bodies of every response record in the WACZ's WARC."""
    with zipfile.ZipFile(wacz) as archive:
        [warc_name] = [n for n in archive.namelist() if n.endswith((".warc", ".warc.gz"))]
        warc = archive.read(warc_name)
    bodies = [record.content_stream().read().decode("utf-8", "replace")
              for record in ArchiveIterator(io.BytesIO(warc)) if record.rec_type == "response"]
    return "\n".join(bodies)


def test_archive_is_valid_recorded_and_replays_the_page(site_ws: Workspace) -> None:
    [home] = Store(site_ws).sites()
    Store(site_ws).record_page(PageRef("成都市", home.url.replace("index", "zwgk")))
    done = capture(site_ws, "--archive", "--json")
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)["captures"]
    waczs = [f for r in records for f in r["files"] if f["kind"] == "wacz"]
    assert len(records) == 2 and len(waczs) == 2
    assert any("政策解读-" + MARKER in warc_text(site_ws.root / f["path"]) for f in waczs)
    manifest = json.loads(manifest_of(site_ws).read_text(encoding="utf-8"))
    listed = {f["path"]: f["sha256"] for r in manifest["records"] for f in r["files"]}
    for entry in waczs:
        path = site_ws.root / entry["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert listed[entry["path"]] == entry["sha256"]
        checked = subprocess.run([str(WACZ), "validate", "-f", str(path)], capture_output=True,
                                 text=True, timeout=120)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert MARKER in warc_text(path)
    code, report = verify(site_ws)
    assert code == 0 and verdicts(report)[waczs[0]["path"]]["wacz"] == "ok"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/tsa"


def slow(query: bytes) -> tuple[int, bytes]:
    time.sleep(TSA_TIMEOUT_S * 3)
    return 200, b""


def garbage(query: bytes) -> tuple[int, bytes]:
    return 200, b"\x30\x03garbage, not a TimeStampResp"


def test_a_good_tsa_stamps_the_run_manifest(site_ws: Workspace, tsa_url: str) -> None:
    done = capture(site_ws, "--tsa", tsa_url)
    assert done.returncode == 0, done.stderr
    assert "timestamped at " in done.stdout and "not timestamped" not in done.stdout
    manifest = manifest_of(site_ws)
    assert manifest.with_name(manifest.name + ".tsr").is_file()
    done = run_cli("evidence", "verify", "--verbose", cwd=site_ws.root)
    assert done.returncode == 0, done.stdout
    assert f"{site_ws.relative(manifest)} (manifest): hash ok · timestamp ok" in done.stdout


@pytest.mark.parametrize("tsa_kind", ["down", "slow", "garbage"])
def test_a_failing_tsa_leaves_the_run_not_timestamped_until_later(
        site_ws: Workspace, tsa_url: str, tsa_kind: str) -> None:
    answers: dict[str, Callable[[bytes], tuple[int, bytes]]] = {"slow": slow,
                                                                 "garbage": garbage}
    if tsa_kind == "down":
        done = capture(site_ws, "--tsa", closed_port_url())
    else:
        with serve_tsa(answers[tsa_kind]) as bad_url:
            done = capture(site_ws, "--tsa", bad_url)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if "not timestamped" in line]
    assert len(lines) == 1, done.stdout
    reason = {"down": "cannot be reached", "slow": f"did not answer within {TSA_TIMEOUT_S}s",
              "garbage": "not an RFC 3161 timestamp response"}[tsa_kind]
    assert lines[0].startswith("not timestamped: the TSA ") and reason in lines[0], lines[0]
    assert "Traceback" not in done.stdout + done.stderr
    manifest = site_ws.relative(manifest_of(site_ws))

    done = run_cli("evidence", "verify", "--verbose", cwd=site_ws.root)
    assert done.returncode == 0, done.stdout
    assert f"{manifest} (manifest): hash ok · timestamp absent" in done.stdout

    done = run_cli("evidence", "timestamp", "--tsa", tsa_url, cwd=site_ws.root)
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli("evidence", "verify", "--verbose", cwd=site_ws.root)
    assert done.returncode == 0, done.stdout
    assert f"{manifest} (manifest): hash ok · timestamp ok" in done.stdout


def corrupt_zip(data: bytes) -> bytes:
    """The archive with its central directory overwritten: no longer a readable zip."""
    end = data.rfind(b"PK\x05\x06")
    return data[:end - 200] + b"\0" * 200 + data[end:]


def flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:]


def test_verify_names_each_tampered_file(site_ws: Workspace, tsa_url: str) -> None:
    ws = site_ws
    with ws.config_path.open("a", encoding="utf-8") as handle:
        handle.write('key = "me.key"\npublic_keys = "keys"\n')
    done = capture(ws, "--archive", "--tsa", tsa_url, "--json")
    assert done.returncode == 0, done.stderr
    [record] = json.loads(done.stdout)["captures"]
    files = {f["kind"]: f for f in record["files"]}
    done = run_cli("evidence", "keygen", "--key", "me.key", cwd=ws.root)
    assert done.returncode == 0, done.stdout + done.stderr
    (ws.root / "keys").mkdir()
    (ws.root / "张三.pub.pem").rename(ws.root / "keys" / "张三.pub.pem")
    done = run_cli("evidence", "sign", cwd=ws.root)
    assert done.returncode == 0, done.stdout + done.stderr
    code, report = verify(ws)
    assert code == 0, report
    manifest = ws.relative(manifest_of(ws))
    assert verdicts(report)[manifest]["timestamp"] == "ok"
    assert verdicts(report)[manifest]["signature"] == "ok"

    def tampered(path: str, change: Callable[[bytes], bytes]) -> dict[str, Any]:
        """The verdicts with `path` changed; the file is put back afterwards."""
        target = ws.root / path
        original = target.read_bytes()
        target.write_bytes(change(original))
        try:
            done = run_cli("evidence", "verify", cwd=ws.root)
            assert done.returncode == 1, done.stdout
            named = path.removesuffix(".tsr").removesuffix(".sig")
            assert f"BAD {named} " in done.stdout, done.stdout  # the file or its manifest
            code, report = verify(ws)
            assert code == 1
            return verdicts(report)
        finally:
            target.write_bytes(original)

    for kind in ("png", "html"):
        found = tampered(files[kind]["path"], flip)[files[kind]["path"]]
        assert (found["hash"], found["ok"]) == ("changed", False), found
    wacz = files["wacz"]["path"]
    found = tampered(wacz, corrupt_zip)[wacz]
    assert found["hash"] == "changed" and found["wacz"].startswith("corrupt"), found
    found = tampered(manifest, lambda data: data.replace(b'"status": 200', b'"status": 404'))
    assert (found[manifest]["hash"], found[manifest]["timestamp"],
            found[manifest]["signature"]) == ("changed", "invalid", "invalid"), found[manifest]
    found = tampered(manifest + ".tsr", flip)[manifest]
    assert (found["hash"], found["timestamp"], found["signature"]) == ("ok", "invalid", "ok")
    found = tampered(manifest + ".sig", lambda data: data.replace(b'"signature": "',
                                                                   b'"signature": "AA'))
    assert (found[manifest]["timestamp"], found[manifest]["signature"]) == ("ok", "invalid")

    # a PNG changed together with every hash recorded of it: the token and signature catch it
    png = ws.root / files["png"]["path"]
    old_hash = files["png"]["sha256"]
    png.write_bytes(flip(png.read_bytes()))
    new_hash = hashlib.sha256(png.read_bytes()).hexdigest()
    rewritten = []
    for path in [p for p in ws.root.rglob("*.json") if p.is_file()]:
        text = path.read_text(encoding="utf-8")
        if old_hash in text:
            path.write_text(text.replace(old_hash, new_hash), encoding="utf-8")
            rewritten.append(path)
    assert manifest_of(ws) in rewritten and len(rewritten) >= 2  # the manifest and the store
    sums = manifest_of(ws).with_name(manifest_of(ws).name + ".sha256")
    sums.write_text(sums.read_text(encoding="utf-8").replace(
        sums.read_text(encoding="utf-8").split()[0],
        hashlib.sha256(manifest_of(ws).read_bytes()).hexdigest()), encoding="utf-8")
    code, report = verify(ws)
    assert code == 1
    found = verdicts(report)
    assert found[manifest]["hash"] == "ok", found[manifest]
    assert (found[manifest]["timestamp"], found[manifest]["signature"]) == ("invalid", "invalid")
    assert found[files["png"]["path"]]["hash"] == "ok"
    assert (found[files["png"]["path"]]["timestamp"],
            found[files["png"]["path"]]["signature"]) == ("invalid", "invalid")

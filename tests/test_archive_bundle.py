"""Per-file verdicts and the appeal bundle, checked by a third party with sha256sum and openssl."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from archive_helpers import TSAFiles, settings_of, tsa_fixtures
from PIL import Image

from govaudit.archive.bundle import SUMS_NAME, export_bundle
from govaudit.archive.checks import FileVerdict, manifests_in, verify_files, verify_workspace
from govaudit.archive.recorder import Exchange
from govaudit.archive.signing import keygen, load_private_key, sign_file
from govaudit.archive.timestamps import timestamp_manifest
from govaudit.archive.wacz import PAGES_PATH, Page, build_wacz
from govaudit.errors import GovauditError
from govaudit.evidence import (
    attach,
    finished,
    new_record,
    new_run_id,
    save_file,
    store_records,
    write_manifest,
)
from govaudit.store import Site, Store
from govaudit.workspace import Workspace

tsa, tsa_url = tsa_fixtures()

SITE = "成都市"




@dataclass
class Evidence:
    ws: Workspace
    png: str
    html: str
    wacz: str
    manifest: Path
    attached_manifest: Path


def png_bytes(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def evidence(make_workspace, tsa: TSAFiles, tsa_url: str) -> Evidence:
    """A workspace with a capture run (PNG, HTML, WACZ) and an attached file, each run's
    manifest timestamped by the TSA and signed with the team key, as govaudit.toml says."""
    ws = make_workspace(sites=[(SITE, "http://127.0.0.1:1/", "city"),
                               ("重庆市", "http://127.0.0.2:1/", "city")])
    made = keygen(ws.root / "keys" / "zhang.key", "张三")
    made.private.rename(ws.root / "zhang.key")
    shutil.copyfile(tsa.chain, ws.root / "tsa-chain.pem")
    with ws.config_path.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[evidence]\ntsa = "{tsa_url}"\ntsa_chain = "tsa-chain.pem"\n'
                     'key = "zhang.key"\npublic_keys = "keys"\n')
    key = load_private_key(ws.root / "zhang.key")
    run = new_run_id()
    now = datetime.now(UTC)
    records = []
    for site in (SITE, "重庆市"):
        url = "http://127.0.0.1:1/" if site == SITE else "http://127.0.0.2:1/"
        record = new_record(run=run, site=site, requested_url=url)
        page = f"<html><body><h1>{site}人民政府</h1></body></html>".encode()
        save_file(ws, record, "png", ".png", png_bytes((200, 0, 0)))
        save_file(ws, record, "html", ".html", page)
        wacz = build_wacz([Exchange("GET", url, [("user-agent", "x")], 200,
                                    [("Content-Type", "text/html; charset=utf-8")], page, now)],
                          [Page(url, now, f"{site}人民政府")])
        save_file(ws, record, "wacz", ".wacz", wacz)
        records.append(finished(record))
    store_records(Store(ws), records)
    manifest = write_manifest(ws, run, records)
    assert timestamp_manifest(manifest, settings_of(ws)).ok
    sign_file(manifest, key, "张三")
    wacz_path = ws.root / records[0].files[2].path
    sign_file(wacz_path, key, "张三")
    shot = ws.root / "phone.png"
    shot.write_bytes(png_bytes((0, 0, 200)))
    attached = attach(ws, ws.checklist, Store(ws), SITE, "a1.q1", shot)
    attached_manifest = next(m for m in manifests_in(ws.evidence_dir) if attached.run in m.name)
    assert timestamp_manifest(attached_manifest, settings_of(ws)).ok
    sign_file(attached_manifest, key, "张三")
    files = {f.kind: f.path for f in records[0].files}
    return Evidence(ws, files["png"], files["html"], files["wacz"], manifest, attached_manifest)


def by_path(verdicts: list[FileVerdict]) -> dict[str, FileVerdict]:
    return {v.path: v for v in verdicts}


def test_every_file_gets_its_verdict_and_all_are_ok(evidence: Evidence) -> None:
    ws = evidence.ws
    verdicts = by_path(verify_workspace(ws, Store(ws), settings_of(ws)))
    assert len(verdicts) == 2 + 3 * 2 + 1  # two manifests, three files per site, one attached
    assert all(v.ok for v in verdicts.values()), [v for v in verdicts.values() if not v.ok]
    manifest = verdicts[ws.relative(evidence.manifest)]
    assert (manifest.kind, manifest.hash, manifest.timestamp.state, manifest.signature.state) \
        == ("manifest", "ok", "ok", "ok")
    assert "CN=Test TSA" in manifest.timestamp.detail
    assert manifest.signature.detail.startswith("signed by 张三 (key SHA256:")
    png = verdicts[evidence.png]
    assert (png.hash, png.timestamp.state, png.signature.state, png.wacz) == \
        ("ok", "ok", "ok", "")
    assert png.timestamp.detail.startswith("through its manifest: ")
    wacz = verdicts[evidence.wacz]
    assert (wacz.hash, wacz.wacz, wacz.signature.state) == ("ok", "ok", "ok")
    of_site = verify_workspace(ws, Store(ws), settings_of(ws), site="重庆市")
    assert [v.path for v in of_site if v.kind != "manifest"] \
        and all(v.site == "重庆市" for v in of_site if v.kind != "manifest")


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("target", ["png", "html", "wacz", "manifest", "sha256", "token",
                                    "signature", "wacz-signature", "missing", "no-token"])
def test_changing_each_kind_of_file_in_turn_is_caught(evidence: Evidence, target: str) -> None:
    ws = evidence.ws
    manifest = evidence.manifest
    rel = ws.relative(manifest)
    paths = {"png": evidence.png, "html": evidence.html, "wacz": evidence.wacz, "manifest": rel,
             "sha256": rel + ".sha256", "token": rel + ".tsr", "signature": rel + ".sig",
             "wacz-signature": evidence.wacz + ".sig", "missing": evidence.png,
             "no-token": rel + ".tsr"}
    path = ws.root / paths[target]
    if target == "missing" or target == "no-token":
        path.unlink()
    elif target in ("signature", "wacz-signature"):
        body = json.loads(path.read_text(encoding="utf-8"))
        body["signature"] = body["signature"][:-4] + ("AAA=" if body["signature"][-4:] != "AAA="
                                                      else "BBB=")
        path.write_text(json.dumps(body), encoding="utf-8")
    elif target == "wacz":  # a new page list in an otherwise whole zip
        _replace_in_zip(path, PAGES_PATH, b'{"format": "json-pages-1.0", "id": "pages"}\n')
    else:
        _flip(path)
    verdicts = by_path(verify_workspace(ws, Store(ws), settings_of(ws)))
    bad = {p: v for p, v in verdicts.items() if not v.ok}
    m = verdicts[rel]
    if target in ("png", "html"):
        assert set(bad) == {paths[target]}
        assert bad[paths[target]].hash == "changed"
        assert bad[paths[target]].notes == ["does not match the hash recorded in the evidence "
                                            "store", f"does not match the hash recorded in "
                                            f"{manifest.name}"]
    elif target == "missing":
        assert set(bad) == {evidence.png} and bad[evidence.png].hash == "missing"
    elif target == "wacz":
        assert set(bad) == {evidence.wacz}
        assert bad[evidence.wacz].hash == "changed"
        assert bad[evidence.wacz].wacz == "corrupt: pages/pages.jsonl does not match its hash " \
            "in datapackage.json"
        assert bad[evidence.wacz].signature.state == "ok"  # the digest itself was not touched
    elif target == "manifest":
        assert (m.hash, m.timestamp.state, m.signature.state) == ("changed", "invalid", "invalid")
    elif target == "sha256":
        assert set(bad) == {rel} and m.hash == "changed" and m.timestamp.ok
    elif target == "token":
        assert set(bad) >= {rel} and m.timestamp.state == "invalid" and m.hash == "ok"
        assert verdicts[evidence.png].timestamp.state == "invalid"  # inherited
    elif target == "signature":
        assert m.signature.state == "invalid" and m.timestamp.ok and m.hash == "ok"
        assert verdicts[evidence.html].signature.state == "invalid"
    elif target == "wacz-signature":
        assert set(bad) == {evidence.wacz}
        assert bad[evidence.wacz].signature.state == "invalid" and bad[evidence.wacz].wacz == "ok"
    elif target == "no-token":  # the workspace timestamps: a token taken away is a failure
        assert rel in bad and m.timestamp.state == "missing" and m.hash == "ok"
        assert "it was removed, or never taken" in m.timestamp.reason
        assert verdicts[evidence.png].timestamp.state == "missing"


def _replace_in_zip(path: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as old:
        items = [(info, data if info.filename == name else old.read(info.filename))
                 for info in old.infolist()]
    with zipfile.ZipFile(path, "w") as new:
        for info, content in items:
            new.writestr(info, content)


def _rewrite_records(manifest: Path, old: str, new: str) -> None:
    """Replace a hash in a manifest and rewrite its .sha256, as a forger would."""
    text = manifest.read_text(encoding="utf-8").replace(old, new)
    manifest.write_text(text, encoding="utf-8")
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    manifest.with_name(manifest.name + ".sha256").write_text(f"{digest}  {manifest.name}\n")


def test_a_file_changed_with_its_recorded_hashes_is_caught_by_timestamp_and_signature(
        evidence: Evidence) -> None:
    ws = evidence.ws
    path = ws.root / evidence.png
    old = hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_bytes(png_bytes((0, 200, 0)))  # another screenshot in place of the real one
    new = hashlib.sha256(path.read_bytes()).hexdigest()
    _rewrite_records(evidence.manifest, old, new)
    for db in ws.data_dir.rglob("*.json"):  # and in the evidence store
        text = db.read_text(encoding="utf-8")
        if old in text:
            db.write_text(text.replace(old, new), encoding="utf-8")
    assert Store(ws).evidence(SITE)[0]["files"][0]["sha256"] == new
    verdicts = by_path(verify_workspace(ws, Store(ws), settings_of(ws)))
    png = verdicts[evidence.png]
    assert png.hash == "ok"  # every recorded hash now agrees with the file ...
    assert png.timestamp.state == "invalid"  # ... but the timestamped manifest did not say so
    assert "the file changed after it was timestamped" in png.timestamp.reason
    assert png.signature.state == "invalid"
    manifest = verdicts[ws.relative(evidence.manifest)]
    assert (manifest.hash, manifest.timestamp.state, manifest.signature.state) == \
        ("ok", "invalid", "invalid")


def sh(command: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def readme_commands(folder: Path) -> list[str]:
    """The commands the bundle's README tells a third party to run."""
    text = (folder / "README.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()
            if re.match(r"\s+(sha256sum -c|openssl ts -verify) ", line)]


def test_the_bundle_checks_out_with_the_readme_commands_and_catches_a_change(
        evidence: Evidence, tmp_path: Path, tsa: TSAFiles) -> None:
    ws = evidence.ws
    bundle = export_bundle(ws, Store(ws), SITE, tmp_path / "成都市-evidence.zip", settings_of(ws))
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(bundle.path) as archive:
        assert archive.testzip() is None
        archive.extractall(folder)
    names = set(bundle.files)
    rel = ws.relative(evidence.manifest)
    assert {evidence.png, evidence.html, evidence.wacz, evidence.wacz + ".sig", rel,
            rel + ".sha256", rel + ".tsr", rel + ".tsa.pem", rel + ".sig", "README.txt",
            SUMS_NAME, "keys/张三.pub.pem"} <= names
    assert not any("重庆市" in n for n in names)  # the other site's files stay out
    assert sorted(bundle.manifests) == sorted([rel, ws.relative(evidence.attached_manifest)])
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "如何核验" in readme and "How to check" in readme
    # the reader is sent to the TSA for its root, told which TSA and which root the team
    # trusts, and never to trust the chain that comes inside the bundle
    assert "from the authority itself" in readme and "CN=Test TSA" in readme
    root_line = next(line for line in readme.splitlines() if line.strip().startswith("SHA-256 "))
    fingerprint = sh("openssl x509 -in root.pem -noout -fingerprint -sha256",
                     tsa.folder).stdout.strip().split("=", 1)[1]
    assert root_line.strip() == f"SHA-256 {fingerprint}"
    assert "-CAfile TSA-ROOT.pem" in readme and "-CAfile evidence/" not in readme
    shutil.copyfile(tsa.root, folder / "TSA-ROOT.pem")  # as obtained from the TSA
    commands = readme_commands(folder)
    assert commands[0] == "sha256sum -c SHA256SUMS" and len(commands) == 3
    for command in commands:
        done = sh(command, folder)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert "Verification: OK" in sh(commands[1], folder).stdout
    # the bundle and the TSA's chain are enough to check every file (no store)
    verdicts = verify_files(folder, manifests_in(folder / "evidence"), chain=tsa.chain)
    assert all(v.hash == "ok" and v.timestamp.ok for v in verdicts if v.site != "重庆市"), \
        [v for v in verdicts if v.site != "重庆市" and not v.ok]
    assert {v.hash for v in verdicts if v.site == "重庆市"} == {"missing"}  # not in the bundle

    _flip(folder / evidence.png)  # a changed screenshot: the sums catch it
    assert sh(commands[0], folder).returncode != 0
    assert f"{evidence.png}: FAILED" in sh(commands[0], folder).stdout
    assert sh(commands[1], folder).returncode == 0  # the manifest itself is untouched
    _flip(folder / rel)  # a changed manifest: the sums and the timestamp catch it
    assert sh(commands[0], folder).returncode != 0
    manifest_check = next(c for c in commands if f"-data {rel} " in c)
    done = sh(manifest_check, folder)
    assert done.returncode != 0 and "Verification: FAILED" in done.stdout


def test_a_bundle_is_refused_when_evidence_has_changed(evidence: Evidence, tmp_path: Path
                                                      ) -> None:
    _flip(evidence.ws.root / evidence.html)
    with pytest.raises(GovauditError, match=r"成都市: 1 evidence file\(s\) no longer match their "
                       r"records, nothing exported: .*\.html \(changed\)"):
        export_bundle(evidence.ws, Store(evidence.ws), SITE, tmp_path / "b.zip",
                      settings_of(evidence.ws))
    assert not (tmp_path / "b.zip").exists()
    Store(evidence.ws).add_sites([Site("上海市", "http://127.0.0.3/", "province")])
    with pytest.raises(GovauditError, match="上海市: no evidence captured yet"):
        export_bundle(evidence.ws, Store(evidence.ws), "上海市", tmp_path / "c.zip",
                      settings_of(evidence.ws))

"""Tampered evidence is caught: proofs stripped, records forged or moved in the store, tokens
from an impostor TSA, tokens that do not attest the capture time; a TSA that trickles or
floods is cut off. Real RFC 3161 tokens from a TSA on 127.0.0.1, real Ed25519 keys."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from archive_helpers import (
    FLOOD,
    FLOOD_DECLARED,
    OTHER,
    SITE,
    TRICKLE,
    TSAFiles,
    capture_run,
    configure_evidence,
    edit_store_record,
    hostile_tsa,
    make_tsa,
    real_tsa,
    serve_tsa,
    settings_of,
    tsa_fixtures,
)

from govaudit import Audit
from govaudit.archive.checks import manifests_in, verify_workspace
from govaudit.archive.signing import keygen, load_private_key, sign_file
from govaudit.archive.timestamps import MAX_ANSWER_BYTES, timestamp_file, timestamp_manifest
from govaudit.store import Store
from govaudit.workspace import Workspace

tsa, tsa_url = tsa_fixtures()

@dataclass
class Signed:
    ws: Workspace
    record: dict[str, Any]  # the capture of SITE, as stored
    manifest: Path


@pytest.fixture
def signed(make_workspace, tsa: TSAFiles, tsa_url: str) -> Signed:
    """Key, TSA, its chain and the team's public keys set; one run timestamped and signed."""
    ws = make_workspace(sites=[(SITE, "http://127.0.0.1:1/", "city"),
                               (OTHER, "http://127.0.0.2:1/", "city")])
    configure_evidence(ws, tsa, tsa_url)
    records, manifest = capture_run(ws)
    assert timestamp_manifest(manifest, settings_of(ws)).ok
    sign_file(manifest, load_private_key(ws.root / "zhang.key"), "张三")
    assert Audit.open(ws.root).verify().ok
    return Signed(ws, records[0], manifest)


def verify_cli(cli, ws: Workspace, *args: str) -> tuple[int, dict[str, Any], str]:
    data = cli("evidence", "verify", "--json", "-w", str(ws.root))
    text = cli("evidence", "verify", *args, "-w", str(ws.root))
    assert text.exit_code == data.exit_code and "Traceback" not in text.output
    return data.exit_code, json.loads(data.output), text.output


def edit_manifest(manifest: Path, change: Any) -> None:
    """Change a manifest's records and write its .sha256 again, as a forger would."""
    body = json.loads(manifest.read_text(encoding="utf-8"))
    change(body["records"])
    manifest.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    manifest.with_name(manifest.name + ".sha256").write_text(f"{digest}  {manifest.name}\n")


# -- stripping the proofs ----------------------------------------------------------------------


def test_a_forgery_with_every_signature_and_token_deleted_fails(cli, signed: Signed) -> None:
    ws, record, manifest = signed.ws, signed.record, signed.manifest

    def forge(doc: dict[str, Any]) -> None:
        doc["title"] = "伪造的标题"

    edit_store_record(ws.data_dir, record["id"], forge)
    edit_manifest(manifest, lambda records: forge(records[0]))
    for proof in [*ws.evidence_dir.rglob("*.sig"), *ws.evidence_dir.rglob("*.tsr"),
                  *ws.evidence_dir.rglob("*.tsa.pem")]:
        proof.unlink()
    code, data, text = verify_cli(cli, ws)
    assert code == 1, text
    [m] = [v for v in data["verdicts"] if v["kind"] == "manifest"]
    assert (m["hash"], m["timestamp"], m["signature"]) == ("ok", "missing", "missing")
    assert "though govaudit.toml sets [evidence] tsa" in m["timestamp_detail"]
    assert "though govaudit.toml sets [evidence] key" in m["signature_detail"]
    assert "no problems" not in text and "timestamp missing" in text


def test_one_signature_taken_away_fails_where_another_manifest_is_signed(
        make_workspace, tsa: TSAFiles, tsa_url: str) -> None:
    ws = make_workspace(sites=[(SITE, "http://127.0.0.1:1/", "city"),
                               (OTHER, "http://127.0.0.2:1/", "city")])
    key = load_private_key(keygen(ws.root / "k" / "me.key", "张三").private)
    (ws.root / "keys").mkdir()
    (ws.root / "k" / "张三.pub.pem").rename(ws.root / "keys" / "张三.pub.pem")
    with ws.config_path.open("a", encoding="utf-8") as handle:
        handle.write('\n[evidence]\npublic_keys = "keys"\n')  # neither key nor tsa set here
    _, first = capture_run(ws)
    _, second = capture_run(ws)
    for manifest in (first, second):
        sign_file(manifest, key, "张三")
        assert timestamp_file(manifest, tsa_url).ok
    assert Audit.open(ws.root).verify().ok is False  # tokens are there, but no chain: below
    first.with_name(first.name + ".sig").unlink()
    first.with_name(first.name + ".tsr").unlink()
    verdicts = {v.path: v for v in verify_workspace(ws, Store(ws), settings_of(ws))}
    lost = verdicts[ws.relative(first)]
    assert lost.signature.state == "missing" and second.name in lost.signature.reason
    assert lost.timestamp.state == "missing" and not lost.ok


# -- the store against the signed manifest -----------------------------------------------------


FORGED: dict[str, Any] = {"time": "2026-01-01T00:00:00Z", "status": 404,
                          "final_url": "http://127.0.0.9/elsewhere", "ip": "10.9.9.9",
                          "requested_url": "http://127.0.0.9/", "title": "伪造的标题",
                          "error": "timeout", "duration_ms": 1}


@pytest.mark.parametrize("name", sorted(FORGED))
def test_a_field_changed_in_the_store_is_caught(cli, signed: Signed, name: str) -> None:
    ws, record = signed.ws, signed.record
    edit_store_record(ws.data_dir, record["id"], lambda doc: doc.update({name: FORGED[name]}))
    result = Audit.open(ws.root).verify()
    assert not result.ok
    [problem] = result.problems
    assert (problem.problem, problem.record, problem.site) == (
        f"{name} differs from the manifest", record["id"], SITE)
    assert problem.path == ws.relative(signed.manifest)
    assert problem.expected == str(record[name]) and problem.actual == str(FORGED[name])
    code, _, text = verify_cli(cli, ws)
    assert code == 1 and f"{name} differs from the manifest" in text


def test_a_record_moved_to_another_site_is_caught(signed: Signed) -> None:
    ws, record = signed.ws, signed.record
    files = {p.stem: p for p in (ws.data_dir / "evidence").glob("*.json")}
    source = json.loads(files[SITE].read_text(encoding="utf-8"))
    [(key, doc)] = [(k, d) for k, d in source["evidence"].items() if d["id"] == record["id"]]
    del source["evidence"][key]
    files[SITE].write_text(json.dumps(source, ensure_ascii=False), encoding="utf-8")
    target = json.loads(files[OTHER].read_text(encoding="utf-8"))
    target["evidence"]["99"] = {**doc, "site": OTHER}
    files[OTHER].write_text(json.dumps(target, ensure_ascii=False), encoding="utf-8")
    assert [r.id for r in Store(ws).evidence_records(OTHER)].count(record["id"]) == 1
    result = Audit.open(ws.root).verify()
    moved = [p for p in result.problems if p.problem == "site differs from the manifest"]
    assert [(p.record, p.expected, p.actual) for p in moved] == [(record["id"], SITE, OTHER)]


def test_an_older_manifest_without_some_fields_is_said_not_passed_over(make_workspace,
                                                                      cli) -> None:
    ws = make_workspace(sites=[(SITE, "http://127.0.0.1:1/", "city"),
                               (OTHER, "http://127.0.0.2:1/", "city")])
    records, manifest = capture_run(ws)

    def older(listed: list[dict[str, Any]]) -> None:
        for record in listed:
            for name in ("ip", "headers", "timing", "failure"):
                del record[name]

    edit_manifest(manifest, older)
    code, data, text = verify_cli(cli, ws)
    assert code == 0, text
    [warning] = data["warnings"]
    assert warning.startswith(f"{ws.relative(manifest)}: written by govaudit ")
    assert "lack failure, headers, ip, timing (2 record(s))" in warning
    assert "not compared with the store" in warning and "1 warning" in text
    # the fields it has are still compared
    edit_store_record(ws.data_dir, records[0]["id"], lambda doc: doc.update(title="改过"))
    assert [p.problem for p in Audit.open(ws.root).verify().problems] == [
        "title differs from the manifest"]


# -- whose timestamps are trusted --------------------------------------------------------------


def test_a_token_from_an_impostor_tsa_is_not_trusted(cli, make_workspace, tmp_path: Path,
                                                     tsa: TSAFiles) -> None:
    ws = make_workspace(sites=[(SITE, "http://127.0.0.1:1/", "city"),
                               (OTHER, "http://127.0.0.2:1/", "city")])
    _, manifest = capture_run(ws)
    impostor = make_tsa(tmp_path / "impostor", name="Test TSA")  # same name, own root
    with serve_tsa(real_tsa(impostor)) as url:
        # its own chain is kept beside the token, as a real one's would be
        assert timestamp_file(manifest, url, chain=impostor.chain).ok
    code, data, text = verify_cli(cli, ws)
    assert code == 1
    [m] = [v for v in data["verdicts"] if v["kind"] == "manifest"]
    assert m["timestamp"] == "untrusted"
    assert "timestamp present" in m["timestamp_detail"]
    assert "TSA not trusted" in m["timestamp_detail"]
    assert "timestamp untrusted" in text
    shutil.copyfile(tsa.chain, ws.root / "chain.pem")  # the TSA the team trusts
    with ws.config_path.open("a", encoding="utf-8") as handle:
        handle.write('\n[evidence]\ntsa_chain = "chain.pem"\n')
    [m] = [v for v in verify_workspace(ws, Store(ws), settings_of(ws)) if v.kind == "manifest"]
    assert m.timestamp.state == "invalid" and "does not verify against chain.pem" \
        in m.timestamp.reason


@pytest.mark.parametrize("shift", ["late", "early"])
def test_a_token_that_does_not_attest_the_capture_time_is_flagged(
        cli, make_workspace, tsa: TSAFiles, tsa_url: str, shift: str) -> None:
    ws = make_workspace(sites=[(SITE, "http://127.0.0.1:1/", "city"),
                               (OTHER, "http://127.0.0.2:1/", "city")])
    configure_evidence(ws, tsa, tsa_url, sign=False)
    moved = timedelta(hours=3) * (-1 if shift == "late" else 1)
    _, manifest = capture_run(ws, datetime.now(UTC) + moved)
    assert timestamp_manifest(manifest, settings_of(ws)).ok
    code, data, text = verify_cli(cli, ws)
    [m] = [v for v in data["verdicts"] if v["kind"] == "manifest"]
    assert m["timestamp"] == "ok" and m["warnings"], m
    said = {"late": "3 h after its captures ended", "early": "before capture"}[shift]
    assert said in m["warnings"][0] and "warning:" in text and said in text
    # a run timestamped as it ends is not flagged
    _, fresh = capture_run(ws)
    assert timestamp_manifest(fresh, settings_of(ws)).ok
    assert [v.warnings for v in verify_workspace(ws, Store(ws), settings_of(ws))
            if v.path == ws.relative(fresh)] == [[]]


# -- a TSA that trickles or floods -------------------------------------------------------------


def test_a_tsa_trickling_a_byte_a_second_is_cut_off_at_the_deadline(cli, make_workspace,
                                                                     tmp_path: Path) -> None:
    path = tmp_path / "manifest-r1.json"
    path.write_text('{"records": []}\n')
    with hostile_tsa(TRICKLE) as (url, _):
        started = time.monotonic()
        result = timestamp_file(path, url, timeout_s=2)
        took = time.monotonic() - started
    assert not result.ok and "did not answer within 2s" in result.reason
    assert took < 5, took
    ws = make_workspace(sites=[(SITE, "http://127.0.0.1:1/", "city"),
                               (OTHER, "http://127.0.0.2:1/", "city")])
    capture_run(ws)
    with hostile_tsa(TRICKLE) as (url, _):
        with ws.config_path.open("a", encoding="utf-8") as handle:
            handle.write(f'\n[evidence]\ntsa = "{url}"\ntsa_timeout = 2\n')
        started = time.monotonic()
        done = cli("evidence", "timestamp", "--json", "-w", str(ws.root))
        took = time.monotonic() - started
    assert done.exit_code == 1, done.output
    [stamp] = json.loads(done.output)["timestamps"]
    assert "did not answer within 2s" in stamp["reason"], stamp
    assert took < 5, took


@pytest.mark.parametrize("kind", [FLOOD, FLOOD_DECLARED])
def test_a_huge_tsa_answer_is_refused_as_it_streams_in(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "manifest-r1.json"
    path.write_text('{"records": []}\n')
    with hostile_tsa(kind) as (url, sent):
        result = timestamp_file(path, url, timeout_s=20)
        time.sleep(0.2)
        total = sent["bytes"]
    assert not result.ok and f"{MAX_ANSWER_BYTES:,}" in result.reason, result.reason
    assert total < 32 << 20, total  # cut off near the cap, not read to its 200 MB end


# -- what verify prints ------------------------------------------------------------------------


def test_verify_prints_a_summary_and_every_file_only_with_verbose(cli, signed: Signed) -> None:
    ws = signed.ws
    for _ in range(5):
        capture_run(ws)
    for manifest in manifests_in(ws.evidence_dir):
        if not manifest.with_name(manifest.name + ".tsr").exists():
            assert timestamp_manifest(manifest, settings_of(ws)).ok
            sign_file(manifest, load_private_key(ws.root / "zhang.key"), "张三")
    code, data, text = verify_cli(cli, ws)
    assert code == 0, text
    files = len(data["verdicts"])
    assert files == 6 + 6 * 4
    lines = text.strip().splitlines()
    assert len(lines) <= 3, text
    assert f"{files} files checked, hash: {files} ok · timestamp: {files} ok · " \
        f"signature: {files} ok (--verbose lists every file)" in text
    verbose = cli("evidence", "verify", "--verbose", "-w", str(ws.root)).output
    assert sum(1 for line in verbose.splitlines() if line.startswith("ok ")) == files
    edit_store_record(ws.data_dir, signed.record["id"], lambda doc: doc.update(status=500))
    code, _, text = verify_cli(cli, ws)
    assert code == 1 and "status differs from the manifest" in text
    assert len(text.strip().splitlines()) < 15, text  # the problem, not every file

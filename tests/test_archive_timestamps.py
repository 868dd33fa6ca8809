"""RFC 3161 timestamps from a real TSA on 127.0.0.1 (openssl ts -reply), verified offline."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from archive_helpers import (
    TSAFiles,
    make_tsa,
    openssl_reply,
    real_tsa,
    serve_tsa,
    settings_of,
    tsa_fixtures,
)
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

from govaudit.archive.timestamps import (
    chain_path,
    not_timestamped_path,
    timestamp_file,
    token_path,
    verify_timestamp,
)
from govaudit.errors import GovauditError

tsa, tsa_url = tsa_fixtures()


def manifest(folder: Path, text: str = '{"run": "r1", "records": []}\n') -> Path:
    path = folder / "manifest-r1.json"
    path.write_text(text, encoding="utf-8")
    return path


def openssl_verify(path: Path, token: Path, ca: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", "ts", "-verify", "-data", str(path), "-in", str(token),
                           "-CAfile", str(ca)], capture_output=True, text=True, timeout=60)


def test_a_token_is_kept_beside_the_file_and_verifies_offline_and_with_openssl(
        tsa: TSAFiles, tsa_url: str, tmp_path: Path) -> None:
    path = manifest(tmp_path)
    result = timestamp_file(path, tsa_url, chain=tsa.chain)
    assert result.ok, result.reason
    assert result.token == token_path(path) == tmp_path / "manifest-r1.json.tsr"
    assert chain_path(path).read_bytes() == tsa.chain.read_bytes()
    verdict = verify_timestamp(path, chain=tsa.chain)  # offline: the TSA is not asked again
    assert verdict.state == "ok" and "CN=Test TSA" in verdict.detail
    assert verdict.detail.startswith(result.time)
    done = openssl_verify(path, token_path(path), chain_path(path))
    assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stderr
    done = openssl_verify(path, token_path(path), tsa.root)  # the root alone is enough
    assert done.returncode == 0, done.stderr


def test_a_file_changed_after_its_timestamp_is_caught(tsa: TSAFiles, tsa_url: str,
                                                      tmp_path: Path) -> None:
    path = manifest(tmp_path)
    assert timestamp_file(path, tsa_url, chain=tsa.chain).ok
    path.write_text('{"run": "r1", "records": [{"edited": true}]}\n', encoding="utf-8")
    verdict = verify_timestamp(path)
    assert verdict.state == "invalid"
    assert "the file changed after it was timestamped" in verdict.reason
    assert openssl_verify(path, token_path(path), tsa.root).returncode != 0


def test_a_token_over_another_hash_is_invalid(tsa: TSAFiles, tsa_url: str,
                                              tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text("another file\n")
    assert timestamp_file(other, tsa_url, chain=tsa.chain).ok
    path = manifest(tmp_path)
    shutil.copyfile(token_path(other), token_path(path))
    shutil.copyfile(tsa.chain, chain_path(path))
    verdict = verify_timestamp(path)
    assert verdict.state == "invalid" and "over another hash" in verdict.reason
    assert openssl_verify(path, token_path(path), tsa.root).returncode != 0


def test_a_forged_token_signed_by_another_key_is_invalid(tsa: TSAFiles, tmp_path: Path) -> None:
    forger = make_tsa(tmp_path / "forger", name="Test TSA")  # same name, another key and root
    path = manifest(tmp_path)
    with serve_tsa(real_tsa(forger)) as url:
        assert timestamp_file(path, url).ok  # no chain given: nothing to check it against yet
    verdict = verify_timestamp(path, chain=tsa.chain)
    assert verdict.state == "invalid" and "does not verify against chain.pem" in verdict.reason
    assert openssl_verify(path, token_path(path), tsa.root).returncode != 0
    # the TSA's chain, when configured, is checked before a token is kept
    with serve_tsa(real_tsa(forger)) as url:
        refused = timestamp_file(manifest(tmp_path / "again" if (tmp_path / "again").mkdir()
                                          is None else tmp_path), url, chain=tsa.chain)
    assert not refused.ok and "the TSA's token does not verify" in refused.reason


def test_without_a_chain_a_token_cannot_be_trusted(tsa: TSAFiles, tsa_url: str,
                                                   tmp_path: Path) -> None:
    path = manifest(tmp_path)
    assert timestamp_file(path, tsa_url).ok
    verdict = verify_timestamp(path)
    assert verdict.state == "untrusted" and "timestamp present" in verdict.reason
    assert "TSA not trusted" in verdict.reason and verdict.time
    assert verify_timestamp(path, chain=tsa.chain).ok
    gone = verify_timestamp(path, chain=tmp_path / "nowhere.pem")
    assert gone.state == "invalid" and "no such TSA certificate chain" in gone.reason


def test_garbage_in_place_of_a_token_is_invalid(tmp_path: Path, tsa: TSAFiles) -> None:
    path = manifest(tmp_path)
    token_path(path).write_bytes(b"not a token")
    verdict = verify_timestamp(path, chain=tsa.chain)
    assert verdict.state == "invalid" and "not an RFC 3161 timestamp response" in verdict.reason


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("case", ["down", "slow", "garbage", "http-500", "wrong-request"])
def test_a_tsa_that_is_down_slow_or_answers_garbage_gives_not_timestamped(
        case: str, tsa: TSAFiles, tsa_url: str, tmp_path: Path) -> None:
    release = threading.Event()
    other = TimestampRequestBuilder().data(b"another file").hash_algorithm(
        HashAlgorithm.SHA256).build().as_bytes()

    def answer(query: bytes) -> tuple[int, bytes]:
        if case == "slow":
            release.wait(30)
            return 200, b""
        if case == "garbage":
            return 200, b"<html>hello</html>"
        if case == "wrong-request":  # a genuine token, but for an earlier request
            return 200, openssl_reply(tsa, other)
        return 500, b"internal error"

    path = manifest(tmp_path)
    try:
        with serve_tsa(answer) as url:
            if case == "down":
                url = f"http://127.0.0.1:{closed_port()}/tsa"
            result = timestamp_file(path, url, chain=tsa.chain, timeout_s=1.5)
    finally:
        release.set()
    assert not result.ok and result.reason.startswith("not timestamped: ")
    expected = {"down": "cannot be reached", "slow": "did not answer within 1.5s",
                "garbage": "not an RFC 3161 timestamp response", "http-500": "answered HTTP 500",
                "wrong-request": "answered another request (nonce mismatch)"}[case]
    assert expected in result.reason
    assert not token_path(path).exists()
    note = json.loads(not_timestamped_path(path).read_text(encoding="utf-8"))
    assert note["reason"] == result.reason
    verdict = verify_timestamp(path)
    assert verdict.state == "absent" and verdict.reason == result.reason
    # later, with the TSA back: the token is added and the note goes
    later = timestamp_file(path, tsa_url, chain=tsa.chain)
    assert later.ok and not not_timestamped_path(path).exists()
    assert verify_timestamp(path, chain=tsa.chain).ok


def test_no_timestamp_at_all_is_absent(tmp_path: Path) -> None:
    verdict = verify_timestamp(manifest(tmp_path))
    assert verdict.state == "absent" and verdict.reason == "no timestamp was taken"


def test_the_tsa_and_its_chain_are_read_from_govaudit_toml(make_workspace) -> None:
    ws = make_workspace()
    assert settings_of(ws).tsa == "" and settings_of(ws).signer == "张三"
    with ws.config_path.open("a", encoding="utf-8") as handle:
        handle.write('\n[evidence]\ntsa = "https://tsa.example/"\ntsa_chain = "tsa.pem"\n'
                     'tsa_timeout = 5\nkey = "/keys/me.key"\npublic_keys = "keys"\n')
    settings = settings_of(ws)
    assert settings.tsa == "https://tsa.example/" and settings.tsa_timeout_s == 5
    assert settings.tsa_chain == ws.root / "tsa.pem"
    assert settings.key == Path("/keys/me.key") and settings.public_keys == ws.root / "keys"
    ws.config_path.write_text(ws.config_path.read_text(encoding="utf-8").replace(
        '"https://tsa.example/"', '"tsa.example"'), encoding="utf-8")
    with pytest.raises(GovauditError, match=r"govaudit.toml: \[evidence\] tsa 'tsa.example' "
                       "must be an http:// or https:// URL"):
        settings_of(ws)


def test_a_token_without_the_tsa_certificate_verifies_with_the_chain(tsa: TSAFiles,
                                                                     tmp_path: Path) -> None:
    path = manifest(tmp_path)
    query = TimestampRequestBuilder().data(path.read_bytes()).hash_algorithm(
        HashAlgorithm.SHA256).cert_request(cert_request=False).build().as_bytes()
    token_path(path).write_bytes(openssl_reply(tsa, query))
    assert verify_timestamp(path, chain=tsa.chain).ok
    verdict = verify_timestamp(path, chain=tsa.root)  # the root alone does not name the TSA
    assert verdict.state == "invalid" and "signer certificate not found" in verdict.reason

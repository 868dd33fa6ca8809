"""The team's Ed25519 keys: keygen, key-file safety, signatures that name their signer."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from govaudit.archive.recorder import Exchange
from govaudit.archive.signing import (
    keygen,
    load_private_key,
    load_public_keys,
    sig_path,
    sign_file,
    verify_signature,
)
from govaudit.archive.wacz import Page, build_wacz
from govaudit.errors import GovauditError


def test_keygen_writes_a_private_key_only_its_owner_can_read(tmp_path: Path) -> None:
    made = keygen(tmp_path / "me.key", "张三")
    assert stat.S_IMODE(made.private.stat().st_mode) == 0o600
    assert made.public == tmp_path / "张三.pub.pem"
    assert made.public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert made.fingerprint.startswith("SHA256:")
    key = load_private_key(made.private)
    assert list(load_public_keys(tmp_path)) == ["张三"]
    assert load_public_keys(made.public)["张三"].public_bytes_raw() == \
        key.public_key().public_bytes_raw()


def test_keygen_never_overwrites(tmp_path: Path) -> None:
    made = keygen(tmp_path / "me.key", "张三")
    before = made.private.read_bytes()
    with pytest.raises(GovauditError, match=r"me.key already exists: a key is never overwritten"):
        keygen(tmp_path / "me.key", "李四")
    with pytest.raises(GovauditError, match=r"张三.pub.pem already exists"):
        keygen(tmp_path / "other.key", "张三")
    assert made.private.read_bytes() == before and not (tmp_path / "other.key").exists()


def test_a_key_file_others_can_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    made = keygen(tmp_path / "me.key", "张三")
    made.private.chmod(0o644)
    with pytest.raises(GovauditError) as caught:
        load_private_key(made.private)
    assert str(caught.value) == (f"{made.private}: the private key can be read by other users "
                                 f"(mode 644); fix it with: chmod 600 {made.private}")


@pytest.mark.parametrize("content", [b"not a key", b"", "public"])
def test_a_key_file_in_the_wrong_format_is_one_clear_error(tmp_path: Path,
                                                           content: bytes | str) -> None:
    path = tmp_path / "bad.key"
    if content == "public":  # a public key where the private one belongs
        path.write_bytes(keygen(tmp_path / "x.key", "x").public.read_bytes())
    else:
        path.write_bytes(content)  # type: ignore[arg-type]
    path.chmod(0o600)
    with pytest.raises(GovauditError, match=r"bad.key: not an unencrypted Ed25519 private key "
                       r"in PEM format") as raised:
        load_private_key(path)
    assert raised.value.hint == "evidence_keygen"  # the CLI names the command that makes one
    with pytest.raises(GovauditError, match="no such key file"):
        load_private_key(tmp_path / "none.key")


def test_a_signature_names_its_signer_and_catches_a_change(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    key = load_private_key(keygen(keys / "zhang.key", "张三").private)
    manifest = tmp_path / "manifest-r1.json"
    manifest.write_text('{"records": []}\n')
    assert verify_signature(manifest).state == "absent"
    sig = sign_file(manifest, key, "张三")
    assert sig == sig_path(manifest)
    body = json.loads(sig.read_text(encoding="utf-8"))
    assert body["signer"] == "张三" and body["algorithm"] == "Ed25519"
    team = load_public_keys(keys)
    verdict = verify_signature(manifest, public_keys=team)
    assert verdict.ok and verdict.detail.startswith("signed by 张三 (key SHA256:")
    manifest.write_text('{"records": [1]}\n')
    verdict = verify_signature(manifest, public_keys=team)
    assert verdict.state == "invalid" and "changed after it was signed" in verdict.reason


def test_a_signature_by_a_key_outside_the_team_is_untrusted_whatever_name_it_claims(
        tmp_path: Path) -> None:
    team = load_public_keys(keygen(tmp_path / "team" / "zhang.key", "张三").public)
    outsider = load_private_key(keygen(tmp_path / "out" / "x.key", "张三").private)
    manifest = tmp_path / "manifest-r1.json"
    manifest.write_text("{}\n")
    sign_file(manifest, outsider, "张三")
    verdict = verify_signature(manifest, public_keys=team)
    assert verdict.state == "untrusted" and verdict.failed
    assert "signed by a key the team has not listed" in verdict.reason
    assert "signature invalid" not in str(verdict)
    sig_path(manifest).write_text("garbage")
    assert "is not a govaudit signature" in verify_signature(manifest, public_keys=team).reason


def test_a_wacz_signature_covers_its_digest(tmp_path: Path) -> None:
    key = load_private_key(keygen(tmp_path / "k.key", "李四").private)
    now = datetime.now(UTC)
    wacz = tmp_path / "page.wacz"
    wacz.write_bytes(build_wacz([Exchange("GET", "http://127.0.0.1/", [], 200, [], b"x", now)],
                                [Page("http://127.0.0.1/", now)]))
    sign_file(wacz, key, "李四")
    assert json.loads(sig_path(wacz).read_text())["signed"] == "datapackage-digest.json"
    team = load_public_keys(tmp_path)
    assert verify_signature(wacz, public_keys=team).ok
    wacz.write_bytes(build_wacz([Exchange("GET", "http://127.0.0.1/", [], 200, [], b"y", now)],
                                [Page("http://127.0.0.1/", now)]))
    assert verify_signature(wacz, public_keys=team).state == "invalid"
    wacz.write_bytes(b"not a zip")
    assert "cannot be read" in verify_signature(wacz, public_keys=team).reason

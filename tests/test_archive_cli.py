"""govaudit evidence keygen / timestamp / sign / export through the real CLI."""

from __future__ import annotations

import io
import json
import stat
import zipfile

from archive_helpers import TSAFiles, real_tsa, serve_tsa, settings_of, tsa_fixtures
from PIL import Image

from govaudit.archive.checks import verify_workspace
from govaudit.store import Store

tsa, tsa_url = tsa_fixtures()


def test_keygen_timestamp_sign_and_export_from_the_command_line(cli, make_workspace,
                                                                 tsa: TSAFiles) -> None:
    ws = make_workspace(sites=[("成都市", "http://127.0.0.1:1/", "city")])
    shot = ws.root / "shot.png"
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), (9, 9, 9)).save(buffer, "PNG")
    shot.write_bytes(buffer.getvalue())
    w = ["--workspace", str(ws.root)]
    assert cli("evidence", "attach", "成都市", "a1.q1", str(shot), *w).exit_code == 0

    done = cli("evidence", "timestamp", *w)  # no TSA anywhere yet
    assert done.exit_code == 1 and "no TSA to ask: set [evidence] tsa in" in done.output
    assert "; give --tsa URL" in done.output  # the CLI's words for the core's hint

    with serve_tsa(lambda q: (200, b"garbage")) as url:
        done = cli("evidence", "timestamp", "--tsa", url, "--json", *w)
    assert done.exit_code == 1
    [failed] = json.loads(done.output)["timestamps"]
    assert not failed["ok"] and failed["reason"].startswith("not timestamped: ")

    key = ws.root / "me.key"
    done = cli("evidence", "keygen", "--key", str(key), *w)
    assert done.exit_code == 0, done.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and "fingerprint SHA256:" in done.output
    (ws.root / "keys").mkdir()
    (ws.root / "张三.pub.pem").rename(ws.root / "keys" / "张三.pub.pem")
    done = cli("evidence", "keygen", "--key", str(key), *w)
    assert done.exit_code == 1 and "already exists: a key is never overwritten" in done.output

    (ws.root / "chain.pem").write_bytes(tsa.chain.read_bytes())
    with serve_tsa(real_tsa(tsa)) as url:
        config = ws.config_path.read_text(encoding="utf-8")
        assert '[evidence]\nkey = "me.key"\n' in config  # keygen recorded it
        ws.config_path.write_text(config.replace("[evidence]\n", f'[evidence]\ntsa = "{url}"\n'
                                                 'tsa_chain = "chain.pem"\n'
                                                 'public_keys = "keys"\n'), encoding="utf-8")
        done = cli("evidence", "timestamp", *w)  # the manifest the TSA missed before
        assert done.exit_code == 0, done.output
    done = cli("evidence", "timestamp", *w)
    assert done.exit_code == 0 and "Every run manifest has a timestamp already" in done.output

    key.chmod(0o640)
    done = cli("evidence", "sign", *w)
    assert done.exit_code == 1 and f"fix it with: chmod 600 {key}" in done.output
    key.chmod(0o600)
    done = cli("evidence", "sign", *w)
    assert done.exit_code == 0 and "1 file(s) signed by 张三" in done.output

    verdicts = verify_workspace(ws, Store(ws), settings_of(ws))
    assert [(v.kind, v.hash, v.timestamp.state, v.signature.state) for v in verdicts] == [
        ("manifest", "ok", "ok", "ok"), ("png", "ok", "ok", "ok")]

    done = cli("evidence", "export", "成都市", *w)
    assert done.exit_code == 0, done.output
    bundle = ws.exports_dir / "成都市-evidence.zip"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
    assert "SHA256SUMS" in names and "README.txt" in names and "keys/张三.pub.pem" in names
    done = cli("evidence", "export", "北京市", "-o", str(ws.root / "x.zip"), *w)
    assert done.exit_code == 1 and "北京市" in done.output and "Traceback" not in done.output


def _attached(ws, cli) -> None:
    shot = ws.root / "shot.png"
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), (9, 9, 9)).save(buffer, "PNG")
    shot.write_bytes(buffer.getvalue())
    assert cli("evidence", "attach", "成都市", "a1.q1", str(shot), cwd=ws.root).exit_code == 0


def test_keygen_records_its_key_so_that_sign_and_verify_work_as_written(
        cli, make_workspace, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    ws = make_workspace(sites=[("成都市", "http://127.0.0.1:1/", "city")])
    ws.config_path.write_text(ws.config_path.read_text(encoding="utf-8")
                              + "\n# the team's settings\n[evidence]  # kept as written\n"
                              "archive = false\n", encoding="utf-8")
    _attached(ws, cli)
    done = cli("evidence", "keygen", "--signer", "张三", cwd=ws.root)
    assert done.exit_code == 0, done.output
    assert "recorded in govaudit.toml as [evidence] key" in done.output
    config = ws.config_path.read_text(encoding="utf-8")
    key = tmp_path / "home" / ".config" / "govaudit" / "signing-key.pem"
    assert f'key = "{key}"' in config and "# the team's settings" in config
    assert "archive = false" in config

    done = cli("evidence", "sign", cwd=ws.root)
    assert done.exit_code == 0 and "1 file(s) signed by 张三" in done.output, done.output
    done = cli("evidence", "verify", cwd=ws.root)  # no public_keys: the evaluator's own key
    assert done.exit_code == 0, done.output
    verdicts = verify_workspace(ws, Store(ws), settings_of(ws))
    assert [v.signature.state for v in verdicts] == ["ok", "ok"]


def test_sign_falls_back_to_the_key_keygen_made(cli, make_workspace, monkeypatch,
                                                 tmp_path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    done = cli("evidence", "keygen", "--signer", "张三", cwd=tmp_path)  # outside a workspace
    assert done.exit_code == 0, done.output
    ws = make_workspace(sites=[("成都市", "http://127.0.0.1:1/", "city")])
    _attached(ws, cli)
    done = cli("evidence", "sign", cwd=ws.root)
    assert done.exit_code == 0 and "1 file(s) signed by 张三" in done.output, done.output
    assert cli("evidence", "verify", cwd=ws.root).exit_code == 0


def test_a_key_the_team_has_not_listed_is_not_called_invalid(cli, make_workspace,
                                                               tmp_path) -> None:
    ws = make_workspace(sites=[("成都市", "http://127.0.0.1:1/", "city")])
    _attached(ws, cli)
    assert cli("evidence", "keygen", "--key", str(ws.root / "me.key"), cwd=ws.root
               ).exit_code == 0
    assert cli("evidence", "sign", cwd=ws.root).exit_code == 0
    from govaudit.archive.signing import keygen

    keygen(ws.root / "keys" / "li.key", "李四").private.unlink()  # the team lists 李四 only
    config = ws.config_path.read_text(encoding="utf-8")
    assert 'key = "me.key"' in config
    # this workspace no longer has the signer's key: signed by someone the team has not listed
    ws.config_path.write_text(config.replace('key = "me.key"', 'public_keys = "keys"'),
                              encoding="utf-8")
    done = cli("evidence", "verify", cwd=ws.root)
    assert done.exit_code == 1
    assert "signed by a key the team has not listed" in done.output, done.output
    assert "signature invalid" not in done.output


def test_evidence_help_lists_all_six_subcommands(cli) -> None:
    done = cli("evidence", "--help")
    head = done.output.split("Commands:")[0]
    for name in ("attach", "verify", "keygen", "timestamp", "sign", "export"):
        assert name in head, name

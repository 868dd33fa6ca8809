"""govaudit evidence keygen / timestamp / sign / export through the real CLI."""

from __future__ import annotations

import io
import json
import stat
import zipfile

from archive_helpers import TSAFiles, real_tsa, serve_tsa, tsa_fixtures
from PIL import Image

from govaudit.archive.checks import verify_workspace

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
    assert done.exit_code == 1 and "no TSA to ask: give --tsa URL" in done.output

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
        with ws.config_path.open("a", encoding="utf-8") as handle:
            handle.write(f'\n[evidence]\ntsa = "{url}"\ntsa_chain = "chain.pem"\n'
                         'key = "me.key"\npublic_keys = "keys"\n')
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

    verdicts = verify_workspace(ws)
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

"""Review states, adjudication, blind second assessment and the hash-chained audit log:
through govaudit.Audit and the CLI, with real workbooks."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

import govaudit
from govaudit import Audit
from tests.conftest import kills

SITES = [("成都市", "http://127.0.0.1:9/", "city"), ("郫都区", "http://127.0.0.1:9/pd", "county")]


def _audit(make_workspace, evaluator: str = "张三", name: str = "ws", blind: bool = False
           ) -> Audit:
    ws = make_workspace(sites=SITES, evaluator=evaluator, name=name)
    if blind:  # as `govaudit init --blind` writes it
        config = ws.config_path.read_text(encoding="utf-8")
        ws.config_path.write_text(config.replace("[workspace]\n", "[workspace]\nblind = true\n"),
                                  encoding="utf-8")
    return Audit.open(ws.root)


def _rows(path: Path, sheet: str) -> list[dict]:
    ws = load_workbook(path)[sheet]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    ids = values[1]
    return [dict(zip(ids, r, strict=False)) for r in values[2:] if any(c is not None for c in r)]


# -- review states --------------------------------------------------------------------------


def test_review_one_answer_and_in_bulk_in_either_language(make_workspace, cli):
    audit = _audit(make_workspace)
    audit.answer("成都市", "a1.q1", "yes")
    audit.answer("成都市", "a2.q1", "no")
    audit.answer("郫都区", "a1.q1", "no")
    audit.answer("成都市", "a1.q1", "no", evaluator="李四")

    result = cli("review", "成都市", "a1.q1", "--state", "通过", "--evaluator", "张三",
                 cwd=audit.root)
    assert result.exit_code == 0, result.output
    assert "成都市 · a1.q1 · 张三: 通过" in result.output
    result = cli("review", "--site", "成都市", "--evaluator", "李四", "--state", "flagged",
                 "--reason", "截图不清", cwd=audit.root)
    assert result.exit_code == 0, result.output
    made = audit.review(question="a1.q1", state="approved", reviewer="王五", evaluator="张三")
    assert [type(r) for r in made] == [govaudit.Review, govaudit.Review]

    states = {(r.answer.site, r.answer.question, r.answer.evaluator): r
              for r in audit.reviews()}
    assert states[("成都市", "a1.q1", "张三")].state == "approved"
    flagged = states[("成都市", "a1.q1", "李四")].review
    assert flagged is not None and (flagged.state, flagged.reason, flagged.reviewer) == (
        "flagged", "截图不清", "张三")
    assert flagged.time.endswith("+00:00") and flagged.key == ("成都市", "a1.q1", "李四", 1)
    assert states[("成都市", "a2.q1", "张三")].state == "pending"
    assert states[("郫都区", "a1.q1", "张三")].review.reviewer == "王五"
    # the Chinese listing filter, and JSON
    listed = cli("review", "--site", "成都市", "--only", "待复核", "--json", cwd=audit.root)
    assert [(r["question"], r["state"]) for r in json.loads(listed.stdout)] == [
        ("a2.q1", "pending")]


def test_returning_without_a_reason_is_refused_naming_site_and_question(make_workspace, cli):
    audit = _audit(make_workspace)
    audit.answer("成都市", "a1.q1", "yes")
    result = cli("review", "成都市", "a1.q1", "--state", "退回", cwd=audit.root)
    assert result.exit_code == 2
    assert "needs a reason" in result.stderr and "成都市 · a1.q1" in result.stderr
    assert "Traceback" not in result.output
    assert audit.store.reviews() == []  # nothing saved
    with pytest.raises(govaudit.GovauditError, match="成都市 · a1.q1"):
        audit.review("成都市", "a1.q1", state="returned", reason="  ")
    bad = cli("review", "成都市", "a1.q1", "--state", "done", cwd=audit.root)
    assert bad.exit_code == 2 and "--state 'done'" in bad.stderr
    none = cli("review", "成都市", "a2.q1", "--state", "通过", cwd=audit.root)
    assert none.exit_code == 1 and "no answer to review for 成都市 · a2.q1" in none.stderr
    returned = audit.review("成都市", "a1.q1", state="returned", reason="未附截图")
    assert returned[0].state == "returned" and returned[0].label == "退回"


def test_a_changed_answer_is_pending_again(make_workspace):
    audit = _audit(make_workspace)
    audit.answer("成都市", "a1.q1", "yes")
    audit.review("成都市", "a1.q1", state="approved")
    assert audit.reviews("成都市", "a1.q1")[0].state == "approved"
    audit.answer("成都市", "a1.q1", "no")
    assert audit.reviews("成都市", "a1.q1")[0].state == "pending"
    # the same state again keeps the review: no second record
    audit.review("成都市", "a1.q1", state="approved")
    audit.review("成都市", "a1.q1", state="approved")
    assert [r.version for r in audit.store.reviews("成都市")] == [1, 2]


def test_reviews_travel_through_the_workbook(make_workspace, cli, tmp_path: Path):
    zhang = _audit(make_workspace, name="zhang")
    zhang.answer("成都市", "a1.q1", "yes")
    zhang.answer("成都市", "a2.q1", "no")
    zhang.review("成都市", "a1.q1", state="returned", reason="证据不足", reviewer="组长")
    book = zhang.export(tmp_path / "张三.xlsx").path
    rows = {r["question"]: r for r in _rows(book, "Answers")}
    assert (rows["a1.q1"]["review"], rows["a1.q1"]["review_reason"],
            rows["a1.q1"]["reviewer"]) == ("退回", "证据不足", "组长")
    assert rows["a2.q1"]["review"] == "待复核" and rows["a2.q1"]["reviewer"] is None

    lead = _audit(make_workspace, evaluator="组长", name="lead")
    result = cli("import", str(book), cwd=lead.root)
    assert result.exit_code == 0, result.output
    assert "Imported 1 review(s)" in result.output
    [held] = [r for r in lead.reviews() if r.review]
    assert (held.answer.question, held.state, held.review.reason) == ("a1.q1", "returned",
                                                                      "证据不足")
    # importing again adds nothing
    lead.import_workbook(book)
    assert len(lead.store.reviews()) == 1


def test_a_review_typed_into_the_workbook(make_workspace, cli, tmp_path: Path):
    """A lead types 通过, 退回 or 有问题 into 复核状态: dated at the export (also over a review
    whose 复核人 and 复核时间 stay as they were); 退回 needs 复核意见."""
    zhang = _audit(make_workspace, name="zhang")
    zhang.answer("成都市", "a1.q1", "yes")
    zhang.answer("成都市", "a2.q1", "no")
    zhang.review("成都市", "a1.q1", state="approved", reviewer="组长")
    book = zhang.export(tmp_path / "张三.xlsx").path
    wb = load_workbook(book)
    sheet = wb["Answers"]
    ids = [c.value for c in sheet[2]]
    col = {name: ids.index(name) + 1 for name in ("review", "reviewer")}
    sheet.cell(3, col["review"], "有问题")  # over 通过 by 组长, its time left as it was
    sheet.cell(4, col["review"], "退回")
    sheet.cell(4, col["reviewer"], "组长")
    wb.save(book)
    lead = _audit(make_workspace, evaluator="组长", name="lead")
    result = cli("import", str(book), cwd=lead.root)
    assert result.exit_code == 1
    assert "Answers row 4" in result.stderr and "退回 (returned) needs a reason" in \
        result.stderr
    sheet.cell(4, col["review"], "通过")
    wb.save(book)
    assert cli("import", str(book), cwd=lead.root).exit_code == 0
    states = {r.answer.question: r.state for r in lead.reviews()}
    assert states == {"a1.q1": "flagged", "a2.q1": "approved"}
    # the typed state is a new review, newer than the one it was typed over
    [typed] = [r for r in lead.store.reviews() if r.question == "a1.q1"]
    [exported] = zhang.store.reviews()
    assert typed.time > exported.time and typed.reviewer == "组长"


# -- merge: reviews and adjudications, idempotent and order-independent ---------------------


def _book(make_workspace, tmp_path: Path, evaluator: str, name: str, act) -> Path:
    audit = _audit(make_workspace, evaluator=evaluator, name=name)
    act(audit)
    return audit.export(tmp_path / f"{name}.xlsx").path


def test_merge_takes_the_newest_review_and_the_adjudication(make_workspace, cli,
                                                            tmp_path: Path):
    def both(audit: Audit) -> None:  # every other question of 成都市, answered alike
        for question, value in (("a1.q3", 3), ("a2.q1", "yes"), ("b1.q1", "优")):
            audit.answer("成都市", question, value)

    def zhang(audit: Audit) -> None:
        audit.answer("成都市", "a1.q1", "yes")
        audit.answer("成都市", "a1.q2", "好")
        both(audit)
        audit.review("成都市", "a2.q1", state="approved", reviewer="组长")

    def li(audit: Audit) -> None:
        audit.answer("成都市", "a1.q1", "no")
        both(audit)

    first = _book(make_workspace, tmp_path, "张三", "zhang", zhang)
    second = _book(make_workspace, tmp_path, "李四", "li", li)
    lead = _audit(make_workspace, evaluator="组长", name="lead")
    for book in (first, second):
        assert cli("import", str(book), cwd=lead.root).exit_code == 0
    assert lead.score().site("成都市").provisional
    # a later review of the same answer, made by the lead, wins
    lead.review("成都市", "a2.q1", evaluator="张三", state="flagged", reason="再看")
    result = cli("adjudicate", "成都市", "a1.q1", "--value", "是", "--reason", "首页底部有入口",
                 cwd=lead.root)
    assert result.exit_code == 0, result.output
    assert "adjudicated by 组长" in result.output
    third = lead.export(tmp_path / "lead.xlsx").path

    out = tmp_path / "team.xlsx"
    merged = cli("export", "merge", str(first), str(second), str(third), "-o", str(out),
                 cwd=lead.root)
    assert merged.exit_code == 0, merged.output
    answers = {(r["question"], r["evaluator"]): r for r in _rows(out, "Answers")}
    assert (answers[("a2.q1", "张三")]["review"], answers[("a2.q1", "张三")]["reviewer"]) == (
        "有问题", "组长")
    [adjudicated] = _rows(out, "Adjudications")
    assert (adjudicated["value"], adjudicated["adjudicator"], adjudicated["reason"]) == (
        "yes", "组长", "首页底部有入口")
    conflicts = [r for r in _rows(out, "Conflicts") if r["question"] == "a1.q1"]
    assert all("裁定" in r["rule"] for r in conflicts)
    [summary] = [r for r in _rows(out, "Summary") if r["site"] == "成都市"]
    assert summary["provisional"] is None  # a1.q1 counts as adjudicated

    # the merge of the merge, and in another order, is the same workbook
    def cells(path: Path) -> dict:
        book = load_workbook(path)
        return {name: [[c for c in row] for row in book[name].iter_rows(values_only=True)]
                for name in ("Summary", "Answers", "Adjudications", "Conflicts")}

    again = tmp_path / "again.xlsx"
    assert cli("export", "merge", str(third), str(out), str(second), str(first), "-o",
               str(again), cwd=lead.root).exit_code == 0
    assert cells(again) == cells(out)


def test_adjudication_settles_the_score(make_workspace, cli):
    audit = _audit(make_workspace)
    audit.answer("成都市", "a1.q1", "yes")
    refused = cli("adjudicate", "成都市", "a1.q1", "--value", "yes", "--reason", "x",
                  cwd=audit.root)
    assert refused.exit_code == 1 and "do not disagree" in refused.stderr
    audit.answer("成都市", "a1.q1", "no", evaluator="李四")
    before = audit.score().site("成都市")
    no_reason = cli("adjudicate", "成都市", "a1.q1", "--value", "yes", "--reason", " ",
                    cwd=audit.root)
    assert no_reason.exit_code == 2 and "成都市 · a1.q1 needs a reason" in no_reason.stderr
    bad = cli("adjudicate", "成都市", "a1.q1", "--value", "maybe", "--reason", "x",
              cwd=audit.root)
    assert bad.exit_code == 1 and "成都市 · a1.q1" in bad.stderr
    made = audit.adjudicate("成都市", "a1.q1", "yes", reason="复核截图", adjudicator="组长")
    assert isinstance(made, govaudit.Adjudication)
    assert made.values == (("张三", "yes"), ("李四", "no"))
    report = audit.score()
    after = report.site("成都市")
    assert after.answered == before.answered + 1 and after.total > before.total
    [disagreement] = report.disagreements
    assert disagreement.adjudicated and disagreement.settled and disagreement.counted == "yes"
    assert report.unsettled == []
    # a later adjudication replaces it
    audit.adjudicate("成都市", "a1.q1", "no", reason="重新核实")
    assert [a.value for a in audit.adjudications()] == ["no"]
    assert audit.score().site("成都市").total < after.total


# -- blind second assessment -----------------------------------------------------------------


def test_a_blind_second_evaluator_never_sees_the_first(make_workspace, cli, tmp_path: Path):
    first = _audit(make_workspace, name="zhang")
    first.answer("成都市", "a1.q1", "yes", note="首页底部有入口")
    first.answer("郫都区", "a1.q3", 987654)
    first.review("成都市", "a1.q1", state="approved")
    book = first.export(tmp_path / "张三.xlsx").path

    second = _audit(make_workspace, evaluator="李四", name="li", blind=True)
    assert second.blind
    result = cli("import", str(book), cwd=second.root)
    assert result.exit_code == 0, result.output
    assert "Left out 2 answer(s) by other evaluators" in result.output
    assert second.answers() == [] and second.store.reviews() == []
    # even where the first's answers are in the same store (a shared workspace)
    second.store.save_answers([govaudit.Answer("成都市", "a1.q3", "a1", 987654, "张三",
                                               "2026-11-20T08:00:00.000+00:00")])
    assert cli("answer", "成都市", "a1.q1", "no", cwd=second.root).exit_code == 0
    # collect shows a teammate's answer as current where there is no own one: not here
    [session] = second.collect(["成都市"]).sessions
    shown = [session.current(i) for i in range(len(session.items))]
    assert {a.evaluator for a in shown if a is not None} == {"李四"}
    for args in (("status",), ("score", "--json"), ("review", "--site", "成都市"),
                 ("log", "show")):
        result = cli(*args, cwd=second.root)
        assert result.exit_code == 0, result.output
        assert "987654" not in result.output and "首页底部有入口" not in result.output
        # the log keeps the entry of 张三's answer, its values hidden
        assert "张三" not in result.output or args == ("log", "show")
    assert "(hidden: blind assessment)" in result.output
    assert [a.evaluator for a in second.answers()] == ["李四"]
    assert second.score().disagreements == []
    out = second.export(tmp_path / "李四.xlsx").path
    written = load_workbook(out)
    values = {c for name in written.sheetnames if name != "审计日志"
              for row in written[name].iter_rows(values_only=True) for c in row}
    assert not {"张三", 987654, "首页底部有入口"} & values
    logged = {c for row in written["审计日志"].iter_rows(values_only=True) for c in row}
    assert not {987654, "首页底部有入口"} & logged
    assert not any("987654" in str(c) for c in logged)
    # an import --blind into an ordinary workspace leaves them out the same way
    lead = _audit(make_workspace, evaluator="王五", name="wang")
    assert lead.import_workbook(book, blind=True).withheld == 2 and lead.answers() == []


# -- the audit log -------------------------------------------------------------------------


def test_every_change_is_logged_and_the_chain_holds(make_workspace, cli, tmp_path: Path):
    audit = _audit(make_workspace)
    audit.answer("成都市", "a1.q1", "yes")
    audit.answer("成都市", "a1.q1", "no", note="改了")
    audit.answer("成都市", "a1.q1", "no", evaluator="李四")
    audit.answer("成都市", "a1.q1", "yes", evaluator="李四")
    audit.review("成都市", "a1.q1", evaluator="李四", state="flagged", reason="看不清")
    audit.adjudicate("成都市", "a1.q1", "no", reason="核实")
    shot = tmp_path / "shot.png"
    shot.write_bytes(_png())
    evidence = audit.attach("成都市", "a1.q1", shot)
    entries = audit.log()
    assert [(e.kind, e.action) for e in entries] == [
        ("answer", "save"), ("answer", "save"), ("answer", "save"), ("answer", "save"),
        ("review", "review"), ("adjudication", "adjudicate"), ("evidence", "add"),
        ("answer", "link evidence"), ("answer", "link evidence")]
    second = entries[1]
    assert (second.actor, second.evaluator, second.old, second.new) == (
        "张三", "张三", {"value": "yes", "note": ""}, {"value": "no", "note": "改了"})
    assert entries[3].actor == "李四"  # answered as 李四
    assert entries[6].new["id"] == evidence.id
    assert [e.seq for e in entries] == list(range(1, 10))
    assert all(e.prev == p.hash for p, e in zip(entries, entries[1:], strict=False))
    assert audit.verify_log().ok
    ok = cli("log", "verify", cwd=audit.root)
    assert ok.exit_code == 0 and "9 entries, the chain is whole" in ok.output

    # the workbook's 审计日志 sheet holds the chain as written
    book = audit.export(tmp_path / "me.xlsx").path
    sheet = _rows(book, "审计日志")
    assert [r["hash"] for r in sheet] == [e.hash for e in entries]
    assert json.loads(sheet[1]["old"]) == {"value": "yes", "note": ""}


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("damage, position", [
    ("remove", 3), ("edit", 3), ("edit-and-rehash", 4), ("cut-the-end", 6)])
def test_a_removed_or_edited_entry_is_found(make_workspace, cli, damage: str, position: int):
    from govaudit.auditlog import entry_hash

    audit = _audit(make_workspace)
    for value in ("yes", "no", "yes", "no", "yes", "no"):
        audit.answer("成都市", "a1.q1", value)
    log = audit.root / "data" / "audit-log.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    if damage == "remove":
        del lines[2]
    elif damage == "cut-the-end":
        del lines[5]
    else:
        entry = json.loads(lines[2])
        entry["new"]["value"] = "na"
        if damage == "edit-and-rehash":
            entry["hash"] = entry_hash(govaudit.LogEntry.from_dict(entry))
        lines[2] = json.dumps(entry, ensure_ascii=False) + "\n"
    log.write_text("".join(lines), encoding="utf-8")
    check = audit.verify_log()
    assert not check.ok and check.broken == position, check
    result = cli("log", "verify", cwd=audit.root)
    assert result.exit_code == 1
    assert f"broken at entry {position}" in result.output


def test_a_failed_log_write_saves_nothing(make_workspace, monkeypatch):
    """The entry cannot be written (a full disk): the answer is not saved either."""
    from govaudit import auditlog

    audit = _audit(make_workspace)
    audit.answer("成都市", "a1.q1", "yes")

    def full(self, entries):
        raise OSError(28, "No space left on device", str(self.path))

    monkeypatch.setattr(auditlog.AuditLog, "append", full)
    with pytest.raises(OSError):
        audit.answer("成都市", "a1.q1", "no")
    monkeypatch.undo()
    reopened = Audit.open(audit.root)
    assert [a.value for a in reopened.answers()] == ["yes"]
    assert len(reopened.log()) == 1 and reopened.verify_log().ok
    assert not (audit.root / "data" / "audit-log.pending.json").exists()


def test_a_change_cut_short_after_its_entry_is_finished(make_workspace, monkeypatch):
    """Killed between the entry and the rename: the next open puts the change in place."""
    from govaudit import store

    audit = _audit(make_workspace)
    audit.answer("成都市", "a1.q1", "yes")

    def killed(staged):
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_put_in_place", killed)
    with pytest.raises(KeyboardInterrupt):
        audit.answer("成都市", "a1.q1", "no")
    monkeypatch.undo()
    assert (audit.root / "data" / "audit-log.pending.json").exists()
    reopened = Audit.open(audit.root)
    assert [a.value for a in reopened.answers()] == ["no"]
    assert [e.new["value"] for e in reopened.log()] == ["yes", "no"]
    assert reopened.verify_log().ok


ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
WRITER = """
import sys
from govaudit import Audit
audit = Audit.open(sys.argv[1])
print("ready", flush=True)
n = 0
while True:
    n += 1
    audit.answer("成都市", "a1.q3", n)
    audit.review("成都市", "a1.q3", state="approved" if n % 2 else "flagged", reason="r")
"""


def test_sigkill_never_leaves_a_change_without_its_entry(make_workspace):
    """A writer killed at random moments: each stored answer and review has its entry, and
    the chain verifies."""
    audit = _audit(make_workspace)
    rng = random.Random(20261205)
    landed = 0
    for _ in range(kills(10)):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(audit.root)],
                                stdout=subprocess.PIPE, cwd=audit.root, env=ENV)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        landed += proc.wait(timeout=60) == -signal.SIGKILL
        reopened = Audit.open(audit.root)
        check = reopened.verify_log()
        assert check.ok, check
        entries = reopened.log()
        stored = [a.value for a in reopened.answers()]
        assert stored == [e.new["value"] for e in entries if e.kind == "answer"][-1:]
        reviews = reopened.store.reviews()
        assert len([e for e in entries if e.kind == "review"]) == len(reviews)
    assert landed


def test_adjudications_come_in_with_an_import(make_workspace, tmp_path: Path):
    zhang = _audit(make_workspace, name="zhang")
    zhang.answer("成都市", "a1.q1", "yes")
    zhang.answer("成都市", "a1.q1", "no", evaluator="李四")
    zhang.adjudicate("成都市", "a1.q1", "yes", reason="核实")
    book = zhang.export(tmp_path / "张三.xlsx").path
    lead = _audit(make_workspace, evaluator="组长", name="lead")
    result = lead.import_workbook(book)
    assert (result.adjudications, result.rows) == (1, 2)
    [held] = lead.adjudications()
    assert (held.value, held.adjudicator, held.reason) == ("yes", "张三", "核实")
    assert lead.score().unsettled == [] and lead.score().disagreements[0].adjudicated
    assert lead.import_workbook(book).adjudications == 0  # not twice


def test_the_appeal_bundle_holds_the_sites_log_entries(make_workspace, tmp_path: Path):
    import zipfile

    audit = _audit(make_workspace)
    audit.answer("成都市", "a1.q1", "yes")
    audit.answer("郫都区", "a1.q1", "no")
    shot = tmp_path / "shot.png"
    shot.write_bytes(_png())
    audit.attach("成都市", "a1.q1", shot)
    bundle = audit.export_evidence("成都市", tmp_path / "成都市.zip")
    assert bundle.log_entries == 3 and bundle.log_check is not None and bundle.log_check.ok
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(bundle.path) as archive:
        archive.extractall(folder)
    lines = (folder / "audit-log.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["site"] for line in lines] == ["成都市"] * 3
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "audit-log.jsonl" in readme and "whole (4 entries)" in readme
    # the README's own check, run as written
    command = next(line.strip() for line in readme.splitlines()
                   if line.strip().startswith("python3 -c"))
    checked = subprocess.run(["sh", "-c", command.replace("python3", sys.executable, 1)],
                             cwd=folder, capture_output=True, text=True, timeout=60)
    assert checked.stdout.split() == ["1", "True", "3", "True", "4", "True"], checked
    # an edited line says so
    entry = json.loads(lines[0])
    entry["new"]["value"] = "no"
    lines[0] = json.dumps(entry, ensure_ascii=False)
    (folder / "audit-log.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked = subprocess.run(["sh", "-c", command.replace("python3", sys.executable, 1)],
                             cwd=folder, capture_output=True, text=True, timeout=60)
    assert checked.stdout.split()[:2] == ["1", "False"]


def test_a_head_behind_the_log_is_no_break_a_head_ahead_is(make_workspace):
    """A power failure can lose the head's last rename (behind); entries cut from the end
    leave it ahead."""
    audit = _audit(make_workspace)
    for value in ("yes", "no", "yes"):
        audit.answer("成都市", "a1.q1", value)
    head = audit.root / "data" / "audit-log.head.json"
    second = audit.log()[1]
    head.write_text(json.dumps({"seq": 2, "hash": second.hash}), encoding="utf-8")
    assert audit.verify_log().ok
    head.write_text(json.dumps({"seq": 2, "hash": "0" * 64}), encoding="utf-8")
    assert audit.verify_log().broken == 3
    head.write_text(json.dumps({"seq": 4, "hash": second.hash}), encoding="utf-8")
    assert audit.verify_log().broken == 4

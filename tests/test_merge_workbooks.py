"""export merge: conflicts, double assessment, consolidation, agreement, idempotency, order."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govaudit.checklist import load_checklist
from govaudit.errors import GovauditError
from govaudit.model import Adjudication, Review
from govaudit.review import current_adjudications, current_reviews
from govaudit.store import Answer, Site
from govaudit.workbook.agreement import agreement_report, alpha_nominal
from govaudit.workbook.content import WorkbookContent, answers_content, sorted_adjudications
from govaudit.workbook.export import write_workbook
from govaudit.workbook.ingest import read_workbook
from govaudit.workbook.merge import merge_inputs, parse_prefer
from govaudit.workbook.reading import read_sheets

FIXTURE = Path(__file__).parent / "fixtures" / "mini.yaml"
CHECKLIST = load_checklist(FIXTURE)
SITES = [Site("成都市", "https://cd.example.cn", "city"),
         Site("郫都区", "http://pd.example.cn", "county")]
T1, T2, T3 = ("2026-11-20T08:00:00.000+00:00", "2026-11-21T08:00:00.000+00:00",
              "2026-11-22T08:00:00.000+00:00")


def _file(folder: Path, name: str, answers: list[Answer]) -> Path:
    return write_workbook(answers_content(CHECKLIST, SITES, answers), folder / name)


def _content(sheets: dict) -> dict:
    """A workbook's cell values, less the time it was written and the files it came from."""
    about = [r for r in sheets["About"]
             if len(r) < 2 or not (r[1] == "exported" or str(r[1]).startswith("merged_"))]
    return {**sheets, "About": about}


def _rows(sheets: dict, name: str) -> list[dict]:
    rows = sheets[name]
    ids = rows[1]
    out = []
    for row in rows[2:]:
        if not any(c not in ("", None) for c in row):
            break
        out.append(dict(zip(ids, row, strict=False)))
    return out


def test_conflict_and_double_assessment(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=[(s.name, s.url, s.level) for s in SITES], name="lead")
    zhang_early = _file(tmp_path, "张三-早.xlsx", [
        Answer("成都市", "a1.q1", "a1", "yes", "张三", T1),
        Answer("成都市", "a2.q1", "a2", "yes", "张三", T1, "=cmd"),
    ])
    zhang_late = _file(tmp_path, "张三.xlsx", [
        Answer("成都市", "a1.q1", "a1", "no", "张三", T2),
        Answer("成都市", "a2.q1", "a2", "yes", "张三", T1, "=cmd"),
    ])
    li = _file(tmp_path, "李四.xlsx", [
        Answer("成都市", "a1.q1", "a1", "no", "李四", T3),
        Answer("成都市", "a2.q1", "a2", "no", "李四", T3),
    ])
    out = tmp_path / "team.xlsx"
    result = cli("export", "merge", str(zhang_early), str(zhang_late), str(li), "-o", str(out),
                 cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert "1 same-evaluator conflict(s)" in result.output
    assert "1 question(s) where evaluators disagree" in result.output
    sheets = read_sheets(out)
    answers = {(r["site"], r["question"], r["evaluator"]): r for r in _rows(sheets, "Answers")}
    # the same evaluator: the latest answer wins; different evaluators: both kept
    assert len(answers) == 4
    assert answers[("成都市", "a1.q1", "张三")]["value"] == "no"
    assert answers[("成都市", "a2.q1", "张三")]["note"] == "=cmd"
    conflicts = _rows(sheets, "Conflicts")
    same = [(r["evaluator"], r["value"], r["outcome"]) for r in conflicts
            if r["kind"] == "同一评估人答案不同"]
    assert same == [("张三", "no", "采用"), ("张三", "yes", "未采用")]
    disagree = [(r["question"], r["evaluator"], r["value"], r["outcome"]) for r in conflicts
                if r["kind"] == "评估人之间不一致"]
    assert disagree == [("a2.q1", "张三", "yes", "无法判断"), ("a2.q1", "李四", "no", "无法判断")]
    # two units doubly assessed: a1.q1 agrees (no/no), a2.q1 does not
    agreement = _rows(sheets, "Agreement")
    overall = agreement[0]
    assert (overall["scope"], overall["units"], overall["agreed"]) == ("overall", 2, 1)
    assert overall["percent"] == pytest.approx(0.5)
    summary = {r["site"]: r for r in _rows(sheets, "Summary")}
    # consolidated: a1.q1 no (both agree), a2.q1 unknown; answered excludes unknown
    assert summary["成都市"]["answered"] == 1 and summary["成都市"]["total"] == 0
    assert summary["郫都区"]["answered"] == 0  # listed in the inputs' Summary, not answered
    # --json: the same merge as data (merging again writes the same file)
    result = cli("export", "merge", str(zhang_early), str(zhang_late), str(li), "-o", str(out),
                 "--json", cwd=ws.root)
    assert result.exit_code == 0, result.output
    merged = json.loads(result.stdout)
    assert (merged["path"], merged["files"], merged["answers"]) == (str(out), 3, 4)
    assert merged["evaluators"] == ["张三", "李四"]
    assert [(r["evaluator"], r["value"], r["outcome"]) for r in merged["conflicts"]] == same
    assert [(r["question"], r["evaluator"], r["value"], r["outcome"])
            for r in merged["disagreements"]] == disagree
    assert (merged["agreement"]["units"], merged["agreement"]["agreed"]) == (2, 1)
    assert merged["into"] is None

    # the lead settles the disagreement by naming the reviewer
    out2 = tmp_path / "team-li.xlsx"
    result = cli("export", "merge", str(zhang_late), str(li), "-o", str(out2),
                 "--prefer", "evaluator:张三", cwd=ws.root)
    assert result.exit_code == 0, result.output
    summary = {r["site"]: r for r in _rows(read_sheets(out2), "Summary")}
    assert summary["成都市"]["total"] == pytest.approx(4.0)  # a2 (weight 4) answered yes

    # a preferred evaluator who answered nothing here is a usage error, not a silent "unknown"
    out_typo = tmp_path / "team-typo.xlsx"
    result = cli("export", "merge", str(zhang_late), str(li), "-o", str(out_typo),
                 "--prefer", "evaluator:张山", cwd=ws.root)
    assert result.exit_code == 2 and not out_typo.exists()
    assert "--prefer evaluator:张山: no answer of '张山' in these workbooks (evaluators: " \
           "张三, 李四)" in result.output

    # --prefer fail refuses the same-evaluator conflict and writes nothing
    out3 = tmp_path / "team-fail.xlsx"
    result = cli("export", "merge", str(zhang_early), str(zhang_late), "-o", str(out3),
                 "--prefer", "fail", cwd=ws.root)
    assert result.exit_code == 1 and "成都市 · a1.q1 · 张三" in result.output
    assert not out3.exists()


def test_bad_input_refuses_the_whole_merge(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=[(s.name, s.url, s.level) for s in SITES], name="lead")
    good = _file(tmp_path, "a.xlsx", [Answer("成都市", "a1.q1", "a1", "yes", "张三", T1)])
    (tmp_path / "b.xlsx").write_text("not a workbook", encoding="utf-8")
    out = tmp_path / "team.xlsx"
    result = cli("export", "merge", str(good), str(tmp_path / "b.xlsx"), "-o", str(out),
                 cwd=ws.root)
    assert result.exit_code == 1 and "b.xlsx: not an .xlsx workbook" in result.output
    assert not out.exists()
    with pytest.raises(GovauditError, match="use latest, fail or evaluator:NAME"):
        parse_prefer("newest")


def test_alpha_against_hand_computation():
    # Two coders, four units: (yes,yes) (yes,no) (no,no) (no,no).
    # Coincidences: yy=2, yn=ny=1, nn=4; n_yes=3, n_no=5, n=8.
    # alpha = 1 - (n-1) * (yn+ny) / (2 * n_yes * n_no) = 1 - 7*2/30 = 0.5333…
    assert alpha_nominal([("yes", "yes"), ("yes", "no"), ("no", "no"), ("no", "no")]) \
        == pytest.approx(1 - 14 / 30)
    # Krippendorff's own example (4 coders, 12 units, missing values): nominal alpha 0.743.
    data = [[1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2],
            [1, 2, 3, 4], [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5],
            [None, None, 1, 1], [None, None, 3, None]]
    units = [[v for v in unit if v is not None] for unit in data]
    assert alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)
    assert alpha_nominal([("yes", "yes"), ("yes", "yes")]) is None  # no variation: undefined
    assert alpha_nominal([("yes",)]) is None


def test_agreement_report_by_hand():
    def a(site: str, question: str, value: str | int, who: str) -> Answer:
        return Answer(site, question, question.split(".")[0], value, who, T1)

    answers = [
        a("成都市", "a1.q1", "yes", "张三"), a("成都市", "a1.q1", "yes", "李四"),
        a("成都市", "a1.q3", 5, "张三"), a("成都市", "a1.q3", 6, "李四"),
        a("成都市", "a2.q1", "no", "张三"), a("成都市", "a2.q1", "no", "李四"),
        a("成都市", "b1.q1", "优", "张三"),  # single assessment: not a unit
        a("成都市", "b1.q1", "差", "probe"),  # probes are not people
        a("郫都区", "a1.q1", "unknown", "张三"),  # unknown is missing data
        a("郫都区", "a1.q1", "no", "李四"),
    ]
    report = agreement_report(CHECKLIST, answers)
    overall, a1, a2 = report.rows
    assert (overall.units, overall.agreed, overall.sites) == (3, 2, 1)
    assert overall.percent == pytest.approx(2 / 3)
    # values yes,yes | 5,6 | no,no: n=6, n_yes=2, n_no=2, n_5=1, n_6=1, observed 2
    # alpha = 1 - 5 * 2 / (36 - 4 - 4 - 1 - 1) = 1 - 10/26
    assert overall.alpha == pytest.approx(1 - 10 / 26)
    assert (a1.scope, a1.units, a1.agreed) == ("a1", 2, 1)
    assert (a2.scope, a2.units, a2.percent, a2.alpha) == ("a2", 1, 1.0, None)
    assert [(d.site, d.question, d.values) for d in report.disagreements] == [
        ("成都市", "a1.q3", [("张三", 5), ("李四", 6)])]


# -- generated inputs: idempotent and order-independent ------------------------------------

VALUES = {"a1.q1": ["yes", "no"], "a1.q2": ["好", "差"], "a1.q3": [0, 3], "a2.q1": ["no", "na"],
          "b1.q1": ["优", "差"]}
answer_strategy = st.builds(
    lambda site, question, value, evaluator, time, note: Answer(
        site, question, question.split(".")[0], VALUES[question][value], evaluator, time, note),
    st.sampled_from(["成都市", "郫都区"]), st.sampled_from(sorted(VALUES)),
    st.integers(0, 1), st.sampled_from(["张三", "李四", "probe"]),
    st.sampled_from([T1, T2, T3]), st.sampled_from(["", "=1+1", "备注"]))


def _unique(answers: list[Answer]) -> list[Answer]:
    """One answer per (site, question, evaluator), as a single workbook holds them."""
    return list({(a.site, a.question, a.evaluator): a for a in answers}.values())


def _merge(parts: list) -> WorkbookContent:
    """Merge read inputs (--prefer latest)."""
    known = {s.name: s for s in SITES}
    return merge_inputs(CHECKLIST, parts, parse_prefer("latest"), known)[0]


def _written(content: WorkbookContent, out: Path) -> tuple[Path, dict]:
    """`content` written to `out`: its path and cell values (less what _content leaves out)."""
    path = write_workbook(content, out)
    return path, _content(read_sheets(path))


def _merged(parts: list, out: Path) -> tuple[Path, dict]:
    """Merge read inputs (--prefer latest) into `out`; its path and cell values."""
    return _written(_merge(parts), out)


def _steady(content: WorkbookContent) -> list:
    """A merge's content, field by field, less the About rows _content leaves out."""
    about = [r for r in content.about
             if len(r) < 2 or not (r[1] == "exported" or str(r[1]).startswith("merged_"))]
    return [about if field.name == "about" else getattr(content, field.name)
            for field in dataclasses.fields(content)]


class FirstMerge:
    """The first merge of some inputs, to compare others with: `same(parts, out)` says
    whether merging `parts` gives its cell values. A merge whose content is the first's
    (less _content's rows) writes the same cells, so only a merge that differs is written
    (to `out`) and read back."""

    def __init__(self, parts: list, out: Path) -> None:
        content = _merge(parts)
        self.steady = copy.deepcopy(_steady(content))  # the writer adds to `extra`
        self.path, self.cells = _written(content, out)

    def same(self, parts: list, out: Path) -> bool:
        content = _merge(parts)
        return _steady(content) == self.steady or _written(content, out)[1] == self.cells


files_strategy = st.lists(st.lists(answer_strategy, min_size=1, max_size=8).map(_unique),
                          min_size=2, max_size=3)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=files_strategy)
def test_merge_is_idempotent_and_order_independent(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("merge")
    known = {s.name: s for s in SITES}
    paths = [_file(folder, f"in{i}.xlsx", answers) for i, answers in enumerate(files)]
    inputs = [read_workbook(p, CHECKLIST, known) for p in paths]

    def merged(parts, name: str) -> tuple[Path, dict]:
        return _merged(parts, folder / name)

    first = FirstMerge(inputs, folder / "m0.xlsx")
    for n, order in enumerate(itertools.permutations(inputs)):
        assert first.same(list(order), folder / f"p{n}.xlsx")
    again = read_workbook(first.path, CHECKLIST, known)
    # merging the result with itself, or with any input again, adds nothing
    assert first.same([again], folder / "self.xlsx")
    assert first.same([again, *inputs], folder / "plus.xlsx")
    assert merged([inputs[0], inputs[0]], "twice.xlsx")[1] == merged([inputs[0]], "once.xlsx")[1]


def test_tie_on_time_survives_re_merging(tmp_path: Path):
    # One evaluator, the same value at the same time with different notes, and an older
    # different value: every candidate must read back from Conflicts, so re-merging the
    # merged workbook alone (or with its inputs) gives the same workbook.
    def a(value: str, who: str, time: str, note: str = "") -> Answer:
        return Answer("成都市", "a1.q1", "a1", value, who, time, note)

    files = [[a("yes", "张三", T1), a("yes", "李四", T2)],
             [a("yes", "张三", T1), a("yes", "李四", T2, "=1+1")],
             [a("yes", "张三", T1), a("no", "李四", T1)]]
    known = {s.name: s for s in SITES}
    inputs = [read_workbook(_file(tmp_path, f"in{i}.xlsx", f), CHECKLIST, known)
              for i, f in enumerate(files)]

    def merged(parts, name: str) -> tuple[Path, dict]:
        return _merged(parts, tmp_path / name)

    first_path, first = merged(inputs, "m0.xlsx")
    same = [(r["evaluator"], r["value"], r["note"], r["outcome"])
            for r in _rows(first, "Conflicts") if r["kind"] == "同一评估人答案不同"]
    # tie on time and value: the note decides, the same way in every file order
    assert same == [("李四", "yes", "=1+1", "采用"), ("李四", "yes", "", "未采用"),
                    ("李四", "no", "", "未采用")]
    again = read_workbook(first_path, CHECKLIST, known)
    assert sorted((v.value, v.time, v.note) for v in again.variants) == [
        ("no", T1, ""), ("yes", T2, ""), ("yes", T2, "=1+1")]
    assert merged([again], "self.xlsx")[1] == first
    assert merged([again, *inputs], "plus.xlsx")[1] == first
    assert merged(inputs[::-1], "reversed.xlsx")[1] == first


def test_merge_outside_a_workspace_takes_the_checklist_from_the_books(make_workspace, cli,
                                                                       tmp_path: Path):
    """A lead with only the teammates' exported workbooks merges them in an empty folder."""
    books = []
    for evaluator, value in (("张三", "yes"), ("李四", "no")):
        ws = make_workspace(checklist="cstc-2020-local", evaluator=evaluator, name=evaluator,
                            sites=[("成都市", "http://www.chengdu.gov.cn/", "city")])
        answered = cli("answer", "成都市", "statutory-disclosure.q1", value, cwd=ws.root)
        assert answered.exit_code == 0, answered.output
        book = tmp_path / f"{evaluator}.xlsx"
        assert cli("export", "-o", str(book), cwd=ws.root).exit_code == 0
        books.append(book)
    lead = tmp_path / "lead"
    lead.mkdir()
    out = lead / "team.xlsx"
    result = cli("export", "merge", *map(str, books), "-o", str(out), cwd=lead)
    assert result.exit_code == 0, result.output
    assert "Merged 2 workbook(s)" in result.output and "张三, 李四" in result.output
    about = {r[1]: r[2] for r in read_sheets(out)["About"][2:] if len(r) > 2}
    assert about["checklist_id"] == "cstc-2020-local" and about["kind"] == "merge"
    assert about["merged_1"].startswith("张三.xlsx｜评估人：张三｜导出时间：20")
    assert about["merged_1"].endswith("｜答案：1 条")
    assert about["merged_2"].startswith("李四.xlsx｜评估人：李四｜")
    assert about["answers"] == 2

    # an unknown --prefer evaluator is a usage error here too
    typo = lead / "typo.xlsx"
    result = cli("export", "merge", *map(str, books), "-o", str(typo),
                 "--prefer", "evaluator:王五", cwd=lead)
    assert result.exit_code == 2 and not typo.exists()
    assert "no answer of '王五' in these workbooks (evaluators: 张三, 李四)" in result.output

    # books of different checklists: an error naming both, until --checklist says which
    ws = make_workspace(checklist="cstc-2020-ministry", evaluator="王五", name="王五",
                        sites=[("国家发展改革委", "https://www.ndrc.gov.cn/", "ministry")])
    other = tmp_path / "王五.xlsx"
    assert cli("export", "-o", str(other), cwd=ws.root).exit_code == 0
    mixed = lead / "mixed.xlsx"
    result = cli("export", "merge", str(books[0]), str(other), "-o", str(mixed), cwd=lead)
    assert result.exit_code == 2 and not mixed.exists()
    assert "cstc-2020-local version 2020.1 in 张三.xlsx" in result.output
    assert "cstc-2020-ministry version 2020.1 in 王五.xlsx" in result.output
    assert "--checklist" in result.output
    result = cli("export", "merge", str(books[0]), str(books[1]), "-o", str(mixed),
                 "--checklist", "cstc-2020-local", cwd=lead)
    assert result.exit_code == 0, result.output


def test_merge_says_why_evidence_went_unlinked(tmp_path: Path):
    """A merged workbook lists evidence without links, and says how many and why."""
    answers = [Answer("成都市", "a1.q1", "a1", "yes", "张三", T1)]
    content = answers_content(CHECKLIST, SITES, answers)
    content.evidence = [{"evidence": f"e{i}", "site": "成都市", "file": f"evidence/e{i}.png"}
                        for i in range(3)]
    path = write_workbook(content, tmp_path / "with-evidence.xlsx")
    parts = [read_workbook(path, CHECKLIST, {})]
    merged, _ = merge_inputs(CHECKLIST, parts, parse_prefer("latest"))
    out = write_workbook(merged, tmp_path / "team.xlsx")
    about = {r[1]: r[2] for r in read_sheets(out)["About"][2:] if len(r) > 2}
    assert about["hyperlinks"] == 0 and about["unlinked"] == 3
    assert about["unlinked_reason"].startswith("3 with no workspace folder to link to")


# -- reviews and adjudications ride along: still idempotent and order-independent ---------

REVIEWERS = ["组长", "王五"]


@st.composite
def reviewed_files(draw: st.DrawFn) -> list[tuple[list[Answer], list[Review], list[Adjudication]]]:
    """Files of answers, reviews of some of them (of that very answer, or of an earlier
    version), and adjudications of some questions."""
    out = []
    for answers in draw(files_strategy):
        reviews = []
        for a in answers:
            if draw(st.booleans()):
                state = draw(st.sampled_from(["pending", "flagged", "approved", "returned"]))
                reason = "理由" if state == "returned" else draw(st.sampled_from(["", "=1+1"]))
                reviews.append(Review(a.site, a.question, a.evaluator, state,
                                      draw(st.sampled_from(REVIEWERS)),
                                      draw(st.sampled_from([T1, T2, T3])),
                                      draw(st.sampled_from([a.time, a.time, T1])), reason,
                                      draw(st.integers(1, 2))))
        adjudications = draw(st.lists(st.builds(
            lambda site, question, value, who, time, reason: Adjudication(
                site, question, VALUES[question][value], who, time, reason),
            st.sampled_from(["成都市", "郫都区"]), st.sampled_from(sorted(VALUES)),
            st.integers(0, 1), st.sampled_from(REVIEWERS), st.sampled_from([T1, T2, T3]),
            st.sampled_from(["核实", "复核截图"])), max_size=2))
        out.append((answers, reviews, adjudications))
    return out


def _reviewed_file(folder: Path, name: str, answers: list[Answer], reviews: list[Review],
                   adjudications: list[Adjudication]) -> Path:
    content = answers_content(CHECKLIST, SITES, answers)
    content.reviews = current_reviews(answers, reviews)
    content.adjudications = sorted_adjudications(current_adjudications(adjudications).values())
    return write_workbook(content, folder / name)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=reviewed_files())
def test_merge_with_reviews_and_adjudications_is_idempotent_and_order_independent(
        tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("merge-reviews")
    known = {s.name: s for s in SITES}
    paths = [_reviewed_file(folder, f"in{i}.xlsx", *parts) for i, parts in enumerate(files)]
    inputs = [read_workbook(p, CHECKLIST, known) for p in paths]
    first = FirstMerge(inputs, folder / "m0.xlsx")
    for n, order in enumerate(itertools.permutations(inputs)):
        assert first.same(list(order), folder / f"p{n}.xlsx")
    again = read_workbook(first.path, CHECKLIST, known)
    assert first.same([again], folder / "self.xlsx")
    assert first.same([again, *inputs], folder / "plus.xlsx")
    # the newest review of each merged answer's own version holds, whichever file it was in
    merged = {(a.site, a.question, a.evaluator): a for a in again.answers}
    for key, answer in merged.items():
        own = [r for _a, reviews, _j in files for r in reviews
               if (r.site, r.question, r.evaluator) == key and r.answer_time == answer.time
               and not (r.state == "pending" and not r.reviewer)]
        shown = [r for r in again.reviews if (r.site, r.question, r.evaluator) == key]
        assert [r.time for r in shown] == ([max(r.time for r in own)] if own else [])
    newest = current_adjudications(a for _a, _r, items in files for a in items)
    assert {(a.site, a.question): a.time for a in again.adjudications} == {
        k: a.time for k, a in newest.items()}

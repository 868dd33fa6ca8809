"""An unknown site, question or indicator: the error offers the names meant most likely and
lists the known ones, a long list as "… and N more"."""

from __future__ import annotations

from govaudit.errors import UnknownName, closest, listed


def test_the_names_meant_most_likely():
    assert closest("青山", ["青山县", "青川县", "成都市"])[0] == "青山县"
    assert closest("site-mark.q2", ["site-marks.q1", "site-marks.q2", "links.q1"])[0] == \
        "site-marks.q2"
    assert closest("zz", ["a1.q1", "b2.q3"]) == []


def test_a_long_list_says_how_many_more():
    names = [f"县{n}" for n in range(25)]
    assert listed(names) == ", ".join(names[:10]) + " … and 15 more"
    assert listed(names[:3]) == "县0, 县1, 县2"


def test_an_unknown_site_on_the_command_line(cli, make_workspace):
    ws = make_workspace()
    for n in range(12):
        cli("sites", "add", f"县{n:02d}", f"http://x{n}.example/", "--level", "county",
            cwd=ws.root)
    cli("sites", "add", "青山县", "http://qs.example/", "--level", "county", cwd=ws.root)
    question = ws.checklist.questions[0].id
    result = cli("answer", "青山", question, "yes", cwd=ws.root)
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "unknown site '青山'; did you mean 青山县?" in out, out
    assert "… and 3 more" in out, out  # 13 sites: ten listed
    assert "'govaudit sites import FILE' or 'govaudit sites add NAME URL'" in out  # the CLI's
    zh = " ".join(cli("--lang", "zh", "answer", "青山", question, "yes",
                      cwd=ws.root).output.split())
    assert "未知网站 '青山'；您是否要找 青山县？" in zh, zh
    assert "… 另有 3 个" in zh, zh


def test_an_unknown_question_offers_the_nearest(make_workspace):
    from govaudit.answers import find_question

    ws = make_workspace()
    real = ws.checklist.questions[0].id
    typo = real[:-1] + "x" if real[-1] != "x" else real[:-1] + "y"
    try:
        find_question(ws.checklist, typo)
    except UnknownName as error:
        assert error.kind == "question" and real in error.candidates
        assert error.hint == "checklist_show"
    else:
        raise AssertionError("no error")

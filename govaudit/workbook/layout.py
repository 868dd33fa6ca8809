"""The team workbook's layout: sheet names, column ids and their Chinese headers.

Every table sheet has two header rows: row 1 holds Chinese headers for people,
row 2 the stable English ids that govaudit reads (styled grey, carrying the
autofilter buttons). Data starts on row 3. Readers find the id row by content,
so a sheet with only one header row (ids or Chinese headers) is read too.
"""

from __future__ import annotations

from dataclasses import dataclass

HEADER_ROWS = 2
FIRST_DATA_ROW = HEADER_ROWS + 1
# Excel's last row: a sheet holds at most this many data rows below its headers.
MAX_DATA_ROWS = 1_048_576 - HEADER_ROWS
# Excel refuses a sheet with more hyperlinks than this.
MAX_HYPERLINKS = 65_530

SUMMARY = "Summary"
SCORES = "Scores"
ANSWERS = "Answers"
EVIDENCE = "Evidence"
CHECKLIST = "Checklist"
CONFLICTS = "Conflicts"
AGREEMENT = "Agreement"
ABOUT = "About"
MONITORING = "Monitoring"
PROBLEMS = "Problems"
CHECKS = "Checks"
ADJUDICATIONS = "Adjudications"
AUDIT_LOG = "审计日志"
# The order sheets appear in; Problems only for a checklist of the deduction scheme,
# Conflicts and Agreement only after a merge, Checks only in a workspace's export once the
# content or conformance checks ran, Monitoring only once it has been monitored,
# Adjudications once a question was adjudicated, 审计日志 in a workspace's export once its
# audit log has entries.
SHEET_ORDER = (SUMMARY, PROBLEMS, SCORES, ANSWERS, EVIDENCE, CHECKLIST, CONFLICTS, AGREEMENT,
               ADJUDICATIONS, CHECKS, MONITORING, AUDIT_LOG, ABOUT)
# The sheets of the copy to print (`--print`): the results as those who read them print
# them. The rows behind them (answers, evidence, conflicts, checks, the log) stay in the
# workbook itself: a 120-site team's answers alone fill some 500 A4 pages.
PRINTED_SHEETS = (SUMMARY, PROBLEMS, SCORES, CHECKLIST, AGREEMENT, MONITORING, ABOUT)
# The About sheet's kind of a copy to print: no workbook to import or merge
PRINT_KIND = "print"


@dataclass(frozen=True)
class Column:
    id: str
    header: str
    width: float = 12
    hidden: bool = False


SUMMARY_HEAD = (
    Column("site", "网站", 18), Column("level", "级别", 6), Column("total", "总分", 7),
    Column("provisional", "暂定", 5), Column("bonus", "加分", 6), Column("grade", "等级", 6),
    Column("rank", "排名", 5), Column("rank_group", "排名分组", 8),
)
# …then, for a deduction scheme, the verdict; then one column per first-level indicator
# (id "top.<id>"): the columns a printed Summary shows. Then, not printed:
SUMMARY_TAIL = (
    Column("answered", "已答题数", 9), Column("questions", "应答题数", 9),
    Column("url", "网址", 30), Column("region", "地区", 10), Column("group", "分组", 10),
)
# …then, for sites in several ranking groups, every rank
SUMMARY_VERDICT = (
    Column("verdict", "结论", 8), Column("part2", "扣分指标得分", 10),
    Column("reason", "不合格原因", 30),
)
SUMMARY_RANKS = (Column("ranks", "各分组排名", 24),)
# The 问题清单: one row per problem found, as 通报 write it
PROBLEMS_COLUMNS = (
    Column("site", "网站", 22), Column("verdict", "结论", 8), Column("kind", "类别", 9),
    Column("item", "指标", 24), Column("question", "问题编号", 20),
    Column("question_text", "问题", 44), Column("occurrences", "处数", 6),
    Column("urls", "位置（网址）", 40), Column("evidence", "证据编号", 20),
    Column("note", "备注", 30), Column("deducted", "扣分", 8), Column("points", "扣分说明", 24),
)
# 合规检测: one row per content or conformance check and spot, with its evidence
CHECKS_COLUMNS = (
    Column("site", "网站", 22), Column("probe", "检测类别", 12), Column("check", "检测", 16),
    Column("check_id", "检测编号", 14), Column("result", "结果", 10),
    Column("detail", "说明", 50), Column("url", "网址", 40),
    Column("path", "元素位置", 30), Column("context", "上下文", 40),
    Column("entry", "名单条目", 14), Column("list_file", "名单文件", 24),
    Column("list_validity", "名单有效期", 22), Column("screenshot", "截图", 30),
    Column("shot_note", "截图说明", 30), Column("time", "检测时间（UTC+8）", 20),
)
SCORES_HEAD = (Column("site", "网站", 22), Column("level", "级别", 9))
# …then one column per leaf indicator (id "ind.<id>").
ANSWERS_COLUMNS = (
    # The columns up to 复核状态 are the ones printed: one line per answer, one page wide.
    Column("site", "网站", 20), Column("question", "问题编号", 20), Column("value", "答案", 12),
    Column("value_label", "答案（中文）", 12), Column("evaluator", "评估人", 8),
    Column("review", "复核状态", 8),
    Column("question_text", "问题", 44), Column("level", "级别", 9),
    Column("indicator", "指标编号", 18), Column("indicator_path", "指标", 36),
    Column("time", "时间（UTC+8）", 20), Column("note", "备注", 30),
    Column("evidence", "证据编号", 20),
    # The value as exported, hidden: tells which of 答案 and 答案（中文） a person changed.
    Column("written", "导出时的答案", 12, hidden=True),
    # The review that holds for the answer (govaudit.review); 待复核 when there is none.
    Column("review_reason", "复核意见", 24),
    Column("reviewer", "复核人", 10), Column("review_time", "复核时间（UTC+8）", 20),
    Column("review_version", "复核版本", 6, hidden=True),
    # The state as exported, hidden: a state typed over it is a new review (dated then).
    Column("review_written", "导出时的复核状态", 9, hidden=True),
)
ANSWERS_REQUIRED = ("site", "question", "value", "evaluator", "time")
EVIDENCE_COLUMNS = (
    Column("evidence", "证据编号", 18), Column("site", "网站", 22),
    Column("indicator", "指标编号", 18), Column("question", "问题编号", 20),
    Column("requested_url", "请求网址", 34), Column("final_url", "最终网址", 34),
    Column("status", "状态码", 8), Column("time", "采集时间（UTC+8）", 20),
    Column("kind", "类型", 8), Column("file", "文件", 40), Column("sha256", "SHA-256", 30),
    Column("bytes", "字节数", 10), Column("error", "错误", 30),
)
CHECKLIST_HEAD = (
    Column("indicator", "指标编号", 22), Column("code", "序号", 8),
    Column("level1", "一级指标", 16), Column("level2", "二级指标", 20),
    Column("level3", "三级指标", 22), Column("bonus", "加分项", 7),
)
# …then one weight column per level (id "weight.<level>"), then:
CHECKLIST_TAIL = (Column("questions", "问题数", 8), Column("description", "评估要点说明", 60))
CONFLICTS_COLUMNS = (
    # The columns up to 结果 are the ones printed: one line per candidate, one page wide.
    Column("kind", "类型", 16), Column("site", "网站", 20), Column("question", "问题编号", 20),
    Column("evaluator", "评估人", 10), Column("value", "答案", 12),
    Column("outcome", "结果", 14), Column("question_text", "问题", 40),
    Column("time", "时间（UTC+8）", 20), Column("note", "备注", 24),
    Column("evidence", "证据编号", 16), Column("rule", "规则", 44),
)
AGREEMENT_COLUMNS = (
    Column("scope", "范围", 22), Column("name", "指标", 30),
    Column("sites", "双评网站数", 10), Column("units", "比较题次", 10),
    Column("agreed", "一致题次", 10), Column("percent", "一致率", 9),
    Column("alpha", "Krippendorff α", 14), Column("disagreements", "分歧题次", 10),
)
DISAGREEMENT_COLUMNS = (
    Column("site", "网站", 22), Column("question", "问题编号", 20),
    Column("question_text", "问题", 40), Column("values", "各评估人答案", 50),
)
ADJUDICATIONS_COLUMNS = (
    Column("site", "网站", 22), Column("question", "问题编号", 20),
    Column("question_text", "问题", 40), Column("value", "裁定答案", 12),
    Column("value_label", "裁定答案（中文）", 12), Column("adjudicator", "裁定人", 10),
    Column("time", "裁定时间（UTC+8）", 20), Column("reason", "裁定理由", 40),
    Column("values", "各评估人答案", 40), Column("version", "版本", 6, hidden=True),
)
ADJUDICATIONS_REQUIRED = ("site", "question", "value", "adjudicator", "time", "reason")
AUDIT_LOG_COLUMNS = (
    Column("seq", "序号", 7), Column("time", "时间（UTC）", 26), Column("actor", "操作人", 10),
    Column("kind", "对象", 10), Column("action", "操作", 12), Column("site", "网站", 18),
    Column("question", "问题编号", 16), Column("evaluator", "评估人", 10),
    Column("old", "原值", 30), Column("new", "新值", 30),
    Column("prev", "上一条的 SHA-256", 20), Column("hash", "本条 SHA-256", 20),
)
ABOUT_COLUMNS = (Column("label", "项目", 16), Column("key", "键", 18), Column("value", "值", 60))

# A printed page's heading, per sheet
SHEET_TITLES = {
    SUMMARY: "评估结果汇总", PROBLEMS: "问题清单", SCORES: "指标得分", ANSWERS: "答题记录",
    EVIDENCE: "证据清单", CHECKLIST: "指标体系", CONFLICTS: "答案冲突", AGREEMENT: "评估一致性",
    MONITORING: "监测结果", ADJUDICATIONS: "分歧裁定", AUDIT_LOG: "审计日志", ABOUT: "说明",
}
# What the 暂定 column says of a total that open or disputed questions may still change
PROVISIONAL = "暂定"

# Kinds of Conflicts rows: the ids govaudit reads back, and what people see in `rule`.
SAME_EVALUATOR = "same_evaluator"
DISAGREEMENT = "disagreement"
# What people see in the kind column; either spelling is read back.
KIND_LABELS = {SAME_EVALUATOR: "同一评估人答案不同", DISAGREEMENT: "评估人之间不一致"}
KIND_IDS = {label: kind for kind, label in KIND_LABELS.items()}
CHOSEN = "采用"
REJECTED = "未采用"


def header_lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    """Every spelling of a column a reader accepts (id or Chinese header) -> id."""
    out: dict[str, str] = {}
    for column in columns:
        out[column.id.lower()] = column.id
        out.setdefault(column.header, column.id)
    return out

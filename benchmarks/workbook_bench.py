"""Workbook benchmark: export of 200,000 answers (≈900 sites) and merge of 10 × 20,000 answers.

Prints time and peak memory (max RSS of a fresh process per step) of `export`,
of a bare openpyxl write-only dump of the very same cells (the ratio export /
dump should be at most 1.3), and of `merge`.

Run: .venv/bin/python benchmarks/workbook_bench.py [--answers 200000] [--files 10]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from govaudit import Audit, Evidence

QUESTIONS_PER_SITE = 222  # 74 indicators × 3 questions
NOTES = ("", "", "", "首页底部有链接", "=HYPERLINK(\"http://x\",\"y\")", "栏目更新及时，信息完整")


def synthetic_checklist(folder: Path) -> Path:
    questions = [
        {"id": "q0", "type": "yes_no", "text": "是否开设栏目"},
        {"id": "q1", "type": "graded", "text": "内容质量", "choices": ["好", "中", "差"]},
        {"id": "q2", "type": "count", "text": "服务数量", "unit": "个"},
    ]
    indicators = [{"id": f"top{t}", "name": f"一级{t}", "children": [
        {"id": f"ind{t * 10 + i}", "name": f"指标{t * 10 + i}", "weights": 100 / 70,
         "questions": questions} for i in range(10)]} for t in range(7)]
    indicators.append({"id": "extra", "name": "其他", "children": [
        {"id": f"more{i}", "name": f"补充{i}", "weights": 0, "questions": questions}
        for i in range(4)]})
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump({
        "id": "bench", "name": "基准", "version": "1", "levels": ["city"],
        "indicators": indicators}, allow_unicode=True), encoding="utf-8")
    return path


def _value(question, rng: random.Random) -> str | int:
    if question.type == "yes_no":
        return rng.choice(("yes", "yes", "no", "na"))
    if question.type == "graded":
        return rng.choice(("好", "中", "差"))
    return rng.randint(0, 40)


def _answers(checklist, sites, evaluator: str, rng: random.Random, limit: int):
    from govaudit.store import Answer

    out = []
    for site in sites:
        for question in checklist.questions:
            if len(out) >= limit:
                return out
            out.append(Answer(site.name, question.id, question.indicator_id,
                              _value(question, rng), evaluator,
                              f"2026-11-{rng.randint(1, 28):02d}T08:{rng.randint(0, 59):02d}:"
                              f"{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}+00:00",
                              rng.choice(NOTES)))
    return out


def setup(root: Path, answers: int, files: int) -> None:
    from govaudit.store import Site, Store
    from govaudit.workbook.content import answers_content
    from govaudit.workbook.export import write_workbook
    from govaudit.workspace import init_workspace

    ws = init_workspace(root / "ws", str(synthetic_checklist(root)), "基准")
    store = Store(ws)
    count = -(-answers // QUESTIONS_PER_SITE)
    sites = [Site(f"站点{i:04d}", f"https://s{i}.example.gov.cn", "city") for i in range(count)]
    store.add_sites(sites)
    rng = random.Random(5)
    all_answers = _answers(ws.checklist, sites, "基准", rng, answers)
    for start in range(0, len(all_answers), 20_000):
        store.save_answers(all_answers[start:start + 20_000])
    records = [{
        "id": f"ev-{i:012x}", "run": "bench", "site": site.name, "indicator": "ind0",
        "question": "ind0.q0", "requested_url": site.url, "final_url": site.url + "/",
        "status": 200, "ip": "", "title": site.name, "time": "2026-11-22T08:15:00Z",
        "files": [{"kind": k, "path": f"evidence/{site.name}/{i}.{k}", "sha256": "0" * 64,
                   "bytes": 1000} for k in ("png", "html")], "error": ""}
        for i, site in enumerate(sites)]
    store.add_evidence([Evidence.from_dict(r) for r in records])
    # Pairs of evaluators assess the same sites: double assessment with some disagreement.
    per_file = answers // files
    group = -(-per_file // QUESTIONS_PER_SITE)
    for index in range(files):
        pair = index // 2
        chosen = sites[pair * group:(pair + 1) * group] or sites[:group]
        made = _answers(ws.checklist, chosen, f"评估人{index}", random.Random(pair), per_file)
        noisy = random.Random(index)
        made = [answer.replace(value=_value(ws.checklist.question(answer.question), noisy))
                if noisy.random() < 0.1 else answer for answer in made]
        content = answers_content(ws.checklist, chosen, made)
        write_workbook(content, root / f"in{index}.xlsx")


def step_export(root: Path) -> dict:
    from govaudit.workspace import open_workspace

    ws = open_workspace(root / "ws", explicit=True)
    t0, c0 = time.perf_counter(), time.process_time()
    out = Audit(ws).export(root / "export.xlsx").path
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
            "bytes": out.stat().st_size}


def step_dump(root: Path) -> dict:
    """The same cells as the export, written bare (no styles, checks or links)."""
    from openpyxl import Workbook

    from govaudit.workbook.reading import read_sheets

    sheets = read_sheets(root / "export.xlsx")
    cells = sum(len(row) for rows in sheets.values() for row in rows)
    t0, c0 = time.perf_counter(), time.process_time()
    wb = Workbook(write_only=True)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(root / "dump.xlsx")
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
            "cells": cells}


def step_merge(root: Path, files: int) -> dict:
    from govaudit.workspace import open_workspace

    ws = open_workspace(root / "ws", explicit=True)
    t0, c0 = time.perf_counter(), time.process_time()
    result = Audit(ws).merge([root / f"in{i}.xlsx" for i in range(files)],
                             root / "team.xlsx")
    alpha = result.agreement.alpha if result.agreement else None
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
            "answers": result.answers,
            "sites": result.sites, "alpha": alpha}


def _run(step: str, root: Path, files: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--step", step, "--root", str(root),
                           "--files", str(files)], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2, help="export/dump pairs to time")
    parser.add_argument("--step", choices=("export", "dump", "merge"))
    parser.add_argument("--root", type=Path)
    args = parser.parse_args()
    if args.step:
        steps = {"export": lambda: step_export(args.root), "dump": lambda: step_dump(args.root),
                 "merge": lambda: step_merge(args.root, args.files)}
        figures = steps[args.step]()
        figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        setup(root, args.answers, args.files)
        print(f"set-up: {args.answers} answers stored, {args.files} input workbooks written "
              f"in {time.perf_counter() - t0:.1f} s")
        # Alternate the two and compare the best of each: this machine is shared, so the
        # ratio is taken on CPU time (wall-clock time is printed too).
        exports, dumps = [], []
        for _ in range(args.repeat):
            exports.append(_run("export", root, args.files))
            dumps.append(_run("dump", root, args.files))
        export = min(exports, key=lambda f: f["cpu"])
        dump = min(dumps, key=lambda f: f["cpu"])
        peak = max(f["peak_mb"] for f in exports)
        print(f"export: {export['cpu']:.1f} s CPU, {export['seconds']:.1f} s wall "
              f"(best of {args.repeat}), peak {peak:.0f} MB, {export['bytes'] / 2**20:.1f} MiB")
        print(f"bare write-only dump of the same {dump['cells']} cells: {dump['cpu']:.1f} s CPU, "
              f"{dump['seconds']:.1f} s wall, peak {dump['peak_mb']:.0f} MB (cells held in "
              "memory)")
        print(f"ratio export / bare dump: {export['cpu'] / dump['cpu']:.2f}× CPU, "
              f"{export['seconds'] / dump['seconds']:.2f}× wall (target ≤ 1.3×)")
        merge = _run("merge", root, args.files)
        alpha = "n/a" if merge["alpha"] is None else f"{merge['alpha']:.3f}"
        print(f"merge of {args.files} files × {args.answers // args.files} answers: "
              f"{merge['cpu']:.1f} s CPU, {merge['seconds']:.1f} s wall, peak "
              f"{merge['peak_mb']:.0f} MB "
              f"({merge['answers']} answers, {merge['sites']} sites, alpha {alpha})")
        ok = export["peak_mb"] < 500 and merge["peak_mb"] < 500
        print(f"peak memory under 500 MB: {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()

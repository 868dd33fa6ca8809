"""Answer-store benchmark: save latency with 200,000 answers stored, and CLI start-up.

Run: .venv/bin/python benchmarks/store_bench.py [--answers 200000] [--saves 300]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from govaudit.scoring import score_sites
from govaudit.store import Answer, Site, Store, utc_now
from govaudit.workspace import init_workspace

QUESTIONS_PER_SITE = 222


def synthetic_checklist(folder: Path) -> Path:
    indicators = [{
        "id": f"ind{i}", "name": f"指标{i}", "weights": 100 / 74,
        "questions": [{"id": f"q{j}", "type": "yes_no", "text": f"是否{j}"} for j in range(3)],
    } for i in range(74)]
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump({
        "id": "bench", "name": "基准", "version": "1", "levels": ["city"],
        "indicators": indicators}, allow_unicode=True), encoding="utf-8")
    return path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ws = init_workspace(root / "ws", str(synthetic_checklist(root)), "基准")
        store = Store(ws)
        questions = [q.id for q in ws.checklist.questions]
        site_count = -(-args.answers // QUESTIONS_PER_SITE)
        sites = [Site(f"站点{i:04d}", f"https://s{i}.example", "city") for i in range(site_count)]
        store.add_sites(sites)
        started = time.perf_counter()
        left = args.answers
        now = utc_now()
        for site in sites:
            batch = [Answer(site.name, q, q.split(".")[0], "yes", "基准", now)
                     for q in questions[: min(left, QUESTIONS_PER_SITE)]]
            left -= len(batch)
            store.save_answers(batch)
        fill = time.perf_counter() - started
        stored = len(store.answers())
        print(f"stored answers: {stored} in {site_count} sites (filled in {fill:.1f} s)")

        latencies = []
        rng = random.Random(7)
        for _ in range(args.saves):
            site = rng.choice(sites).name
            question = rng.choice(questions)
            value = rng.choice(["yes", "no", "na"])
            t0 = time.perf_counter()
            store.save_answer(site, question, question.split(".")[0], value, "基准", "bench")
            latencies.append((time.perf_counter() - t0) * 1000)
        print(f"save one answer (durable, fsync): median {statistics.median(latencies):.2f} ms, "
              f"p95 {percentile(latencies, 0.95):.2f} ms, max {max(latencies):.2f} ms "
              f"over {args.saves} saves")

        t0 = time.perf_counter()
        answers = store.answers()
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        score_sites(ws.checklist, store.sites(), answers, "基准")
        print(f"load all {len(answers)} answers: {load:.2f} s; score all sites: "
              f"{time.perf_counter() - t0:.2f} s")

    runs = []
    for _ in range(7):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "commands", "--help"], check=True,
                       capture_output=True)
        runs.append(time.perf_counter() - t0)
    print(f"govaudit --help start-up: median {statistics.median(runs) * 1000:.0f} ms "
          f"(min {min(runs) * 1000:.0f} ms) over {len(runs)} runs")


if __name__ == "__main__":
    main()

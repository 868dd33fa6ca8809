"""collect benchmark: the machine's share of each step of a guided session.

For one site of the built-in cstc-2020-local checklist, in a workspace that
already holds many answers, it measures what runs between the evaluator's
Enter and the next question on screen (save the answer durably, apply skip
logic, find the next question, the progress line, the current answer, probe
hint and evidence of the next question), the time to open a session (its
first question), and the end-of-session summary with the provisional score.

Run: .venv/bin/python benchmarks/collect_bench.py [--answers 200000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from govaudit.collect import CollectSession
from govaudit.scoring import scorer
from govaudit.store import Answer, Site, Store, utc_now
from govaudit.workspace import init_workspace


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def sample_value(question) -> str:
    if question.type == "graded":
        return question.choices[0].label
    if question.type == "count":
        return "3"
    return "yes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=200_000,
                        help="answers stored in other sites before the session")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = init_workspace(Path(tmp) / "ws", "cstc-2020-local", "基准")
        store = Store(ws)
        questions = ws.checklist.questions_at("city")
        per_site = len(questions)
        others = -(-args.answers // per_site)
        sites = [Site(f"站点{i:04d}", f"https://s{i}.example", "city") for i in range(others)]
        target = Site("成都市", "https://www.chengdu.gov.cn", "city")
        store.add_sites([*sites, target])
        now = utc_now()
        for site in sites:
            store.save_answers([Answer(site.name, q.id, q.indicator_id,
                                       q.parse_value(sample_value(q)), "基准", now)
                                for q in questions])
        print(f"stored answers: {len(store.answers())} in {others} other sites; "
              f"checklist cstc-2020-local, {per_site} questions at city level")

        t0 = time.perf_counter()
        session = CollectSession(ws.checklist, ws, store,
                                 scorer(ws.checklist, ws.settlement), target)
        index = session.start()
        session.progress(index)
        opened = (time.perf_counter() - t0) * 1000

        steps: list[float] = []
        while index is not None:
            question = session.items[index].question
            t0 = time.perf_counter()
            session.answer(index, sample_value(question), "")
            index = session.next_index(index)
            if index is not None:
                session.progress(index)
                session.current(index)
                session.hint(index)
                session.evidence_ids(index)
            steps.append((time.perf_counter() - t0) * 1000)

        t0 = time.perf_counter()
        summary = session.summary()
        ending = (time.perf_counter() - t0) * 1000
        print(f"open a session (first question ready): {opened:.1f} ms")
        print(f"answer -> next question ready (save with fsync, skip logic, progress): "
              f"median {statistics.median(steps):.2f} ms, p95 {percentile(steps, 0.95):.2f} ms, "
              f"max {max(steps):.2f} ms over {len(steps)} questions")
        print(f"end-of-session summary with provisional score over {others + 1} sites: "
              f"{ending:.0f} ms (score {summary.score.total:.2f}, answered {summary.answered})")


if __name__ == "__main__":
    main()

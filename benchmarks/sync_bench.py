"""Sync benchmark: 10 evaluators × 3,000 answers through a team server, against a merge of
the same evaluators' workbooks.

A real server (`govaudit server init` in a temporary folder, on 127.0.0.1), a lead whose
workspace holds the sites, and evaluators in pairs on the same sites (double assessment).
Timed: each evaluator's sync (pushing their answers), then the lead's sync (pulling all of
them), and a second round (nothing to move); and `export merge` of the evaluators' workbooks.

Run: .venv/bin/python benchmarks/sync_bench.py [--evaluators 10] [--answers 3000]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workbook_bench import QUESTIONS_PER_SITE, _answers, synthetic_checklist  # noqa: E402

from govaudit import Audit, TeamServer  # noqa: E402
from govaudit.server.cluster import free_port  # noqa: E402


def setup(root: Path, evaluators: int, answers: int) -> tuple[Audit, list[Audit]]:
    """The server, the lead's workspace, each evaluator's workspace with its answers."""
    from govaudit.store import Site

    checklist = synthetic_checklist(root)
    made = TeamServer.init(root / "server", port=free_port())
    os.environ.update(PGSERVICEFILE=str(made.service_file), PGPASSFILE=str(made.password_file))
    per_pair = -(-answers // QUESTIONS_PER_SITE)
    pairs = -(-evaluators // 2)
    sites = [Site(f"站点{i:04d}", f"https://s{i}.example.gov.cn/", "city")
             for i in range(per_pair * pairs)]
    lead = Audit.create(root / "lead", checklist=str(checklist), evaluator="组长")
    lead.store.add_sites(sites)
    services, passwords = [], []
    with Audit.team_server("govaudit-owner") as server:
        members = [server.add_member("组长", role="lead", lead=True)]
        members += [server.add_member(f"评估人{i}", role=f"e{i}") for i in range(evaluators)]
    for member in members:
        services.append(f"[{member.role}]\nhost={made.cluster.socket_dir}\n"
                        f"port={made.cluster.port}\ndbname=govaudit\nuser={member.role}\n")
        passwords.append(f"*:{made.cluster.port}:govaudit:{member.role}:{member.password}\n")
    with made.service_file.open("a", encoding="utf-8") as out:
        out.write("".join(services))
    with made.password_file.open("a", encoding="utf-8") as out:
        out.write("".join(passwords))
    lead.sync(service="lead")
    workspaces = []
    with Audit.team_server("govaudit-owner") as server:
        for i in range(evaluators):
            pair = i // 2
            chosen = sites[pair * per_pair:(pair + 1) * per_pair]
            server.assign(f"评估人{i}", [s.name for s in chosen])
            audit = Audit.create(root / f"e{i}", checklist=str(checklist),
                                 evaluator=f"评估人{i}")
            audit.store.add_sites(chosen)
            made_answers = _answers(audit.checklist, chosen, f"评估人{i}",
                                    random.Random(i), answers)
            audit.store.save_answers(made_answers)
            audit.export(root / f"e{i}.xlsx")
            workspaces.append(audit)
    return lead, workspaces


def sync_round(lead: Audit, workspaces: list[Audit]) -> tuple[float, float, int, int]:
    """Seconds for every evaluator's sync, then the lead's; versions pushed and pulled."""
    t0 = time.perf_counter()
    pushed = sum(audit.sync(service=f"e{i}").pushed for i, audit in enumerate(workspaces))
    t1 = time.perf_counter()
    pulled = lead.sync(service="lead").pulled
    return t1 - t0, time.perf_counter() - t1, pushed, pulled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--evaluators", type=int, default=10)
    parser.add_argument("--answers", type=int, default=3000, help="answers per evaluator")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="govaudit-sync-bench-"))
    os.chmod(root, 0o755)  # run as root, PostgreSQL runs as the postgres OS user
    try:
        t0 = time.perf_counter()
        lead, workspaces = setup(root, args.evaluators, args.answers)
        print(f"set-up: a server, {args.evaluators} evaluators × {args.answers} answers, "
              f"their workbooks, in {time.perf_counter() - t0:.1f} s")
        push, pull, pushed, pulled = sync_round(lead, workspaces)
        print(f"sync: {args.evaluators} evaluators pushed {pushed} answers in {push:.2f} s, "
              f"the lead pulled {pulled} in {pull:.2f} s: {push + pull:.2f} s in all")
        push2, pull2, pushed2, pulled2 = sync_round(lead, workspaces)
        print(f"sync again (nothing to move: {pushed2} pushed, {pulled2} pulled): "
              f"{push2 + pull2:.2f} s")
        t1 = time.perf_counter()
        merged = lead.merge([root / f"e{i}.xlsx" for i in range(args.evaluators)],
                            root / "team.xlsx")
        merge = time.perf_counter() - t1
        print(f"merge of the same {args.evaluators} workbooks ({merged.answers} answers): "
              f"{merge:.2f} s")
        print(f"sync / merge: {(push + pull) / merge:.2f}×")
    finally:
        if (root / "server" / "data").is_dir():
            TeamServer.stop(root / "server")
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

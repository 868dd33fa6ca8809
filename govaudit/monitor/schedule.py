"""The schedule: every site once per interval, at a stable slot of its own.

A site's slot is a fixed offset inside the interval (from a hash of its name), plus a
little random jitter at each visit, so that visits spread over the interval and a
site keeps its time of day from one run to the next. On start each site's next visit
is its next slot after now: missed slots are never caught up, so a restart never
bursts. The heap holds one entry per site and nothing else grows: memory is flat.
The wall clock decides when a slot is due (checked at least once a second), so a
clock set forward or back shifts the visits without piling them up.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.model import Site
from govaudit.monitor.visits import Visitor, VisitResult

MAX_JITTER = 30.0  # seconds at most added to a slot


def slot_offset(name: str, interval: float) -> float:
    """The site's fixed place inside the interval, in seconds."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * interval


def next_slot(name: str, interval: float, after: float) -> float:
    """The first slot of `name` strictly after `after` (epoch seconds)."""
    offset = slot_offset(name, interval)
    k = math.floor((after - offset) / interval) + 1
    return offset + k * interval


def jitter(interval: float) -> float:
    return random.uniform(0.0, min(MAX_JITTER, interval * 0.05))


@dataclass
class Campaign:
    """A monitoring run that `start` resumes: its interval, its end, its sites and the hosts
    whose links it does not check."""

    started: float
    every: float
    until: float
    sites: list[str]
    skip_hosts: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> Campaign | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            return cls(float(data["started"]), float(data["every"]), float(data["until"]),
                       [str(s) for s in data["sites"]],
                       [str(h) for h in data.get("skip_hosts") or []])
        except (ValueError, KeyError, TypeError):
            return None


@dataclass
class RoundSummary:
    """What happened since the last summary (the counters restart after each)."""

    visits: int = 0
    failures: int = 0
    skipped: int = 0  # slots passed over because the site's previous visit was still running


Progress = Callable[[VisitResult], None]


def _fatal(group: BaseExceptionGroup) -> BaseException:
    """The first GovauditError in a task group's failure (a full disk stops everything)."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _fatal(exc)
        if isinstance(exc, GovauditError | KeyboardInterrupt):
            return exc
    return group.exceptions[0]


async def run_round(visitor: Visitor, sites: list[Site], on_visit: Progress | None = None
                    ) -> list[VisitResult]:
    """Visit every site once, now (`monitor tick`); requests bounded and paced per host."""
    results: list[VisitResult] = []
    in_flight = asyncio.Semaphore(max(1, visitor.options.concurrency) * 25)

    async def one(site: Site) -> None:
        async with in_flight:
            result = await visitor.visit(site)
        # keep only the visit (its id is set when it is written): columns and links are
        # the store's
        results.append(result)
        result.columns, result.links = [], []
        if on_visit is not None:
            on_visit(result)

    try:
        async with asyncio.TaskGroup() as group:
            for site in sites:
                group.create_task(one(site))
    except BaseExceptionGroup as exc:
        visitor.save_done()
        raise _fatal(exc) from None
    except BaseException:
        visitor.save_done()
        raise
    await visitor.finish()
    return results


async def run_schedule(visitor: Visitor, sites: list[Site], every: float, until: float,
                       on_visit: Progress | None = None,
                       on_summary: Callable[[RoundSummary], None] | None = None) -> None:
    """Visit each site at its slot of every interval until `until` (epoch seconds)."""
    if not sites:
        raise GovauditError(_("no sites to visit"))
    clock = visitor.clock
    now = clock()
    by_name = {s.name: s for s in sites}
    heap = [(next_slot(s.name, every, now), s.name) for s in sites]
    heapq.heapify(heap)
    running: set[str] = set()
    summary = RoundSummary()
    next_summary = now + every
    tick = min(1.0, every / 4)

    async def job(site: Site, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
            result = await visitor.visit(site)
            summary.visits += 1
            summary.failures += not result.visit.ok
            if on_visit is not None:
                on_visit(result)
        finally:
            running.discard(site.name)

    try:
        async with asyncio.TaskGroup() as group:
            while True:
                now = clock()
                if now >= until:
                    break
                if on_summary is not None and now >= next_summary:
                    on_summary(summary)
                    summary = RoundSummary()
                    next_summary = now + every
                due, name = heap[0]
                if due > now:
                    visitor.batch.tick()  # a timed write that failed stops the run
                    await asyncio.sleep(min(due - now, tick, until - now))
                    continue
                heapq.heapreplace(heap, (next_slot(name, every, max(due, now)), name))
                if name in running:
                    summary.skipped += 1
                    continue
                running.add(name)
                group.create_task(job(by_name[name], jitter(every)))
    except BaseExceptionGroup as exc:
        visitor.save_done()
        raise _fatal(exc) from None
    except BaseException:
        visitor.save_done()
        raise
    await visitor.finish()
    if on_summary is not None and (summary.visits or summary.skipped):
        on_summary(summary)


"""Slots: one bound shared by link checks driven by callbacks and by coroutines."""

from __future__ import annotations

import asyncio

from govaudit.probes.fetch import LinkStatus
from govaudit.probes.links import CheckPlan, Slots


def test_callbacks_and_coroutines_share_the_bound_in_order():
    async def main() -> list[str]:
        slots = Slots(2)
        order: list[str] = []
        held = 0
        most = 0

        def start(name: str) -> bool:
            nonlocal held, most
            held += 1
            most = max(most, held)
            order.append(name)
            return True

        async def holder(name: str) -> None:
            nonlocal held, most
            async with slots:
                held += 1
                most = max(most, held)
                order.append(name)
                await asyncio.sleep(0.01)
                held -= 1

        slots.take(lambda: start("a"))
        slots.take(lambda: start("b"))
        task = asyncio.ensure_future(holder("c"))
        await asyncio.sleep(0)  # c waits: both slots are taken
        slots.take(lambda: start("d"))
        assert order == ["a", "b"]
        held -= 1
        slots.give_back()  # a's slot goes to c, the first waiting
        await asyncio.sleep(0)
        assert order == ["a", "b", "c"]
        await task  # c gives its slot back: d starts
        assert order == ["a", "b", "c", "d"]
        assert most == 2
        return order

    asyncio.run(main())


def test_a_cancelled_wait_passes_its_slot_on():
    async def main() -> None:
        slots = Slots(1)
        started: list[str] = []
        slots.take(lambda: started.append("first") or True)
        waiting = asyncio.ensure_future(slots.__aenter__())
        await asyncio.sleep(0)
        slots.take(lambda: started.append("declined") is not None)  # no longer wanted
        slots.take(lambda: started.append("last") or True)
        waiting.cancel()
        await asyncio.sleep(0)
        slots.give_back()
        assert started == ["first", "declined", "last"]
        slots.give_back()  # last's: free again, taken at once
        slots.take(lambda: started.append("again") or True)
        assert started[-1] == "again"

    asyncio.run(main())


def test_the_plan_asks_head_then_get_and_retries_after_its_back_off():
    plan = CheckPlan("http://example.cn/a.pdf", retries=1, backoff=0.5)
    assert plan.method == "HEAD"
    assert plan.after(LinkStatus(405)) == 0.0 and plan.method == "GET"  # HEAD mishandled
    assert plan.after(LinkStatus(503)) == 0.5 and plan.method == "GET"  # retried with GET
    assert plan.after(LinkStatus(503)) is None  # one retry only: the answer stands
    page = CheckPlan("http://example.cn/news/", retries=2, backoff=0.5)
    assert page.method == "GET"
    assert page.after(LinkStatus(None, error="read timeout", timed_out=True)) == 0.5
    assert page.after(LinkStatus(None, error="read timeout", timed_out=True)) == 1.0
    assert page.after(LinkStatus(200)) is None

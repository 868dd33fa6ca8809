"""IPv6: does the host have an AAAA record, and does it answer HTTP over IPv6?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from govaudit.i18n import _
from govaudit.model import Fact, ProbeFinding, ProbeResult
from govaudit.probes.context import ProbeContext
from govaudit.probes.registry import Probe


@dataclass(frozen=True)
class Ipv6Result(ProbeResult):
    """Does the host have an AAAA record, and does it answer HTTP over IPv6?"""

    probe: ClassVar[str] = "ipv6"
    nullable: ClassVar[frozenset[str]] = frozenset({"status"})
    host: str = ""
    aaaa: tuple[str, ...] = ()
    has_aaaa: bool = False
    reachable: bool = False
    status: int | None = None
    error: str = ""
    tls_error: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ipv6Result:
        known = cls._fields(data)
        known["aaaa"] = tuple(known.get("aaaa") or ())
        return cls(**known)

    def summary(self) -> str:
        if self.reachable:
            return _("AAAA {listed}; HTTP {status} over IPv6").format(
                listed=', '.join(self.aaaa), status=self.status)
        return self.error or _("no answer over IPv6")

    def facts(self) -> list[Fact]:
        text = "可通过 IPv6 访问" if self.reachable else \
            f"不支持 IPv6（{self.error or '无法访问'}）"
        return [("IPv6", text, not self.reachable)]


async def run(ctx: ProbeContext) -> Ipv6Result:
    from govaudit.probes.ipv6 import probe_ipv6

    return Ipv6Result.from_dict(await probe_ipv6(ctx.site.url, ctx.options.limits))


def suggest(auto: str, result: Ipv6Result) -> ProbeFinding:
    addresses = ", ".join(result.aaaa)
    if result.reachable:
        return ProbeFinding(True, _("{host} has AAAA {addresses}; HTTP {status} over IPv6").format(
            host=result.host, addresses=addresses, status=result.status))
    if result.has_aaaa:
        return ProbeFinding(False,
            _("{host} has AAAA {addresses} but no answer over IPv6 ({value})").format(
            host=result.host, addresses=addresses, value=result.error or _('no response')))
    return ProbeFinding(False, f"{result.host}: {result.error or _('no AAAA record')}")


PROBE = Probe(
    name="ipv6", title="AAAA record, HTTP over IPv6", answers=("ipv6",),
    reads=("dns", "http"), result=Ipv6Result, run=run, suggest=suggest, order=30)

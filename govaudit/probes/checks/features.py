"""Presence hints for site features (站内搜索, 注册/登录, 依申请公开…) on the home page.

A hint is a lead, not proof: menus built by scripts are not in the HTML, so a feature
that is not found suggests nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from govaudit.model import ProbeFinding, ProbeResult, known_fields
from govaudit.probes.context import ProbeContext
from govaudit.probes.registry import Probe

FEATURE_KEYS = ("search", "login", "disclosure_request", "gov_info", "interpretation",
                "interaction", "accessibility")
FEATURE_LABELS = {"search": "站内搜索", "login": "注册/登录", "disclosure_request": "依申请公开",
                  "gov_info": "政府信息公开", "interpretation": "政策解读",
                  "interaction": "互动交流", "accessibility": "无障碍/长者模式"}


@dataclass(frozen=True)
class FeatureHint:
    """A feature found on the page, with the element or link that matched."""

    found: bool = False
    match: str | None = None
    source: str = "static"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureHint:
        return cls(**known_fields(cls, data))


@dataclass(frozen=True)
class FeaturesResult(ProbeResult):
    """Presence hints for site features (search, login, 依申请公开…), by feature key."""

    probe: ClassVar[str] = "features"
    hints: Mapping[str, FeatureHint] = field(default_factory=dict)
    page: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # stored flat, as {feature: {found, match}, "page": …}
        return {"probe": self.probe, **{k: v.to_dict() for k, v in self.hints.items()},
                "page": dict(self.page), "site": self.site, "time": self.time}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeaturesResult:
        hints = {k: v if isinstance(v, FeatureHint) else FeatureHint.from_dict(v)
                 for k, v in data.items()
                 if k not in ("probe", "page", "site", "time") and
                 isinstance(v, FeatureHint | Mapping)}
        return cls(site=str(data.get("site") or ""), time=str(data.get("time") or ""),
                   hints=hints, page=dict(data.get("page") or {}))

    def hint(self, key: str) -> FeatureHint:
        return self.hints.get(key) or FeatureHint()

    def summary(self) -> str:
        return "; ".join(f"{label} {'✓' if self.hint(key).found else '—'}"
                         for key, label in FEATURE_LABELS.items())


async def run(ctx: ProbeContext) -> dict[str, Any]:
    from govaudit.probes.features import find_features
    from govaudit.probes.fetch import page_facts

    page, doc = await ctx.home()
    found: dict[str, Any] = dict(find_features(doc))
    shown = await ctx.rendered()
    if shown is not None:
        for key, hint in find_features(shown).items():
            if hint["found"] and not found[key]["found"]:
                found[key] = {**hint, "source": "rendered"}
    return {**found, "page": page_facts(page)}


def suggest(auto: str, result: FeaturesResult) -> ProbeFinding | None:
    key = auto.partition(".")[2]
    found = result.hint(key)
    if not found.found:
        return None  # not in the HTML is not proof of absence
    page = result.page.get("final_url") or result.page.get("url")
    return ProbeFinding(True, f"{FEATURE_LABELS[key]}: {found.match}",
                        urls=(page,) if page else ())


PROBE = Probe(
    name="features", title="hints of search, login, 依申请公开…",
    answers=tuple(f"features.{key}" for key in FEATURE_KEYS), reads=("page", "browser"),
    result=FeaturesResult, run=run, suggest=suggest, order=60)

"""Site features on the home page (站内搜索, 注册/登录, 依申请公开, 政府信息公开, 政策解读,
互动交流, 无障碍/长者模式): the page model's rule (govaudit.page.features).

A feature is matched on what a reader sees (a link's text, a search form, a password field,
a short label), never on a URL alone. A feature whose only links are dead is not present:
the links behind each feature go through the run's link checks (each link requested once
in a run, whichever probe asks: a link the links probe checks is not asked again), and
`features_present` drops what only dead links show. A feature not found suggests nothing
(a menu built by scripts may hide it); one shown only by dead links suggests no.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from govaudit.i18n import _
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
    """A feature found on the page, with the element or link that matched.

    `dead` lists the feature's links that answered as dead ("URL (HTTP 404)"): a feature
    shown only by those is not found.
    """

    found: bool = False
    match: str | None = None
    source: str = "static"
    url: str | None = None  # the target of the link that matched
    dead: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"found": self.found, "match": self.match, "source": self.source}
        if self.url is not None:  # rows stored before links were checked are written as they were
            out["url"] = self.url
        if self.dead:
            out["dead"] = list(self.dead)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureHint:
        known = known_fields(cls, data)
        known["dead"] = tuple(known.get("dead") or ())
        return cls(**known)


@dataclass(frozen=True)
class FeaturesResult(ProbeResult):
    """Site features (search, login, 依申请公开…), by feature key."""

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


def _how(match: Any) -> str:
    """How a match shows its feature, in the words of the hints stored before."""
    if match.how == "link":
        return _("link 「{text}」 → {url}").format(text=match.text, url=match.url)
    if match.how == "form":
        return f'<form action="{match.url or ""}"> {match.text}'
    if match.how == "control":
        return f"<button> 「{match.text}」"
    return _("text 「{text}」").format(text=match.text)


async def run(ctx: ProbeContext) -> FeaturesResult:
    import asyncio

    from govaudit.page.features import features_present, find_features
    from govaudit.probes.fetch import page_facts

    page = await ctx.page()
    found = find_features(page)
    urls = sorted({m.url for matches in found.values() for m in matches
                   if m.how == "link" and m.url})
    checked = await asyncio.gather(*(ctx.links.check(url) for url in urls))
    verdicts = {url: result.verdict for url, result in zip(urls, checked, strict=True)}
    reasons = {url: result.reason for url, result in zip(urls, checked, strict=True)}
    present = features_present(found, verdicts)
    hints: dict[str, FeatureHint] = {}
    for key in FEATURE_KEYS:
        matches = found.get(key, [])
        alive = [m for m in matches if m.how != "link" or m.url is None
                 or not verdicts[m.url].dead]
        dead = tuple(dict.fromkeys(f"{m.url} ({reasons[m.url]})" for m in matches
                                   if m.how == "link" and m.url and verdicts[m.url].dead))
        first = alive[0] if alive else None
        source = "rendered" if first is not None and first.visible is not None else "static"
        hints[key] = FeatureHint(present[key], _how(first) if first else None, source,
                                 first.url if first else None, dead)
    return FeaturesResult(hints=hints, page=page_facts((await ctx.opened()).answer))


def suggest(auto: str, result: FeaturesResult) -> ProbeFinding | None:
    """Yes when the page shows the feature; no when only dead links show it (they are cited);
    nothing when it is not found (menus built by scripts are not in the HTML)."""
    key = auto.partition(".")[2]
    found = result.hint(key)
    label = FEATURE_LABELS.get(key, key)
    page = result.page.get("final_url") or result.page.get("url")
    if found.found:
        return ProbeFinding(True, f"{label}: {found.match}",
                            urls=tuple(u for u in (found.url, page) if u))
    if found.dead:
        dead = "; ".join(found.dead)
        return ProbeFinding(False, _("{label}: only dead links show it: {dead}").format(
            label=label, dead=dead),
                            urls=tuple(d.split(" (", 1)[0] for d in found.dead))
    return None  # not in the HTML is not proof of absence


PROBE = Probe(
    name="features", title="search, login, 依申请公开… on the home page",
    answers=tuple(f"features.{key}" for key in FEATURE_KEYS), reads=("page", "http", "browser"),
    result=FeaturesResult, run=run, suggest=suggest, order=60)

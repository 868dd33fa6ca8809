"""Site features a reader finds on a page: search, login, 依申请公开, 政府信息公开, 政策解读,
互动交流, 无障碍/长者模式 and the 政府信息公开年报, each with what matched.

A feature is matched on what a reader sees, never on a URL alone:

- a link whose text (its text, an image's alt, its title) names the feature, and is a label
  rather than a title (at most MAX_LABEL characters: a news title that mentions 政府信息公开
  is no 政府信息公开 entry); the match keeps the link's target, so that `features_present`
  can drop a feature whose only links are dead;
- for search, a form with a search field (type=search, a field named q/keyword/searchword…,
  or a placeholder that says 搜索), or a button labelled so; for login, a password field;
- a short text outside links (a heading, or a toolbar switch written as a span that a
  script makes clickable: 无障碍, 长者模式), at most MAX_LABEL characters.

So the 公安备案 link (beian.gov.cn/portal/registerSystemInfo…) is no login: its text is the
filing number, and a URL that says "register" is no label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from govaudit.page.dom import Dom
from govaudit.page.page import Page
from govaudit.page.verdicts import LinkVerdict
from govaudit.probes.html import Element, attr, collapse, normalise_text

MAX_LABEL = 16
FEATURE_TEXT: dict[str, re.Pattern[str]] = {
    "search": re.compile(r"搜\s*索|检\s*索|站内搜|search", re.I),
    # 注册 alone, or a person registering: 企业注册/商标注册 are services, not a login
    "login": re.compile(r"登\s*录|登\s*陆|(?:用户|个人|法人|新用户|我要|免费)注\s*册|"
                        r"^\s*注\s*册\s*$|个人中心|用户中心|统一身份认证|sign\s*in|log\s*in|"
                        r"sign\s*up", re.I),
    "disclosure_request": re.compile(r"依\s*申\s*请\s*公\s*开"),
    "gov_info": re.compile(r"政\s*府\s*信\s*息\s*公\s*开"),
    "interpretation": re.compile(r"政\s*策\s*解\s*读"),
    "interaction": re.compile(r"互动|留言|咨询|信箱|写信|信访|民意|征集|访谈|12345"),
    "accessibility": re.compile(
        r"无\s*障\s*碍|长者模式|长者版|关怀版|关怀模式|适老|老年模式|读屏|大字版|长辈版"),
    "annual_report": re.compile(r"(?:信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)|年\s*报"),
}
FEATURES = tuple(FEATURE_TEXT)
_ANY_FEATURE = re.compile("|".join(f"(?:{p.pattern})" for p in FEATURE_TEXT.values()), re.I)
_SEARCH_FIELDS = {"q", "query", "keyword", "keywords", "searchword", "searchwords", "wd", "kw",
                  "key", "word", "words", "search", "searchkey", "qt", "sw"}


@dataclass(frozen=True)
class FeatureMatch:
    """What showed a feature on the page."""

    feature: str
    how: str  # link, form, control or text
    text: str  # the label that matched (a form: its field)
    url: str | None = None  # a link's target (None: no http(s) target)
    visible: bool | None = None  # None: not known (the page as fetched)


def _label(text: str) -> bool:
    return 0 < len(text) <= MAX_LABEL


def find_features(page: Page) -> dict[str, list[FeatureMatch]]:
    """{feature: every match on the page, links first} for every feature, on what a reader
    sees (the rendered DOM when captured, and its frames)."""
    found: dict[str, list[FeatureMatch]] = {name: [] for name in FEATURES}
    for link in page.links:
        if not _label(link.text):
            continue
        for name, pattern in FEATURE_TEXT.items():
            if pattern.search(link.text):
                found[name].append(FeatureMatch(name, "link", link.text, link.url,
                                                link.visible))
    for dom in (page.shown, *page.frames):
        found["search"] += _search_forms(dom)
        found["login"] += _password_fields(dom)
        for name, match in _controls(dom) + _texts(dom):
            found[name].append(match)
    return found


def _search_forms(dom: Dom) -> list[FeatureMatch]:
    out = []
    for form in dom.elements("form"):
        for field in form.css("input"):
            kind = (attr(field, "type") or "text").lower()
            name = (attr(field, "name") or attr(field, "id")).lower()
            hint = normalise_text(f"{attr(field, 'placeholder')} {attr(field, 'title')}")
            if kind == "search" or (kind == "text" and (
                    name in _SEARCH_FIELDS or FEATURE_TEXT["search"].search(hint))):
                out.append(FeatureMatch("search", "form", f'<input name="{name}">',
                                        dom.absolute(attr(form, "action")) or None,
                                        dom.visible(field)))
                break
    return out


def _password_fields(dom: Dom) -> list[FeatureMatch]:
    return [FeatureMatch("login", "form", '<input type="password">', None, dom.visible(field))
            for field in dom.elements('input[type="password" i]')]


def _controls(dom: Dom) -> list[tuple[str, FeatureMatch]]:
    """Buttons and input buttons labelled with a feature (their text, value, alt or title)."""
    out = []
    for el in dom.elements("button", 'input[type="submit" i]', 'input[type="button" i]',
                           'input[type="image" i]'):
        label = normalise_text(collapse(el.text()) if el.tag == "button" else
                               attr(el, "value") or attr(el, "alt") or attr(el, "title"))
        if not _label(label):
            continue
        for name, pattern in FEATURE_TEXT.items():
            if pattern.search(label):
                out.append((name, FeatureMatch(name, "control", label, None, dom.visible(el))))
    return out


def _texts(dom: Dom) -> list[tuple[str, FeatureMatch]]:
    """Short texts outside links that name a feature: headings, switches written as spans."""
    out = []
    for node, raw, in_noscript in dom.seen_text:
        if in_noscript or len(raw) > 4 * MAX_LABEL or not _ANY_FEATURE.search(raw):
            continue
        text = normalise_text(raw)
        shown = node if node.tag == "img" else node.parent
        if not _label(text) or shown is None or _in_link(node):
            continue
        for name, pattern in FEATURE_TEXT.items():
            if name != "search" and pattern.search(text):
                out.append((name, FeatureMatch(name, "text", text, None, dom.visible(shown))))
    return out


def _in_link(node: Element) -> bool:
    parent = node.parent
    while parent is not None and parent.is_element_node:
        if parent.tag in ("a", "button"):
            return True
        parent = parent.parent
    return False


def features_present(found: Mapping[str, list[FeatureMatch]],
                     verdicts: Mapping[str, LinkVerdict]) -> dict[str, bool]:
    """{feature: present}: a feature is present when something other than a link shows it,
    or one of its links is not dead (`verdicts`: the link checks' verdicts by URL; a link
    not checked, or not judged, counts as alive)."""
    def alive(match: FeatureMatch) -> bool:
        if match.how != "link" or match.url is None:
            return True
        verdict = verdicts.get(match.url)
        return verdict is None or not verdict.dead

    return {name: any(alive(m) for m in matches) for name, matches in found.items()}

"""One name for each thing in each language: the CLI, the report and the workbook all name
levels, verdicts and the words below through this module.

Each name is a gettext message with a context (pgettext), so that "warning" the verdict
(预警) is never taken for another "warning"; the catalogs give the Chinese names:
levels 省级/市级/县级 (province/city/county), verdicts 正常/预警/单项否决/数据不足
(ok/warning/veto/insufficient-data), 暂定 (provisional), 无法判断 (unknown), 失效链接
(broken link).
"""

from __future__ import annotations

from govaudit.i18n import NP_, catalog, language

# level id -> its name (context "level"); an id not listed is shown as it is
LEVELS = {
    "province": NP_("level", "province"), "city": NP_("level", "city"),
    "county": NP_("level", "county"), "ministry": NP_("level", "ministry"),
    "wechat": NP_("level", "WeChat"), "app": NP_("level", "App"),
    "weibo": NP_("level", "Weibo"), "other": NP_("level", "other new media"),
    "portal": NP_("level", "portal"), "department": NP_("level", "department site"),
    "default": NP_("level", "default"),
}
# a monitoring verdict -> its name (context "verdict")
VERDICTS = {"ok": NP_("verdict", "ok"), "warning": NP_("verdict", "warning"),
            "veto": NP_("verdict", "veto"),
            "insufficient-data": NP_("verdict", "insufficient data")}
# a content or conformance check id -> its name (context "check")
CHECKS = {
    "page": NP_("check", "page read"), "names": NP_("check", "listed names"),
    "words": NP_("check", "listed words"),
    "personal": NP_("check", "personal data"), "messages": NP_("check", "message replies"),
    "hidden-links": NP_("check", "hidden links"), "cloaking": NP_("check", "cloaking"),
    "outbound": NP_("check", "outbound links"), "metadata": NP_("check", "page metadata"),
    "page-marks": NP_("check", "page marks"), "domain": NP_("check", "domain"),
    "https.certificate": NP_("check", "HTTPS certificate"),
    "https.redirect": NP_("check", "HTTP to HTTPS redirect"), "https.hsts": NP_("check", "HSTS"),
    "mixed-content": NP_("check", "mixed content"), "search": NP_("check", "site search"),
    "ipv6": NP_("check", "IPv6"), "accessibility": NP_("check", "accessibility"),
    "zoom": NP_("check", "zoom"), "line-spacing": NP_("check", "line spacing"),
    "floating": NP_("check", "floating windows"), "keyboard": NP_("check", "keyboard use"),
    "font-control": NP_("check", "font-size control"),
}
# the other words with one name (context "term")
TERMS = (NP_("term", "provisional"), NP_("term", "unknown"), NP_("term", "broken link"),
         NP_("term", "broken links"))


def _named(context: str, name: str, lang: str | None) -> str:
    return catalog(lang or language()).pgettext(context, name)


def level(level_id: str, lang: str | None = None) -> str:
    """A level's name in `lang` (default: the current language): 省级 or province for
    'province'."""
    name = LEVELS.get(level_id)
    return level_id if name is None else _named("level", name, lang)


def verdict(verdict_id: str, lang: str | None = None) -> str:
    """A monitoring verdict's name: 预警 or warning for 'warning'."""
    name = VERDICTS.get(verdict_id)
    return verdict_id if name is None else _named("verdict", name, lang)


def check(check_id: str, lang: str | None = None) -> str:
    """A check's name: 隐藏链接 or hidden links for 'hidden-links'."""
    name = CHECKS.get(check_id)
    return check_id if name is None else _named("check", name, lang)


def term(word: str, lang: str | None = None) -> str:
    """One of TERMS: 暂定 or provisional for 'provisional'."""
    if word not in TERMS:
        raise KeyError(word)
    return _named("term", word, lang)

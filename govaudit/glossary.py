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


def term(word: str, lang: str | None = None) -> str:
    """One of TERMS: 暂定 or provisional for 'provisional'."""
    if word not in TERMS:
        raise KeyError(word)
    return _named("term", word, lang)

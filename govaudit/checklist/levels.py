"""The level vocabulary: every name a level is given by, in site lists, checklist tables
and the workbook, and the label the workbook shows it by."""

from __future__ import annotations

# The names a level may be given by (besides its own id), level by level.
LEVEL_NAMES: dict[str, tuple[str, ...]] = {
    "province": ("省", "省级", "省级政府", "自治区", "直辖市"),
    "city": ("市", "市级", "地级市", "地市", "副省级", "副省级城市", "省会", "省会城市",
             "计划单列市", "重点城市", "自治州", "州", "盟"),
    "county": ("县", "县级", "区", "县级市", "旗", "区县", "区(县)", "区（县）"),
    "ministry": ("部委", "国务院部门", "部门", "国务院组成部门", "国务院其他部门"),
    "wechat": ("微信", "政务微信", "微信公众号"),
    "app": ("App", "APP", "政务App", "客户端"),
    "weibo": ("微博", "政务微博"),
    "other": ("其他新媒体", "其他政务新媒体", "头条号", "抖音", "快手", "视频号", "小程序"),
    "portal": ("门户网站", "政府门户网站", "门户"),
    "department": ("部门网站", "政府部门网站"),
    "default": ("默认",),  # a checklist with one level, as the workbook shows it
}
_LEVEL_OF = {name.lower(): level for level, names in LEVEL_NAMES.items()
             for name in (level, *names)}


def level_named(text: str) -> str | None:
    """The level a name stands for ('市', 'City', 'city', '区（县）'), or None."""
    return _LEVEL_OF.get(text.strip().lower())


def level_label(level: str) -> str:
    """The level as the workbook shows it: its Chinese name in the glossary (省级, 市级…), one of
    its names above, so that it reads back; an unknown id as it is."""
    import govaudit.glossary as glossary

    return glossary.level(level, "zh")

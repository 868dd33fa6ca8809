"""Throughput of the text checks (names, words, personal data) in pages/s, beside a bare
Aho-Corasick pass over the same text (the floor): one automaton (daachorse, as the checks
use) of the listed words and the listed names as written, run over each block, nothing else.

The pages are made up of government-news sentences: leaders named with their titles, the
listed institutions, common surnames in other words (张家港, 王府井, 李家村), telephone
numbers, a masked 身份证 number, and now and then a listed word, a near miss of a listed name
or a personal number, so that both passes have hits. Each page is generated when its turn
comes (10,000 pages of 20,000 characters do not sit in memory); only the checks are timed.
Pages/s are given by CPU time (the machine is shared) and by the clock.

The lists are docs/content-examples' (4 people, 3 institutions, 4 words); `--names N` and
`--words N` add N made-up people and words, to see what the size of a team's lists costs.

    .venv/bin/python benchmarks/content_bench.py [--pages 10000] [--size 20000]
                                                 [--names 0] [--words 0]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import daachorse
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govaudit.content.chars import common  # noqa: E402
from govaudit.content.checker import ContentChecker  # noqa: E402
from govaudit.content.model import PageText, TextBlock  # noqa: E402
from govaudit.content.names import load_names  # noqa: E402
from govaudit.content.settings import ContentSettings  # noqa: E402
from govaudit.content.words import load_words  # noqa: E402

EXAMPLES = ROOT / "docs" / "content-examples"
ON = date(2026, 3, 2)
# (weight, sentence). Per page of 20,000 characters (about 750 sentences) this gives some 35
# mentions of a listed leader with a title, 20 of a listed institution, 45 common surnames in
# other words, 45 telephone numbers, and a few listed words, near misses and mobile numbers.
SENTENCES = [
    (10, "为深入贯彻落实市委、市政府决策部署，进一步优化营商环境。"),
    (10, "各单位要高度重视，精心组织，确保各项工作落到实处。"),
    (10, "请各地认真部署，抓好落实。"),
    (10, "全市上下凝心聚力、攻坚克难，经济社会发展取得新成效。"),
    (10, "要坚持问题导向，完善工作机制，切实提升群众的获得感和满意度。"),
    (8, "本网站由示例市人民政府主办，示例市大数据中心承办。"),
    (8, "会议指出，要统筹发展和安全，守牢安全生产底线。"),
    (8, "截至3月底，全市新增市场主体12345户，同比增长6.7%。"),
    (6, "咨询电话：010-12345678，传真：010-87654321。"),
    (2, "市委书记张三丰主持召开会议。"),
    (2, "市长李四光调研重点项目建设情况。"),
    (1, "市委常委、常务副市长王五常，副市长赵六合出席。"),
    (1.5, "示例市人民政府办公室关于做好春节期间有关工作的通知。"),
    (1.5, "示例市发展和改革委员会发布2026年第一季度经济运行情况。"),
    (2, "张家港市代表团来我市考察交流，双方就产业合作深入座谈。"),
    (2, "市民王女士来电反映小区停车难问题，李先生建议增设公交站点。"),
    (2, "李家村、赵庄村完成人居环境整治，王府井商户张贴宣传海报。"),
    (1, "经办人：张三，联系电话139****5678，身份证号110101********1234。"),
    (0.5, "网页中出现测试词，已及时处理。"),
    (0.5, "请按装最新版本的客户端，既使网络不佳也可办理。"),
    (0.3, "市委书记张三风出席活动。"),
    (0.3, "申请人联系电话13912345678，请于5日内领取。"),
]


def page(number: int, size: int) -> PageText:
    rng = random.Random(number)
    weights = [w for w, _ in SENTENCES]
    texts = [s for _, s in SENTENCES]
    blocks, total = [], 0
    while total < size:
        para = "".join(rng.choices(texts, weights, k=12))
        blocks.append(TextBlock(para, f"div.article > p:nth-child({len(blocks) + 1})"))
        total += len(para)
    return PageText(f"http://127.0.0.1/{number}.html", tuple(blocks))


def timed(count: int, size: int, run: Callable[[PageText], int]) -> tuple[float, float, int]:
    """(CPU seconds, clock seconds, what `run` counted) over `count` generated pages."""
    cpu = clock = 0.0
    counted = 0
    for number in range(count):
        item = page(number, size)
        c0, w0 = time.process_time(), time.perf_counter()
        counted += run(item)
        cpu += time.process_time() - c0
        clock += time.perf_counter() - w0
    return cpu, clock, counted


def made_up_lists(folder: Path, names: int, words: int) -> tuple[list[Path], list[Path]]:
    """The example lists, and made-up lists of `names` people and `words` words beside them."""
    name_lists, word_lists = [EXAMPLES / "names.yaml"], [EXAMPLES / "words.yaml"]
    rng = random.Random(11)
    chars = sorted(common())
    dates = {"valid_from": "2026-01-01", "valid_until": "2026-12-31"}
    if names:
        people = sorted({rng.choice("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张")
                         + "".join(rng.choices(chars, k=2)) for _ in range(names)})
        path = folder / "names.yaml"
        path.write_text(yaml.safe_dump({"kind": "names", **dates, "people": [
            {"name": p, "titles": [rng.choice(["副市长", "局长", "主任", "区长"])]}
            for p in people]}, allow_unicode=True), encoding="utf-8")
        name_lists.append(path)
    if words:
        listed = sorted({"".join(rng.choices(chars, k=rng.randint(2, 4)))
                         for _ in range(words)})
        path = folder / "words.yaml"
        path.write_text(yaml.safe_dump({"kind": "words", **dates, "words": listed},
                                       allow_unicode=True), encoding="utf-8")
        word_lists.append(path)
    return name_lists, word_lists


def floor_automaton(name_lists: list[Path], word_lists: list[Path]
                    ) -> daachorse.CharwiseDoubleArrayAhoCorasick:
    keys = {w.word for path in word_lists for w in load_words(path, ON).words}
    for path in name_lists:
        listed = load_names(path, ON)
        keys |= {p.name for p in listed.people} | {i.name for i in listed.institutions}
    return daachorse.CharwiseDoubleArrayAhoCorasick(sorted(keys))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--names", type=int, default=0, help="made-up people to add")
    parser.add_argument("--words", type=int, default=0, help="made-up words to add")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        name_lists, word_lists = made_up_lists(Path(folder), args.names, args.words)
        started = time.process_time()
        checker = ContentChecker(ContentSettings(
            names=tuple(name_lists), words=tuple(word_lists),
            confusions=(EXAMPLES / "confusions.txt",)), ON)
        checker.check_page(page(-1, 100))
        built = time.process_time() - started
        automaton = floor_automaton(name_lists, word_lists)
    floor = timed(args.pages, args.size, lambda p: sum(
        len(automaton.find_overlapping(block.text)) for block in p.blocks))
    found: dict[str, int] = {}

    def check(item: PageText) -> int:
        findings = checker.check_page(item)
        for f in findings:
            found[f.check] = found.get(f.check, 0) + 1
        return len(findings)

    ours = timed(args.pages, args.size, check)
    print(f"{args.pages:,} pages of {args.size:,} characters; lists: the examples"
          f"{f' + {args.names:,} people' if args.names else ''}"
          f"{f' + {args.words:,} words' if args.words else ''}; "
          f"checker built in {built:.2f} s (CPU)")
    print(f"{'':38} {'pages/s (CPU)':>13} {'(clock)':>9}")
    print(f"{'bare Aho-Corasick pass (the floor)':38} {args.pages / floor[0]:13,.0f} "
          f"{args.pages / floor[1]:9,.0f}  {floor[2]:,} hits")
    print(f"{'text checks (names, words, personal)':38} {args.pages / ours[0]:13,.0f} "
          f"{args.pages / ours[1]:9,.0f}  {ours[2]:,} findings "
          f"({', '.join(f'{k} {v:,}' for k, v in sorted(found.items()))})")


if __name__ == "__main__":
    main()

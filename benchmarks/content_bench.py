"""Throughput of the text checks (names, words, personal data) in pages/s, beside a bare
Aho-Corasick pass over the same text with the same words (the floor).

    .venv/bin/python benchmarks/content_bench.py [--pages 10000] [--size 20000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

import ahocorasick

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govaudit.content.checker import ContentChecker  # noqa: E402
from govaudit.content.model import PageText, TextBlock  # noqa: E402
from govaudit.content.settings import ContentSettings  # noqa: E402
from govaudit.content.words import load_words  # noqa: E402

EXAMPLES = ROOT / "docs" / "content-examples"
SENTENCES = ["为深入贯彻落实市委、市政府决策部署，进一步优化营商环境。",
             "市委书记张三丰主持召开会议。",
             "各单位要高度重视，精心组织，确保各项工作落到实处。",
             "咨询电话：010-12345678。",
             "市长李四光调研重点项目建设情况。",
             "示例市人民政府办公室关于做好春节期间有关工作的通知。",
             "请各地认真部署，抓好落实。", "本网站由示例市人民政府主办，示例市大数据中心承办。"]


def pages(count: int, size: int) -> list[PageText]:
    rng = random.Random(7)
    out = []
    for n in range(count):
        text, blocks = 0, []
        while text < size:
            para = "".join(rng.choice(SENTENCES) for _ in range(12))
            blocks.append(TextBlock(para, f"div.article > p:nth-child({len(blocks) + 1})"))
            text += len(para)
        out.append(PageText(f"http://127.0.0.1/{n}.html", tuple(blocks)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=20_000)
    args = parser.parse_args()
    corpus = pages(args.pages, args.size)
    on = date(2026, 3, 2)
    checker = ContentChecker(ContentSettings(
        names=(EXAMPLES / "names.yaml",), words=(EXAMPLES / "words.yaml",),
        confusions=(EXAMPLES / "confusions.txt",)), on)
    automaton = ahocorasick.Automaton()
    for word in load_words(EXAMPLES / "words.yaml", on).words:
        automaton.add_word(word.word, word.word)
    automaton.make_automaton()
    started = time.perf_counter()
    hits = 0
    for page in corpus:
        for block in page.blocks:
            for _ in automaton.iter(block.text):
                hits += 1
    floor = time.perf_counter() - started
    started = time.perf_counter()
    found = sum(len(checker.check_page(page)) for page in corpus)
    ours = time.perf_counter() - started
    print(f"{args.pages} pages of {args.size:,} characters")
    print(f"bare Aho-Corasick pass : {args.pages / floor:10,.0f} pages/s  ({hits} hits)")
    print(f"text checks (names, words, personal): {args.pages / ours:10,.0f} pages/s  "
          f"({found} findings)")


if __name__ == "__main__":
    main()

"""The README's screenshots, made from a demo workspace: `make screenshots`.

- docs/images/cli.png: `govaudit score` and `govaudit status` in Chinese, as a terminal shows
  them (rich's SVG export of the real output, rendered by Chromium);
- docs/images/report-site.png: the HTML report's page of the well-kept sample site, in Chromium;
- docs/images/summary-sheet.png: the team workbook as LibreOffice prints it (xlsx to PDF),
  its first page (the Summary sheet) rendered to PNG by PDFium (pypdfium2).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from playwright.sync_api import Page, sync_playwright
from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
GOVAUDIT = [sys.executable, "-m", "commands"]
CHINESE = {**os.environ, "LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8", "COLUMNS": "118",
           "FORCE_COLOR": "1", "TERM": "xterm-256color"}
WIDTH = 118
TERMINAL_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head>
<body style="margin:0;background:#1e1e1e">
<pre style="display:inline-block;margin:0;padding:14px 18px;color:#d4d4d4;background:#1e1e1e;
font:16px/1.3 'DejaVu Sans Mono','WenQuanYi Zen Hei Mono',monospace"><code>{code}</code></pre>
</body></html>"""
# every character of the page in a box of its terminal cells: 2 for Chinese and full-width
# forms, 1 for the rest (a box line's glyph drawn wider than its cell joins its neighbour)
ON_THE_GRID = r"""() => {
  const cell = 9.6;
  const wide = new RegExp("[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF" +
    "\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60" +
    "\uFFE0-\uFFE6]");
  const walker = document.createTreeWalker(document.querySelector("pre"), NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const parts = document.createDocumentFragment();
    for (const ch of node.textContent) {
      if (ch === "\n") { parts.appendChild(document.createTextNode(ch)); continue; }
      const box = document.createElement("span");
      box.textContent = ch;
      const cells = wide.test(ch) ? 2 : 1;
      box.style.cssText = "display:inline-block;overflow:visible;white-space:pre;" +
        `width:${cells * cell}px`;
      parts.appendChild(box);
    }
    node.replaceWith(parts);
  }
}"""


def run(args: list[str], cwd: Path) -> str:
    done = subprocess.run(args, cwd=cwd, env=CHINESE, capture_output=True, text=True,
                          timeout=600, check=True)
    return done.stdout + done.stderr


def browser_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def terminal(workspace: Path, out: Path, page: Page) -> None:
    console = Console(record=True, width=WIDTH, force_terminal=True, color_system="truecolor",
                      file=open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
    for args in (["status"], ["score"]):
        console.print(Text(f"$ govaudit {' '.join(args)}", style="bold green"))
        console.print(Text.from_ansi(run([*GOVAUDIT, *args], workspace)))
    # each character in its cells, as a terminal draws it (ON_THE_GRID), so that the tables'
    # columns line up whatever the widths of the font's glyphs
    html = console.export_html(inline_styles=True, code_format=TERMINAL_PAGE)
    page.set_viewport_size({"width": 1200, "height": 900})
    page.set_content(html)
    page.evaluate(ON_THE_GRID)
    page.locator("pre").screenshot(path=str(out))

def report_page(report: Path, out: Path, page: Page) -> None:
    site = next(p for p in (report / "sites").glob("*.html") if p.stem == "清源市")
    page.set_viewport_size({"width": 1280, "height": 1600})
    page.goto(site.as_uri())
    page.screenshot(path=str(out))


def summary_sheet(workbook: Path, out: Path, scratch: Path) -> None:
    soffice = shutil.which("soffice") or "soffice"
    profile = f"-env:UserInstallation=file://{scratch / 'lo-profile'}"
    subprocess.run([soffice, profile, "--headless", "--convert-to", "pdf", "--outdir",
                    str(scratch), str(workbook)], check=True, timeout=300,
                   capture_output=True)
    pdf = pdfium.PdfDocument(scratch / (workbook.stem + ".pdf"))
    pdf[0].render(scale=150 / 72).to_pil().save(out)  # the first printed page, at 150 dpi

def main() -> None:
    """Make the demo in a scratch folder (or take the one named: `screenshots.py DIR`, the
    folder that holds govaudit-demo/), then the three images."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        demo = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else scratch
        if len(sys.argv) == 1:
            run([*GOVAUDIT, "demo"], scratch)
        workspace = demo / "govaudit-demo" / "audit-demo"
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path=browser_path())
            page = browser.new_page(device_scale_factor=1)
            terminal(workspace, IMAGES / "cli.png", page)
            report_page(workspace / "exports" / "report", IMAGES / "report-site.png", page)
            browser.close()
        [workbook] = (workspace / "exports").glob("*.xlsx")
        summary_sheet(workbook, IMAGES / "summary-sheet.png", scratch)
    for name in ("cli.png", "report-site.png", "summary-sheet.png"):
        print(IMAGES / name)


if __name__ == "__main__":
    main()

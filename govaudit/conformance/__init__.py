"""Conformance checks against the national rules, each with typed findings and their evidence.

One module per check, each taking plain inputs (a Playwright page or its HTML, URLs, a DNS
resolver) and returning frozen dataclasses whose `evidence` names the page, the element
(selector and box) and the value found:

- `accessibility`: axe-core in the page, mapped to WCAG and GB/T 37668-2019 (`standards`);
- `agefriendly`: 适老化 (zoom, line spacing, pop-ups and floating windows, keyboard, font size);
- `metadata`: the 指引's meta tags by page type, the 网站标识码 and badge on every page;
- `domain`: .gov.cn and the portal / department forms;
- `https`: certificate, chain, redirect, HSTS, mixed content;
- `search`: the site search finds a recent item;
- `ipv6`: the seven metrics of the national IPv6 monitoring.
"""

from govaudit.conformance.evidence import Box, Evidence

__all__ = ["Box", "Evidence"]

"""`CheckOptions`: what `check` probes and how hard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from govaudit.content.settings import ContentSettings
from govaudit.probes.fetch import FetchLimits
from govaudit.probes.links import LinkOptions


@dataclass
class CheckOptions:
    """What to probe and how hard. Defaults are polite to real government servers."""

    probes: tuple[str, ...] = ()  # by name (or auto: key); none named: every registered probe
    samples: int = 3            # availability requests per site
    interval: float = 2.0       # seconds between availability requests
    links: LinkOptions = field(default_factory=LinkOptions)
    limits: FetchLimits = field(default_factory=FetchLimits)  # pages: size, redirects, deadline
    link_timeout: float = 15.0  # deadline of one link check
    jobs: int = 2               # sites probed at once
    today: date | None = None   # "today" for freshness (default: today in China)
    allow_private: bool = False  # follow redirects and links to private addresses (netpolicy)
    render: bool = False        # read the home page as Chromium renders it (no capture has)
    browser_path: str | None = None  # the Chromium for --render and challenges (default: found)
    utility: tuple[str, ...] = ()  # words that make a link no column, beyond govaudit.page's
    # the team's lists and limits for the content probe (govaudit.toml [content]); none given:
    # the checks that need a list record "not checked: no list"
    content: ContentSettings = field(default_factory=ContentSettings)
    # where the content and conformance probes keep element screenshots (with --render);
    # None: none kept
    shots_dir: Path | None = None
    # the name server (address, port) the conformance probe's IPv6 metrics ask, and the port
    # they ask the zone's own name servers on; None: the system's resolver, port 53
    dns_server: tuple[str, int] | None = None

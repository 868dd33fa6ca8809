"""Screenshot evidence with Playwright: one page now, or a bounded batch of pages.

Design (measured on 2 cores): a new browser context per page costs about as
much as the capture itself, so isolation is per site: a site's contexts serve
only that site (cookies and storage never cross sites) and are reused from
page to page, then closed when the site is done. `concurrency` workers run
at once; a worker stays with one site while it has pages left (a warm cache,
one request at a time per server), then takes a site nobody works on.
Screenshots use Chromium's fast PNG encoder, and the scroll pass for lazy
content runs only on pages that watch scrolling or carry lazy-loading markers.
A failure becomes a record with its reason; the batch goes on.

A site's context logs in with the site's credentials (HTTP basic auth, for its
origin only). Unless private addresses are allowed, nothing the context loads
(pages, frames at any depth, popups, workers, resources) may come from a private
address other than the pages asked for (see govaudit.netpolicy and `guard`);
popups are never opened. Before each visit a reused tab is emptied (about:blank),
so that a page that never comes is not shown as the previous one. After a page
loaded, its own redirects (meta refresh, Refresh header, script) are followed.
Each capture is bounded in time, in memory (`memory`) and in the size of a
download it starts (`downloads`).

Modules: `options` (what a capture is asked, what a run gives back), `page` (one
page, its scripts in js/), `batch` (the pool of workers), `guard` (the address
policy in the browser), `downloads`, `memory`, `targets` (which pages), `live` (a
browser that stays open beside collect's prompts). Finding and starting a browser
is govaudit.browser.
"""

from govaudit.capture.batch import arun_captures, run_captures
from govaudit.capture.live import LiveBrowser
from govaudit.capture.options import (
    DEFAULT_MAX_HEIGHT,
    DEFAULT_VIEWPORT,
    MAX_PAGE_HEIGHT,
    WAIT_UNTIL,
    CaptureError,
    CaptureOptions,
    CaptureRun,
    ProgressCallback,
    Target,
    WaitUntil,
    browser_context_options,
    default_concurrency,
)
from govaudit.capture.page import capture_open_page, describe_failure, failure_kind
from govaudit.capture.targets import build_targets

__all__ = [
    "DEFAULT_MAX_HEIGHT",
    "DEFAULT_VIEWPORT",
    "MAX_PAGE_HEIGHT",
    "WAIT_UNTIL",
    "CaptureError",
    "CaptureOptions",
    "CaptureRun",
    "LiveBrowser",
    "ProgressCallback",
    "Target",
    "WaitUntil",
    "arun_captures",
    "browser_context_options",
    "build_targets",
    "capture_open_page",
    "default_concurrency",
    "describe_failure",
    "failure_kind",
    "run_captures",
]

"""HTTPS: does the home page end on an https:// address, and does http:// lead there?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

from govaudit.i18n import _
from govaudit.model import Fact, ProbeFinding, ProbeResult
from govaudit.probes.context import ProbeContext
from govaudit.probes.registry import Probe


@dataclass(frozen=True)
class HttpsResult(ProbeResult):
    """Where the home page ended, and where its http:// address leads."""

    probe: ClassVar[str] = "https"
    nullable: ClassVar[frozenset[str]] = frozenset({"redirects_to_https"})
    final_url: str = ""          # where the home page ended
    https: bool = False          # … on https://
    tls_error: str = ""          # its certificate, refused (the page was read all the same)
    http_url: str = ""           # the http:// address asked
    http_final_url: str = ""     # where that ended
    redirects_to_https: bool | None = None  # None: http:// gave no answer
    http_error: str = ""

    def summary(self) -> str:
        ends = _("ends on {final_url}").format(final_url=self.final_url) + (
            f" ({self.tls_error})" if self.tls_error else "")
        if self.redirects_to_https is None:
            return _("{ends}; {http_url} gave no answer ({http_error})").format(
                ends=ends, http_url=self.http_url, http_error=self.http_error)
        return _("{ends}; {http_url} leads to {http_final_url}").format(
            ends=ends, http_url=self.http_url, http_final_url=self.http_final_url)

    def facts(self) -> list[Fact]:
        if not self.https:
            return [("HTTPS", f"首页未使用 HTTPS（{self.final_url}）", True)]
        if self.tls_error:
            return [("HTTPS", f"首页证书不被信任（{self.tls_error}）", True)]
        if self.redirects_to_https is False:
            return [("HTTPS", f"{self.http_url} 未跳转到 HTTPS", True)]
        return [("HTTPS", f"首页使用 HTTPS（{self.final_url}）", False)]


def http_address(url: str) -> str:
    """The http:// address of a site URL (https://host/ -> http://host/; other ports kept)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return url
    netloc = parts.netloc
    if parts.port == 443:
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit(("http", netloc, parts.path, parts.query, ""))


async def run(ctx: ProbeContext) -> HttpsResult:
    from govaudit.probes.errors import ProbeFailed

    home = await ctx.home_page()
    if home.status is None:
        raise ProbeFailed(f"home page {ctx.site.url} gave no answer: {home.error}")
    final = home.final_url or home.url
    http_url = http_address(ctx.site.url)
    asked = home if http_url == ctx.site.url else await ctx.fetcher.page(
        http_url, read_body=False, tls_fallback=True, policy=ctx.policy)
    landed = asked.final_url or asked.url
    return HttpsResult(
        final_url=final, https=urlsplit(final).scheme == "https", tls_error=home.tls_error,
        http_url=http_url, http_final_url=landed if asked.status is not None else "",
        redirects_to_https=None if asked.status is None else urlsplit(landed).scheme == "https",
        http_error=asked.error if asked.status is None else "")


def suggest(auto: str, result: HttpsResult) -> ProbeFinding | None:
    """Yes when the home page ends on https:// with a trusted certificate and http:// leads
    there; no when it ends on http://, its certificate is refused, or http:// stays; nothing
    when http:// gave no answer."""
    cited = tuple(u for u in (result.final_url, result.http_url) if u)
    if not result.https:
        return ProbeFinding(False, _("the home page ends on {final_url}, not https://").format(
            final_url=result.final_url),
                            urls=cited)
    if result.tls_error:
        return ProbeFinding(False, _(
            "the home page ends on {final_url}, but its certificate is refused: "
            "{tls_error}").format(final_url=result.final_url, tls_error=result.tls_error),
            urls=cited)
    if result.redirects_to_https is None:
        return None
    if not result.redirects_to_https:
        return ProbeFinding(False,
            _("the home page ends on {final_url}, but {http_url} stays on {http_final_url}").format(
            final_url=result.final_url, http_url=result.http_url,
            http_final_url=result.http_final_url),
                            urls=cited)
    return ProbeFinding(True,
        _("the home page ends on {final_url}, and {http_url} leads to {http_final_url}").format(
        final_url=result.final_url, http_url=result.http_url,
        http_final_url=result.http_final_url), urls=cited)


PROBE = Probe(
    name="https", title="HTTPS, and http:// sent to it", answers=("https",), reads=("http",),
    result=HttpsResult, run=run, suggest=suggest, order=70)

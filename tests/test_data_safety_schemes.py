"""Only http and https are followed: a site's redirect to ws://, ftp://, file://, gopher://
(or a scheme-relative URL to a private host) is refused at every hop, in check (httpx and
the libcurl link checks) and in the monitor, and a refused hop is never "up"."""

from __future__ import annotations

import json

import pytest

from govaudit.store import Store
from tests.test_data_safety_urls import _Handler

SECRET = "INTERNAL-WS-SECRET-4d1"


@pytest.fixture
def internal(serve) -> tuple[int, list[str]]:
    """An internal page on 127.0.0.2 (a private host: what ws:// points at); its requests."""
    seen: list[str] = []

    class Internal(_Handler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send(200, f"<html><head><title>{SECRET}</title></head><body>"
                           f"<p>{SECRET}</p></body></html>")

    return serve(Internal, "127.0.0.2"), seen


def targets(port: int) -> dict[str, str]:
    return {"ws": f"ws://127.0.0.2:{port}/admin", "wss": f"wss://127.0.0.2:{port}/admin",
            "ftp": f"ftp://127.0.0.2:{port}/admin", "file": "file:///etc/passwd",
            "gopher": f"gopher://127.0.0.2:{port}/admin",
            "relative": f"//127.0.0.2:{port}/admin"}


@pytest.fixture
def site(serve, internal) -> str:
    """/to/KIND redirects to KIND's target; /links links to every /to/KIND and target."""
    port, _ = internal
    where = targets(port)

    class Site(_Handler):
        def do_GET(self) -> None:
            kind = self.path.rsplit("/", 1)[-1]
            if self.path.startswith("/to/"):
                self.send(302, "", {"Location": where[kind]})
            elif self.path.startswith("/links"):  # /links: all; /links-schemes: no http
                anchors = "".join(f'<a href="/to/{k}">{k}</a>' for k in where
                                  if self.path == "/links" or k != "relative")
                self.send(200, f"<html><body><h1>首页</h1>{anchors}</body></html>")
            else:
                self.send(404, "not found")

    return f"http://127.0.0.1:{serve(Site)}"


KINDS = ["ws", "wss", "ftp", "file", "gopher", "relative"]
FAST = ("--samples", "1", "--interval", "0", "--timeout", "5", "--link-timeout", "5")


def _refusal(kind: str) -> str:
    return ("redirect to a private address 127.0.0.2" if kind == "relative"
            else "only http and https are followed")


@pytest.mark.parametrize("allow_private", [False, True])
def test_check_never_follows_a_redirect_to_another_scheme(cli, make_workspace, site: str,
                                                          internal, allow_private: bool
                                                          ) -> None:
    from govaudit.probes import registry

    _, seen = internal
    kinds = [k for k in KINDS if not (allow_private and k == "relative")]
    ws = make_workspace(sites=[(f"站{k}", f"{site}/to/{k}", "city") for k in kinds]
                        + [("链接市", f"{site}/links{'-schemes' if allow_private else ''}",
                            "city")])
    done = cli("check", *FAST, "--probe", "availability", "--probe", "links", "--json",
               *(["--allow-private"] if allow_private else []), "-w", str(ws.root))
    assert done.exit_code == 0, done.output
    assert SECRET not in done.output
    store = Store(ws)
    for kind in kinds:
        availability = store.probe_results(f"站{kind}")["availability"]
        assert availability.status is None and availability.failures == 0, (kind, availability)
        assert availability.refused == 1 and availability.errors[0].startswith(
            "redirect to a "), (kind, availability)
        assert _refusal(kind) in availability.errors[0], (kind, availability)
        finding = registry.get("availability").suggest("availability", availability)
        assert finding.good is None and finding.detail.startswith("could not judge"), kind
    links = store.probe_results("链接市")["links"]
    assert not links.broken  # refused hops are "could not check", never broken
    unchecked = {u.url.rsplit("/", 1)[-1]: u.error for u in links.unchecked}
    assert set(unchecked) == set(kinds), unchecked
    for kind in kinds:
        assert _refusal(kind) in unchecked[kind], (kind, unchecked)
    assert seen == []  # nothing reached the internal host, by any scheme


def test_monitor_tick_never_counts_a_redirect_to_another_scheme_as_up(
        cli, make_workspace, site: str, internal) -> None:
    _, seen = internal
    ws = make_workspace(sites=[(f"站{k}", f"{site}/to/{k}", "city") for k in KINDS]
                        + [("链接市", f"{site}/links", "city")])
    done = cli("monitor", "tick", "--json", "--timeout", "5", "--host-interval", "0s",
               "--columns-every", "0", "--no-screenshots", "-w", str(ws.root))
    assert done.exit_code == 0, done.output
    assert SECRET not in done.output
    visits = {v["site"]: v for v in json.loads(done.output)["visits"]}
    for kind in KINDS:
        visit = visits[f"站{kind}"]
        assert visit["ok"] is False and _refusal(kind) in visit["error"], (kind, visit)
    assert visits["链接市"]["ok"] is True
    assert seen == []

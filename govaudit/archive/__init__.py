"""Evidence that holds in a dispute: web archives, trusted timestamps, signatures, bundles.

- `recorder`: what the browser actually fetched for a page (Playwright responses).
- `wacz`: those exchanges as WARC records in a WACZ web archive; its integrity check.
- `timestamps`: RFC 3161 trusted timestamps of run manifests, verified offline.
- `signing`: the team's Ed25519 key, detached signatures of manifests and WACZ digests.
- `checks`: one verdict per file (hash, timestamp, signature, archive).
- `bundle`: a self-contained appeal bundle for one site, with a README for third parties.
- `settings`: the [evidence] section of govaudit.toml.
"""

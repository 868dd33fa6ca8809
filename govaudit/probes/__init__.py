"""Automated probes over HTTP (system monitoring): availability, links, IPv6, marks,
freshness and feature hints. Importing this package stays light: httpx loads with run.py."""

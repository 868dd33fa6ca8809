"""Automated probes over HTTP (system monitoring). Each probe is a module of `checks/`,
registered by `registry`; `run` runs them over sites, `stored` over a workspace's.
Importing this package, the registry or a probe module stays light: httpx loads with run.py."""

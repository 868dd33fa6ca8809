"""The probes: one module each, registered by its `PROBE` (govaudit.probes.registry).

A module here imports only the model and the registry at the top; what it needs to
run (the HTTP client, the parsers) it imports inside its functions.
"""

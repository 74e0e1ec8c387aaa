"""``make bench``: cold start, AWS requests per message, planning, hot paths, local latency and cost.

Every benchmark runs on this machine with moto standing in for AWS (no network). ``python -m bench``
runs them all, prints a table and writes ``bench-results.json`` at the repository root.

The handler packages (``consent_platform``, ``optin``, …) import by name from the project's editable
install (``make``; see pyproject.toml), as they do in Lambda from its code root.
"""

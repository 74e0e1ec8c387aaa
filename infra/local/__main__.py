"""``python -m infra.local`` (what ``make run`` starts). Environment: PORT (3000), HOST (127.0.0.1)."""

from __future__ import annotations

import sys

from infra.local.signals import StopSignal


def _run() -> int:
    # Catch Ctrl-C before the heavy imports below, so even an early one ends without a traceback.
    stop = StopSignal()
    stop.install()
    # The handlers ("optin.app.lambda_handler") and consent_platform import by name, from the project's
    # editable install (pyproject.toml), as Lambda imports them from its code root, functions/.
    from infra.local.app import main

    return main(stop)


if __name__ == "__main__":
    sys.exit(_run())

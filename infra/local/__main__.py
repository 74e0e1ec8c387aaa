"""``python -m infra.local`` (what ``make run`` starts). Environment: PORT (3000), HOST (127.0.0.1)."""

from __future__ import annotations

import sys

from infra.local.signals import StopSignal
from infra.local.template import ROOT


def _run() -> int:
    # Catch Ctrl-C before the heavy imports below, so even an early one ends without a traceback.
    stop = StopSignal()
    stop.install()
    # Lambda runs with functions/ (the template's CodeUri) as its code root: handlers are
    # "optin.app.lambda_handler" and import "consent_platform", so that directory goes on sys.path.
    code_root = str(ROOT / "functions")
    if code_root not in sys.path:
        sys.path.insert(0, code_root)
    from infra.local.app import main

    return main(stop)


if __name__ == "__main__":
    sys.exit(_run())

"""``make bench``: cold start, AWS requests per message, planning, hot paths, local latency and cost.

Every benchmark runs on this machine with moto standing in for AWS (no network). ``python -m bench``
runs them all, prints a table and writes ``bench-results.json`` at the repository root.
"""

import sys
from pathlib import Path

# Lambda's code root (the template's CodeUri): handlers import "consent_platform" from there.
_CODE_ROOT = str(Path(__file__).resolve().parents[1] / "functions")
if _CODE_ROOT not in sys.path:
    sys.path.insert(0, _CODE_ROOT)

"""Cold start: import each function's handler module in a fresh interpreter, against ``import boto3``.

Lambda loads the handler module once per execution environment, so the import is the part of a cold
start our code controls. Each function of ``template.yaml`` is imported in its own child process,
interleaved with a child that imports only boto3 (every invocation needs it) and with the floors
(``FLOORS``), ``RUNS`` times; the figures are medians, ``ratio`` = median handler import / median boto3
import of the same run.

The target (issue 17) is on what our own code adds: ``floor_plus`` = a handler's ratio − its trigger's
floor ratio (boto3 + Powertools + pydantic + the trigger's Powertools piece, same run) ≤
``TARGET_FLOOR_PLUS``, i.e. the handler imports at most a quarter of ``import boto3`` more than the
libraries it cannot do without. (The old target, every handler ≤ 1.4 × boto3, was below the floors
themselves: ×1.5–×1.7.)

The clock is the child's CPU time (``time.process_time``), not wall time: an import of compiled modules
from a warm page cache is CPU-bound, and CPU time does not count the time the child waits for a core,
so the figures hold on a machine that other work loads (wall-clock runs moved the ratios by ±0.2).

The code root is the artifact as ``make build`` makes it: a copy of ``functions/`` without any
``__pycache__``, then compiled once with ``python -m compileall --invalidation-mode unchecked-hash``
(``COMPILE``), the same command the build step runs over the whole artifact with the runtime's Python;
the dependencies come from this venv, compiled by pip — as ``make build`` leaves them too. The children
never write bytecode (``/var/task`` is read-only).

Plain ``sam build`` ships no ``.pyc`` at all (its pip builder unpacks wheels and excludes ``*.pyc`` and
``__pycache__``; checked with SAM CLI 1.170): every module, boto3 and pydantic included, is compiled at
every cold start — the handler import of a sam-built sender artifact took ~2× as long as the same
artifact compiled. ``BENCH_NO_BYTECODE=1`` leaves our own modules uncompiled (what the bench measured
before), the dependencies still compiled.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.local.template import ROOT, Stack, load_template

RUNS = 11
# The build step's bytecode (Makefile ``build``): hash-checked .pyc files that Python trusts without
# looking at the source's mtime (which a zip and Lambda's extraction do not preserve exactly).
COMPILE = ("-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash")
# What a handler's import may add to its floor, in imports of boto3 (issue 17).
TARGET_FLOOR_PLUS = 0.25

# What a handler cannot import less than, with this design: boto3, Powertools (its package imports
# Logger, Metrics and the Tracer class), pydantic with one model built, and the Powertools piece the
# function's trigger needs. Measured like the handlers (same runs), reported next to them.
FLOORS = {
    "floor_api": "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver",
    "floor_sqs": "from aws_lambda_powertools.utilities.batch import BatchProcessor",
    "floor_plain": "import aws_lambda_powertools",
}
_FLOOR_MODULE = """\
import boto3
import aws_lambda_powertools
{trigger}
import pydantic


class Model(pydantic.BaseModel):
    x: int
"""

# Runs in the child: nothing is imported before the clock starts (``time`` is built in). CPU time of the
# child: see the module's docstring.
_CHILD = """\
import time
_t = time.process_time()
import {module}
_elapsed = time.process_time() - _t
import json, resource, sys
print(json.dumps({{"import_s": _elapsed, "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "modules": sorted(sys.modules) if {list_modules} else []}}))
"""


def floor_of(function: str) -> str:
    """Which floor applies to a function: its trigger decides what of Powertools it must import."""
    events = Stack(load_template()).functions()[function]["Properties"].get("Events", {}).values()
    types = {event["Type"] for event in events}
    return "floor_api" if "HttpApi" in types else "floor_sqs" if "SQS" in types else "floor_plain"


def handler_modules() -> dict[str, str]:
    """Function logical id → handler module, for every function in template.yaml."""
    stack = Stack(load_template())
    return {function: stack.handler(function).rpartition(".")[0] for function in stack.functions()}


def _environment(code_root: Path) -> dict[str, str]:
    stack = Stack(load_template())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "POWERTOOLS", "AWS_"))}
    glob = stack.template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    for key, value in glob.items():
        if isinstance(value, str):  # plain values only: the others name resources that do not exist here
            env[key] = value
    env.update(
        PYTHONPATH=str(code_root),
        PYTHONDONTWRITEBYTECODE="1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_LAMBDA_FUNCTION_NAME="bench",
    )
    return env


def _child(module: str, env: dict[str, str], list_modules: bool = False) -> dict[str, Any]:
    code = _CHILD.format(module=module, list_modules=list_modules)
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"importing {module} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def code_root_copy(dest: Path, source: Path | None = None, bytecode: bool | None = None) -> Path:
    """What ``make build`` puts in the artifact: functions/ (and the floor modules), compiled once by
    ``COMPILE``; without ``bytecode`` (or with BENCH_NO_BYTECODE=1), what plain ``sam build`` ships."""
    if bytecode is None:
        bytecode = not os.environ.get("BENCH_NO_BYTECODE")
    root = dest / "task"
    shutil.copytree(source or ROOT / "functions", root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name, trigger in FLOORS.items():
        (root / f"{name}.py").write_text(_FLOOR_MODULE.format(trigger=trigger), encoding="utf-8")
    if bytecode:
        subprocess.run([sys.executable, *COMPILE, str(root)], check=True)  # noqa: S603 - this interpreter
    return root


def measure(
    runs: int = RUNS, progress: Any = None, source: Path | None = None
) -> tuple[dict[str, Any], dict[str, float]]:
    """(``cold_start`` of bench-results.json, floor ratios). ``source``: another functions/ directory.

    Each handler: ``import_s``, ``ratio`` (× boto3), ``floor`` (which floor its trigger sets),
    ``floor_plus`` (ratio − that floor's ratio; the target) and ``peak_rss_mb``."""
    modules = handler_modules()
    with tempfile.TemporaryDirectory() as tmp:
        env = _environment(code_root_copy(Path(tmp), source))
        names = ["boto3", *modules.values(), *FLOORS]
        times: dict[str, list[float]] = {m: [] for m in names}
        rss: dict[str, list[int]] = {m: [] for m in names}
        rng = random.Random(1)  # noqa: S311 - a shuffle, not a secret
        for run in range(runs):
            order = list(names)
            rng.shuffle(order)  # background load hits baseline and handlers alike
            for module in order:
                got = _child(module, env)
                times[module].append(got["import_s"])
                rss[module].append(got["peak_rss_kb"])
            if progress:
                progress(f"cold start: run {run + 1}/{runs}")
    boto3_s = statistics.median(times["boto3"])
    floors = {name: round(statistics.median(times[name]) / boto3_s, 3) for name in FLOORS}
    handlers = {}
    for function, module in modules.items():
        median, floor = statistics.median(times[module]), floor_of(function)
        handlers[function] = {
            "import_s": round(median, 4),
            "ratio": round(median / boto3_s, 3),
            "floor": floor,
            "floor_plus": round(median / boto3_s - floors[floor], 3),
            "peak_rss_mb": round(max(rss[module]) / 1024),
        }
    cold = {
        "clock": "process_time",
        "boto3_import_s": round(boto3_s, 4),
        "floors": floors,
        "target_floor_plus": TARGET_FLOOR_PLUS,
        "handlers": handlers,
    }
    return cold, floors


def heavy_modules_loaded(module: str) -> list[str]:
    """Every module a fresh interpreter holds after importing ``module`` (for tests and diagnosis)."""
    with tempfile.TemporaryDirectory() as tmp:
        return list(_child(module, _environment(code_root_copy(Path(tmp))), list_modules=True)["modules"])


def why(module: str, top: int = 25) -> list[tuple[float, str]]:
    """The biggest self times (ms) of ``python -X importtime`` beyond what the module's floor imports
    (a handler module: its function's trigger floor; any other module: ``import boto3``)."""
    floor = next((floor_of(f) for f, m in handler_modules().items() if m == module), "boto3")
    with tempfile.TemporaryDirectory() as tmp:
        env = _environment(code_root_copy(Path(tmp)))

        def run(code: str) -> dict[str, int]:
            done = subprocess.run(  # noqa: S603 - this interpreter, our own code
                [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env, check=True
            )
            out = {}
            for line in done.stderr.splitlines():
                parts = line.split("|")
                if line.startswith("import time:") and len(parts) == 3 and "[us]" not in line:
                    out[parts[2].strip()] = int(parts[0].split(":")[1])
            return out

        base = run(f"import {floor}")
        full = run(f"import {floor}; import {module}")
    extra = [(us / 1000, name) for name, us in full.items() if name not in base]
    return sorted(extra, reverse=True)[:top]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        for ms, name in why(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25):
            print(f"{ms:8.1f} ms  {name}")
    else:
        source = Path(os.environ["BENCH_FUNCTIONS"]) if os.environ.get("BENCH_FUNCTIONS") else None
        print(json.dumps(measure(int(os.environ.get("BENCH_RUNS", RUNS)), print, source), indent=2))

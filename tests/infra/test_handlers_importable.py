"""Every handler of template.yaml imports by its own name outside the repository, as the local stack, the
bench and the tooling import it (the editable install's package map — a new package under functions/
that the install does not know yet fails here, not in `make run`)."""

from __future__ import annotations

import os
import subprocess
import sys

from infra.local.template import Stack, load_template


def test_every_handler_module_imports_without_the_test_path(tmp_path: object) -> None:
    stack = Stack(load_template())
    modules = sorted({stack.handler(f).rpartition(".")[0] for f in stack.functions()})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    done = subprocess.run(
        [sys.executable, "-c", code, *modules], check=False, cwd=str(tmp_path), env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "delivery.app" in modules and "scheduler.reconciler" in modules

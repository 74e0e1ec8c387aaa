"""The local stack's event-source registry (infra/local/sources): one module per trigger type, found by file."""

from __future__ import annotations

import pkgutil
import sys
from pathlib import Path

import pytest

from infra.local import sources
from infra.local.template import Stack, load_template

STACK = Stack(load_template())


def test_every_module_of_the_package_is_a_registered_source() -> None:
    """A new trigger type is a new file: nothing else lists the modules."""
    modules = {m.name for m in pkgutil.iter_modules([str(Path(sources.__file__).parent)])}
    assert {"eventbridge", "http", "schedule", "sqs"} <= modules
    assert sorted(s.name for s in sources.registered()) == sorted(modules)


def test_every_event_type_of_the_template_has_a_local_emulation() -> None:
    """A function whose trigger has no emulator would never run locally, without any error."""
    assert sources.unemulated(STACK) == set()


def test_a_template_event_type_without_a_source_is_reported() -> None:
    template = load_template()
    fn = next(iter(Stack(template).functions().values()))
    fn["Properties"].setdefault("Events", {})["Stream"] = {"Type": "DynamoDB", "Properties": {}}
    assert sources.unemulated(Stack(template)) == {"DynamoDB"}


def test_each_event_type_has_one_source() -> None:
    kinds = [kind for source in sources.registered() for kind in source.event_types]
    assert len(kinds) == len(set(kinds))


def test_a_new_trigger_type_is_one_new_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module placed in the package is registered with the others: no other file changes."""
    (tmp_path / "zz_stream.py").write_text(
        "import threading\n"
        "class _Stream:\n"
        "    name = 'stream'\n"
        "    event_types = ('DynamoDB',)\n"
        "    def provision(self, stack):\n"
        "        pass\n"
        "    def start(self, runtime):\n"
        "        return [threading.Thread(target=lambda: None)]\n"
        "SOURCE = _Stream()\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sources, "__path__", [*sources.__path__, str(tmp_path)])
    sources.registered.cache_clear()
    try:
        assert [s.name for s in sources.registered()][-1] == "stream"
        template = load_template()
        fn = next(iter(Stack(template).functions().values()))
        fn["Properties"].setdefault("Events", {})["Stream"] = {"Type": "DynamoDB", "Properties": {}}
        assert sources.unemulated(Stack(template)) == set()  # the new file covers the new trigger type
    finally:
        sources.registered.cache_clear()
        sys.modules.pop("infra.local.sources.zz_stream", None)

"""The local stack's event-source registry (infra/local/sources): one module per trigger type, found by file."""

from __future__ import annotations

import pkgutil
from pathlib import Path

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

"""Where code may live: handlers call no AWS client themselves (S3 and SQS go through adapters), and the
API's request and response models live in ``consent_platform.api`` — apart from the domain's own models
and the settings, no other module defines one. Checked on the source (AST), so nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
PLATFORM = FUNCTIONS / "consent_platform"
# Handler packages: everything under functions/ except the shared library.
HANDLER_FILES = sorted(p for p in FUNCTIONS.rglob("*.py") if PLATFORM not in p.parents)
# Where a pydantic model may be defined: the domain, the API package, and the environment settings.
MODEL_HOMES = (PLATFORM / "domain", PLATFORM / "api")
AWS_MODULES = ("boto3", "botocore", "consent_platform.adapters.aws")


def _imported_modules(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _used_names(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


@pytest.mark.parametrize("path", HANDLER_FILES, ids=lambda p: str(p.relative_to(FUNCTIONS)))
def test_handlers_call_no_aws_client(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # A bare ``import boto3`` that the module never uses only fixes the import order (admin/app.py);
    # any use of it, or any import from an AWS module, is a handler talking to AWS itself.
    bare = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.asname is None and alias.name not in _used_names(tree)
    }
    aws = sorted(m for m in _imported_modules(tree) - bare if m.startswith(AWS_MODULES))
    assert not aws, f"{path.name} talks to AWS itself ({aws}); use an adapter (consent_platform/adapters)"
    calls = [n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert "client" not in calls, f"{path.name} creates an AWS client; use an adapter"


def _defines_model(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id in ("BaseModel", "RootModel") for b in node.bases)
    ]


def test_models_live_in_the_api_package_or_the_domain() -> None:
    stray = {
        str(path.relative_to(FUNCTIONS)): names
        for path in sorted(FUNCTIONS.rglob("*.py"))
        if not any(home in path.parents for home in MODEL_HOMES) and path != PLATFORM / "settings.py"
        for names in [_defines_model(path)]
        if names
    }
    assert not stray, f"request/response models outside consent_platform/api: {stray}"

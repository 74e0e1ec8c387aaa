"""The size limits of the team's standard, measured on the tree (issue 15): ruff checks arguments, branches,
statements and complexity, but has no rule for the length of a file or of a function.

A function's length runs from its `def` line to its last line: the docstring and any nested function count,
decorators above the `def` do not (they belong to the registration, not to the body). A file's length is its
number of lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _sources() -> list[Path]:
    return sorted(FUNCTIONS.rglob("*.py"))


def _function_lengths(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (f"{path.relative_to(FUNCTIONS)}:{node.lineno} {node.name}", (node.end_lineno or node.lineno) - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_the_tree_has_sources_to_measure() -> None:
    assert len(_sources()) > 20  # a wrong path would make the two tests below pass vacuously


def test_no_file_in_functions_is_over_400_lines() -> None:
    too_long = {
        str(path.relative_to(FUNCTIONS)): lines
        for path in _sources()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    }
    assert too_long == {}


def test_no_function_in_functions_is_over_60_lines() -> None:
    too_long = {
        where: lines for path in _sources() for where, lines in _function_lengths(path) if lines > MAX_FUNCTION_LINES
    }
    assert too_long == {}

"""Parsing untrusted JSON (request bodies, import lines) into plain values every later step can handle.

``json.loads`` alone lets through what crashes later steps with a 500: nesting that exhausts the
recursion limit, integers past Python's 4,300-digit conversion limit, ``NaN``/``Infinity``, numbers
that overflow a float, unpaired surrogates (never encodable into a response or a stored item). Each
of these becomes :class:`MalformedBody` (a 400) here.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .errors import MalformedBody

# No body of ours nests deeper than a few levels; the stdlib parser recurses once per level and raises
# RecursionError for a 10 KB string of brackets long before any model sees it.
MAX_JSON_DEPTH = 32


def load_json(data: str | bytes) -> Any:
    try:
        parsed = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise MalformedBody(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except UnicodeDecodeError:
        raise MalformedBody("not valid UTF-8") from None
    except json.JSONDecodeError:
        raise MalformedBody("not valid JSON") from None
    except ValueError:  # int("9" * 5000) past sys.get_int_max_str_digits()
        raise MalformedBody("a number with more digits than JSON input may have (4,300)") from None
    _check_values(parsed)
    return parsed


def _refuse_constant(name: str) -> Any:
    raise MalformedBody(f"{name} is not a JSON number")


def _check_values(parsed: Any) -> None:
    """Walk the parsed value once, iteratively (depth is what is being checked)."""
    pending: list[tuple[Any, int]] = [(parsed, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            _check_depth(depth)
            for key, item in value.items():
                _check_text(key)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            _check_depth(depth)
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise MalformedBody("a number too large for a float")  # 1e999 parses as inf
        elif isinstance(value, str):
            _check_text(value)


def _check_depth(depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise MalformedBody(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def _check_text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedBody("an unpaired surrogate escape (\\ud800-\\udfff)") from None

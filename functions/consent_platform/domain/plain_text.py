"""Text that reaches an SMS body, the consent ledger or a terminal: no control characters.

Names, sources, tags and attribute values are echoed into SMS bodies ("Hi {first_name}") and printed by
``smsadmin contact show`` as proof of consent. A CR/LF forges lines in that proof, an ANSI escape
(ESC [ …) drives the admin's terminal, a bidi override (U+202E) makes text read backwards, a NUL
truncates it in some tools. Fields a person types are refused with a 422 naming the field; text we only
record (a User-Agent header) is neutralised instead: each such character is written as ``\\uXXXX``.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# Explicit bidi formatting characters (Unicode TR9, "Explicit Directional Embeddings/Overrides/Isolates",
# plus the implicit marks). Other format characters (ZWJ, ZWNJ) are legitimate in names and emoji.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Cc: C0/C1 controls incl. NUL, TAB, CR, LF, ESC, DEL; Zl/Zp: U+2028/U+2029 line/paragraph separators.
_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def is_unsafe(char: str) -> bool:
    return char in BIDI_CONTROLS or unicodedata.category(char) in _CATEGORIES


def refuse_controls(value: str) -> str:
    bad = next((c for c in value if is_unsafe(c)), None)
    if bad is not None:
        raise ValueError(f"contains a control character (U+{ord(bad):04X}); send plain text")
    return value


def neutralise_controls(value: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if is_unsafe(c) else c for c in value)


PlainText = Annotated[str, AfterValidator(refuse_controls)]

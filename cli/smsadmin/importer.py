"""`smsadmin import`: send a CSV / JSON-lines file to ``POST /v1/admin/lists/{id}/import`` in chunks.

Chunks keep every request small (well under the admin function's body limit and Lambda's time limit)
and let a progress bar advance. Every CSV chunk repeats the header, so each request stands alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from .client import ApiError, Client, UsageError, path

Format = Literal["csv", "jsonl"]
CONTENT_TYPES: dict[Format, str] = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
DEFAULT_CHUNK_ROWS = 500
# Rows are the unit, but very wide rows must not make a request huge: the import route's body limit is
# a few MB and Lambda's payload limit 6 MB. A chunk closes early rather than cross this.
MAX_CHUNK_BYTES = 1024 * 1024
COUNTS = ("received", "imported", "unchanged", "rejected")


@dataclass(frozen=True)
class Chunk:
    body: bytes
    rows: int
    first_row: int  # 1-based number of the chunk's first data row in the whole file (header not counted)


def guess_format(file: Path, given: str | None) -> Format:
    suffix = file.suffix.lower()
    if given == "csv" or (given is None and suffix == ".csv"):
        return "csv"
    if given == "jsonl" or (given is None and suffix in (".jsonl", ".ndjson")):
        return "jsonl"
    raise UsageError(f"cannot tell the format of {file.name}: pass --format csv or --format jsonl")


def read_rows(file: Path, fmt: Format) -> tuple[list[str] | None, list[Any]]:
    """(CSV header or None, data rows). Empty lines are skipped, as the import endpoint skips them, so
    row numbers mean the same here and there."""
    try:
        # utf-8-sig: spreadsheet exports start with a BOM that would otherwise stick to the first column name.
        text = file.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise UsageError(f"cannot read {file}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{file} is not UTF-8 text") from None
    if fmt == "jsonl":
        return None, [line for line in text.splitlines() if line.strip()]
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    if not rows:
        raise UsageError(f"{file} is empty: expected a header row (e.g. phone,first_name) and data rows")
    return rows[0], rows[1:]


def _csv_line(row: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)  # re-quotes fields with commas, quotes or line breaks
    return buffer.getvalue().encode("utf-8")


def chunks(
    header: Sequence[str] | None,
    rows: Sequence[Any],
    *,
    size: int = DEFAULT_CHUNK_ROWS,
    max_bytes: int = MAX_CHUNK_BYTES,
) -> Iterator[Chunk]:
    """Split rows into request bodies of at most ``size`` rows and (unless one row alone is bigger) ``max_bytes``."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    head = _csv_line(header) if header is not None else b""
    parts: list[bytes] = []
    used = len(head)
    first = 1
    for number, row in enumerate(rows, 1):
        line = _csv_line(row) if header is not None else (str(row).rstrip("\r\n") + "\n").encode("utf-8")
        if parts and (len(parts) >= size or used + len(line) > max_bytes):
            yield Chunk(head + b"".join(parts), len(parts), first)
            parts, used, first = [], len(head), number
        parts.append(line)
        used += len(line)
    if parts:
        yield Chunk(head + b"".join(parts), len(parts), first)


class Progress:
    """``[#######-------------]  1500/5000 rows  30%`` on stderr, redrawn in place; silent when not a TTY."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        isatty = getattr(stream, "isatty", None)
        # A log file or a pipe would collect every redraw: draw only for a person watching a terminal.
        self.enabled = bool(isatty and isatty())
        self.done = 0

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.enabled:
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def line(self) -> str:
        fraction = self.done / self.total if self.total else 1.0
        filled = round(fraction * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        return f"[{bar}] {self.done:>{len(str(self.total))}}/{self.total} rows {fraction * 100:5.1f}%"

    def close(self) -> None:
        if self.enabled and self.done:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class Result:
    received: int = 0
    imported: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)
    rows_sent: int = 0

    def add(self, chunk: Chunk, answer: Any) -> None:
        answer = answer if isinstance(answer, dict) else {}
        self.received += int(answer.get("received") or 0)
        self.imported += int(answer.get("imported") or 0)
        self.unchanged += int(answer.get("unchanged") or 0)
        self.rejected += int(answer.get("rejected") or 0)
        for rejection in answer.get("rejections") or []:
            self.rejections.append(file_row(chunk, rejection))
        self.rows_sent += chunk.rows

    def as_json(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in COUNTS}, "rejections": self.rejections}


def file_row(chunk: Chunk, rejection: dict[str, Any]) -> dict[str, Any]:
    """The server numbers rows within the body it got (1 = first data row); make that a row of the file."""
    row = rejection.get("row")
    if isinstance(row, int) and not isinstance(row, bool):
        return {**rejection, "row": chunk.first_row + row - 1}
    return dict(rejection)


@dataclass
class Failure:
    error: ApiError
    result: Result
    total: int


def run(
    client: Client,
    list_id: str,
    header: Sequence[str] | None,
    rows: Sequence[Any],
    fmt: Format,
    *,
    size: int,
    err: TextIO,
) -> Result | Failure:
    result = Result()
    progress = Progress(len(rows), err)
    route = path("v1", "admin", "lists", list_id, "import")
    try:
        for chunk in chunks(header, rows, size=size):
            try:
                answer = client.request("POST", route, data=chunk.body, content_type=CONTENT_TYPES[fmt])
            except ApiError as error:
                return Failure(error, result, len(rows))
            result.add(chunk, answer.body)
            progress.advance(chunk.rows)
    finally:
        progress.close()
    return result

"""`smsadmin import`: reading and chunking files, the progress bar, summing answers (against the fake API)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import FakeApi, Recorded, importer, run_cli

ROUTE = "/v1/admin/lists/demo/import"


def write_csv(path: Path, rows: int, *, bom: bool = False) -> Path:
    lines = ["phone,first_name,evidence"] + [f"+1201555{n:04d},Name {n},order {n}" for n in range(1, rows + 1)]
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def parse_chunk(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def server_import(req: Recorded) -> tuple[int, Any]:
    """What the import endpoint answers: every row counted, row 2 of each body rejected (1-based data rows)."""
    if req.headers["content-type"].startswith("text/csv"):
        rows = [r["phone"] for r in parse_chunk(req.body)]
    else:
        rows = [json.loads(line)["phone"] for line in req.body.decode().splitlines()]
    rejected = (
        [{"row": 2, "phone": "+*******" + rows[1][-4:], "reason": "not a mobile number"}] if len(rows) > 1 else []
    )
    return 200, {
        "received": len(rows),
        "imported": len(rows) - len(rejected) - 1,
        "unchanged": 1,
        "rejected": len(rejected),
        "rejections": rejected,
    }


# --- chunking -------------------------------------------------------------------------------------------


def test_chunks_repeat_the_header_and_number_rows_across_the_file(tmp_path: Path) -> None:
    header, rows = importer.read_rows(write_csv(tmp_path / "c.csv", 1201), "csv")
    chunks = list(importer.chunks(header, rows, size=500))
    assert [(c.rows, c.first_row) for c in chunks] == [(500, 1), (500, 501), (201, 1001)]
    for chunk in chunks:
        assert chunk.body.startswith(b"phone,first_name,evidence\r\n")
    assert [r["phone"] for c in chunks for r in parse_chunk(c.body)] == [f"+1201555{n:04d}" for n in range(1, 1202)]


def test_quoted_fields_empty_lines_and_a_bom_survive(tmp_path: Path) -> None:
    file = tmp_path / "c.csv"
    file.write_text(
        '\ufeffphone,first_name,evidence\n+12015550001,"Smith, Anna","order 1\nsecond line"\n\n\n+12015550002,"Bob ""B""",x\n',
        encoding="utf-8",
    )
    header, rows = importer.read_rows(file, "csv")
    assert header == ["phone", "first_name", "evidence"]  # no BOM stuck to "phone"
    [chunk] = importer.chunks(header, rows)
    assert chunk.rows == 2
    assert parse_chunk(chunk.body) == [
        {"phone": "+12015550001", "first_name": "Smith, Anna", "evidence": "order 1\nsecond line"},
        {"phone": "+12015550002", "first_name": 'Bob "B"', "evidence": "x"},
    ]


def test_a_chunk_closes_early_rather_than_grow_past_the_byte_limit(tmp_path: Path) -> None:
    header, rows = importer.read_rows(write_csv(tmp_path / "c.csv", 10), "csv")
    chunks = list(importer.chunks(header, rows, size=500, max_bytes=120))
    assert all(len(c.body) <= 120 for c in chunks)
    assert sum(c.rows for c in chunks) == 10
    assert [c.first_row for c in chunks] == [1, *[sum(x.rows for x in chunks[:i]) + 1 for i in range(1, len(chunks))]]
    [alone] = importer.chunks(header, rows[:1], max_bytes=10)  # one row bigger than the limit still goes out
    assert alone.rows == 1


def test_jsonl_chunks_are_lines(tmp_path: Path) -> None:
    file = tmp_path / "c.jsonl"
    file.write_text("".join(json.dumps({"phone": f"+1201555{n:04d}", "evidence": "x"}) + "\n\n" for n in range(5)))
    header, rows = importer.read_rows(file, "jsonl")
    assert header is None
    chunks = list(importer.chunks(header, rows, size=2))
    assert [(c.rows, c.first_row) for c in chunks] == [(2, 1), (2, 3), (1, 5)]
    assert chunks[0].body.decode().splitlines() == rows[:2]


def test_format_from_the_file_name(tmp_path: Path) -> None:
    assert importer.guess_format(Path("a.CSV"), None) == "csv"
    assert importer.guess_format(Path("a.ndjson"), None) == "jsonl"
    assert importer.guess_format(Path("a.txt"), "jsonl") == "jsonl"
    result = run_cli("import", str(tmp_path / "a.txt"), "--list", "demo")
    assert result.code == 2 and "--format" in result.err


def test_server_row_numbers_become_file_row_numbers() -> None:
    chunk = importer.Chunk(b"", 500, 501)
    assert importer.file_row(chunk, {"row": 2, "phone": "x", "reason": "r"})["row"] == 502


# --- progress -------------------------------------------------------------------------------------------


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_on_a_terminal() -> None:
    quiet = io.StringIO()
    progress = importer.Progress(1000, quiet)
    progress.advance(500)
    progress.close()
    assert quiet.getvalue() == ""

    tty = Tty()
    progress = importer.Progress(1000, tty)
    progress.advance(500)
    progress.advance(500)
    progress.close()
    frames = tty.getvalue().split("\r")[1:]
    assert frames[0] == "[###############---------------]  500/1000 rows  50.0%"
    assert frames[1] == "[##############################] 1000/1000 rows 100.0%\n"


# --- against the fake API -------------------------------------------------------------------------------


def test_import_sends_chunks_and_sums_the_answers(api: FakeApi, tmp_path: Path) -> None:
    api.on("POST", ROUTE, handler=server_import)
    result = run_cli("--endpoint", api.url, "import", str(write_csv(tmp_path / "c.csv", 1201)), "--list", "demo")
    assert result.code == 0, result.err
    posts = api.calls("POST")
    assert len(posts) == 3
    assert {p.headers["content-type"] for p in posts} == {"text/csv; charset=utf-8"}
    lines = result.out.splitlines()
    assert lines[0] == "list demo: received 1201, imported 1195, unchanged 3, rejected 3"
    assert lines[-3:] == [
        "     2  +*******0002  not a mobile number",
        "   502  +*******0502  not a mobile number",
        "  1002  +*******1002  not a mobile number",
    ]
    assert result.err == ""  # stderr is not a terminal: no progress bar


def test_import_json_output_and_progress_on_a_tty(api: FakeApi, tmp_path: Path) -> None:
    api.on("POST", ROUTE, handler=server_import)
    file = tmp_path / "c.jsonl"
    file.write_text("".join(json.dumps({"phone": f"+1201555{n:04d}", "evidence": "x"}) + "\n" for n in range(1, 8)))
    result = run_cli(
        "--endpoint", api.url, "--json", "import", str(file), "--list", "demo", "--chunk-size", "3", tty=True
    )
    assert result.code == 0, result.err
    assert {p.headers["content-type"] for p in api.calls("POST")} == {"application/x-ndjson"}
    assert result.json() == {
        "received": 7,
        "imported": 2,
        "unchanged": 3,
        "rejected": 2,
        "rejections": [
            {"row": 2, "phone": "+*******0002", "reason": "not a mobile number"},
            {"row": 5, "phone": "+*******0005", "reason": "not a mobile number"},
        ],
    }
    assert result.err.endswith("7/7 rows 100.0%\n")


def test_an_error_midway_stops_and_says_how_far_it_got(api: FakeApi, tmp_path: Path) -> None:
    calls = 0

    def flaky(req: Recorded) -> tuple[int, Any]:
        nonlocal calls
        calls += 1
        if calls == 2:
            return 503, {"error": {"code": "service_unavailable", "message": "DynamoDB throttled", "fields": {}}}
        return server_import(req)

    api.on("POST", ROUTE, handler=flaky)
    result = run_cli("--endpoint", api.url, "import", str(write_csv(tmp_path / "c.csv", 1201)), "--list", "demo")
    assert result.code == 1
    assert "error: HTTP 503 service_unavailable: DynamoDB throttled" in result.err
    assert "import stopped after 500 of 1201 rows (imported 498, unchanged 1, rejected 1 so far)" in result.err
    assert calls == 2


def test_unknown_list(api: FakeApi, tmp_path: Path) -> None:
    api.on(
        "POST",
        ROUTE,
        404,
        {
            "error": {
                "code": "not_found",
                "message": "list 'demo' does not exist",
                "fields": {"list_id": "unknown list"},
            }
        },
    )
    result = run_cli("--endpoint", api.url, "import", str(write_csv(tmp_path / "c.csv", 3)), "--list", "demo")
    assert result.code == 1
    assert "  list_id: unknown list" in result.err


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_an_empty_csv_is_a_usage_error(tmp_path: Path, text: str) -> None:
    file = tmp_path / "c.csv"
    file.write_text(text)
    result = run_cli("import", str(file), "--list", "demo")
    assert result.code == 2 and "empty" in result.err

"""``smsadmin coupons``: upload sends the file as text/plain and sums the answers; show prints the counts."""

from __future__ import annotations

from pathlib import Path

from tests.cli.support import FakeApi, run_cli

COUNTS = {"pool": "CART10", "total": 2, "assigned": 1, "redeemed": 0, "available": 1, "longest_code": 11}


def test_coupons_upload_and_show(api: FakeApi, tmp_path: Path) -> None:
    codes = tmp_path / "codes.txt"
    codes.write_text("CART10-AAAA\n\nCART10-BBBB\n", encoding="utf-8")
    api.on("POST", "/v1/admin/coupons/CART10", 200, {**COUNTS, "added": 2, "duplicates": 0})
    uploaded = run_cli("--endpoint", api.url, "coupons", "upload", "CART10", str(codes))
    assert uploaded.code == 0, uploaded.err
    call = api.calls("POST")[0]
    assert call.body == b"CART10-AAAA\nCART10-BBBB" and call.headers["content-type"] == "text/plain"
    assert "added 2, duplicates 0" in uploaded.out

    api.on("GET", "/v1/admin/coupons/CART10", 200, COUNTS)
    shown = run_cli("--endpoint", api.url, "coupons", "show", "CART10")
    assert shown.code == 0, shown.err
    assert "total 2  assigned 1  redeemed 0  available 1" in shown.out

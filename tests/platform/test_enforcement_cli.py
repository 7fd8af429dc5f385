"""``linkage enforcement verify RECORD`` recomputes a draw from a record file and says whether it matches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.enforcement import registers
from services.enforcement.domain.draw import draw
from services.enforcement.domain.randomness import commitment_of
from services.platform.cli import main


def test_verify_accepts_a_true_record_and_refuses_a_tampered_one(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    committed = registers(500, 40, 4)
    doc = committed.to_json()
    record: dict[str, Any] = {
        "committed": doc,
        "commitment": commitment_of(doc),
        "seed": "种子",
        "result": draw(committed, "种子").to_json(),
    }
    true = tmp_path / "record.json"
    true.write_text(json.dumps(record | {"redraws": []}, ensure_ascii=False), encoding="utf-8")
    assert main(["enforcement", "verify", str(true)]) == 0
    assert "复算一致" in capfd.readouterr().out

    record["committed"]["constraints"]["officer_cap"] += 1
    false = tmp_path / "tampered.json"
    false.write_text(json.dumps(record | {"redraws": []}, ensure_ascii=False), encoding="utf-8")
    assert main(["enforcement", "verify", str(false)]) == 1
    assert "FAIL commitment" in capfd.readouterr().out

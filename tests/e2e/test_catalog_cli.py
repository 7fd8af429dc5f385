"""``linkage catalog import|export`` against a catalog service served over real HTTP (uvicorn in a thread)."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from services.catalog.app import create_app
from services.catalog.settings import Settings
from services.platform.catalog_cli import add_catalog_commands
from tests.support import JWT_SECRET, settings_env
from tests.unit.test_catalog_sheets import good_form, workbook

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def catalog_url(nats_url: str, catalog_database: str) -> Iterator[str]:
    app = create_app(Settings(**settings_env(nats_url, catalog_database)))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def run(url: str, *argv: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="linkage")
    add_catalog_commands(parser.add_subparsers(required=True))
    args = parser.parse_args([*argv, "--url", url, "--data-dir", str(tmp_path)])
    code = int(args.command(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(autouse=True)
def platform_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKAGE_JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("COLUMNS", "200")  # rich sizes its table to the terminal


def test_import_reports_every_rejected_row_and_exits_1(
    catalog_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    form = good_form()
    form["事项与任务"][1][8] = "月"
    form["事项与任务"][3][1] = ""
    bad = tmp_path / "第二轮.xlsx"
    bad.write_bytes(workbook(form))

    code, out = run(catalog_url, "catalog", "import", str(bad), tmp_path=tmp_path, capsys=capsys)

    assert code == 1
    assert "时限单位" in out
    assert "事项名称" in out
    assert "2 problem(s)" in out


def test_import_then_export_round_trips(catalog_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "清单.xlsx"
    good.write_bytes(workbook(good_form()))

    code, out = run(catalog_url, "catalog", "import", str(good), tmp_path=tmp_path, capsys=capsys)
    assert (code, "catalogue version" in out) == (0, True)

    target = tmp_path / "export.csv"
    code, _ = run(
        catalog_url, "catalog", "export", "--format", "csv", "-o", str(target), tmp_path=tmp_path, capsys=capsys
    )
    assert code == 0
    assert "门前三包责任制落实" in target.read_bytes().decode("utf-8-sig")
    code, out = run(catalog_url, "catalog", "import", str(target), tmp_path=tmp_path, capsys=capsys)
    assert (code, out.strip()) == (0, "imported: nothing changed, no new version")


def test_an_import_widening_street_duties_needs_grounds(
    catalog_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """唯一入口: on a catalogue that has a version, a form adding street tasks is refused whole (the row shown)
    unless the upload gives its grounds; here the emergency path."""
    seed = good_form()
    seed["事项与任务"] = [seed["事项与任务"][0], ["GX-800", *seed["事项与任务"][1][1:]]]  # department task only
    (tmp_path / "部门.xlsx").write_bytes(workbook(seed))
    assert run(catalog_url, "catalog", "import", str(tmp_path / "部门.xlsx"), tmp_path=tmp_path, capsys=capsys)[0] == 0
    form = good_form()
    form["事项与任务"][1][0], form["事项与任务"][3][0] = "GX-901", "GX-902"
    widening = tmp_path / "新增街道任务.xlsx"
    widening.write_bytes(workbook(form))

    code, out = run(catalog_url, "catalog", "import", str(widening), tmp_path=tmp_path, capsys=capsys)
    assert code == 1
    assert "扩大街道职责" in out
    assert "1 problem(s)" in out

    argv = ["catalog", "import", str(widening), "--emergency-reason", "汛期应急，街道先行承担巡查"]
    code, out = run(catalog_url, *argv, tmp_path=tmp_path, capsys=capsys)
    assert (code, "catalogue version" in out) == (0, True)

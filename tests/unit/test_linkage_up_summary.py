"""linkage up's table: the console first, with no docs link (it has no /docs); every service with its own."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from services.platform.cli import _print_summary
from services.platform.supervisor import CONSOLE, SERVICES


def test_the_table_links_each_services_docs_and_none_for_the_console(capsys: pytest.CaptureFixture[str]) -> None:
    console = replace(CONSOLE, port=18100)
    running = SimpleNamespace(services=[console, *SERVICES], log_dir=Path("/tmp/logs"))
    _print_summary(running, nats_url="nats://x", nodes=(), database_url="postgresql://u@h/db", data_dir=Path("/d"))  # type: ignore[arg-type]
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert rows[1] == ["console", console.url, "yes"]
    assert f"{console.url}/docs" not in " ".join(" ".join(row) for row in rows)
    for spec, row in zip(SERVICES, rows[2:], strict=False):
        assert row == [spec.name, spec.url, f"{spec.url}/docs", "yes"]

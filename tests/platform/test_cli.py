"""``linkage token`` and the JWT secret it shares with ``linkage up``."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from services.platform.cli import jwt_secret, main
from services.runtime.auth import decode_token


@pytest.fixture(autouse=True)
def no_secret_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKAGE_JWT_SECRET", raising=False)


def test_the_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    secret = jwt_secret(tmp_path, create=True)

    assert jwt_secret(tmp_path, create=True) == secret
    assert len(secret) >= 32
    assert stat.S_IMODE((tmp_path / "jwt-secret").stat().st_mode) == 0o600


def test_the_environment_secret_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKAGE_JWT_SECRET", "from-the-environment-0123456789")

    assert jwt_secret(tmp_path, create=True) == "from-the-environment-0123456789"
    assert not (tmp_path / "jwt-secret").exists()


def test_token_is_signed_with_the_kept_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = jwt_secret(tmp_path, create=True)

    roles = ["--role", "operator", "--role", "street:xinhe"]
    code = main(["token", *roles, "--subject", "ops", "--data-dir", str(tmp_path)])

    principal = decode_token(secret, capsys.readouterr().out.strip())
    assert code == 0
    assert (principal.subject, principal.roles) == ("ops", frozenset({"operator", "street:xinhe"}))


def test_token_for_a_grid_worker_names_its_worker_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = jwt_secret(tmp_path, create=True)

    assert main(["token", "--role", "gridworker:wgy-0001", "--subject", "张敏", "--data-dir", str(tmp_path)]) == 0
    assert decode_token(secret, capsys.readouterr().out.strip()).scopes("gridworker") == {"wgy-0001"}
    assert main(["token", "--role", "gridworker", "--data-dir", str(tmp_path)]) == 1
    assert "unknown role 'gridworker'" in capsys.readouterr().err


def test_token_refuses_an_unknown_role(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jwt_secret(tmp_path, create=True)

    assert main(["token", "--role", "mayor", "--data-dir", str(tmp_path)]) == 1
    assert "unknown role 'mayor'" in capsys.readouterr().err


def test_token_without_a_secret_says_how_to_get_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--role", "operator", "--data-dir", str(tmp_path)]) == 1
    assert "linkage up" in capsys.readouterr().err


def test_bench_runs_a_suite(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--suite", "enforcement"]) == 0
    assert "draw_s" in capfd.readouterr().out  # its figures


def test_bench_refuses_pipeline_options_for_another_suite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--suite", "admission", "--service-env", "A=1"]) == 1
    assert "belong to the pipeline suite" in capsys.readouterr().err

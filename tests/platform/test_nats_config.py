"""linkage nats-config: the accounts from the organisation register (the real server's verdicts are in
tests/integration/test_nats_permissions.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.platform import nats_config, nats_config_up
from services.platform.cli import main
from services.platform.errors import PlatformError

REGISTER = {
    "organisations": [
        {"code": "cgj", "name": "区城市管理局", "kind": "department"},
        {"code": "wulong", "name": "五龙街道", "kind": "street"},
        {"code": "wulong-cgzd", "name": "五龙城管中队", "kind": "agency", "parent_code": "cgj"},
        {"code": "wulong-1", "name": "一社区", "kind": "community", "parent_code": "wulong"},
    ]
}


def test_every_department_street_and_agency_gets_a_user_and_communities_none() -> None:
    orgs = nats_config.organisations_of(REGISTER)
    assert [org.user for org in orgs] == ["agency-wulong-cgzd", "dept-cgj", "street-wulong"]
    assert nats_config.password_variable("agency-wulong-cgzd") == "AGENCY_WULONG_CGZD_PASSWORD"


@pytest.mark.parametrize("code", ["a.b", "x y", "*", ">", ""])
def test_a_code_that_is_not_one_subject_token_is_refused_naming_the_row(code: str) -> None:
    with pytest.raises(PlatformError, match=r"organisations\.1\.code"):
        nats_config.organisations_of(
            {"organisations": [REGISTER["organisations"][0], {"code": code, "kind": "street"}]}
        )


def test_the_command_writes_the_accounts_and_lists_the_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register = tmp_path / "export.json"
    register.write_text(json.dumps(REGISTER, ensure_ascii=False), encoding="utf-8")
    assert main(["nats-config", str(register), "-o", str(tmp_path / "accounts.conf")]) == 0
    text = (tmp_path / "accounts.conf").read_text(encoding="utf-8")
    assert '"street-wulong" {' in text
    assert '$JS.API.CONSUMER.MSG.NEXT.DISPATCH.street-wulong", response_type: stream' in text
    assert "password: $" in text
    assert "change-me" not in text
    capsys.readouterr()
    assert main(["nats-config", str(register), "--variables"]) == 0
    assert set(capsys.readouterr().out.split()) == {
        nats_config.password_variable(user) for user in nats_config.users(nats_config.organisations_of(REGISTER))
    }


WORKERS = [
    {"worker_code": "wgy-01", "grid_code": "wulong-01", "name": "张敏", "active": True},
    {"worker_code": "wgy-02", "grid_code": "wulong-01", "name": "李强", "active": False},
]


def test_each_active_grid_worker_gets_a_user_on_its_own_subject() -> None:
    orgs = nats_config.organisations_of({**REGISTER, "grid_workers": WORKERS})
    workers = [org for org in orgs if org.kind == "gridworker"]
    assert [(org.user, org.filter_subject) for org in workers] == [
        ("worker-wgy-01", "dispatch.task.assigned.v1.wgy-01")
    ]
    assert nats_config.password_variable("worker-wgy-01") == "WORKER_WGY_01_PASSWORD"


@pytest.mark.parametrize(
    ("code", "message"),
    [("a.b", "is not a worker code"), ("cgj", "is already dept-cgj's code"), (None, "is not a worker code")],
)
def test_a_bad_or_colliding_worker_code_is_refused_naming_the_row(code: str | None, message: str) -> None:
    rows = [WORKERS[0], {"worker_code": code, "grid_code": "wulong-01", "active": True}]
    with pytest.raises(PlatformError, match=rf"grid_workers\.1\.worker_code: .* {message}"):
        nats_config.organisations_of({**REGISTER, "grid_workers": rows})


def test_the_command_adds_the_grid_workers_of_a_roster_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register, roster = tmp_path / "export.json", tmp_path / "workers.json"
    register.write_text(json.dumps(REGISTER, ensure_ascii=False), encoding="utf-8")
    roster.write_text(json.dumps({"grid_workers": WORKERS}, ensure_ascii=False), encoding="utf-8")
    assert main(["nats-config", str(register), "--workers", str(roster), "--variables"]) == 0
    variables = set(capsys.readouterr().out.split())
    assert "WORKER_WGY_01_PASSWORD" in variables
    assert "WORKER_WGY_02_PASSWORD" not in variables  # dropped from the roster: no user
    assert "DEPT_CGJ_PASSWORD" in variables


def test_linkage_up_follows_dispatchs_grid_workers_and_keeps_them_when_not_asked(tmp_path: Path) -> None:
    register, roster = tmp_path / "export.json", tmp_path / "workers.json"
    register.write_text(json.dumps(REGISTER, ensure_ascii=False), encoding="utf-8")
    roster.write_text(json.dumps({"grid_workers": WORKERS}, ensure_ascii=False), encoding="utf-8")
    start = nats_config_up.accounts_at_start(tmp_path, demo=False)

    followed = nats_config_up.accounts_from_catalog(start, str(register), token="", workers=str(roster))
    assert followed is not None
    assert "worker-wgy-01" in followed.passwords
    assert "worker-wgy-02" not in followed.passwords
    again = nats_config_up.accounts_at_start(tmp_path, demo=False)  # the next start keeps the worker
    assert again.orgs == followed.orgs
    assert nats_config_up.accounts_from_catalog(again, str(register), token="") is None  # dispatch not read: kept
    unreadable = nats_config_up.accounts_from_catalog(again, str(register), token="", workers=str(tmp_path / "none"))
    assert unreadable is None

"""The admission demo (``linkage up --demo``): the report's case (职责准入), over HTTP like any client.

区计生协 applies to give two streets a new duty of their own: 司法局 finds it lawful, 营商局 objects, both streets
object, and the standing committee rejects it, so the catalogue stays as it was. A second application, with
staff and funds going with the duty, passes every stage; the catalogue takes it as a new version and the two
streets' published lists are filed (备案) and published again, each under a new revision.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx

from services.platform.errors import PlatformError
from services.runtime.auth import mint_token

APPLICANT = "jsx"  # 区计生协
STREETS = ("wulong", "hubin")
REVIEWS = (("legality", "sfj"), ("reasonableness", "ysj"))  # 司法局 合法性, 营商局 合理性
FIRST = {"legality": "agree", "reasonableness": "object", "streets": "object"}
SECOND = {"legality": "agree", "reasonableness": "agree", "streets": "agree"}
OPINIONS = {"agree": "同意。", "object": "有异议：街道不具备承接条件，人财物未随事转。"}
PATIENCE_S = 120.0


class Parties:
    """One HTTP client per service and one token per party of the case."""

    def __init__(self, admission_url: str, catalog_url: str, secret: str) -> None:
        self.admission = httpx.Client(base_url=admission_url, timeout=60)
        self.catalog = httpx.Client(base_url=catalog_url, timeout=60)
        self.secret = secret

    def as_(self, role: str) -> dict[str, str]:
        token = mint_token(self.secret, subject=f"demo-{role.replace(':', '-')}", roles=[role], ttl_s=600)
        return {"Authorization": f"Bearer {token}"}

    def close(self) -> None:
        self.admission.close()
        self.catalog.close()


def run(admission_url: str, catalog_url: str, env: dict[str, str]) -> Iterator[str]:
    """``linkage up --demo``'s part: what it says while the case runs."""
    yield "admission demo: 区计生协's two applications (one to be rejected, one approved)"
    outcome = load(admission_url, catalog_url, secret=env["LINKAGE_JWT_SECRET"])
    if outcome.get("already"):
        yield "admission demo already run"
        return
    yield f"admission demo: {outcome['rejected']} rejected (flags {', '.join(outcome['flags'])}), nothing changed"
    lists = ", ".join(f"{street} revision {old} -> {new}" for street, (old, new) in outcome["lists"].items())
    yield f"admission demo: {outcome['approved']} approved; the streets' lists re-filed and published: {lists}"


def load(admission_url: str, catalog_url: str, *, secret: str) -> dict[str, Any]:
    """Both applications of the report's case; returns what became of them. Needs the catalogue demo loaded."""
    parties = Parties(admission_url, catalog_url, secret)
    try:
        return _case(parties)
    finally:
        parties.close()


def _case(parties: Parties) -> dict[str, Any]:
    if _in_catalogue(parties, "JSX002"):
        return {"already": True}  # a data directory the demo ran on before
    template = _template(parties)
    before = {street: _published(parties, street) for street in STREETS}
    first = _submit(parties, _proposal(template, "JSX001", "计生协会基层服务", _helped_task(template)), staffed=False)
    _run_through(parties, first, FIRST)
    _decide(parties, first, "reject", "区委常委会〔2026〕11号", "街道不具备承接条件，不予纳入")
    _refuse_if(_in_catalogue(parties, first["item_code"]), f"the rejected {first['item_code']} is in the catalogue")
    second = _submit(parties, _proposal(template, "JSX002", "计生特殊家庭走访关怀", "组织网格员走访计生特殊家庭"))
    _run_through(parties, second, SECOND)
    _decide(parties, second, "approve", "区委常委会〔2026〕12号", "人财物随事转，同意纳入街道职责清单")
    _wait(lambda: _in_catalogue(parties, second["item_code"]), "the approved item never reached the catalogue")
    after = {street: _refile(parties, street, second["item_code"]) for street in STREETS}
    lists = {street: (before[street], after[street]) for street in STREETS}
    return {"rejected": first["id"], "flags": first["flags"], "approved": second["id"], "lists": lists}


def _template(parties: Parties) -> dict[str, Any]:
    """A demo item with a street task on which streets only co-operate (配合), to model the proposal on."""
    items = _ok(
        parties.catalog.get(
            "/items", params={"q": "配合主管部门", "list_kind": "common", "limit": 50}, headers=parties.as_("office")
        )
    )
    if not items:
        raise PlatformError("the catalogue demo holds no co-operating street task: load it first")
    return dict(items[0])


def _helped_task(template: dict[str, Any]) -> str:
    """The co-operating task made the streets' own: what the report calls 转嫁, flagged by the checks."""
    helping = next(t["text"] for t in template["tasks"] if t["party"] == "street" and t["text"].startswith("配合"))
    return str(helping).removeprefix("配合主管部门")


def _proposal(template: dict[str, Any], code: str, name: str, street_task: str) -> dict[str, Any]:
    basis = template["legal_basis"][:1]
    tasks = [
        {"party": "department", "text": "制定计生协基层工作规范并组织培训", "basis": basis},
        {"party": "street", "text": street_task, "basis": basis},
    ]
    item = {k: template[k] for k in ("list_kind", "domain", "time_limit")}
    return {
        **item,
        "item_code": code,
        "name": name,
        "responsible_body": APPLICANT,
        "legal_basis": basis,
        "tasks": tasks,
    }


def _submit(parties: Parties, proposal: dict[str, Any], *, staffed: bool = True) -> dict[str, Any]:
    """申请; admission screens against the catalogue it has heard of, so wait until it knows the demo's clauses."""
    body = {
        "department_code": APPLICANT,
        "kind": "add",
        "item_code": proposal["item_code"],
        "proposal": {**proposal, "street_codes": list(STREETS)},
        "street_codes": list(STREETS),
        "resources": {"staff": 2, "funds_yuan": 60000, "materials": ["入户走访终端"]} if staffed else {},
        "reason": "区计生协申请将协会基层工作纳入街道职责清单",
    }
    headers, deadline = parties.as_(f"department:{APPLICANT}"), time.monotonic() + PATIENCE_S
    while (answer := parties.admission.post("/applications", json=body, headers=headers)).status_code == 422:
        if "clause_unknown" not in answer.text or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return dict(_ok(answer))


def _run_through(parties: Parties, application: dict[str, Any], verdicts: dict[str, str]) -> None:
    base = f"/applications/{application['id']}"
    for aspect, body in REVIEWS:
        _answer(parties, f"{base}/reviews/{aspect}", f"reviewer:{body}", verdicts[aspect])
    for street in application["street_codes"]:
        _answer(parties, f"{base}/consultation/{street}", f"street:{street}", verdicts["streets"])
        if verdicts["streets"] == "object":
            reply = {"reply": "已转报区委常委会审定。"}
            _ok(
                parties.admission.post(f"{base}/consultation/{street}/reply", json=reply, headers=parties.as_("office"))
            )


def _answer(parties: Parties, path: str, role: str, verdict: str) -> None:
    body = {"verdict": verdict, "opinion": OPINIONS[verdict]}
    _ok(parties.admission.post(path, json=body, headers=parties.as_(role)))


def _decide(parties: Parties, application: dict[str, Any], decision: str, minutes: str, reason: str) -> None:
    body = {"decision": decision, "minutes_ref": minutes, "reason": reason}
    path = f"/applications/{application['id']}/decision"
    _ok(parties.admission.post(path, json=body, headers=parties.as_("committee")))


def _in_catalogue(parties: Parties, code: str) -> bool:
    return parties.catalog.get(f"/items/{code}", headers=parties.as_("office")).status_code == 200


def _published(parties: Parties, street: str) -> int:
    return int(_ok(parties.catalog.get(f"/public/streets/{street}.json"))["revision"])


def _refile(parties: Parties, street: str, code: str) -> int:
    """认领、报送、审核、备案、公布: the street's list again with the new duty; returns the published revision."""
    office, own = parties.as_("office"), parties.as_(f"street:{street}")
    claimed = _ok(parties.catalog.get(f"/street-lists/{street}", headers=office))["item_codes"]
    steps: list[tuple[str, str, dict[str, str], dict[str, Any] | None]] = [
        ("PUT", "items", own, {"item_codes": sorted({*claimed, code})}),
        ("POST", "submit", own, None),
        ("POST", "review", office, {"decision": "approve"}),
        ("POST", "file", office, {"filing_no": f"龙编备〔2026〕{street}-准入"}),
        ("POST", "publish", office, None),
    ]
    for method, step, headers, body in steps:
        published = _ok(parties.catalog.request(method, f"/street-lists/{street}/{step}", json=body, headers=headers))
    return int(published["revision"])


def _wait(done: Any, failure: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not done():
        if time.monotonic() > deadline:
            raise PlatformError(failure)
        time.sleep(0.2)


def _refuse_if(condition: bool, failure: str) -> None:
    if condition:
        raise PlatformError(failure)


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise PlatformError(f"{response.request.method} {response.request.url.path}: {response.text[:1000]}")
    return response.json()

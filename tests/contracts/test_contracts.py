"""The wire: every contract is snapshotted, CloudEvents-conformant, and names its subject once."""

from __future__ import annotations

import json

import pytest
from cloudevents.core.formats.json import JSONFormat

from contracts import CONTRACTS, IntegrationEvent, contract_for_subject, decode, encode, stream_for_subject
from contracts.envelope import envelop
from contracts.snapshots import rendered
from tests.contracts.examples import EXAMPLES


def test_checked_in_snapshots_and_asyncapi_match_the_code() -> None:
    stale = [path.name for path, text in rendered().items() if not path.exists() or path.read_text() != text]
    assert not stale, f"unreviewed contract change; review, then run python -m contracts.snapshots --write: {stale}"


def test_every_contract_has_an_example() -> None:
    assert set(EXAMPLES) == set(CONTRACTS)


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.TYPE)
def test_a_cloudevents_sdk_parses_what_we_publish(contract: type[IntegrationEvent]) -> None:
    event = EXAMPLES[contract]
    wire = encode(envelop(event, source="/linkage/test", subject="entity-1"))
    parsed = JSONFormat().read(None, wire)
    assert parsed.get_type() == contract.TYPE
    assert parsed.get_source() == "/linkage/test"
    assert parsed.get_data() == json.loads(event.model_dump_json())
    assert decode(wire, contract).data == event


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.TYPE)
def test_subjects_follow_the_scheme_and_land_in_their_producers_stream(contract: type[IntegrationEvent]) -> None:
    producer, _entity, _verb, version = contract.TYPE.split(".")
    assert version == "v1"
    assert stream_for_subject(contract.TYPE).prefix == producer
    token = "cgj" if contract.ROUTED else None
    assert contract_for_subject(contract.subject(token)) is contract


def test_routed_events_need_their_token_and_others_refuse_one() -> None:
    task = next(c for c in CONTRACTS if c.ROUTED)
    with pytest.raises(ValueError, match="needs routing token"):
        task.subject()
    plain = next(c for c in CONTRACTS if not c.ROUTED)
    with pytest.raises(ValueError, match="takes no routing token"):
        plain.subject("x")


def test_consumers_ignore_fields_added_later_within_v1() -> None:
    contract = type(EXAMPLES[contract_for_subject("intake.case.reported.v1")])
    wire = json.loads(encode(envelop(EXAMPLES[contract], source="/x")))
    wire["data"]["added_in_v1_later"] = "新字段"
    wire["extension"] = "ok"
    assert decode(json.dumps(wire).encode(), contract).data == EXAMPLES[contract]

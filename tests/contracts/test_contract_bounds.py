"""Every list on the wire has a bound, the bound is enforced, and real data (the demo catalogue) fits the bus."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from annotated_types import MaxLen
from pydantic import BaseModel, ValidationError

from contracts import CONTRACTS, encode
from contracts.base import MAX_ITEMS, MAX_ORGANISATIONS
from contracts.envelope import envelop
from contracts.events.catalog import AdjustmentOpened, ItemPublished, StreetListPublished
from contracts.events.dispatch import WhistleBlown
from services.platform.catalog_demo import demo_catalogue
from services.runtime.outbox import DEFAULT_MAX_PAYLOAD
from tests.contracts.examples import EXAMPLES

LONGEST_CODE = "X" * 64  # CODE_PATTERN's longest


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models an annotation holds: itself, a tuple's element, either side of an optional."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models(argument)


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (tuple, list)


def _every_model() -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = list(CONTRACTS)
    while pending:
        model = pending.pop()
        if model not in seen:
            seen.append(model)
            pending += [m for info in model.model_fields.values() for m in _models(info.annotation)]
    return seen


LIST_FIELDS = [(m, name) for m in _every_model() for name, info in m.model_fields.items() if _is_list(info.annotation)]


def _bound(model: type[BaseModel], name: str) -> int | None:
    return next((m.max_length for m in model.model_fields[name].metadata if isinstance(m, MaxLen)), None)


def _instances(value: Any) -> Iterator[BaseModel]:
    """Every model instance inside an example, itself included."""
    if isinstance(value, BaseModel):
        yield value
        for name in type(value).model_fields:
            yield from _instances(getattr(value, name))
    elif isinstance(value, tuple | list):
        for element in value:
            yield from _instances(element)


EXAMPLE_OF: dict[type[BaseModel], BaseModel] = {}
for _example in EXAMPLES.values():
    for _instance in _instances(_example):
        EXAMPLE_OF.setdefault(type(_instance), _instance)


def test_the_walk_finds_the_lists_of_nested_models_too() -> None:
    names = {f"{model.__name__}.{name}" for model, name in LIST_FIELDS}
    assert {"DutyTask.basis", "ItemDefinition.tasks", "ItemPublished.tasks", "WhistleBlown.departments"} <= names


@pytest.mark.parametrize(("model", "name"), LIST_FIELDS, ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_every_list_field_is_bounded_and_the_bound_holds(model: type[BaseModel], name: str) -> None:
    bound = _bound(model, name)
    assert bound is not None, f"{model.__name__}.{name} has no max_length"
    example = EXAMPLE_OF[model]
    current = getattr(example, name)
    element = current[0] if current else "x"
    data = example.model_dump()
    model.model_validate({**data, name: [element] * bound})  # the bound itself is allowed
    with pytest.raises(ValidationError) as refused:
        model.model_validate({**data, name: [element] * (bound + 1)})
    assert [(e["type"], e["loc"]) for e in refused.value.errors()] == [("too_long", (name,))]


def _size(event: Any) -> int:
    return len(encode(envelop(event, source="/linkage/catalog", subject="x")))


def test_lists_of_codes_at_their_bounds_fit_the_bus() -> None:
    codes = [LONGEST_CODE] * MAX_ITEMS
    street_list = StreetListPublished(
        street_code="s", revision=1, item_codes=tuple(codes), filing_no="龙编备〔2026〕1号", catalogue_version=1
    )
    whistle = EXAMPLES[WhistleBlown].model_copy(update={"departments": (LONGEST_CODE,) * MAX_ORGANISATIONS})
    opened = EXAMPLES[AdjustmentOpened].model_copy(update={"street_codes": (LONGEST_CODE,) * MAX_ORGANISATIONS})
    assert max(_size(street_list), _size(whistle), _size(opened)) < DEFAULT_MAX_PAYLOAD // 4


def test_every_item_of_the_demo_catalogue_is_a_small_event() -> None:
    items = demo_catalogue().items
    sizes = [_size(ItemPublished(**i.model_dump(), version=1, effective_from=date(2026, 1, 1))) for i in items]
    assert len(sizes) == 133
    assert max(sizes) < DEFAULT_MAX_PAYLOAD // 100

"""A role alias means one set of role kinds in every service (issue 10: ``Office`` meant different callers)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Annotated, get_args, get_origin

import pytest
from fastapi import params

from services.runtime import deps, ops
from services.runtime.auth import Require

SERVICES = ["admission", "catalog", "dispatch", "enforcement", "evaluation"]
SWITCHING: dict[str, str] = {}


def _role_aliases(module: ModuleType) -> dict[str, frozenset[str]]:
    found = {}
    for name, value in vars(module).items():
        if get_origin(value) is not Annotated:
            continue
        for meta in get_args(value)[1:]:
            if isinstance(meta, params.Depends) and isinstance(meta.dependency, Require):
                found[name] = frozenset(meta.dependency.kinds)
    return found


def _api_modules(service: str) -> list[ModuleType]:
    root = importlib.import_module(f"services.{service}.api")
    modules = [root]
    for info in pkgutil.walk_packages(getattr(root, "__path__", []), prefix=f"{root.__name__}."):
        modules.append(importlib.import_module(info.name))
    return modules


def test_the_shared_role_names_are_each_one_set() -> None:
    named = _role_aliases(deps)
    assert named["Office"] == {"office"}
    assert named["Operator"] == {"operator"}
    assert len(set(named.values())) == len(named), "two names for the same callers"


@pytest.mark.parametrize(
    "service",
    [
        pytest.param(s, marks=pytest.mark.xfail(reason=SWITCHING[s], strict=False)) if s in SWITCHING else s
        for s in SERVICES
    ],
)
def test_a_service_uses_the_shared_names_with_their_meaning(service: str) -> None:
    shared = _role_aliases(deps)
    for module in [*_api_modules(service), ops]:
        for name, kinds in _role_aliases(module).items():
            assert name in shared, f"{module.__name__}.{name}: declare role sets once, in services/runtime/deps.py"
            assert kinds == shared[name], f"{module.__name__}.{name} means {sorted(kinds)}, not {sorted(shared[name])}"

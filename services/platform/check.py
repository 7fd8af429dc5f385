"""``linkage check``: every gate CI runs, in order, stopping at the first that fails.

pytest's exit code 5 ("no tests collected") is a failure here: a suite that ran nothing proved nothing.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

GATES: tuple[tuple[str, list[str]], ...] = (
    ("ruff lint", ["-m", "ruff", "check", "."]),
    ("ruff format", ["-m", "ruff", "format", "--check", "."]),
    ("mypy --strict", ["-m", "mypy"]),
    ("import-linter", ["-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]),
    ("contract snapshots", ["-m", "contracts.snapshots"]),
)


def run_checks(pytest_args: Sequence[str], *, root: Path) -> int:
    for name, args in GATES:
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, *args], cwd=root).returncode != 0:
            print(f"linkage check: {name} failed", file=sys.stderr)
            return 1
    print("== pytest", flush=True)
    code = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=root).returncode
    if code == 5:
        print("linkage check: pytest collected no tests", file=sys.stderr)
        return 1
    return code

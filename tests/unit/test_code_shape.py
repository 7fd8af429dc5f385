"""Code-shape bars of issue 10, measured over services/ and contracts/ (migrations excluded).

How things are counted, so that everyone measures the same way:
- A function is every `def` and `async def` (methods and nested functions included).
- Its length is its body lines: from the first statement after the docstring to the function's last line,
  blank and comment lines inside that span included. The signature, decorators and docstring do not count.
- A long function (over 40 lines) is explained when a comment starting `# long because` sits inside it
  or on one of the three lines just above its first decorator or `def`.
- A module's length is its physical line count.
"""

from __future__ import annotations

import ast
import statistics
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREES = ("services", "contracts")
MEDIAN_BAR = 5
FUNCTION_BAR = 40
MODULE_BAR = 300
WHY = "# long because"


@dataclass(frozen=True)
class Function:
    path: str
    name: str
    line: int
    length: int
    explained: bool


def _modules() -> list[Path]:
    found = [p for tree in TREES for p in sorted((ROOT / tree).rglob("*.py"))]
    return [p for p in found if "migrations" not in p.relative_to(ROOT).parts]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _body_start(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    first = body[0]
    is_docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    if is_docstring and isinstance(first.value.value, str) and len(body) > 1:
        return body[1].lineno
    if is_docstring and isinstance(first.value.value, str):
        return (first.end_lineno or first.lineno) + 1  # a docstring-only function has no body lines
    return first.lineno


def _functions(path: Path) -> list[Function]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        end = node.end_lineno or node.lineno
        length = max(0, end - _body_start(node) + 1)
        top = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        span = lines[max(0, top - 4) : end]
        explained = any(line.strip().startswith(WHY) for line in span)
        found.append(Function(path=_name(path), name=node.name, line=node.lineno, length=length, explained=explained))
    return found


def _measure() -> tuple[float, list[Function], list[tuple[str, int]]]:
    functions = [f for p in _modules() for f in _functions(p)]
    median = statistics.median(f.length for f in functions)
    unexplained = [f for f in functions if f.length > FUNCTION_BAR and not f.explained]
    modules = [(str(p.relative_to(ROOT)), len(p.read_text(encoding="utf-8").splitlines())) for p in _modules()]
    return median, unexplained, [(p, n) for p, n in modules if n > MODULE_BAR]


def test_the_counter_counts_body_lines_without_the_docstring(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('def f() -> int:\n    """Doc."""\n    x = 1\n    return x\n\n\ndef g() -> None:\n    pass\n')
    lengths = {f.name: f.length for f in _functions(sample)}
    assert lengths == {"f": 2, "g": 1}


def test_a_long_function_is_explained_by_a_why_comment_above_it(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(FUNCTION_BAR + 1))
    sample = tmp_path / "sample.py"
    why = "# long because one table of steps reads best in order\n"
    sample.write_text(f"{why}def f() -> None:\n{body}\ndef g() -> None:\n{body}")
    explained = {f.name: f.explained for f in _functions(sample)}
    assert explained == {"f": True, "g": False}


def test_services_and_contracts_meet_the_shape_bars() -> None:
    median, unexplained, big_modules = _measure()
    report = [f"function median: {median} body lines (bar {MEDIAN_BAR})"]
    report += [f"unexplained long function: {f.path}:{f.line} {f.name} ({f.length} lines)" for f in unexplained]
    report += [f"long module: {path} ({n} lines)" for path, n in big_modules]
    print("\n".join(report))
    assert median <= MEDIAN_BAR, "\n".join(report)
    assert not unexplained, "\n".join(report)
    assert not big_modules, "\n".join(report)

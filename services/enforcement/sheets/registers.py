"""The three register files (名录库) as offices fill them, one register per file, Chinese headers:

- 执法人员: 编码, 姓名, 所属单位, 综合执法队街道 (optional), 执法资格 (``领域:有效期至``, several by ；),
  回避对象 (target codes), 休假 (``开始~结束``, several by ；);
- 检查对象: 编码, 名称, 所属街道, 风险等级 (高/较高/一般/低), 执法领域, 检查记录 (``日期 事项``, several by ；);
- 抽查事项: 事项编码, 抽查事项名称, 检查部门, 执法领域, 法律依据, 抽查频次 (rounds a year), and the yearly
  ratio per tier 高风险比例, 较高风险比例, 一般风险比例, 低风险比例 (30% or 5‰).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from services.enforcement.domain.registers import (
    TIER_WORDS,
    Certification,
    Inspected,
    Leave,
    MatterTerms,
    Officer,
    RiskTier,
    Target,
)
from services.enforcement.sheets.cells import Cells
from services.enforcement.sheets.table import FileRejected, RowError, Sheet

T = TypeVar("T")
OFFICER_COLUMNS = ("编码", "姓名", "所属单位", "综合执法队街道", "执法资格", "回避对象", "休假")
TARGET_COLUMNS = ("编码", "名称", "所属街道", "风险等级", "执法领域", "检查记录")
RATIO_COLUMNS = {RiskTier.HIGH: "高风险比例", RiskTier.ELEVATED: "较高风险比例"}
RATIO_COLUMNS |= {RiskTier.NORMAL: "一般风险比例", RiskTier.LOW: "低风险比例"}
MATTER_COLUMNS = ("事项编码", "抽查事项名称", "检查部门", "执法领域", "法律依据", "抽查频次", *RATIO_COLUMNS.values())
OPTIONAL = frozenset({"综合执法队街道", "回避对象", "休假", "检查记录"})
_EPOCH = date(1970, 1, 1)  # stands in for a bad date in a row already refused: never stored
_PAIR = re.compile(r"^(?P<left>[^:：~～]+)[:：~～](?P<right>.+)$")


@dataclass(frozen=True)
class MatterRow:
    item_code: str
    name: str
    department_code: str
    terms: MatterTerms


def read_officers(sheet: Sheet) -> list[Officer]:
    return _rows(sheet, OFFICER_COLUMNS, _officer, key=lambda o: o.code)


def read_targets(sheet: Sheet) -> list[Target]:
    return _rows(sheet, TARGET_COLUMNS, _target, key=lambda t: t.code)


def read_matters(sheet: Sheet) -> list[MatterRow]:
    return _rows(sheet, MATTER_COLUMNS, _matter, key=lambda m: f"{m.item_code}/{m.department_code}")


def _rows(sheet: Sheet, columns: tuple[str, ...], read: Callable[[Cells], T], *, key: Callable[[T], str]) -> list[T]:
    """Every row read; any problem anywhere refuses the file whole, listing them all."""
    missing = [c for c in columns if c not in sheet.header and c not in OPTIONAL]
    if missing:
        raise FileRejected([RowError(row=1, reason=f"the header row lacks column(s): {', '.join(missing)}")])
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    entries: list[T] = []
    for number, values in sheet.rows:
        cells = Cells(number, values, errors)
        entry = read(cells)
        if cells.ok and (first := seen.setdefault(key(entry), number)) != number:
            cells.fail(columns[0], f"{key(entry)} is already on row {first}")
        entries.append(entry)
    if errors:
        raise FileRejected(errors)
    return entries


def _officer(cells: Cells) -> Officer:
    return Officer(
        code=cells.code("编码"),
        name=cells.text("姓名"),
        organisation_code=cells.code("所属单位"),
        street_code=cells.code("综合执法队街道", required=False) or None,
        certifications=tuple(_certification(cells, part) for part in cells.parts("执法资格")),
        conflicts=frozenset(cells.codes("回避对象")),
        leave=tuple(_leave(cells, part) for part in cells.parts("休假")),
    )


def _pair(cells: Cells, column: str, part: str, shape: str) -> tuple[str, str]:
    found = _PAIR.match(part)
    if found is None:
        cells.fail(column, f"{part!r} is not {shape}")
        return "", ""
    return found["left"].strip(), found["right"].strip()


def _certification(cells: Cells, part: str) -> Certification:
    domain, expires = _pair(cells, "执法资格", part, "领域:有效期至, e.g. 市场监管:2027-12-31")
    day = cells.day("执法资格", expires) if expires else None
    return Certification(domain, day) if day else Certification(domain, _EPOCH)


def _leave(cells: Cells, part: str) -> Leave:
    start, end = _pair(cells, "休假", part, "开始~结束, e.g. 2026-03-01~2026-03-15")
    first, last = (cells.day("休假", start), cells.day("休假", end)) if start else (None, None)
    return Leave(first or _EPOCH, last or _EPOCH)


def _target(cells: Cells) -> Target:
    return Target(
        code=cells.code("编码"),
        name=cells.text("名称"),
        street_code=cells.code("所属街道"),
        risk_tier=cells.word("风险等级", TIER_WORDS) or RiskTier.NORMAL,
        domains=frozenset(cells.words("执法领域")),
        history=tuple(_inspected(cells, part) for part in cells.parts("检查记录")),
    )


def _inspected(cells: Cells, part: str) -> Inspected:
    day, _, matter = part.partition(" ")
    return Inspected(cells.day("检查记录", day) or _EPOCH, matter.strip())


def _matter(cells: Cells) -> MatterRow:
    terms = MatterTerms(
        domain=cells.text("执法领域"),
        legal_basis=cells.text("法律依据"),
        frequency=cells.whole("抽查频次"),
        ratios={tier: cells.permille(column) for tier, column in RATIO_COLUMNS.items()},
    )
    return MatterRow(cells.code("事项编码"), cells.text("抽查事项名称"), cells.code("检查部门"), terms)

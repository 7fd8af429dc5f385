"""The form departments fill in (清单填报表): sheet names, Chinese headers and the words allowed in cells.

Pure vocabulary: what each column is called and how a cell's words map onto the catalogue's values, both
ways, so that reading and writing a form can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from contracts.base import TimeUnit
from contracts.events.catalog import ClauseRef, ListKind, TaskParty
from services.catalog.domain.library import LawKind, LawStatus, OrgKind

ITEMS_SHEET = "事项与任务"
LAWS_SHEET = "法律依据"
ORGS_SHEET = "组织机构"
GRIDS_SHEET = "网格"
SHEET_COLUMN = "表"
"""The CSV form is one table: this column says which sheet of the XLSX form each row belongs to."""

ITEM_COLUMNS = (
    "事项编码",
    "事项名称",
    "清单类型",
    "领域",
    "责任主体",
    "配合单位",
    "适用街道",
    "办理时限",
    "时限单位",
    "立案条件",
    "结案条件",
    "问责情形",
    "事项依据",
)
TASK_COLUMNS = ("任务主体", "任务内容", "任务依据")
LAW_COLUMNS = ("依据编号", "名称", "类别", "制定机关", "施行日期", "状态", "条", "款", "条文内容")
ORG_COLUMNS = ("编码", "名称", "类别", "上级编码")
OUTLINE_COLUMN = "轮廓 (GeoJSON)"
"""A grid's outline as compact GeoJSON Polygon text, [longitude, latitude] (WGS84)."""
GRID_COLUMNS = ("网格编码", "所属街道", OUTLINE_COLUMN)

HEADERS: dict[str, tuple[str, ...]] = {
    ITEMS_SHEET: ITEM_COLUMNS + TASK_COLUMNS,
    LAWS_SHEET: LAW_COLUMNS,
    ORGS_SHEET: ORG_COLUMNS,
    GRIDS_SHEET: GRID_COLUMNS,
}
REQUIRED_SHEETS = (ITEMS_SHEET, LAWS_SHEET)
OPTIONAL_COLUMNS = frozenset({"状态", "适用街道", "立案条件", "结案条件", "问责情形", "上级编码", OUTLINE_COLUMN})
"""Columns a form may leave out altogether: older forms predate them."""
MAX_CELL = 32_767
"""Characters an Excel cell holds (Excel cuts a longer one, in a workbook or a CSV it opens)."""

LIST_KINDS = {
    "共性": ListKind.COMMON,
    "差异化": ListKind.DIFFERENTIATED,
    "权力": ListKind.POWER,
    "服务": ListKind.SERVICE,
    "社区": ListKind.COMMUNITY,
}
TIME_UNITS = {"工作日": TimeUnit.WORKING_DAY, "工作时": TimeUnit.WORKING_HOUR, "自然日": TimeUnit.NATURAL_DAY}
PARTIES = {"部门": TaskParty.DEPARTMENT, "街道": TaskParty.STREET}
LAW_KINDS = {"法律": LawKind.LAW, "法规": LawKind.REGULATION, "规章": LawKind.RULE, "规范性文件": LawKind.NORMATIVE}
LAW_STATUSES = {"现行有效": LawStatus.IN_FORCE, "已修订": LawStatus.AMENDED, "已废止": LawStatus.REPEALED}
ORG_KINDS = {"部门": OrgKind.DEPARTMENT, "街道": OrgKind.STREET, "派驻机构": OrgKind.AGENCY, "社区": OrgKind.COMMUNITY}
SYNONYMS = {"共性清单": "共性", "差异化清单": "差异化", "权力清单": "权力", "行政权力清单": "权力", "服务清单": "服务"}
SYNONYMS |= {"政务服务": "服务", "社区清单": "社区", "工作小时": "工作时", "小时": "工作时", "天": "自然日"}
SYNONYMS |= {"部门任务": "部门", "街道任务": "街道", "区直部门": "部门"}
"""Words offices write for the same thing; the form's own word is what export writes back."""


def word_for(vocabulary: Mapping[str, object], value: object) -> str:
    """The form's word for a value (the inverse of a vocabulary)."""
    return next(word for word, known in vocabulary.items() if known == value)


def choices(vocabulary: Mapping[str, object]) -> str:
    return "/".join(vocabulary)


_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
_BASIS_SEPARATORS = re.compile(r"[;；\n]+")


def split_codes(cell: str) -> tuple[str, ...]:
    """配合单位 and 适用街道: codes separated by commas, 、 or spaces, as offices type them."""
    return tuple(code for code in _LIST_SEPARATORS.split(cell) if code)


def split_lines(cell: str) -> tuple[str, ...]:
    """问责情形: one situation per line or per ；."""
    return tuple(part.strip() for part in _BASIS_SEPARATORS.split(cell) if part.strip())


_CLAUSE_REF = re.compile(
    r"^(?P<law>[A-Za-z0-9][A-Za-z0-9_-]*)\s*(?P<article>第[^第款]+?条(?:之[一二三四五六七八九十]+)?)\s*"
    r"(?P<paragraph>第[^第]+款)?$"
)


def parse_refs(cell: str, titles: Mapping[str, str]) -> tuple[tuple[ClauseRef, ...], list[str]]:
    """依据: ``L001 第十二条`` or ``L001 第十二条第二款``, several separated by ； or new lines.

    Returns the references and a reason for each part that is not one; a law must be named in the form's
    法律依据 sheet or already be in the library, whose title the reference carries.
    """
    refs: list[ClauseRef] = []
    problems: list[str] = []
    for part in (p.strip() for p in _BASIS_SEPARATORS.split(cell)):
        if not part:
            continue
        found = _CLAUSE_REF.match(part)
        if found is None:
            problems.append(f"{part!r} is no clause reference; write e.g. L001 第十二条第二款")
        elif found["law"] not in titles:
            problems.append(f"law {found['law']} is neither in the {LAWS_SHEET} sheet nor in the library")
        else:
            law, title = found["law"], titles[found["law"]]
            refs.append(ClauseRef(law_id=law, law_title=title, article=found["article"], paragraph=found["paragraph"]))
    return tuple(refs), problems


def format_refs(refs: Iterable[ClauseRef]) -> str:
    return "；".join(f"{r.law_id} {r.article}{r.paragraph or ''}" for r in refs)


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def numeral(text: str) -> int | None:
    """十二 → 12, 一百零五 → 105; None when ``text`` is no Chinese numeral (so it sorts last)."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (digit or 1) * _UNITS[char]
            digit = 0
        else:
            return None
    return total + digit if text else None


def chinese(number: int) -> str:
    """12 → 十二, 105 → 一百零五 (for 1 ≤ number < 10000), the way laws number their articles."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number % 10] if number % 10 else "")
    text, pending_zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            text += ("零" if pending_zero and text else "") + digits[digit] + unit
            pending_zero = False
        elif text:
            pending_zero = True
    return text


def clause_order(article: str, paragraph: str) -> tuple[int, str, int, str]:
    """Sort clauses as the law numbers them (第二条 before 第十条), unknown shapes last."""

    def rank(text: str, suffix: str) -> int:
        value = numeral(text.removeprefix("第").split(suffix, 1)[0]) if text else 0
        return value if value is not None else 1_000_000

    return (rank(article, "条"), article, rank(paragraph, "款"), paragraph)
